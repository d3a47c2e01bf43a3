"""The client's consent for an employer: the question, the answer, and /consents.

After a placement is recorded the client is asked, in plain words, what the employer will see
and what it will never see, with Yes / No / "I want to talk with my coach first". /consents lists
every consent with what was shared and when, and takes one back at once: the employer's contacts
are told only that the link has ended, and the coach is told.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.messages import callbacks
from bot.messages.pickers import CLIENTS_ACTION, encode
from bot.models.consent import DisclosedItem
from bot.models.people import Person
from bot.models.placements import Placement
from bot.runtime.context import CompanionApplication, Context
from bot.services import access, consents, outbox, people, placements, routing
from bot.services.access import AccessDenied
from bot.services.handover import local_day
from bot.text.dates import format_date
from bot.text.i18n import N_, _, gettext, use_locale

_LOGGER = logging.getLogger(__name__)

# cn:y|n|t:PLACEMENT (the client's answer), cn:r:CONSENT (take a consent back)
ACTION = "cn"

SHARED = {
    DisclosedItem.FIRST_NAME: N_("your first name"),
    DisclosedItem.COACH_NAME: N_("your coach's name"),
    DisclosedItem.MEETING: N_("a meeting"),
    DisclosedItem.FOLLOWUP_CONTACT: N_("a follow-up question"),
    DisclosedItem.OTHER: N_("something else"),
}


def question_text(*, employer: str, coach: str, title: str) -> str:
    """The consent question, version consents.TEXT_VERSION, in the current language."""
    employer = escape(employer)
    return "\n\n".join(
        [
            _("💼 Your new work is saved: {title} at {employer}.").format(
                title=escape(title), employer=employer
            ),
            _("May your coach {coach} keep in touch with {employer} about your work?").format(
                coach=escape(coach), employer=employer
            ),
            _("{employer} will see:").format(employer=employer)
            + "\n"
            + "\n".join(
                [
                    _("• the name of your coach"),
                    _("• your first name"),
                    _("• the meetings about your work"),
                ]
            ),
            _("{employer} will never see:").format(employer=employer)
            + "\n"
            + "\n".join(
                [
                    _("• your check-ins or your mood"),
                    _("• your notes or your goals"),
                    _("• your messages to your coach"),
                ]
            ),
            _("You can take back your yes at any time with /consents."),
        ]
    )


def question_buttons(placement_id: int) -> dict[str, object]:
    return {
        "inline_keyboard": [
            [
                {"text": _("✅ Yes"), "callback_data": encode(ACTION, "y", placement_id)},
                {"text": _("❌ No"), "callback_data": encode(ACTION, "n", placement_id)},
            ],
            [
                {
                    "text": _("💬 I want to talk with my coach first"),
                    "callback_data": encode(ACTION, "t", placement_id),
                }
            ],
        ]
    }


async def queue_question(session: AsyncSession, *, placement: Placement, now: dt.datetime) -> None:
    """Ask the client for their consent for the placement's employer."""
    assert placement.id is not None
    client = await session.get(Person, placement.client_id)
    if client is None or client.chat_id is None:
        return
    employer = await placements.employer_name(session, employer_id=placement.employer_id)
    coach = await routing.current_coach(session, client_id=placement.client_id, now=now)
    with use_locale(client.locale):
        text = question_text(
            employer=employer or "?",
            coach=people.first_name(coach.display_name if coach else None) or _("your coach"),
            title=placement.job_title,
        )
        markup = question_buttons(placement.id)
    await outbox.enqueue(
        session,
        chat_id=client.chat_id,
        method="sendMessage",
        payload={"text": text, "parse_mode": ParseMode.HTML, "reply_markup": markup},
        now=now,
        person_id=client.id,
        purpose="consent-question",
    )


async def tell_coach(
    session: AsyncSession, *, client_id: int, now: dt.datetime, text: str, **names: str
) -> None:
    """A notice to the client's coach, in the coach's language, with a button to the card."""
    coach = await access.acting_coach(session, client_id=client_id, now=now)
    if coach is None or coach.id is None or coach.chat_id is None:
        return
    name = await people.name_as_seen_by(session, viewer_id=coach.id, person_id=client_id)
    with use_locale(coach.locale):
        body = gettext(text).format(
            name=escape(name or "?"),
            **{k: escape(v) for k, v in names.items()},
        )
        markup = {
            "inline_keyboard": [
                [
                    {
                        "text": _("👤 Open the card"),
                        "callback_data": encode(CLIENTS_ACTION, "c", client_id, 0),
                    }
                ]
            ]
        }
    await outbox.enqueue(
        session,
        chat_id=coach.chat_id,
        method="sendMessage",
        payload={"text": body, "parse_mode": ParseMode.HTML, "reply_markup": markup},
        now=now,
        person_id=coach.id,
        subject_id=client_id,
        purpose="consent-notice",
    )


_COACH_YES = N_(
    "✅ {name} said yes: {employer} may be in touch about their work. "
    "🔗 Employer link on the card makes a link for the contact person."
)
COACH_JOINED = N_(
    "🔗 {contact} from {employer} joined. They can now ask you about {name}'s work with /ask."
)
_COACH_NO = N_("{name} said no: {employer} gets nothing about them.")
_COACH_TALK = N_("💬 {name} wants to talk with you before saying yes or no to {employer}.")
_COACH_REVOKED = N_("{name} took back their consent for {employer}. The employer's link has ended.")


