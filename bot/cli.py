"""The `companion` command: run the bot, run a sender worker, the demo, migrations, coaches."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import signal
import sys
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings

_LOGGER = logging.getLogger("bot")


def _setup_logging(level: str) -> None:
    from bot.runtime.log_format import WithoutMessages

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(WithoutMessages("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    # Each HTTP request would be logged at INFO; the bot's own events say what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # PTB logs whole updates and requests at DEBUG; logs must never carry what people wrote.
    for name in ("telegram", "telegram.ext"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))


async def _require_current_schema(settings: Settings) -> None:
    from bot.runtime.db import Database
    from bot.runtime.schema import is_current

    db = Database(settings.resolved_database_url)
    try:
        if not await is_current(db):
            raise ConfigError(
                "DATABASE_URL: the database is not up to date; run `companion db upgrade` first"
            )
    finally:
        await db.dispose()


def cmd_run(settings: Settings, *, webhook: bool = False) -> int:
    """Long polling (or a webhook endpoint) until interrupted."""
    from bot.app import ALLOWED_UPDATES, build_application
    from bot.services.crisis_words import LexiconError

    settings.require_token()
    if webhook:
        settings.require_webhook()
    asyncio.run(_require_current_schema(settings))
    if webhook:
        asyncio.run(_serve(settings, receive=True))
        return 0
    try:
        application = build_application(settings)
    except LexiconError as exc:
        raise ConfigError(f"the lexicon of words of crisis cannot be read: {exc}") from None
    # Polling deletes a webhook set before (Telegram refuses getUpdates while one is set).
    application.run_polling(
        allowed_updates=list(ALLOWED_UPDATES),
        timeout=settings.polling_timeout_seconds,
        drop_pending_updates=False,
    )
    return 0


async def _serve(settings: Settings, *, receive: bool) -> None:
    """Handle updates from the inbox until SIGINT or SIGTERM: received by this process's webhook
    endpoint (`receive`), or by other processes (`worker --handle`)."""
    from bot.app import (
        build_application,
        build_webhook_server,
        set_webhook,
        start_handling,
        stop_handling,
    )
    from bot.services.crisis_words import LexiconError

    try:
        application = build_application(settings)
    except LexiconError as exc:
        raise ConfigError(f"the lexicon of words of crisis cannot be read: {exc}") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await start_handling(application)
    server = build_webhook_server(application, receive=receive)
    try:
        await server.start()
        if receive:
            await set_webhook(application)
            _LOGGER.info("receiving updates by webhook at %s", settings.webhook_path)
        await stop.wait()
    finally:
        await server.stop()
        await stop_handling(application)


def cmd_handle(settings: Settings) -> int:
    """Handle updates other processes receive (and send, and dispatch) until interrupted."""
    settings.require_token()
    asyncio.run(_require_current_schema(settings))
    asyncio.run(_serve(settings, receive=False))
    return 0


async def _webhook_info(settings: Settings) -> None:
    from telegram import Bot

    bot = Bot(settings.require_token(), base_url=settings.telegram_api_base_url)
    async with bot:
        info = await bot.get_webhook_info()
    shown: dict[str, object] = {
        "url": info.url or "(none: the bot polls)",
        "pending_update_count": info.pending_update_count,
        "max_connections": info.max_connections,
        "allowed_updates": ",".join(info.allowed_updates or ()) or None,
        "last_error_date": _utc(info.last_error_date) if info.last_error_date else None,
        "last_error_message": info.last_error_message,
    }
    for key, value in shown.items():
        if value is not None:
            print(f"{key}\t{value}")


async def _worker(settings: Settings) -> None:
    from bot.app import build_bot, build_dispatcher, build_sender, build_services

    await _require_current_schema(settings)
    services = build_services(settings, kind="worker")
    bot = build_bot(settings, services)
    sender = build_sender(bot, services)
    services.sender = sender
    dispatcher = build_dispatcher(services)
    services.dispatcher = dispatcher
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with bot:
        await sender.start()
        await dispatcher.start()
        _LOGGER.info("worker %s started", services.worker_id)
        await stop.wait()
        await dispatcher.stop()
        await sender.stop()
    await services.db.dispose()


def cmd_worker(settings: Settings) -> int:
    """Deliver the outbox (no polling): more of these share the sending work."""
    settings.require_token()
    asyncio.run(_worker(settings))
    return 0


async def _db_upgrade(settings: Settings) -> None:
    from bot.runtime.db import Database
    from bot.runtime.schema import current_revision, upgrade

    db = Database(settings.resolved_database_url)
    try:
        await upgrade(db)
        print(f"database at revision {await current_revision(db)}")
    finally:
        await db.dispose()


async def _coach_add(settings: Settings, args: argparse.Namespace) -> None:
    from bot.runtime.clock import SystemClock
    from bot.runtime.db import Database
    from bot.services import people

    await _require_current_schema(settings)
    db = Database(settings.resolved_database_url)
    try:
        async with db.session() as session:
            person = await people.add_coach(
                session,
                telegram_user_id=args.telegram_id,
                name=args.name,
                organisation_name=args.org,
                now=SystemClock().now(),
                timezone=settings.default_timezone,
                locale=settings.default_locale,
                admin=args.admin,
            )
        role = "admin and coach" if args.admin else "coach"
        print(f"{args.name} ({args.telegram_id}) is a {role} in {args.org} (person {person.id})")
    finally:
        await db.dispose()


async def _coach_list(settings: Settings) -> None:
    from bot.runtime.clock import SystemClock
    from bot.runtime.db import Database
    from bot.services import people

    await _require_current_schema(settings)
    db = Database(settings.resolved_database_url)
    try:
        async with db.session() as session:
            coaches = await people.list_coaches(session, now=SystemClock().now())
    finally:
        await db.dispose()
    if not coaches:
        print("no coaches yet: add one with `companion coach add`")
    for coach in coaches:
        admin = " (admin)" if coach.admin else ""
        print(f"{coach.telegram_user_id}\t{coach.name}\t{coach.organisation}{admin}")


async def _invite_coach(settings: Settings, args: argparse.Namespace) -> None:
    from bot.models.invites import InviteKind
    from bot.runtime.clock import SystemClock
    from bot.runtime.db import Database
    from bot.services import invites, people, state

    await _require_current_schema(settings)
    db = Database(settings.resolved_database_url)
    now = SystemClock().now()
    try:
        async with db.session() as session:
            username = settings.bot_username or await state.bot_username(session)
            if not username:
                raise ConfigError(
                    "BOT_USERNAME: unknown; start the bot once with `companion run`, or set it"
                )
            organisation = await people.ensure_organisation(
                session,
                name=args.org,
                now=now,
                timezone=settings.default_timezone,
                locale=settings.default_locale,
            )
            assert organisation.id is not None
            created, token = await invites.create(
                session,
                kind=InviteKind.COACH,
                organisation_id=organisation.id,
                client_name=args.name,
                now=now,
            )
    finally:
        await db.dispose()
    print(
        f"A one-time link for a new coach in {args.org} (invite {created.id}), valid until "
        f"{created.expires_at:%Y-%m-%d %H:%M} UTC:"
    )
    print(invites.deep_link(username.lstrip("@"), token))


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


async def _invite_list(settings: Settings, args: argparse.Namespace) -> None:
    """Invites that can still be used (or all of them): never a token, never a client's name."""
    from bot.models.invites import InviteKind
    from bot.runtime.clock import SystemClock
    from bot.runtime.db import Database
    from bot.services import invites

    await _require_current_schema(settings)
    db = Database(settings.resolved_database_url)
    kinds = None if args.kind == "all" else frozenset({InviteKind(args.kind)})
    try:
        async with db.session() as session:
            found = await invites.summaries(
                session,
                now=SystemClock().now(),
                kinds=kinds,
                organisation_name=args.org,
                open_only=not args.all,
            )
    finally:
        await db.dispose()
    if not found:
        what = "invites" if args.all else "open invites"
        kind = "" if args.kind == "all" else f"{args.kind} "
        print(f"no {kind}{what}", file=sys.stderr)
        return
    print("id\tkind\torganisation\tcreated (UTC)\texpires (UTC)\tmade by\tstate")
    for item in found:
        made_by = item.made_by or ("command line" if item.kind == InviteKind.COACH else "-")
        print(
            f"{item.id}\t{item.kind}\t{item.organisation}\t{_utc(item.created_at)}\t"
            f"{_utc(item.expires_at)}\t{made_by}\t{item.state}"
        )


