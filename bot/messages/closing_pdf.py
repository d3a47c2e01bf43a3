"""The approved closing summary laid out as a PDF for the purchaser.

`render(content, locale)` is a pure function of the summary's content (facts, see
bot/services/closing.py, plus its version and approval day) and the language: a heading, the
client, coach and organisation, the period and the outcome, the plan's emphasis over time as a
table, the goals with the reached ones marked, check-in adherence and the coach's own sentence.
It does blocking work: call it with `asyncio.to_thread` after reading the database.

Names can be in any script, so the text is set in DejaVu Sans (from matplotlib's package data or
the system's fonts) when it is there; otherwise in the PDF core font, where a character outside
Latin-1 shows as "?".
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.messages import closing_text
from bot.text.i18n import _, ngettext, use_locale

FAMILY = "DejaVuSans"
_SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")


def _font_dirs() -> list[Path]:
    found = []
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            found.append(Path(location) / "mpl-data" / "fonts" / "ttf")
    found.append(_SYSTEM_FONTS)
    return found


def unicode_font() -> tuple[Path, Path] | None:
    """DejaVu Sans, regular and bold, if this machine has it."""
    for folder in _font_dirs():
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class _Document:
    """An A4 page flow with a Unicode font when there is one."""

    def __init__(self, fonts: tuple[Path, Path] | None) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_margins(20, 20, 20)
        self.pdf.set_auto_page_break(auto=True, margin=20)
        if fonts is not None:
            self.pdf.add_font(FAMILY, "", str(fonts[0]))
            self.pdf.add_font(FAMILY, "B", str(fonts[1]))
            self.family = FAMILY
            self.unicode = True
        else:
            self.family = "helvetica"
            self.unicode = False
        self.pdf.add_page()

    def text(self, value: str) -> str:
        if self.unicode:
            return value
        plain = value.replace("–", "-").replace("—", "-").replace("…", "...")
        return plain.encode("latin-1", "replace").decode("latin-1")

    def mark(self, reached: bool) -> str:
        """The sign before a goal: a tick for a reached one."""
        if self.unicode:
            return "✓ " if reached else "– "
        return "[x] " if reached else "[ ] "

    def font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def line(self, value: str, *, size: float = 11, bold: bool = False, gap: float = 1) -> None:
        self.font(size, bold)
        self.pdf.multi_cell(0, size * 0.5, self.text(value), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(gap)

    def heading(self, value: str) -> None:
        self.pdf.ln(3)
        self.line(value, size=13, bold=True, gap=2)

    def table(self, header: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
        self.font(10)
        with self.pdf.table(
            col_widths=widths,
            text_align="LEFT",
            headings_style=FontFace(emphasis="BOLD"),
            line_height=6,
        ) as table:
            for values in [header, *rows]:
                row = table.row()
                for value in values:
                    row.cell(self.text(value))
        self.pdf.ln(2)


def render(content: dict[str, Any], locale: str, *, unicode: bool = True) -> bytes:
    """The summary as PDF bytes in `locale` (in DejaVu Sans if found, unless told not to)."""
    with use_locale(locale):
        doc = _Document(unicode_font() if unicode else None)
        pdf = doc.pdf
        title = _("Summary of the coaching")
        pdf.set_title(doc.text(title))
        pdf.set_lang(locale)
        approved_on = content.get("approved_on")
        if approved_on:
            moment = dt.datetime.combine(dt.date.fromisoformat(approved_on), dt.time(12))
            pdf.set_creation_date(moment.replace(tzinfo=dt.UTC))
        doc.line(title, size=18, bold=True, gap=4)
        facts = [
            _("Client: {name}").format(name=content.get("client") or "?"),
            _("Coach: {name}").format(name=content.get("coach") or "?"),
        ]
        if content.get("organisation"):
            facts.append(_("Organisation: {name}").format(name=content["organisation"]))
        facts += [
            _("Period: {period}").format(period=closing_text.period(content)),
            _("Outcome: {outcome}").format(
                outcome=closing_text.outcome_name(content.get("outcome"))
            ),
        ]
        for fact in facts:
            doc.line(fact)

        doc.heading(_("The plan's emphasis over time"))
        emphasis = content.get("emphasis") or []
        if emphasis:
            rows = []
            for item in emphasis:
                for step in item.get("levels", []):
                    rows.append(
                        [
                            closing_text.area_name(item["area"]),
                            closing_text.day(step.get("from")),
                            "{name} ({level}/4)".format(
                                name=closing_text.level_name(int(step["level"])),
                                level=int(step["level"]),
                            ),
                        ]
                    )
            doc.table([_("Area"), _("From"), _("Emphasis")], rows, (80, 40, 50))
        else:
            doc.line(_("No emphasis was set."))

        doc.heading(_("Goals"))
        goals = content.get("goals") or []
        if goals:
            reached = sum(1 for goal in goals if goal.get("reached"))
            doc.line(
                ngettext(
                    "{reached} of {total} goal reached.",
                    "{reached} of {total} goals reached.",
                    len(goals),
                ).format(reached=reached, total=len(goals))
            )
            rows = [
                [
                    doc.mark(bool(goal.get("reached"))) + str(goal.get("title", "")),
                    closing_text.area_name(str(goal.get("area", ""))),
                    closing_text.goal_state(goal),
                ]
                for goal in goals
            ]
            doc.table([_("Goal"), _("Area"), _("Result")], rows, (80, 50, 40))
        else:
            doc.line(_("No goals were set."))

        doc.heading(_("Check-ins"))
        doc.line(closing_text.adherence(content))

        sentence = content.get("coach_sentence")
        if sentence:
            doc.heading(_("The coach adds"))
            doc.line(str(sentence))

        pdf.ln(4)
        if approved_on:
            doc.line(
                _(
                    "The client read this summary and approved it on {date}. Version {version}."
                ).format(date=closing_text.day(approved_on), version=content.get("version", 1)),
                size=9,
            )
        return bytes(pdf.output())
