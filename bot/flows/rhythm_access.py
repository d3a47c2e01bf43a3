"""Who may change a client's rhythm (/schedule, /pause): the client themself, or the coach who
acts for them now (access.require_act). Shared by both flows and the client card's buttons.

Also what both flows share: the coach's list of clients to choose from, the command, and the
row that closes their messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update

from bot.handlers.replies import answer_query, answer_stale, edit_or_reply, reply
from bot.handlers.start import stranger_text
from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard
from bot.messages.pickers import client_picker
from bot.runtime.context import Context
from bot.services import access, people, summaries
from bot.services.access import AccessDenied
from bot.text.i18n import _, gettext


@dataclass(frozen=True, slots=True)
class Whose:
    """Whose rhythm is shown, and to whom: the client themself or their coach."""

    client_id: int
    is_self: bool
    name: str  # the client's name as the coach knows it (unused for the client themself)


async def authorise(context: Context, client_id: int) -> Whose:
    """May the person behind the update change this client's rhythm? The client themself, or
    the coach who acts for them now; anyone else is refused without naming anything."""
    actor = context.require_actor()
    services = context.services
    now = services.clock.now()
    if actor.person_id is None:
        raise AccessDenied("no person")
    if client_id == actor.person_id and actor.is_client:
        return Whose(client_id=client_id, is_self=True, name="")
    if not actor.is_coach:
        raise AccessDenied(f"person {actor.person_id} may not change client {client_id}'s rhythm")
    async with services.db.session() as session:
        await access.require_act(session, coach_id=actor.person_id, client_id=client_id, now=now)
        name = await people.name_as_seen_by(session, viewer_id=actor.person_id, person_id=client_id)
    return Whose(client_id=client_id, is_self=False, name=name or "?")


# -- what /schedule and /pause share ------------------------------------------------------------


def closing_row(whose: Whose, action: str) -> list[Button]:
    """✅ Done for the client themself; back to the client's card for a coach."""
    if whose.is_self:
        return [Button.press(_("✅ Done"), action, whose.client_id, "z")]
    return [Button.press(_("⬅️ Back to the card"), callbacks.CLIENTS, "c", whose.client_id, 0)]


async def coach_picker(
    context: Context, coach_id: int, page: int, *, action: str, title: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The clients the coach answers for, a page at a time, to choose whose rhythm; `title` is
    the question (a msgid)."""
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        ids = await summaries.clients_answered_for(session, coach_id=coach_id, now=now)
        named = [
            (cid, await people.name_as_seen_by(session, viewer_id=coach_id, person_id=cid) or "?")
            for cid in ids
        ]
    if not named:
        return _("You have no clients yet. /invite makes an invite link."), None
    named.sort(key=lambda item: (item[1].casefold(), item[0]))
    rows, _page, _pages = client_picker(
        named, page, choose=lambda cid: (action, cid, "v"), turn=lambda p: (action, "p", p)
    )
    return gettext(title), Keyboard.of(rows).markup()


async def rhythm_command(
    update: Update,
    context: Context,
    show: Callable[[Update, Context, Whose], Awaitable[None]],
    *,
    action: str,
    title: str,
    purpose: str,
) -> None:
    """/schedule or /pause: a client's own; a coach first chooses the client."""
    actor = context.require_actor()
    if actor.person_id is None or not actor.is_known:
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    if actor.is_client:
        await show(update, context, await authorise(context, actor.person_id))
        return
    text, keyboard = await coach_picker(context, actor.person_id, 0, action=action, title=title)
    await reply(update, context, text, reply_markup=keyboard, purpose=purpose)


async def turn_page(
    update: Update, context: Context, page: int, *, action: str, title: str
) -> None:
    """Another page of the coach's clients (a client's press of it no longer works)."""
    query = update.callback_query
    assert query is not None
    actor = context.require_actor()
    if not actor.is_coach or actor.person_id is None:
        await answer_stale(query)
        return
    await answer_query(query)
    text, keyboard = await coach_picker(context, actor.person_id, page, action=action, title=title)
    await edit_or_reply(update, context, text, reply_markup=keyboard)
