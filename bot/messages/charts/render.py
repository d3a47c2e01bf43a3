"""The pictures themselves: PNGs drawn with matplotlib's Agg renderer from plain data.

Made for a phone: 1080 pixels wide, big letters, few lines. Colours are the Okabe-Ito palette,
which colour-blind readers can tell apart, and no series is told by colour alone: each has its own
marker, line or hatch, and a word beside it. Every word is in the reader's language; the title is
also written into the PNG's Title text chunk and is the photo's caption.

These functions are pure (data and a language in, bytes out) and use no pyplot state, so they run
safely in a worker thread, off the event loop.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bot.messages.charts.data import (
    AHEAD_DAYS,
    CaseloadGrid,
    CellState,
    ClientProgress,
    DayProgress,
)
from bot.models.checkins import GotUp
from bot.text.dates import format_date, format_day_month, format_weekday
from bot.text.i18n import _, current_locale, ngettext, use_locale

DPI = 120
WIDTH_INCHES = 9.0  # 1080 pixels at DPI
NAME_MAX = 18
ROWS_PER_PICTURE = 50

# Okabe-Ito.
BLUE = "#0072B2"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#999999"
LIGHT = "#DDDDDD"
INK = "#222222"

_BASE_FONT = 15
_TITLE_FONT = 20
_PANEL_FONT = 17


# Rendering shares matplotlib's caches (fonts, text layout): one picture at a time.
_RENDERING = threading.Lock()
TITLE_WIDTH = 44  # characters on a line of the drawn title


@dataclass(frozen=True, slots=True)
class Picture:
    """A rendered PNG and its title (also its caption and its Title chunk)."""

    png: bytes
    title: str


def _figure(height_inches: float) -> Figure:
    figure = Figure(figsize=(WIDTH_INCHES, height_inches), dpi=DPI, layout="constrained")
    figure.set_facecolor("white")
    return figure


def _png(figure: Figure, title: str) -> Picture:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Title": title})
    return Picture(png=buffer.getvalue(), title=title)


def _drawable(text: str) -> str:
    """Text the bundled font can draw: characters beyond it (emoji in a name) are left out."""
    return "".join(ch for ch in text if ord(ch) <= 0xFFFF)


def _short(name: str) -> str:
    name = _drawable(name)
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…"


def _suptitle(figure: Figure, title: str, size: int = _TITLE_FONT) -> None:
    """The title over the picture, wrapped to the width of a phone; a name may hold dollars."""
    text = "\n".join(textwrap.wrap(_drawable(title), TITLE_WIDTH)) or " "
    figure.suptitle(text, fontsize=size, fontweight="bold", color=INK, parse_math=False)


def _plain(axes: Axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=_BASE_FONT)


def _panel_title(axes: Axes, text: str) -> None:
    axes.set_title(text, loc="left", fontsize=_PANEL_FONT, fontweight="bold", color=INK, pad=10)


# -- a client's last four weeks ---------------------------------------------------------------


def _span(data: ClientProgress) -> str:
    return _("{first} – {last}").format(
        first=format_date(data.days[0].day), last=format_date(data.days[-1].day)
    )


def progress_title(data: ClientProgress) -> str:
    """The chart's title in the current language: whose weeks, which days."""
    if data.name is None:
        return _("Your last four weeks: {days}").format(days=_span(data))
    return _("{name}, the last four weeks: {days}").format(name=data.name, days=_span(data))


def _day_ticks(axes: Axes, days: Sequence[DayProgress]) -> None:
    """A label at the first day of each week, and the last day (today)."""
    positions = list(range(0, len(days), 7))
    axes.set_xticks(positions, [format_day_month(days[i].day) for i in positions])
    axes.set_xlim(-0.7, len(days) - 0.3)


def _pauses(axes: Axes, days: Sequence[DayProgress]) -> bool:
    """Shade paused days (grey and hatched); True if there were any."""
    any_paused = False
    for index, day in enumerate(days):
        if day.paused:
            any_paused = True
            axes.axvspan(
                index - 0.5, index + 0.5, facecolor=LIGHT, edgecolor=GREY, hatch="//", lw=0
            )
    return any_paused