async def _invite_revoke(settings: Settings, args: argparse.Namespace) -> int:
    """Revoke an invite by the id `companion invite list` shows: its link stops working."""
    from bot.models.invites import Invite
    from bot.runtime.clock import SystemClock
    from bot.runtime.db import Database
    from bot.services import invites

    await _require_current_schema(settings)
    db = Database(settings.resolved_database_url)
    try:
        async with db.session() as session:
            done = await invites.revoke_as_admin(
                session, invite_id=args.invite_id, now=SystemClock().now()
            )
    finally:
        await db.dispose()
    if done is None:
        print(f"companion: no invite {args.invite_id}", file=sys.stderr)
        return 1
    if not isinstance(done, Invite):
        print(
            f"companion: invite {args.invite_id} cannot be revoked: it is {done} already",
            file=sys.stderr,
        )
        return 1
    print(f"invite {done.id} ({done.kind}) revoked: its link no longer works")
    return 0


async def _coach_transfer(settings: Settings, args: argparse.Namespace) -> int:
    """Move a leaving coach's clients (or one, by name) to another coach for good."""
    from bot.messages.handover_notices import queue_transfer_notices
    from bot.runtime.clock import SystemClock
    from bot.runtime.db import Database
    from bot.services import handover, people
    from bot.services.errors import DomainError

    await _require_current_schema(settings)
    db = Database(settings.resolved_database_url)
    now = SystemClock().now()
    lines: list[str] = []
    try:
        async with db.session() as session:
            old = await people.person_by_telegram_id(session, telegram_user_id=args.from_id)
            new = await people.person_by_telegram_id(session, telegram_user_id=args.to_id)
            for telegram_id, person in ((args.from_id, old), (args.to_id, new)):
                if person is None or person.id is None:
                    print(f"companion: nobody with Telegram id {telegram_id}", file=sys.stderr)
                    return 1
            assert old is not None and old.id is not None and new is not None
            assert new.id is not None
            client_ids = None
            if args.client_name:
                client_ids = await handover.find_client_by_name(
                    session, coach_id=old.id, name=args.client_name, now=now
                )
                if len(client_ids) != 1:
                    problem = "no client" if not client_ids else "more than one client"
                    print(
                        f"companion: {problem} of {old.display_name} is called {args.client_name}",
                        file=sys.stderr,
                    )
                    return 1
            try:
                moved = await handover.transfer(
                    session,
                    from_coach_id=old.id,
                    to_coach_id=new.id,
                    client_ids=client_ids,
                    now=now,
                    actor_id=None,
                )
            except DomainError as exc:
                await session.rollback()
                print(f"companion: cannot transfer: {exc}", file=sys.stderr)
                return 1
            await queue_transfer_notices(session, moved=moved, now=now)
            for item in moved:
                name = await people.name_as_seen_by(
                    session, viewer_id=new.id, person_id=item.client_id
                )
                lines.append(
                    f"moved {name} (person {item.client_id}) "
                    f"from {old.display_name} to {new.display_name}"
                )
    finally:
        await db.dispose()
    print("\n".join(lines))
    print(f"{len(lines)} client(s) transferred; they and {new.display_name} will be told.")
    return 0


