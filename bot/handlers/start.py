"""/start and /help: a welcome for people the bot knows, the way in through an invite link, and a
kind answer for those without one.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.flows import consent, onboarding
from bot.handlers import employer
from bot.handlers.menu import MenuKind, help_lines, kind_of
from bot.handlers.replies import reply
from bot.messages.keyboards import HELP, client_keyboard, label_filter
from bot.models.invites import InviteKind
from bot.runtime.context import CompanionApplication, Context
from bot.services import employers, enrolment, invites
from bot.services.invites import Refusal
from bot.text.html_text import html
from bot.text.i18n import N_, _, gettext

REFUSALS = {
    Refusal.USED: N_(
        "This invite link has already been used. If you need a new one, ask your coach."
    ),
    Refusal.EXPIRED: N_("This invite link is too old. Please ask your coach for a new one."),
    Refusal.REVOKED: N_(
        "This invite link is no longer valid. Please ask your coach for a new one."
    ),
    Refusal.UNKNOWN: N_(
        "This link does not work. Check that you opened the whole link, or ask your coach "
        "for a new one."
    ),
    Refusal.SLOWED: N_("Too many tries with wrong links. Please wait 15 minutes and try again."),
}


def stranger_text() -> str:
    """What the bot is, and how to get in: an invite link from one's coach."""
    return "\n\n".join(
        [
            _("Hello! 👋"),
            _("I help people in job coaching keep in touch with their job coach between meetings."),
            _(
                "To use me, you need an invite link from your job coach. "
                "Ask your coach for the link and open it on this phone."
            ),
            _("You can change the language with /language."),
        ]
    )


async def start(update: Update, context: Context) -> None:
    """Greet a known person, continue an onboarding, or open an invite link."""
    actor = context.require_actor()
    payload = context.args[0] if context.args else None
    if (
        actor.is_client
        and actor.person_id is not None
        and await onboarding.resume(update, context, actor.person_id)
    ):
        return
    if payload and await _open_invite(update, context, payload):
        return
    if not actor.is_known and not actor.is_employer:
        await reply(update, context, stranger_text(), purpose="start")
        return
    greeting = html(_("Hello, {name}! 👋"), name=actor.name) if actor.name else _("Hello! 👋")
    text = "\n\n".join([greeting, _("Good to see you. /help shows what I can do.")])
    await reply(
        update,
        context,
        text,
        reply_markup=client_keyboard() if actor.is_client else None,
        purpose="start",
    )


async def _open_invite(update: Update, context: Context, token: str) -> bool:
    """Use an invite link; True when the answer has been given here."""
    actor = context.require_actor()
    user = update.effective_user
    assert user is not None
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        found = await invites.redeem(
            session, token=token, telegram_user_id=actor.telegram_user_id, now=now
        )
        if isinstance(found, Refusal):
            refusal = found
        else:
            refusal = None
            if found.kind == InviteKind.CLIENT:
                joined = await enrolment.enrol_client(
                    session,
                    invite=found,
                    telegram_user_id=actor.telegram_user_id,
                    first_name=user.first_name,
                    locale=actor.locale,
                    now=now,
                )
                await invites.mark_used_by(
                    session, invite=found, person_id=joined.client_id, now=now
                )
            elif found.kind == InviteKind.COACH:
                coach = await enrolment.enrol_coach(
                    session,
                    invite=found,
                    telegram_user_id=actor.telegram_user_id,
                    name=user.full_name,
                    locale=actor.locale,
                    now=now,
                )
                assert coach.id is not None
                await invites.mark_used_by(session, invite=found, person_id=coach.id, now=now)
            elif found.kind == InviteKind.EMPLOYER:
                contact = await employers.join(
                    session,
                    invite=found,
                    telegram_user_id=actor.telegram_user_id,
                    name=user.full_name,
                    locale=actor.locale,
                    now=now,
                )
                await consent.tell_coach(
                    session,
                    client_id=contact.client_id,
                    now=now,
                    text=consent.COACH_JOINED,
                    employer=contact.employer_name,
                    contact=contact.contact_name or "?",
                )
            else:
                return False
    if refusal is not None:
        if actor.is_known and refusal is Refusal.USED:
            return False  # opening one's own used link again: just a welcome back
        await reply(update, context, gettext(REFUSALS[refusal]), purpose="invite-refused")
        return True
    assert not isinstance(found, Refusal)
    if found.kind == InviteKind.CLIENT:
        await onboarding.begin(update, context, joined)
    elif found.kind == InviteKind.EMPLOYER:
        services.wake_sender()
        await reply(
            update,
            context,
            employer.welcome_text(contact, contact.contact_name),
            purpose="employer-joined",
        )
    else:
        await reply(
            update,
            context,
            html(
                _("Welcome, {name}! You are now a coach here. /help shows what you can do."),
                name=coach.display_name or "",
            ),
            purpose="coach-joined",
        )
    return True


async def help_command(update: Update, context: Context) -> None:
    """What the bot does for this person's role."""
    actor = context.require_actor()
    kind = kind_of(actor)
    if not actor.is_known and not actor.is_employer:
        intro = [
            _("I help people in job coaching keep in touch with their job coach between meetings."),
            _("To use me, you need an invite link from your job coach."),
        ]
    elif kind is MenuKind.EMPLOYER:
        intro = employer.help_intro()
    elif kind is MenuKind.COACH:
        intro = [
            _("You are a job coach here."),
            _("I keep your clients in touch with you between meetings."),
        ]
    else:
        intro = [
            _("I help you keep in touch with your job coach between meetings."),
            _("Anything you write here goes to your coach."),
        ]
    text = "\n\n".join([*intro, _("Commands:") + "\n" + "\n".join(help_lines(kind))])
    await reply(
        update,
        context,
        text,
        reply_markup=client_keyboard() if actor.is_client else None,
        purpose="help",
    )


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start, filters=private))
    application.add_handler(CommandHandler("help", help_command, filters=private))
    application.add_handler(MessageHandler(private & label_filter(HELP), help_command))