async def _answer(update: Update, context: Context, answer: str, placement_id: int) -> None:
    actor = context.require_actor()
    if actor.person_id is None:
        raise AccessDenied("an answer from a stranger")
    client_id = actor.person_id
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        placement = await consents.check_answer(
            session, client_id=client_id, placement_id=placement_id
        )
        employer = await placements.employer_name(session, employer_id=placement.employer_id)
        employer = employer or "?"
        if answer == "y":
            await consents.give(session, client_id=client_id, placement_id=placement_id, now=now)
            await tell_coach(
                session, client_id=client_id, now=now, text=_COACH_YES, employer=employer
            )
        elif answer == "n":
            await tell_coach(
                session, client_id=client_id, now=now, text=_COACH_NO, employer=employer
            )
        else:
            await tell_coach(
                session, client_id=client_id, now=now, text=_COACH_TALK, employer=employer
            )
    services.wake_sender()
    who = escape(employer)
    if answer == "y":
        text = "\n\n".join(
            [
                _(
                    "✓ Thank you. {employer} may now be in touch with your coach about your work."
                ).format(employer=who),
                _("/consents shows this. There you can also take it back."),
            ]
        )
        await edit_or_reply(update, context, text)
    elif answer == "n":
        await edit_or_reply(
            update,
            context,
            _("OK. {employer} gets nothing about you from here.").format(employer=who),
        )
    else:
        await reply(
            update,
            context,
            _("OK. I told your coach. You can answer with the buttons above later."),
            purpose="consent-talk",
        )


def _consents_view(
    lines: list[consents.ConsentLine], timezone: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not lines:
        return _("You have not given any employer a consent."), None
    blocks = [_("🤝 Your consents:")]
    rows = []
    for line in lines:
        who = escape(line.employer_name)
        given = format_date(local_day(line.given_at, timezone))
        if line.revoked_at is None:
            head = _("✅ {employer}: yes since {date}.").format(employer=who, date=given)
            rows.append(
                [
                    InlineKeyboardButton(
                        _("🚫 Take back: {employer}").format(employer=line.employer_name)[:60],
                        callback_data=encode(ACTION, "r", line.consent_id),
                    )
                ]
            )
        else:
            head = _("🚫 {employer}: yes from {date} until {until}.").format(
                employer=who, date=given, until=format_date(local_day(line.revoked_at, timezone))
            )
        parts = [head]
        if line.shared:
            parts.append(_("Shared with them:"))
            parts.extend(
                _("• {date}: {what}").format(
                    date=format_date(local_day(when, timezone)), what=gettext(SHARED[what])
                )
                for what, when in line.shared
            )
        else:
            parts.append(_("Nothing shared with them yet."))
        blocks.append("\n".join(parts))
    blocks.append(
        _("They never see your check-ins, your mood, your notes, your goals or your messages.")
    )
    return "\n\n".join(blocks), InlineKeyboardMarkup(rows) if rows else None


async def consents_command(update: Update, context: Context) -> None:
    """/consents: every consent, what was shared under it, and a button to take it back."""
    actor = context.require_actor()
    if actor.person_id is None or not actor.is_client:
        await reply(
            update, context, _("You have not given any employer a consent."), purpose="consents"
        )
        return
    async with context.services.db.session() as session:
        lines = await consents.of_client(session, client_id=actor.person_id)
    text, keyboard = _consents_view(lines, actor.timezone)
    await reply(update, context, text, reply_markup=keyboard, purpose="consents")


async def _revoke(update: Update, context: Context, consent_id: int) -> None:
    actor = context.require_actor()
    if actor.person_id is None:
        raise AccessDenied("revoking as a stranger")
    client_id = actor.person_id
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        revoked = await consents.revoke(
            session, client_id=client_id, consent_id=consent_id, now=now
        )
        if revoked is not None:
            for contact in revoked.contacts:
                if contact.chat_id is None:
                    continue
                with use_locale(contact.locale):
                    # Nothing else: not who, not why.
                    text = _("The link with the job coaching has ended.")
                await outbox.enqueue(
                    session,
                    chat_id=contact.chat_id,
                    method="sendMessage",
                    payload={"text": text},
                    now=now,
                    person_id=contact.id,
                    purpose="consent-ended",
                )
            await tell_coach(
                session,
                client_id=client_id,
                now=now,
                text=_COACH_REVOKED,
                employer=revoked.employer_name,
            )
        lines = await consents.of_client(session, client_id=client_id)
    services.wake_sender()
    text, keyboard = _consents_view(lines, actor.timezone)
    if revoked is not None:
        _LOGGER.info("client %s revoked consent %s", client_id, consent_id)
        text = (
            _("✓ Taken back. {employer} can no longer be in touch about you.").format(
                employer=escape(revoked.employer_name)
            )
            + "\n\n"
            + text
        )
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    _action, parts = callbacks.decode(query.data)
    kind = parts[0] if parts else ""
    number = callbacks.number(parts, 1)
    if kind in ("y", "n", "t") and number is not None:
        await answer_query(query)
        await _answer(update, context, kind, number)
        return
    if kind == "r" and number is not None:
        await answer_query(query)
        await _revoke(update, context, number)
        return
    await answer_query(query, _("This button no longer works."))


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("consents", consents_command, filters=private))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(ACTION)))
