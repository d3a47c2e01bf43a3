"""The organisation at a glance, for admins: the figures of bot/services/org_view.py as a table
and as CSV for the purchaser's report. Counts only; a cell of fewer than seven people reads
"fewer than 7" in both."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.handlers.desk import AREA, STATUS
from bot.messages.closing_text import OUTCOME
from bot.models.coaching import GoalArea, Outcome
from bot.services import access, org_view
from bot.services.org_view import Figures
from bot.text import i18n
from bot.text.i18n import N_, _
from bot.web import formats
from bot.web.app import SECURITY_HEADERS, Desk, Refused, Visit, page

FEWER = N_("fewer than 7")


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the view: its title, column headings and rows of (label, cells)."""

    title: str
    columns: list[str]
    rows: list[tuple[str, list[str]]]


def _cell(figures: Figures, key: str, shown: str | None = None) -> str:
    if key in figures.withheld:
        return _(FEWER)
    if shown is not None:
        return shown
    return formats.number(figures.people.get(key, 0))


def _hours(value: float | None) -> str:
    return "–" if value is None else formats.number(value, 1)


def tables(figures: Figures) -> list[Table]:
    """The view's tables in the current language (the same for the page and the CSV)."""
    phases = Table(
        _("Clients by phase"),
        [_("Clients")],
        [(_(STATUS[p]), [_cell(figures, f"phase.{p.value}")]) for p in org_view.PHASES],
    )
    weeks = Table(
        _("Check-ins per week"),
        [_("Clients asked"), _("Check-ins answered")],
        [
            (
                _("Week from {day}").format(day=formats.long_day(start)),
                [
                    _cell(figures, f"week.{i}.clients"),
                    _cell(
                        figures,
                        f"week.{i}.share",
                        "–"
                        if figures.values.get(f"week.{i}.share") is None
                        else formats.percent(figures.values[f"week.{i}.share"] or 0.0),
                    ),
                ],
            )
            for i, start in enumerate(figures.weeks)
        ],
    )
    raised = figures.values.get("flags.raised")
    flags = Table(
        _("Flags in the last {days} days").format(days=org_view.FLAG_DAYS),
        [_("Flags raised"), _("Hours to first answer, median"), _("Hours to first answer, 90%")],
        [
            (
                _("All flags"),
                [
                    _cell(figures, "flags.raised", formats.number(raised or 0)),
                    _cell(figures, "flags.median", _hours(figures.values.get("flags.median"))),
                    _cell(figures, "flags.p90", _hours(figures.values.get("flags.p90"))),
                ],
            )
        ],
    )
    goals = Table(
        _("Goals per area (clients)"),
        [_("Agreed"), _("Reached")],
        [
            (
                _(AREA[area]),
                [
                    _cell(figures, f"goals.{area.value}.agreed"),
                    _cell(figures, f"goals.{area.value}.reached"),
                ],
            )
            for area in GoalArea
        ],
    )
    outcomes = Table(
        _("Outcomes of closed coachings"),
        [_("Clients")],
        [(_(OUTCOME[o]), [_cell(figures, f"outcome.{o.value}")]) for o in Outcome],
    )
    follow_up = Table(
        _("Follow-up after a placement began"),
        [_("Asked"), _("Answered")],
        [
            (
                _("{months} months").format(months=months),
                [
                    _cell(figures, f"followup.{months}.asked"),
                    _cell(figures, f"followup.{months}.answered"),
                ],
            )
            for months in org_view.FOLLOW_UP_WINDOWS
        ],
    )
    return [phases, weeks, flags, goals, outcomes, follow_up]


async def _organisation_of(visit: Visit) -> int:
    """The organisation the admin asked for (?org=ID), of those they administer."""
    mine = await access.admin_organisations(
        visit.db, person_id=visit.coach.person_id, now=visit.now
    )
    if not mine:
        raise Refused(403)
    wanted = visit.request.query_params.get("org", "")
    if not wanted:
        return mine[0]
    if not wanted.isdigit() or int(wanted) not in mine:
        raise Refused(403)
    return int(wanted)


async def organisation(desk: Desk, visit: Visit) -> Response:
    organisation_id = await _organisation_of(visit)
    found = await org_view.figures(visit.db, organisation_id=organisation_id, now=visit.now)
    with i18n.use_locale(visit.coach.locale), formats.use_timezone(visit.coach.timezone):
        shown = tables(found)
    return desk.render(
        "organisation.html",
        locale=visit.coach.locale,
        timezone=visit.coach.timezone,
        coach=visit.coach,
        csrf=visit.session.csrf,
        tables=shown,
        organisation_id=organisation_id,
        small=org_view.SMALL_CELL,
        logged_in=True,
        active="organisation",
    )


async def organisation_csv(desk: Desk, visit: Visit) -> Response:
    organisation_id = await _organisation_of(visit)
    found = await org_view.figures(visit.db, organisation_id=organisation_id, now=visit.now)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    with i18n.use_locale(visit.coach.locale), formats.use_timezone(visit.coach.timezone):
        writer.writerow([_("Table"), _("Row"), _("Column"), _("Value")])
        for table in tables(found):
            for label, cells in table.rows:
                for column, value in zip(table.columns, cells, strict=True):
                    writer.writerow([table.title, label, column, value])
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="organisation-{organisation_id}.csv"',
    }
    # A byte order mark, so that spreadsheet programs read the letters å, ä and ö right.
    return Response(
        "\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/organisation", page(organisation), methods=["GET"]),
        Route("/organisation.csv", page(organisation_csv), methods=["GET"]),
    ]