def _mood_panel(axes: Axes, days: Sequence[DayProgress]) -> None:
    _panel_title(axes, _("Mood (1 = low, 5 = good)"))
    _plain(axes)
    paused = _pauses(axes, days)
    points = [(i, d.mood) for i, d in enumerate(days) if d.mood is not None]
    if points:
        # The line joins answered days and breaks at a pause (NaN ends a line).
        line = [(i, d.mood if d.mood is not None else math.nan) for i, d in enumerate(days)]
        line = [(i, y) for i, y in line if not (math.isnan(y) and not days[i].paused)]
        xs, ys = zip(*line, strict=True)
        axes.plot(xs, ys, color=BLUE, lw=2.5, marker="o", markersize=10, zorder=3)
        last_x, last_y = points[-1]
        axes.annotate(
            format_decimal(round(last_y, 1), locale=current_locale()),
            (last_x, last_y),
            xytext=(0, 16),
            textcoords="offset points",
            ha="center",
            fontsize=_BASE_FONT,
            color=BLUE,
            fontweight="bold",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )
    else:
        axes.text(
            0.5,
            0.5,
            _("No mood answers in these weeks."),
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=_BASE_FONT,
            color=INK,
        )
    axes.set_ylim(0.5, 5.9)
    axes.set_yticks([1, 2, 3, 4, 5])
    axes.grid(axis="y", color=LIGHT, lw=1)
    _day_ticks(axes, days)
    if paused:
        axes.legend(
            handles=[Patch(facecolor=LIGHT, edgecolor=GREY, hatch="//", label=_("paused"))],
            loc="upper left",
            fontsize=_BASE_FONT - 2,
            frameon=False,
        )


_GOT_UP_STYLE: dict[GotUp, tuple[str, str]] = {
    GotUp.YES: ("o", GREEN),
    GotUp.LATER: ("s", ORANGE),
    GotUp.NO: ("X", VERMILLION),
}


def _got_up_label(value: GotUp) -> str:
    if value == GotUp.YES:
        return _("as planned")
    if value == GotUp.LATER:
        return _("later")
    return _("did not get up")


def _got_up_panel(axes: Axes, days: Sequence[DayProgress]) -> None:
    answered = [d for d in days if d.got_up is not None]
    planned = sum(1 for d in answered if d.got_up == GotUp.YES)
    _panel_title(
        axes,
        ngettext(
            "Got up as planned: {n} of {m} day",
            "Got up as planned: {n} of {m} days",
            len(answered),
        ).format(n=planned, m=len(answered)),
    )
    _plain(axes)
    axes.spines["left"].set_visible(False)
    _pauses(axes, days)
    handles = []
    for value, (marker, colour) in _GOT_UP_STYLE.items():
        xs = [i for i, d in enumerate(days) if d.got_up == value]
        axes.scatter(
            xs, [0] * len(xs), marker=marker, s=180, color=colour, edgecolors=INK, zorder=3
        )
        handles.append(
            Line2D(
                [],
                [],
                marker=marker,
                linestyle="",
                markersize=13,
                markerfacecolor=colour,
                markeredgecolor=INK,
                label=_got_up_label(value),
            )
        )
    axes.set_ylim(-0.6, 0.6)
    axes.set_yticks([])
    _day_ticks(axes, days)
    axes.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.35),
        ncol=3,
        fontsize=_BASE_FONT - 1,
        frameon=False,
        handletextpad=0.3,
        columnspacing=1.2,
    )


def _weeks(days: Sequence[DayProgress]) -> list[Sequence[DayProgress]]:
    return [days[i : i + 7] for i in range(0, len(days), 7)]


def _weekly_panel(axes: Axes, days: Sequence[DayProgress]) -> None:
    _panel_title(axes, _("Each week"))
    _plain(axes)
    weeks = _weeks(days)
    width = 0.26
    due = [sum(d.due for d in week) for week in weeks]
    answered = [sum(d.answered for d in week) for week in weeks]
    steps = [sum(d.steps_done for d in week) for week in weeks]
    reached = [sum(d.goals_reached for d in week) for week in weeks]
    positions = list(range(len(weeks)))

    left = [p - width for p in positions]
    axes.bar(left, due, width, facecolor="white", edgecolor=BLUE, lw=2, linestyle="--")
    axes.bar(left, answered, width, color=BLUE, edgecolor=INK, lw=1)
    axes.bar(positions, steps, width, color=ORANGE, edgecolor=INK, lw=1, hatch="//")
    right = [p + width for p in positions]
    axes.bar(right, reached, width, color=PURPLE, edgecolor=INK, lw=1, hatch="xx")
    top = max([*due, *steps, *reached, 1])
    label: dict[str, Any] = {"ha": "center", "va": "bottom", "fontsize": _BASE_FONT - 1}
    lift = top * 0.02
    for i in positions:
        axes.text(
            left[i],
            max(due[i], answered[i]) + lift,
            _("{answered}/{due}").format(answered=answered[i], due=due[i]),
            color=INK,
            **label,
        )
        axes.text(positions[i], steps[i] + lift, str(steps[i]), color=INK, **label)
        axes.text(right[i], reached[i] + lift, str(reached[i]), color=INK, **label)
    axes.set_ylim(0, top * 1.25 + 0.5)
    axes.set_yticks([])
    axes.spines["left"].set_visible(False)
    axes.set_xticks(
        positions,
        [f"{format_day_month(week[0].day)}–\n{format_day_month(week[-1].day)}" for week in weeks],
    )
    handles = [
        Patch(facecolor=BLUE, edgecolor=INK, label=_("check-ins answered / sent")),
        Patch(facecolor=ORANGE, edgecolor=INK, hatch="//", label=_("goal steps done")),
        Patch(facecolor=PURPLE, edgecolor=INK, hatch="xx", label=_("goals reached")),
    ]
    axes.legend(
        handles=handles,
        loc="upper left",
        fontsize=_BASE_FONT - 1,
        frameon=False,
        ncol=1,
    )


