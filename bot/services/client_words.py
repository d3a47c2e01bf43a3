"""What the bot does with words of crisis or worry in what a client writes (anywhere: a message,
a check-in note, a goal, a caption, an edit, a typed answer while joining): the tier under their
organisation's policy, the language to answer in, and the flag for their coach.

A crisis raises an urgent flag; worry a flag "worrying words" that waits for the coach's working
hours. There is one open flag of each at a time: later words are added to it (the notice shows
the last few), not sent again. The client gets the worry answer when the flag is new, or when
they were last answered a day or more ago, so that a person who writes several worried messages
hears a kind word without hearing the same sentence after each one. The words are kept in the
flag so that the coach reads them even when they were not a message (a goal, a note); they go
with the client when the client's data is erased, like everything of theirs.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import Coaching
from bot.models.flags import Flag, FlagKind, FlagStatus
from bot.models.people import Organisation
from bot.services import crisis, flags
from bot.services.crisis import Policy, Tier

_LOGGER = logging.getLogger(__name__)

EXCERPT = 300  # characters of the words kept in a flag, each time
KEPT = 3  # the last few words a flag keeps
ANSWER_AGAIN_AFTER = dt.timedelta(hours=24)

# Where the words were written (kept in the flag, shown to the coach in their language).
WHERE = ("message", "edit", "caption", "note", "goal", "step", "reason", "joining", "answer")


@dataclass(frozen=True, slots=True)
class Words:
    """A client's words as read: the tier under their organisation's policy, the language the
    words are clearly written in (None: answer in the person's own), and the rules behind it."""

    tier: Tier
    language: str | None
    rules: tuple[str, ...]


async def organisation_of(session: AsyncSession, *, client_id: int) -> Organisation | None:
    """The organisation of the client's latest coaching (open or closed)."""
    return (
        await session.exec(
            select(Organisation)
            .join(Coaching, col(Coaching.organisation_id) == col(Organisation.id))
            .where(Coaching.client_id == client_id)
            .order_by(col(Coaching.id).desc())
        )
    ).first()


async def read(session: AsyncSession, *, client_id: int | None, text: str | None) -> Words:
    """How worrying the words are for this client's organisation (the default policy for
    someone who is nobody's client)."""
    assessment = crisis.assess(text)
    if not assessment.hits:
        return Words(Tier.NONE, None, ())
    organisation = (
        await organisation_of(session, client_id=client_id) if client_id is not None else None
    )
    policy = Policy.from_settings(organisation.settings if organisation else None)
    tier = assessment.tier(policy)
    return Words(tier, assessment.language, tuple(assessment.rules(policy)))


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


async def flag(
    session: AsyncSession,
    *,
    client_id: int,
    words: Words,
    text: str,
    where: str,
    now: dt.datetime,
) -> bool:
    """Raise the flag the words call for, or add them to the open one. True when the client
    should get the worry answer now (the crisis answer is always given)."""
    if words.tier == Tier.NONE:
        return False
    kind = FlagKind.CRISIS if words.tier == Tier.CRISIS else FlagKind.WORRYING_WORDS
    said = {"text": _excerpt(text), "where": where if where in WHERE else "message"}
    raised = await flags.raise_flag(
        session,
        client_id=client_id,
        kind=kind,
        now=now,
        urgent=kind == FlagKind.CRISIS,
        details={"words": [said], "rules": list(words.rules), "answered_at": now.isoformat()},
    )
    _LOGGER.info(
        "client %s words %s rules %s (%s)", client_id, kind.value, ",".join(words.rules), where
    )
    if raised is not None:
        return True
    # An open flag of this kind: the words join it, and the answer is given again only after a
    # while.
    open_flag = (
        await session.exec(
            select(Flag).where(
                Flag.client_id == client_id,
                Flag.kind == kind,
                col(Flag.status) != FlagStatus.DONE,
            )
        )
    ).first()
    if open_flag is None:  # taken and closed meanwhile by someone else
        return True
    details: dict[str, Any] = dict(open_flag.details)
    details["words"] = [*list(details.get("words") or []), said][-KEPT:]
    details["rules"] = sorted({*details.get("rules", []), *words.rules})
    answered = _moment(details.get("answered_at"))
    again = answered is None or now - answered >= ANSWER_AGAIN_AFTER
    if again:
        details["answered_at"] = now.isoformat()
    open_flag.details = details
    return again


def _moment(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
