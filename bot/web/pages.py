"""The coach's pages: the caseload table (sorted and filtered on the server, so it works without
JavaScript) and, from it, each client's page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.handlers.desk import AREA, GOT_UP, SLEEP, STATUS
from bot.messages.closing_text import LEVEL
from bot.messages.goal_texts import STATUS_WORDS_COACH
from bot.models.coaching import CoachingStatus, GoalArea
from bot.models.flags import FlagKind, FlagStatus
from bot.models.goals import GoalEventKind
from bot.models.messaging import RelayDirection
from bot.services import access, desk_client, desk_rows
from bot.services.desk_client import ClientPage
from bot.services.desk_rows import DeskRow
from bot.text.i18n import N_
from bot.web.app import Desk, Refused, Visit, page

SORTS = {
    "attention": N_("Open flags first"),
    "name": N_("Name"),
    "quiet": N_("Longest without an answer"),
    "unread": N_("Unread messages"),
    "next": N_("Next check-in"),
}
FILTERS = {
    "": N_("Everyone"),
    "flags": N_("With an open flag"),
    "quiet3": N_("Not answered for 3 days"),
}
PHASES = [CoachingStatus.ONBOARDING, CoachingStatus.ACTIVE, CoachingStatus.CLOSED]
QUIET_DAYS = 3


def _quiet(row: DeskRow) -> bool:
    """No answer for at least QUIET_DAYS days (or none at all in the strip)."""
    if row.answered_days is None:
        return False
    since = row.days_since_answer
    return since is None or since >= QUIET_DAYS


def _sort_key(sort: str) -> object:
    def name(row: DeskRow) -> tuple[str, int]:
        return (row.entry.name.casefold(), row.client_id)

    if sort == "name":
        return name
    if sort == "quiet":
        return lambda r: (
            -(r.days_since_answer if r.days_since_answer is not None else 99)
            if r.answered_days is not None
            else 1,
            name(r),
        )
    if sort == "unread":
        return lambda r: (-r.entry.unread, name(r))
    if sort == "next":
        return lambda r: (r.next_checkin_at is None, r.next_checkin_at or r.entry.name, name(r))
    return lambda r: (-r.entry.open_flags, -r.entry.unread, name(r))


async def caseload(desk: Desk, visit: Visit) -> Response:
    query = visit.request.query_params
    sort = query.get("sort", "attention")
    sort = sort if sort in SORTS else "attention"
    show = query.get("show", "")
    show = show if show in FILTERS else ""
    phase = query.get("phase", "")
    phase = phase if phase in {p.value for p in PHASES} else ""
    everyone = await desk_rows.rows(visit.db, coach_id=visit.coach.person_id, now=visit.now)
    shown = [
        row
        for row in everyone
        if (show != "flags" or row.entry.open_flags)
        and (show != "quiet3" or _quiet(row))
        and (not phase or (row.status is not None and row.status.value == phase))
    ]
    shown.sort(key=_sort_key(sort))  # type: ignore[arg-type]
    return desk.render(
        "caseload.html",
        locale=visit.coach.locale,
        timezone=visit.coach.timezone,
        coach=visit.coach,
        csrf=visit.session.csrf,
        rows=shown,
        total=len(everyone),
        sort=sort,
        show=show,
        phase=phase,
        sorts=SORTS,
        filters=FILTERS,
        phases=[(p.value, STATUS[p]) for p in PHASES],
        status_words=STATUS,
        areas=[(area.value, AREA[area]) for area in GoalArea],
        levels=LEVEL,
        logged_in=True,
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/clients", page(caseload), methods=["GET"]),
        Route("/clients/{client_id:int}", page(client), methods=["GET"]),
    ]


FLAG_KINDS = {
    FlagKind.LOW_MOOD: N_("Low mood on several days"),
    FlagKind.MISSED_CHECKINS: N_("Check-ins missed"),
    FlagKind.CONTACT_REQUEST: N_("Asks you to get in touch"),
    FlagKind.CRISIS: N_("Words of crisis"),
    FlagKind.WORRYING_WORDS: N_("Worrying words"),
    FlagKind.GOAL_STUCK: N_("Stuck with a goal"),
    FlagKind.EMPLOYER_REQUEST: N_("The employer asks for guidance"),
    FlagKind.PULSE_MISMATCH: N_("Employee and employer see the work differently"),
    FlagKind.FOLLOWUP_SILENCE: N_("No answer to the follow-up"),
    FlagKind.FOLLOWUP_WORSE: N_("Work got harder (follow-up)"),
    FlagKind.UNREACHABLE: N_("Cannot get the bot's messages"),
    FlagKind.WORK_STRAIN: N_("Strain at work"),
}
FLAG_STATES = {
    FlagStatus.OPEN: N_("open"),
    FlagStatus.ACKNOWLEDGED: N_("you will get in touch"),
    FlagStatus.SNOOZED: N_("reminder tomorrow"),
    FlagStatus.DONE: N_("done"),
}
GOAL_EVENTS = {
    GoalEventKind.PROPOSED: N_("proposed"),
    GoalEventKind.ACCEPTED: N_("agreed"),
    GoalEventKind.DECLINED: N_("declined"),
    GoalEventKind.STEP_DONE: N_("a step done"),
    GoalEventKind.SOME_PROGRESS: N_("some progress"),
    GoalEventKind.STUCK: N_("stuck"),
    GoalEventKind.REACHED: N_("reached"),
    GoalEventKind.LET_GO: N_("let go"),
    GoalEventKind.EDITED: N_("changed"),
    GoalEventKind.OVERDUE_RAISED: N_("past its date"),
}
# What the page says after a write (the form posts, then the page is shown again: ?done=KEY).
NOTICES = {
    "note": N_("The note is saved. The client can read it with /notes."),
    "flag": N_("The flag is updated."),
    "plan": N_("The plan is updated."),
    "reply": N_("The message is on its way to the client."),
}
CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_BOTTOM = 560, 200, 36, 28


@dataclass(frozen=True, slots=True)
class Chart:
    """The mood line of the last four weeks, drawn on the server as SVG coordinates."""

    points: list[tuple[float, float, int, dt.datetime]]
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, dt.datetime]]

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _m, _w in self.points)


def chart(page_data: ClientPage, now: dt.datetime) -> Chart:
    start, span = page_data.chart_from, (now - page_data.chart_from).total_seconds() or 1.0
    width = CHART_WIDTH - CHART_LEFT - 8
    height = CHART_HEIGHT - CHART_BOTTOM - 8

    def x(when: dt.datetime) -> float:
        return CHART_LEFT + width * (when - start).total_seconds() / span

    def y(mood: int) -> float:
        return 8 + height * (5 - mood) / 4

    points = [(x(c.due_at), y(c.mood), c.mood, c.due_at) for c in page_data.checkins if c.mood]
    days = [start + dt.timedelta(days=d) for d in (0, 7, 14, 21, 28)]
    x_ticks = [(x(day), day) for day in days]
    return Chart(points=points, y_ticks=[(y(m), m) for m in range(1, 6)], x_ticks=x_ticks)


async def client(desk: Desk, visit: Visit) -> Response:
    client_id = visit.request.path_params["client_id"]
    try:
        data = await desk_client.client_page(
            visit.db, coach_id=visit.coach.person_id, client_id=client_id, now=visit.now
        )
    except access.AccessDenied:
        raise Refused(403) from None
    return desk.render(
        "client.html",
        locale=visit.coach.locale,
        timezone=visit.coach.timezone,
        coach=visit.coach,
        csrf=visit.session.csrf,
        page=data,
        card=data.card,
        chart=chart(data, visit.now),
        chart_size=(CHART_WIDTH, CHART_HEIGHT, CHART_LEFT, CHART_BOTTOM),
        status_words=STATUS,
        goal_status=STATUS_WORDS_COACH,
        goal_events=GOAL_EVENTS,
        flag_kinds=FLAG_KINDS,
        flag_states=FLAG_STATES,
        area_words=AREA,
        areas=[(area.value, AREA[area]) for area in GoalArea],
        levels=LEVEL,
        sleep_words=SLEEP,
        got_up_words=GOT_UP,
        coach_to_client=RelayDirection.COACH_TO_CLIENT,
        notice=visit.request.query_params.get("done", ""),
        notices=NOTICES,
        can_answer=await access.can_answer_client(
            visit.db, coach_id=visit.coach.person_id, client_id=client_id, now=visit.now
        ),
        logged_in=True,
        active="clients",
    )
