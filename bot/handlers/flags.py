"""A coach's answer to a flag (I'll contact / Done / Later), a client's request to be contacted,
and the answer to words of crisis (at once, before anything else) or of worry.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.replies import answer_query, answer_stale, close_question, reply
from bot.handlers.start import stranger_text
from bot.messages import callbacks
from bot.messages.flag_notices import (
    ACTION,
    crisis_text,
    queue_cover_notices,
    taken_text,
    worry_text,
)
from bot.models.flags import FlagKind, FlagStatus
from bot.models.people import Person
from bot.runtime.context import CompanionApplication, Context
from bot.services import client_words, flags, people, routing
from bot.services.access import AccessDenied
from bot.services.crisis import Tier
from bot.services.people import Actor
from bot.text.html_text import escape, html
from bot.text.i18n import _, use_locale

CONTACT_ACTION = callbacks.CONTACT
# fl:FLAG:CHOICE, the buttons under a flag.
FLAG_CHOICES = ("contact", "done", "later")


async def on_flag_button(update: Update, context: Context) -> None:
    """The coach pressed I'll contact, Done or Later under a flag."""
    query = update.callback_query
    assert query is not None
    actor = context.require_actor()
    _action, parts = callbacks.decode(query.data)
    flag_id = callbacks.number(parts, 0)
    choice = callbacks.choice(parts, 1, FLAG_CHOICES)
    if actor.person_id is None or len(parts) != 2 or flag_id is None or choice is None:
        await answer_stale(query)
        return
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        handled = await flags.handle(
            session, flag_id=flag_id, person_id=actor.person_id, action=choice, now=now
        )
        flag = handled.flag
        name = await people.name_as_seen_by(
            session, viewer_id=actor.person_id, person_id=flag.client_id
        )
        shown = escape(name or "")
        outcome = {
            FlagStatus.ACKNOWLEDGED: _("✔️ You will contact {name}.").format(name=shown),
            FlagStatus.DONE: _("✔️ Done.").format(name=shown),
            FlagStatus.SNOOZED: _("⏰ I will remind you tomorrow.").format(name=shown),
        }.get(FlagStatus(flag.status), _("✔️ Done."))
        if handled.cover is not None:
            # They took the client over: say until when, and tell the client and the coach.
            coach = await session.get(Person, handled.cover.covered_id)
            outcome = taken_text(
                name=shown,
                coach=escape(people.first_name(coach.display_name if coach else None) or "?"),
                until=handled.cover.valid_until,
                timezone=actor.timezone,
            )
            await queue_cover_notices(session, flag=flag, cover=handled.cover, now=now)
    if handled.cover is not None:
        services.wake_sender()
    await answer_query(query)
    await close_question(query, outcome)
    services.wake_dispatcher()


async def ask_for_contact(update: Update, context: Context) -> None:
    """The client wants their coach to contact them (from /help or /contact)."""
    query = update.callback_query
    actor = context.require_actor()
    if query is not None and callbacks.decode(query.data) != (CONTACT_ACTION, []):
        await answer_stale(query)
        return
    if not actor.is_client or actor.person_id is None:
        if query is not None:
            raise AccessDenied("only clients ask for contact")
        await reply(update, context, _not_for_you(actor), purpose="contact-refused")
        return
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await flags.raise_flag(
            session, client_id=actor.person_id, kind=FlagKind.CONTACT_REQUEST, now=now
        )
        coach = await routing.current_coach(session, client_id=actor.person_id, now=now)
    if query is not None:
        await answer_query(query)
    coach_name = people.first_name(coach.display_name if coach else None) or _("your coach")
    await reply(
        update,
        context,
        html(_("OK. I told {coach} that you want them to contact you."), coach=coach_name),
        purpose="contact-requested",
    )
    services.wake_dispatcher()


def _not_for_you(actor: Actor) -> str:
    """/contact from someone who is not a client: what they can do instead."""
    if actor.is_coach:
        return _(
            "/contact is for clients: it asks their coach to get in touch. "
            "/clients shows your clients."
        )
    if actor.is_employer:
        return _("To reach the job coach, use /ask.")
    return stranger_text()


async def answer_stranger_words(update: Update, context: Context, *, text: str | None) -> bool:
    """Someone who is nobody's client wrote words of crisis: the crisis numbers all the same
    (no flag: there is no coach to tell). True when it was so."""
    if not text:
        return False
    services = context.services
    async with services.db.session() as session:
        words = await client_words.read(session, client_id=None, text=text)
        if words.tier != Tier.CRISIS:
            return False
        with use_locale(words.language or context.require_actor().locale):
            answer = await crisis_text(session, client_id=None, now=services.clock.now())
    await reply(update, context, answer, purpose="crisis")
    return True


async def answer_words(
    update: Update,
    context: Context,
    *,
    client_id: int,
    text: str | None,
    where: str = "message",
) -> Tier:
    """Words of crisis: the crisis numbers to the client at once, then an urgent flag to their
    coach. Words of worry: a flag "worrying words" to the coach, and a warm word without
    numbers to the client. Either answer is in the language the words are clearly written in,
    else the client's own. Returns the tier (under the organisation's policy)."""
    if not text:
        return Tier.NONE
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        words = await client_words.read(session, client_id=client_id, text=text)
        if words.tier == Tier.CRISIS:
            with use_locale(words.language or context.require_actor().locale):
                answer = await crisis_text(session, client_id=client_id, now=now)
    if words.tier == Tier.NONE:
        return Tier.NONE
    if words.tier == Tier.CRISIS:
        # The answer goes first, before the flag and anything else done with the message.
        await reply(update, context, answer, purpose="crisis")
    async with services.db.session() as session:
        answer_worry = await client_words.flag(
            session, client_id=client_id, words=words, text=text, where=where, now=now
        )
    if words.tier == Tier.WORRY and answer_worry:
        with use_locale(words.language or context.require_actor().locale):
            await reply(update, context, worry_text(), purpose="worry")
    services.wake_dispatcher()
    return words.tier


def register(application: CompanionApplication) -> None:
    application.add_handler(CallbackQueryHandler(on_flag_button, pattern=callbacks.pattern(ACTION)))
    application.add_handler(
        CallbackQueryHandler(ask_for_contact, pattern=callbacks.pattern(CONTACT_ACTION))
    )
    application.add_handler(
        CommandHandler("contact", ask_for_contact, filters=filters.ChatType.PRIVATE)
    )
