"""/invite and /invites: a coach makes one-time links for new clients, lists and revokes them."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers import daily_limits
from bot.handlers.replies import answer_query, edit_or_reply, escape, reply
from bot.messages import callbacks
from bot.models.invites import Invite, InviteKind
from bot.runtime.context import CompanionApplication, Context
from bot.services import invites, people
from bot.services.access import AccessDenied
from bot.services.quotas import Quota
from bot.text.dates import format_date
from bot.text.i18n import _

ACTION = "inv"
MAX_NAME = 100


def _require_coach(context: Context) -> int:
    actor = context.require_actor()
    if not actor.is_coach or actor.person_id is None:
        raise AccessDenied("only coaches make invites")
    return actor.person_id


async def invite(update: Update, context: Context) -> None:
    """Make a one-time link for a new client, optionally with the name the coach knows them by."""
    coach_id = _require_coach(context)
    if await daily_limits.reached(update, context, quota=Quota.INVITE, person_id=coach_id):
        return
    services = context.services
    now = services.clock.now()
    name = " ".join(context.args or []).strip()[:MAX_NAME] or None
    async with services.db.session() as session:
        organisation_id = await people.coach_organisation_id(session, coach_id=coach_id, now=now)
        if organisation_id is None:
            raise AccessDenied("coach without organisation")
        created, token = await invites.create(
            session,
            kind=InviteKind.CLIENT,
            organisation_id=organisation_id,
            created_by_id=coach_id,
            client_name=name,
            now=now,
        )
    link = invites.deep_link(context.bot.username, token)
    valid_until = format_date(created.expires_at.astimezone(services.settings.tz).date())
    if name:
        intro = _("Here is a one-time invite link for {name}:").format(name=escape(name))
    else:
        intro = _("Here is a one-time invite link for a new client:")
    text = "\n\n".join(
        [
            intro,
            link,
            _(
                "Send it to the client. It works once, until {date}. /invites lists your open "
                "links."
            ).format(date=valid_until),
        ]
    )
    await reply(update, context, text, purpose="invite")


def _listing(
    open_invites: list[Invite], context: Context
) -> tuple[str, InlineKeyboardMarkup | None]:
    tz = context.services.settings.tz
    if not open_invites:
        return _("You have no open invite links. /invite makes one."), None
    lines = [_("Your open invite links:")]
    rows = []
    for item in open_invites:
        name = item.client_name or _("a new client")
        until = format_date(item.expires_at.astimezone(tz).date())
        lines.append(_("• {name} – until {date}").format(name=escape(name), date=until))
        rows.append(
            [
                InlineKeyboardButton(
                    _("🚫 Revoke: {name}").format(name=name)[:60],
                    callback_data=callbacks.encode(ACTION, "rv", item.id or 0),
                )
            ]
        )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def list_invites(update: Update, context: Context) -> None:
    """The coach's open invite links, each with a button to revoke it."""
    coach_id = _require_coach(context)
    services = context.services
    async with services.db.session() as session:
        open_invites = await invites.open_invites(
            session, created_by_id=coach_id, now=services.clock.now()
        )
    text, keyboard = _listing(open_invites, context)
    await reply(update, context, text, reply_markup=keyboard, purpose="invites")


async def revoke(update: Update, context: Context) -> None:
    """Revoke one open invite of the coach's own."""
    query = update.callback_query
    assert query is not None
    coach_id = _require_coach(context)
    _action, parts = callbacks.decode(query.data)
    services = context.services
    now = services.clock.now()
    invite_id = callbacks.number(parts, 1)
    if len(parts) != 2 or parts[0] != "rv" or invite_id is None:
        await answer_query(query, _("This button no longer works."))
        return
    async with services.db.session() as session:
        revoked = await invites.revoke(
            session, invite_id=invite_id, created_by_id=coach_id, now=now
        )
        open_invites = await invites.open_invites(session, created_by_id=coach_id, now=now)
    await answer_query(
        query, _("The link no longer works.") if revoked else _("This button no longer works.")
    )
    text, keyboard = _listing(open_invites, context)
    await edit_or_reply(update, context, text, reply_markup=keyboard)


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("invite", invite, filters=private))
    application.add_handler(CommandHandler("invites", list_invites, filters=private))
    application.add_handler(CallbackQueryHandler(revoke, pattern=callbacks.pattern(ACTION)))
