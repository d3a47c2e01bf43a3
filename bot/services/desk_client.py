"""One client's page on the coach's desk on the web: everything the chat's card shows and more
(four weeks of check-ins, goals with their history, notes, the plan with its history, open flags,
the message thread), each read through the coach's view of the client (bot/services/access.py).

Opening the page is the same as opening the chat's card (`caseload.open_card`): refused for a
client not on the coach's desk, written to the audit log, and the client's messages marked read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin
from bot.models.coaching import PlanEmphasis
from bot.models.flags import Flag, FlagStatus
from bot.models.goals import Goal, GoalEvent
from bot.models.messaging import RelayedMessage, RelayStatus
from bot.services import access, caseload, goals, notes, plan
from bot.services.caseload import ClientCard
from bot.services.notes import NoteView

CHART_DAYS = 28
THREAD_LENGTH = 30


@dataclass(frozen=True, slots=True)
class GoalWithHistory:
    goal: Goal
    events: list[GoalEvent]


@dataclass(frozen=True, slots=True)
class ClientPage:
    """What the client's page shows."""

    card: ClientCard
    checkins: list[Checkin]  # the last CHART_DAYS days, oldest first (empty when not shown)
    goals: list[GoalWithHistory]
    notes: list[NoteView]
    plan_history: list[PlanEmphasis]
    flags: list[Flag]  # open ones (not done), newest first
    thread: list[RelayedMessage]  # oldest first
    chart_from: dt.datetime


async def client_page(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> ClientPage:
    """The page of a client on the coach's desk; AccessDenied for any other id."""
    card = await caseload.open_card(session, coach_id=coach_id, client_id=client_id, now=now)
    view = await caseload.require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
    since = now - dt.timedelta(days=CHART_DAYS)
    checkins: list[Checkin] = []
    if view.checkins:
        checkins = list(
            (
                await session.exec(
                    select(Checkin)
                    .where(
                        Checkin.client_id == client_id,
                        col(Checkin.answered_at).is_not(None),
                        col(Checkin.due_at) >= since,
                        access.checkin_clause(view),
                    )
                    .order_by(col(Checkin.due_at), col(Checkin.id))
                )
            ).all()
        )
    goal_list = [
        GoalWithHistory(goal=g, events=await goals.events_of(session, goal_id=g.id or 0))
        for g in await goals.goals_of(session, client_id=client_id, view=view)
    ]
    flags = list(
        (
            await session.exec(
                select(Flag)
                .where(
                    Flag.client_id == client_id,
                    Flag.status != FlagStatus.DONE,
                    access.flag_clause(view),
                )
                .order_by(col(Flag.raised_at).desc(), col(Flag.id).desc())
            )
        ).all()
    )
    messages = (
        await session.exec(
            select(RelayedMessage)
            .where(
                RelayedMessage.client_id == client_id,
                RelayedMessage.status != RelayStatus.SUMMARISED,
            )
            .order_by(col(RelayedMessage.created_at).desc(), col(RelayedMessage.id).desc())
            .limit(THREAD_LENGTH * 3)
        )
    ).all()
    thread = [m for m in messages if access.holds_message(view, m)][:THREAD_LENGTH]
    thread.reverse()
    return ClientPage(
        card=card,
        checkins=checkins,
        goals=goal_list,
        notes=await notes.notes_about(session, client_id=client_id, view=view),
        plan_history=await plan.history(session, client_id=client_id, view=view),
        flags=flags,
        thread=thread,
        chart_from=since,
    )
