"""The coach's pages: the caseload table (sorted and filtered on the server, so it works without
JavaScript) and, from it, each client's page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.flows.plan import _notify_client as tell_client_of_plan
from bot.handlers.desk import AREA, GOT_UP, SLEEP, STATUS
from bot.messages.closing_text import LEVEL
from bot.messages.flag_notices import answered_text, queue_answered_in_chat, queue_cover_notices
from bot.messages.goal_texts import STATUS_WORDS_COACH
from bot.messages.notices import queue_relay
from bot.models.coaching import CoachingStatus, GoalArea
from bot.models.flags import Flag, FlagKind, FlagStatus
from bot.models.goals import GoalEventKind
from bot.models.messaging import ContentKind, RelayDirection
from bot.models.people import Person
from bot.services import access, desk_client, desk_rows, flags, notes, people, plan, relay
from bot.services import caseload as caseload_service
from bot.services.desk_client import ClientPage
from bot.services.desk_rows import DeskRow
from bot.services.errors import DomainError
from bot.services.relay import Incoming
from bot.text.html_text import escape
from bot.text.i18n import N_, use_locale
from bot.web.app import Desk, Refused, Visit, form_of, page

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
    "error": N_("That did not work. Please check what you wrote and try again."),
}
MAX_REPLY = 3500
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
    width = CHART_WIDTH - CHART_LEFT - 28
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


def _back(client_id: int, done: str, anchor: str) -> Response:
    """After a write, the client's page again (a GET, so a reload does not post twice)."""
    return RedirectResponse(f"/clients/{client_id}?done={done}#{anchor}", status_code=303)


async def add_note(desk: Desk, visit: Visit) -> Response:
    client_id = visit.request.path_params["client_id"]
    text = (await form_of(visit.request)).get("text", "")
    try:
        await notes.add_note(
            visit.db, coach_id=visit.coach.person_id, client_id=client_id, text=text, now=visit.now
        )
    except access.AccessDenied:
        raise Refused(403) from None
    except (notes.NoteTooLong, notes.EmptyNote):
        return _back(client_id, "error", "notes-h")
    return _back(client_id, "note", "notes-h")


async def answer_flag(desk: Desk, visit: Visit) -> Response:
    client_id = visit.request.path_params["client_id"]
    flag_id = visit.request.path_params["flag_id"]
    action = (await form_of(visit.request)).get("action", "")
    if action not in ("contact", "done", "later"):
        raise Refused(403)
    db, now = visit.db, visit.now
    flag = await db.get(Flag, flag_id)
    # The flag must be this client's, and the client on this coach's desk: a forged pair of ids
    # gets the same refusal as a flag that does not exist.
    if flag is None or flag.client_id != client_id:
        raise Refused(403)
    try:
        await caseload_service.require_on_desk(
            db, coach_id=visit.coach.person_id, client_id=client_id, now=now
        )
        handled = await flags.handle(
            db, flag_id=flag_id, person_id=visit.coach.person_id, action=action, now=now
        )
    except access.AccessDenied:
        raise Refused(403) from None
    person = await db.get(Person, visit.coach.person_id)
    assert person is not None
    name = await people.name_as_seen_by(db, viewer_id=visit.coach.person_id, person_id=client_id)
    with use_locale(person.locale):
        footer = answered_text(status=FlagStatus(handled.flag.status), name=escape(name or ""))
    if handled.cover is not None:
        await queue_cover_notices(db, flag=handled.flag, cover=handled.cover, now=now)
    await queue_answered_in_chat(db, flag=handled.flag, person=person, footer=footer, now=now)
    await db.commit()
    desk.services.wake_sender()
    desk.services.wake_dispatcher()
    return _back(client_id, "flag", "flags-h")


async def set_plan(desk: Desk, visit: Visit) -> Response:
    client_id = visit.request.path_params["client_id"]
    form = await form_of(visit.request)
    try:
        area = GoalArea(form.get("area", ""))
        level = int(form.get("level", ""))
    except ValueError:
        return _back(client_id, "error", "plan-h")
    reason = form.get("reason", "").strip()[:500] or None
    try:
        row = await plan.set_emphasis(
            visit.db,
            coach_id=visit.coach.person_id,
            client_id=client_id,
            area=area,
            level=level,
            reason=reason,
            now=visit.now,
        )
    except access.AccessDenied:
        raise Refused(403) from None
    except DomainError:
        return _back(client_id, "error", "plan-h")
    # The same message to the client as when the plan is set in the chat.
    await tell_client_of_plan(visit.db, client_id=client_id, row=row, now=visit.now)
    await visit.db.commit()
    desk.services.wake_sender()
    desk.services.wake_dispatcher()
    return _back(client_id, "plan", "plan-h")


async def send_reply(desk: Desk, visit: Visit) -> Response:
    client_id = visit.request.path_params["client_id"]
    text = (await form_of(visit.request)).get("text", "").strip()
    if not text or len(text) > MAX_REPLY:
        return _back(client_id, "error", "thread-h")
    db = visit.db
    coach = await db.get(Person, visit.coach.person_id)
    assert coach is not None
    try:
        passed = await relay.from_coach(
            db,
            coach_id=visit.coach.person_id,
            client_id=client_id,
            # Written on the desk, not in a chat: no Telegram message to copy, the words are sent.
            incoming=Incoming(
                chat_id=coach.chat_id or 0, message_id=0, kind=ContentKind.TEXT, text=text
            ),
            now=visit.now,
        )
    except access.AccessDenied:
        raise Refused(403) from None
    await queue_relay(db, passed=passed, now=visit.now)
    await db.commit()
    desk.services.wake_sender()
    return _back(client_id, "reply", "thread-h")


def routes() -> list[BaseRoute]:
    return [
        Route("/clients", page(caseload), methods=["GET"]),
        Route("/clients/{client_id:int}", page(client), methods=["GET"]),
        Route("/clients/{client_id:int}/notes", page(add_note, writes=True), methods=["POST"]),
        Route(
            "/clients/{client_id:int}/flags/{flag_id:int}",
            page(answer_flag, writes=True),
            methods=["POST"],
        ),
        Route("/clients/{client_id:int}/plan", page(set_plan, writes=True), methods=["POST"]),
        Route("/clients/{client_id:int}/reply", page(send_reply, writes=True), methods=["POST"]),
    ]