def _progress_figure(data: ClientProgress, title: str) -> Figure:
    figure = _figure(12.0)
    mood, got_up, weekly = figure.subplots(3, 1, gridspec_kw={"height_ratios": [3.0, 1.3, 3.4]})
    _suptitle(figure, title)
    _mood_panel(mood, data.days)
    _got_up_panel(got_up, data.days)
    _weekly_panel(weekly, data.days)
    return figure


def _welcome_figure(data: ClientProgress, title: str) -> Figure:
    """Before the first check-in: where it will appear, and the check-in days ahead."""
    figure = _figure(7.5)
    _suptitle(figure, title)
    top, days_axes = figure.subplots(2, 1, gridspec_kw={"height_ratios": [1.6, 2.0]})
    top.set_axis_off()
    if data.name is None:
        first_line = _("Your first check-in will appear here.")
    else:
        first_line = _("No check-ins yet. The first one will appear here.")
    lines = [first_line]
    if data.goals_open:
        if data.name is None:
            lines.append(
                ngettext(
                    "You are working on {n} goal.", "You are working on {n} goals.", data.goals_open
                ).format(n=data.goals_open)
            )
        else:
            lines.append(
                ngettext("{n} goal in progress.", "{n} goals in progress.", data.goals_open).format(
                    n=data.goals_open
                )
            )
    top.text(
        0.5,
        0.5,
        "\n".join(lines),
        ha="center",
        va="center",
        fontsize=_TITLE_FONT,
        color=BLUE,
        linespacing=1.6,
        transform=top.transAxes,
    )

    ahead = set(data.ahead)
    span = [data.today + dt.timedelta(days=n) for n in range(AHEAD_DAYS)]
    _plain(days_axes)
    for side in ("left", "bottom"):
        days_axes.spines[side].set_visible(False)
    _panel_title(days_axes, _("Check-in days ahead"))
    planned = [i for i, day in enumerate(span) if day in ahead]
    free = [i for i, day in enumerate(span) if day not in ahead]
    days_axes.scatter(planned, [0] * len(planned), marker="o", s=420, color=BLUE, edgecolors=INK)
    days_axes.scatter(free, [0] * len(free), marker=".", s=120, color=GREY)
    days_axes.set_xticks(
        range(len(span)),
        [f"{format_weekday(day)}\n{format_date(day, format='d')}" for day in span],
        fontsize=_BASE_FONT - 3,
    )
    days_axes.tick_params(axis="x", length=0)
    days_axes.set_yticks([])
    days_axes.set_ylim(-1.0, 1.0)
    days_axes.set_xlim(-0.6, len(span) - 0.4)
    if planned:
        handles = [
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=16,
                markerfacecolor=BLUE,
                markeredgecolor=INK,
                label=_("check-in day"),
            ),
            Line2D(
                [], [], marker=".", linestyle="", markersize=12, color=GREY, label=_("no check-in")
            ),
        ]
        days_axes.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.45),
            ncol=2,
            fontsize=_BASE_FONT,
            frameon=False,
        )
    else:
        days_axes.text(
            0.5,
            0.75,
            _("No check-in days in the next two weeks.")
            if data.has_schedule
            else _("No check-in time yet. /schedule chooses one."),
            ha="center",
            va="center",
            fontsize=_BASE_FONT,
            color=INK,
            transform=days_axes.transAxes,
        )
    return figure


def progress_picture(data: ClientProgress, locale: str) -> Picture:
    """A client's last four weeks (or their days ahead), as a PNG in `locale`."""
    with _RENDERING, use_locale(locale):
        title = progress_title(data)
        figure = _progress_figure(data, title) if data.started else _welcome_figure(data, title)
        return _png(figure, title)


# -- a coach's caseload -----------------------------------------------------------------------

