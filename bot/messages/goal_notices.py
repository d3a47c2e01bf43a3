"""Messages about goals sent to someone other than the person pressing, through the outbox: the
progress question and the gentle word about a passed date (from the dispatcher), a coach's
proposal to the client, and the coach's notices (a goal reached, a proposal answered, a goal let
go). Each is written in the recipient's language.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.messages import callbacks
from bot.messages.goal_texts import DATE_CHOICES, PROGRESS_BUTTONS, area_name, quote, reason_text
from bot.models.goals import Goal
from bot.models.people import Person
from bot.services import access, goals, outbox, people
from bot.text.html_text import escape
from bot.text.i18n import _, use_locale

_LOGGER = logging.getLogger(__name__)

ACTION = "gl"


def keyboard(rows: list[list[tuple[str, str]]]) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in rows
        ]
    }


def progress_rows(goal_id: int) -> list[list[tuple[str, str]]]:
    """The four answers to how a goal goes, two to a row."""
    items = [
        (_(label), callbacks.encode(ACTION, "p", goal_id, code))
        for code, (_kind, label) in PROGRESS_BUTTONS.items()
    ]
    return [items[:2], items[2:]]


def overdue_rows(goal_id: int) -> list[list[tuple[str, str]]]:
    """A new date, keep going without one, or let the goal go."""
    return [
        [
            (_(DATE_CHOICES["1"]), callbacks.encode(ACTION, "nd", goal_id, "1")),
            (_(DATE_CHOICES["3"]), callbacks.encode(ACTION, "nd", goal_id, "3")),
        ],
        [
            (_("▶️ Keep going, no date"), callbacks.encode(ACTION, "nd", goal_id, "0")),
            (_("🌿 Let it go"), callbacks.encode(ACTION, "l", goal_id)),
        ],
    ]


def progress_question(goal_id: int, title: str, *, overdue: bool) -> dict[str, Any]:
    """The sendMessage of a progress question (or of a passed date), in the current language."""
    if overdue:
        text = "\n\n".join(
            [
                _("🗓 The date you set for your goal {title} has passed.").format(
                    title=quote(title)
                ),
                _("That is okay. Plans change, and small goals take time."),
                _("What would you like to do?"),
            ]
        )
        rows = overdue_rows(goal_id)
    else:
        text = "\n\n".join(
            [
                _("🎯 How is your goal going?"),
                quote(title),
            ]
        )
        rows = progress_rows(goal_id)
    return {"text": text, "parse_mode": ParseMode.HTML, "reply_markup": keyboard(rows)}


async def _to_coach(
    session: AsyncSession, *, client_id: int, now: dt.datetime, purpose: str, text_of: Any
) -> bool:
    """Queue a notice to the coach who answers for the client now; False if there is none."""
    coach = await access.acting_coach(session, client_id=client_id, now=now)
    if coach is None or coach.id is None or coach.chat_id is None:
        return False
    name = await people.name_as_seen_by(session, viewer_id=coach.id, person_id=client_id)
    with use_locale(coach.locale):
        text = text_of(escape(name or "?"))
    await outbox.enqueue(
        session,
        chat_id=coach.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML},
        now=now,
        person_id=coach.id,
        subject_id=client_id,
        purpose=purpose,
    )
    return True


async def reached(session: AsyncSession, *, goal: Goal, now: dt.datetime) -> bool:
    """Tell the coach that the client reached a goal."""
    return await _to_coach(
        session,
        client_id=goal.client_id,
        now=now,
        purpose=f"goal-reached:{goal.id}",
        text_of=lambda name: _(
            "🏆 {name} reached a goal: {title}. A good moment to celebrate together!"
        ).format(name=name, title=quote(goal.title)),
    )


async def answered(session: AsyncSession, *, goal: Goal, accepted: bool, now: dt.datetime) -> bool:
    """Tell the coach how the client answered the proposed goal."""
    if accepted:

        def text_of(name: str) -> str:
            return _("✅ {name} said yes to the goal {title}. It is agreed now.").format(
                name=name, title=quote(goal.title)
            )
    else:

        def text_of(name: str) -> str:
            return _(
                "{name} said no thanks to the goal {title}. That is fine. You can talk "
                "about goals together next time."
            ).format(name=name, title=quote(goal.title))

    return await _to_coach(
        session,
        client_id=goal.client_id,
        now=now,
        purpose=f"goal-answered:{goal.id}",
        text_of=text_of,
    )


async def let_go_by_client(session: AsyncSession, *, goal: Goal, now: dt.datetime) -> bool:
    """Tell the coach that the client let a goal go, and why."""
    return await _to_coach(
        session,
        client_id=goal.client_id,
        now=now,
        purpose=f"goal-let-go:{goal.id}",
        text_of=lambda name: _("🌿 {name} let go of the goal {title}. Reason: {reason}").format(
            name=name, title=quote(goal.title), reason=reason_text(goal.let_go_reason)
        ),
    )


async def let_go_by_coach(
    session: AsyncSession, *, goal: Goal, coach_id: int, now: dt.datetime
) -> bool:
    """Tell the client that their coach let a goal go, and why, without blame."""
    client = await session.get(Person, goal.client_id)
    coach = await session.get(Person, coach_id)
    if client is None or client.chat_id is None:
        return False
    with use_locale(client.locale):
        text = "\n\n".join(
            [
                _("🌿 {coach} let go of the goal {title}. Reason: {reason}").format(
                    coach=escape(
                        people.first_name(coach.display_name if coach else None) or _("your coach")
                    ),
                    title=quote(goal.title),
                    reason=reason_text(goal.let_go_reason),
                ),
                _("That is okay. Plans change. /goals shows your goals."),
            ]
        )
    await outbox.enqueue(
        session,
        chat_id=client.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML},
        now=now,
        person_id=client.id,
        purpose=f"goal-let-go:{goal.id}",
    )
    return True


async def proposal(session: AsyncSession, *, goal: Goal, coach_id: int, now: dt.datetime) -> bool:
    """Ask the client whether they want the goal their coach proposes."""
    client = await session.get(Person, goal.client_id)
    coach = await session.get(Person, coach_id)
    if client is None or client.chat_id is None or goal.id is None:
        return False
    with use_locale(client.locale):
        text = "\n\n".join(
            [
                _("🎯 {coach} suggests a goal for you:").format(
                    coach=escape(
                        people.first_name(coach.display_name if coach else None) or _("your coach")
                    )
                ),
                _("{title} – {area}").format(title=quote(goal.title), area=area_name(goal.area)),
                _("Do you want this goal? It is your choice."),
            ]
        )
        rows = [
            [
                (_("✅ Yes, I want it"), callbacks.encode(ACTION, "y", goal.id)),
                (_("❌ No thanks"), callbacks.encode(ACTION, "n", goal.id)),
            ]
        ]
    await outbox.enqueue(
        session,
        chat_id=client.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML, "reply_markup": keyboard(rows)},
        now=now,
        person_id=client.id,
        purpose=f"goal-proposal:{goal.id}",
        dedup_key=f"goal-proposal:{goal.id}",
    )
    return True


class GoalQuestions:
    """The progress questions of goals (or the word about a passed date), one per client a day;
    registered after the check-ins, since a goal question comes on a day with a check-in."""

    def __init__(self, *, limit: int = 500) -> None:
        self._limit = limit

    async def next_due(self, session: AsyncSession, *, now: dt.datetime) -> dt.datetime | None:
        return await goals.next_due(session)

    async def run(self, session: AsyncSession, now: dt.datetime) -> int:
        due = await goals.claim_due(session, now=now, limit=self._limit)
        if not due:
            return 0
        messages = []
        for item in due:
            with use_locale(item.locale):
                payload = progress_question(item.goal_id, item.title, overdue=item.overdue)
            kind = "overdue" if item.overdue else "progress"
            messages.append(
                {
                    "chat_id": item.chat_id,
                    "method": "sendMessage",
                    "payload": payload,
                    "person_id": item.client_id,
                    "purpose": f"goal-{kind}:{item.goal_id}",
                    "dedup_key": f"goal:{item.goal_id}:{kind}:{now.isoformat()}",
                }
            )
        await outbox.enqueue_many(session, messages=messages, now=now)
        await goals.log_overdue(
            session, goal_ids=[item.goal_id for item in due if item.overdue], now=now
        )
        _LOGGER.info("dispatcher: %d goal questions due", len(due))
        return len(due)