async def _org_set(settings: Settings, args: argparse.Namespace) -> None:
    from bot.runtime.clock import SystemClock
    from bot.runtime.db import Database
    from bot.services import organisations
    from bot.services.errors import DomainError

    await _require_current_schema(settings)
    db = Database(settings.resolved_database_url)
    flag_values = {
        key: value
        for key, value in (
            ("low_mood_days", args.low_mood_days),
            ("low_mood_at_most", args.low_mood_at_most),
            ("missed_running", args.missed_running),
            ("work_strain_running", args.work_strain_running),
        )
        if value is not None
    }
    language_lines = {
        language: {
            key: value
            for key, value in (
                ("name", getattr(args, f"crisis_line_{language}_name")),
                ("number", getattr(args, f"crisis_line_{language}_number")),
                ("hours", getattr(args, f"crisis_line_{language}_hours")),
            )
            if value is not None
        }
        for language in ("sv", "en")
    }
    tiers = {
        tier: value == "on"
        for tier, value in (("crisis", args.crisis_words), ("worry", args.worry_words))
        if value is not None
    }
    rules: dict[str, str] = {}
    for given in args.crisis_rule or []:
        rule, equals, tier = given.partition("=")
        if not equals:
            raise ConfigError(
                f"companion org set: --crisis-rule {given!r}: write RULE=TIER, "
                "e.g. fi.want_to_die=worry"
            )
        rules[rule.strip()] = tier.strip()
    try:
        async with db.session() as session:
            organisation = await organisations.configure(
                session,
                name=args.org,
                now=SystemClock().now(),
                timezone=settings.default_timezone,
                locale=settings.default_locale,
                emergency_number=args.emergency_number,
                crisis_line_name=args.crisis_line_name,
                crisis_line_number=args.crisis_line_number,
                crisis_line_hours=args.crisis_line_hours,
                language_lines={k: v for k, v in language_lines.items() if v},
                tiers=tiers,
                rules=rules,
                team_chat_id=args.team_chat_id,
                backup_telegram_id=args.backup_telegram_id,
                flags=flag_values,
                follow_up={
                    key: value
                    for key, value in (
                        ("months", args.follow_up_months),
                        ("hour", args.follow_up_hour),
                    )
                    if value is not None
                },
            )
            shown = organisations.describe(organisation)
    except DomainError as exc:
        raise ConfigError(f"companion org set: {exc}") from None
    finally:
        await db.dispose()
    for key, value in shown.items():
        print(f"{key}\t{value}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="companion",
        description="A Telegram companion for job coaching: check-ins, goals, a line to the coach.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run = commands.add_parser("run", help="run the bot (long polling); needs BOT_TOKEN")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook (WEBHOOK_URL, WEBHOOK_SECRET) instead of polling",
    )
    worker = commands.add_parser(
        "worker", help="send due check-ins and queued messages beside `run`; needs BOT_TOKEN"
    )
    worker.add_argument(
        "--handle",
        action="store_true",
        help="also handle updates that other processes receive (any number of these)",
    )
    webhook = commands.add_parser("webhook", help="the webhook as Telegram sees it")
    webhook_commands = webhook.add_subparsers(
        dest="webhook_command", metavar="ACTION", required=True
    )
    webhook_commands.add_parser(
        "info", help="Telegram's view: the URL, updates waiting, the last delivery error"
    )
    commands.add_parser("demo", help="chat with the bot in this terminal: no token, no network")
    db = commands.add_parser("db", help="the database")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="create or migrate the schema to the newest version")
    coach = commands.add_parser("coach", help="coaches")
    coach_commands = coach.add_subparsers(dest="coach_command", metavar="ACTION", required=True)
    add = coach_commands.add_parser("add", help="register a coach by Telegram user id")
    add.add_argument("--telegram-id", type=int, required=True, help="the coach's Telegram user id")
    add.add_argument("--name", required=True, help="the coach's name as clients will see it")
    add.add_argument("--org", default="Default", help="the organisation (created if new)")
    add.add_argument("--admin", action="store_true", help="also an admin of the organisation")
    coach_commands.add_parser("list", help="list the coaches")
    transfer = coach_commands.add_parser(
        "transfer", help="move a coach's clients to another coach of the organisation for good"
    )
    transfer.add_argument(
        "--from", dest="from_id", type=int, required=True, help="the leaving coach's Telegram id"
    )
    transfer.add_argument(
        "--to", dest="to_id", type=int, required=True, help="the new coach's Telegram id"
    )
    transfer.add_argument(
        "--client-name", default=None, help="only this client (as the leaving coach named them)"
    )
    org = commands.add_parser("org", help="an organisation's settings")
    org_commands = org.add_subparsers(dest="org_command", metavar="ACTION", required=True)
    org_set = org_commands.add_parser(
        "set", help="crisis numbers, team chat, backup and flag thresholds (shows the result)"
    )
    org_set.add_argument("--org", default="Default", help="the organisation (created if new)")
    org_set.add_argument("--emergency-number", help="e.g. 112")
    org_set.add_argument(
        "--crisis-line-name",
        help="the main line, for Finnish and as the fallback (MIELI Kriisipuhelin)",
    )
    org_set.add_argument("--crisis-line-number", help="the main line's number (09 2525 0111)")
    org_set.add_argument(
        "--crisis-line-hours",
        help='the main line\'s hours: "24/7", "mon-fri 9-16; sat 10-14" or "" for not stated '
        "(a new number without hours states none)",
    )
    for language, example in (
        ("sv", "MIELI Kristelefon (svenska), 09 2525 0112"),
        ("en", "MIELI Crisis Helpline (English), 09 2525 0116"),
    ):
        org_set.add_argument(f"--crisis-line-{language}-name", help=f"({example})")
        org_set.add_argument(
            f"--crisis-line-{language}-number", help='its number ("" = no line of its own)'
        )
        org_set.add_argument(f"--crisis-line-{language}-hours", help="its hours, as above")
    org_set.add_argument(
        "--crisis-words", choices=("on", "off"), help="the crisis tier: answer and urgent flag"
    )
    org_set.add_argument(
        "--worry-words", choices=("on", "off"), help="the worry tier: warm word and a flag"
    )
    org_set.add_argument(
        "--crisis-rule",
        action="append",
        metavar="RULE=TIER",
        help="move a rule of bot/services/crisis_lexicon to crisis, worry, off or default "
        "(e.g. fi.cannot_cope=off); may be given more than once",
    )
    org_set.add_argument("--team-chat-id", type=int, help="a group chat for alerts (0 = none)")
    org_set.add_argument("--backup-telegram-id", type=int, help="who gets untaken urgent flags")
    org_set.add_argument("--low-mood-days", type=int, help="days of low mood running (3)")
    org_set.add_argument("--low-mood-at-most", type=int, help="the mood step counted as low (2)")
    org_set.add_argument("--missed-running", type=int, help="missed check-ins running (3)")
    org_set.add_argument(
        "--work-strain-running",
        type=int,
        help="check-ins running with too much work or a hard time with colleagues (3)",
    )
    org_set.add_argument(
        "--follow-up-months",
        type=int,
        help="months of follow-up after the later of a placement's start and the closing (36)",
    )
    org_set.add_argument(
        "--follow-up-hour", type=int, help="the local hour follow-up questions come at (10)"
    )
    invite = commands.add_parser("invite", help="one-time links into the bot")
    invite_commands = invite.add_subparsers(dest="invite_command", metavar="WHO", required=True)
    invite_coach = invite_commands.add_parser("coach", help="a link that makes its user a coach")
    invite_coach.add_argument("--org", default="Default", help="the organisation (created if new)")
    invite_coach.add_argument("--name", default=None, help="the coach's name, if not their own")
    invite_list = invite_commands.add_parser(
        "list", help="the invites that can still be used (never their links)"
    )
    invite_list.add_argument("--org", default=None, help="only this organisation")
    invite_list.add_argument(
        "--kind",
        choices=["coach", "client", "employer", "all"],
        default="coach",
        help="which invites (coach)",
    )
    invite_list.add_argument(
        "--all", action="store_true", help="also used, revoked and expired ones"
    )
    invite_revoke = invite_commands.add_parser(
        "revoke", help="make an invite's link stop working, by the id `invite list` shows"
    )
    invite_revoke.add_argument("invite_id", type=int, metavar="ID", help="the invite's id")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        _setup_logging(settings.log_level if args.command != "demo" else "WARNING")
        if args.command == "run":
            return cmd_run(settings, webhook=args.webhook)
        if args.command == "worker":
            return cmd_handle(settings) if args.handle else cmd_worker(settings)
        if args.command == "webhook":
            asyncio.run(_webhook_info(settings))
            return 0
        if args.command == "demo":
            try:
                from bot.devtools.demo import run_demo
            except ModuleNotFoundError as exc:
                if exc.name != "aiohttp":
                    raise
                # A deployment leaves the local Bot API sandbox out: it needs aiohttp.
                print(
                    "companion: the demo needs the local Bot API sandbox: "
                    "pip install 'companion-bot[demo]' (or run ./dev demo from the source folder)",
                    file=sys.stderr,
                )
                return 2
            return asyncio.run(run_demo())
        if args.command == "db":
            asyncio.run(_db_upgrade(settings))
            return 0
        if args.command == "org":
            asyncio.run(_org_set(settings, args))
            return 0
        if args.command == "invite":
            if args.invite_command == "revoke":
                return asyncio.run(_invite_revoke(settings, args))
            if args.invite_command == "list":
                asyncio.run(_invite_list(settings, args))
            else:
                asyncio.run(_invite_coach(settings, args))
            return 0
        if args.command == "coach":
            if args.coach_command == "transfer":
                return asyncio.run(_coach_transfer(settings, args))
            if args.coach_command == "add":
                asyncio.run(_coach_add(settings, args))
            else:
                asyncio.run(_coach_list(settings))
            return 0
    except ConfigError as exc:
        print(f"companion: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 1