# marker, face colour, edge colour, size
_CELL_STYLE: dict[CellState, tuple[str, str, str, float]] = {
    CellState.ANSWERED: ("o", GREEN, INK, 150),
    CellState.MISSED: ("X", VERMILLION, VERMILLION, 150),
    CellState.FLAGGED: ("^", ORANGE, INK, 190),
    CellState.PAUSED: ("s", LIGHT, GREY, 110),
    CellState.WAITING: ("o", "white", BLUE, 120),
    CellState.NOTHING_DUE: (".", GREY, GREY, 40),
}


def _cell_label(state: CellState) -> str:
    labels = {
        CellState.ANSWERED: _("answered"),
        CellState.MISSED: _("missed"),
        CellState.FLAGGED: _("flagged"),
        CellState.PAUSED: _("paused"),
        CellState.WAITING: _("waiting for an answer"),
        CellState.NOTHING_DUE: _("nothing due"),
    }
    return labels[state]


def caseload_title(grid: CaseloadGrid) -> str:
    n = len(grid.rows)
    return ngettext(
        "Check-ins of your {n} client: {days}",
        "Check-ins of your {n} clients: {days}",
        n,
    ).format(
        n=n,
        days=_("{first} – {last}").format(
            first=format_date(grid.days[0]), last=format_date(grid.days[-1])
        ),
    )


def caseload_pictures(grid: CaseloadGrid, locale: str) -> list[Picture]:
    """The caseload as one picture, or as parts of at most ROWS_PER_PICTURE clients each (a
    photo may not be much taller than that and stay readable)."""
    parts = [
        grid.rows[start : start + ROWS_PER_PICTURE]
        for start in range(0, len(grid.rows), ROWS_PER_PICTURE)
    ] or [()]
    if len(parts) == 1:
        return [caseload_picture(grid, locale)]
    with use_locale(locale):
        title = caseload_title(grid)
        titles = [
            _("{title}, part {part} of {parts}").format(title=title, part=n, parts=len(parts))
            for n in range(1, len(parts) + 1)
        ]
    return [
        caseload_picture(CaseloadGrid(days=grid.days, rows=rows), locale, title=part_title)
        for rows, part_title in zip(parts, titles, strict=True)
    ]


def caseload_picture(grid: CaseloadGrid, locale: str, *, title: str | None = None) -> Picture:
    """One row per client, one column per day, a symbol per cell, a legend below, as a PNG."""
    with _RENDERING, use_locale(locale):
        title = title or caseload_title(grid)
        rows = max(len(grid.rows), 1)
        figure = _figure(3.2 + 0.36 * rows)
        _suptitle(figure, title, _TITLE_FONT - 1)
        axes = figure.subplots()
        for index in range(0, rows, 2):
            axes.axhspan(index - 0.5, index + 0.5, color="#F2F2F2", lw=0, zorder=0)
        for state, (marker, face, edge, size) in _CELL_STYLE.items():
            xs: list[int] = []
            ys: list[int] = []
            for row_index, row in enumerate(grid.rows):
                for day_index, cell in enumerate(row.cells):
                    if cell == state:
                        xs.append(day_index)
                        ys.append(row_index)
            axes.scatter(
                xs, ys, marker=marker, s=size, facecolors=face, edgecolors=edge, lw=1.5, zorder=3
            )
        axes.set_xlim(-0.5, len(grid.days) - 0.5)
        axes.set_ylim(rows - 0.5, -0.5)
        axes.set_xticks(
            range(len(grid.days)),
            [f"{format_weekday(day)}\n{format_date(day, format='d')}" for day in grid.days],
        )
        for index, day in enumerate(grid.days):
            if index and day.isoweekday() == 1:
                axes.axvline(index - 0.5, color=GREY, lw=1, zorder=1)
        axes.xaxis.tick_top()
        axes.tick_params(axis="x", labelsize=_BASE_FONT - 3, length=0)
        axes.set_yticks(range(len(grid.rows)), [_short(row.name) for row in grid.rows])
        axes.tick_params(axis="y", labelsize=_BASE_FONT - 2, length=0)
        for tick in axes.get_yticklabels():
            tick.set_parse_math(False)  # a name may hold dollar signs
        for side in ("top", "right", "bottom", "left"):
            axes.spines[side].set_visible(False)
        handles = [
            Line2D(
                [],
                [],
                marker=marker,
                linestyle="",
                markersize=12 if state != CellState.NOTHING_DUE else 8,
                markerfacecolor=face,
                markeredgecolor=edge,
                markeredgewidth=1.5,
                label=_cell_label(state),
            )
            for state, (marker, face, edge, _size) in _CELL_STYLE.items()
        ]
        figure.legend(
            handles=handles,
            loc="outside lower center",
            ncol=3,
            fontsize=_BASE_FONT - 2,
            frameon=False,
        )
        return _png(figure, title)
