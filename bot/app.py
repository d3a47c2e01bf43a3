"""The composition root: build_application(settings) wires the bot, its services, and every
handler and flow (registered here, in order; each flow registers its own typed-answer steps).

`start_bot`/`stop_bot` run it inside an event loop someone else owns (tests, the demo);
`companion run` uses PTB's own `run_polling` with the same post_init/post_shutdown hooks.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults
from telegram.request import HTTPXRequest
from telegram.warnings import PTBUserWarning

from bot.config import Settings
from bot.flows import (
    checkin,
    closing,
    coach_goal,
    coach_reply,
    consent,
    coping,
    employer_ask,
    followup,
    goal,
    handover,
    meeting,
    my_settings,
    note,
    onboarding,
    pause,
    placement,
    plan,
    schedule,
)
from bot.handlers import (
    desk,
    errors,
    fallback,
    flags,
    forget,
    groups,
    home,
    identify,
    invites,
    language,
    membership,
    messages,
    mydata,
    notes,
    progress,
    start,
)
from bot.handlers.menu import register_default_menus
from bot.messages import (
    checkin_notices,
    flag_notices,
    followup_notices,
    goal_notices,
    meeting_notices,
    notices,
    recurring,
)
from bot.messages.notices import queue_unreachable_notice
from bot.runtime.clock import Clock, SystemClock
from bot.runtime.context import CompanionApplication, Context, Services
from bot.runtime.db import Database
from bot.runtime.dispatcher import Dispatcher, DueJob
from bot.runtime.intake import Backlog
from bot.runtime.ratelimit import Limits, RateLimits, TelegramRateLimiter
from bot.runtime.sender import OutboxSender
from bot.runtime.updates import Claimer, InboxBot, InboxUpdateProcessor, Lanes, StartedUpdates
from bot.runtime.workers import new_worker_id
from bot.services import checkins, crisis_words, days, outbox, retention, state

if TYPE_CHECKING:
    from bot.runtime.webhook import WebhookServer

_LOGGER = logging.getLogger(__name__)

# The only update types the bot has handlers for (tests/unit/test_allowed_updates.py checks this
# against every registered handler). Telegram sends nothing else: an update of another type would
# only be written to the inbox, with whatever it carries, and then do nothing.
ALLOWED_UPDATES: tuple[str, ...] = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
)


def build_services(
    settings: Settings, *, clock: Clock | None = None, db: Database | None = None, kind: str
) -> Services:
    days.use_default_zone(settings.default_timezone)
    return Services(
        settings=settings,
        db=db
        or Database(
            settings.resolved_database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        ),
        clock=clock or SystemClock(),
        limits=RateLimits(
            Limits(
                global_per_second=settings.rate_global_per_second,
                per_chat_per_second=settings.rate_per_chat_per_second,
                per_chat_burst=settings.rate_per_chat_burst,
                per_group_per_minute=settings.rate_per_group_per_minute,
            )
        ),
        worker_id=new_worker_id(kind),
    )


def build_bot(settings: Settings, services: Services) -> InboxBot:
    timeout = settings.telegram_timeout_seconds
    return InboxBot(
        token=settings.require_token(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_file_base_url,
        request=HTTPXRequest(
            connection_pool_size=16,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
            pool_timeout=timeout,
        ),
        get_updates_request=HTTPXRequest(
            connection_pool_size=2,
            read_timeout=timeout + settings.polling_timeout_seconds,
            connect_timeout=timeout,
        ),
        defaults=Defaults(parse_mode=ParseMode.HTML),
        rate_limiter=TelegramRateLimiter(services.limits),
        db=services.db,
        clock=services.clock,
        started=StartedUpdates(),
        lanes=Lanes(
            holder=services.worker_id,
            lease_seconds=settings.lease_seconds,
            max_chats=settings.handler_max_chats,
        ),
        backlog=Backlog(
            per_chat=settings.updates_per_chat_max_waiting, total=settings.updates_max_waiting
        ),
        default_locale=settings.default_locale,
        on_queued=services.wake_sender,
    )


def due_jobs(settings: Settings) -> list[DueJob]:
    """Every timed job, in the order a tick runs them."""
    question = checkin.payload
    return [
        checkin_notices.CheckinQuestions(
            message=question,
            reminder_after=dt.timedelta(hours=settings.checkin_reminder_hours),
        ),
        # After the check-ins: a goal question comes on a day with a check-in.
        goal_notices.GoalQuestions(),
        checkin_notices.CheckinReminders(message=question),
        checkins.ClosedWindows(),
        flag_notices.FlagNotices(),
        flag_notices.FlagEscalations(),
        recurring.RecurringNotices(),
        followup_notices.FollowUps(),
        meeting_notices.MeetingReminders(),
    ]


def outbox_hooks() -> outbox.Hooks:
    """What follows a message's delivery, hold or failure, registered by the areas that queue
    such messages."""
    hooks = outbox.Hooks()
    checkin_notices.register_hooks(hooks)
    notices.register_hooks(hooks)
    flag_notices.register_hooks(hooks)
    return hooks


def build_dispatcher(services: Services) -> Dispatcher:
    return Dispatcher(
        db=services.db,
        clock=services.clock,
        on_queued=services.wake_sender,
        jobs=due_jobs(services.settings),
    )


def build_sender(bot: InboxBot, services: Services) -> OutboxSender:
    _quiet_generic_call_warning()
    settings = services.settings
    hooks = outbox_hooks()

    async def on_unreachable(session: AsyncSession, person_id: int) -> None:
        await queue_unreachable_notice(session, person_id=person_id, now=services.clock.now())

    async def on_sent(session: AsyncSession, purpose: str, message_id: int | None) -> None:
        await hooks.sent(session, purpose, message_id, services.clock.now())

    async def on_held(session: AsyncSession, purpose: str) -> None:
        await hooks.held(session, purpose, services.clock.now())

    async def on_failed(session: AsyncSession, purpose: str) -> None:
        await hooks.failed(session, purpose, services.clock.now())

    return OutboxSender(
        bot=bot,
        db=services.db,
        clock=services.clock,
        worker_id=services.worker_id,
        claim_seconds=settings.outbox_claim_seconds,
        max_attempts=settings.outbox_max_attempts,
        poll_seconds=settings.outbox_poll_seconds,
        timeout_seconds=settings.telegram_timeout_seconds,
        on_unreachable=on_unreachable,
        on_sent=on_sent,
        on_held=on_held,
        on_failed=on_failed,
    )


async def _prune(context: Context) -> None:
    """Forget old transport rows: handled updates, settled outgoing messages, stale counters."""
    services = context.services
    settings = services.settings
    async with services.db.session() as session:
        pruned = await retention.prune(
            session,
            now=services.clock.now(),
            inbox_hours=settings.inbox_retention_hours,
            outbox_days=settings.outbox_retention_days,
        )
    if pruned.updates or pruned.messages or pruned.counters:
        _LOGGER.info(
            "pruned %d received updates, %d settled messages and %d wrong-invite counters",
            pruned.updates,
            pruned.messages,
            pruned.counters,
        )


async def _post_init(application: Any) -> None:
    """Start what the bot needs beside polling: menus, unfinished updates, the sender."""
    assert isinstance(application, CompanionApplication)
    services = application.services
    bot = application.bot
    async with services.db.session() as session:
        await state.remember_bot(
            session, username=bot.username, bot_id=bot.id, now=services.clock.now()
        )
    await register_default_menus(bot, services.settings.default_locale)
    if services.claimer is not None:
        # Updates the last run left unfinished, or that other processes wrote down for us.
        await services.claimer.start()
    if services.sender is not None:
        await services.sender.start()
    if services.dispatcher is not None:
        await services.dispatcher.start()
    if services.web is not None:
        # The desk's web server runs on this loop beside the bot (uvicorn's serve() as a task).
        await services.web.start()
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _prune, interval=3600, first=60, name="prune", job_kwargs={"misfire_grace_time": None}
        )
    _LOGGER.info("bot @%s started (worker %s)", bot.username, services.worker_id)


async def _post_stop(application: Any) -> None:
    """Stop the sender while the bot's HTTP client is still open (shutdown closes it)."""
    assert isinstance(application, CompanionApplication)
    if application.services.web is not None:
        await application.services.web.stop()
    if application.services.claimer is not None:
        await application.services.claimer.stop()
    if application.services.processor is not None:
        _LOGGER.info("%d updates handled here", application.services.processor.handled)
    if application.services.dispatcher is not None:
        await application.services.dispatcher.stop()
    if application.services.sender is not None:
        await application.services.sender.stop()


async def _post_shutdown(application: Any) -> None:
    """Close the database."""
    assert isinstance(application, CompanionApplication)
    await application.services.db.dispose()
    _LOGGER.info("bot stopped")


def _quiet_generic_call_warning() -> None:
    # The outbox sender makes every call through do_api_request on purpose (one generic path);
    # PTB would otherwise warn for each known method.
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)


def build_application(
    settings: Settings, *, clock: Clock | None = None, db: Database | None = None
) -> CompanionApplication:
    """The bot, ready to be initialised and started."""
    _quiet_generic_call_warning()
    # The lexicons of words of crisis are read now, not at the first client's words: a broken
    # file stops the start with its name and line instead of failing a person in crisis.
    crisis_words.matcher()
    services = build_services(settings, clock=clock, db=db, kind="run")
    bot = build_bot(settings, services)
    processor = InboxUpdateProcessor(
        db=services.db,
        clock=services.clock,
        default_locale=settings.default_locale,
        max_concurrent=64,
        started=bot.started,
        lanes=bot.lanes,
        backlog=bot.backlog,
    )
    services.processor = processor
    services.sender = build_sender(bot, services)
    services.dispatcher = build_dispatcher(services)
    if settings.web_enabled:
        # Imported only when the desk is served: a bot without it (and every worker) does not
        # load uvicorn, Starlette and Jinja2 at start.
        from bot.web.server import WebServer

        services.web = WebServer(services)
    application = (
        ApplicationBuilder()
        .application_class(CompanionApplication, kwargs={"services": services})
        .bot(bot)
        .context_types(ContextTypes(context=Context))
        .concurrent_updates(processor)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    assert isinstance(application, CompanionApplication)
    services.claimer = Claimer(
        db=services.db,
        clock=services.clock,
        bot=bot,
        lanes=bot.lanes,
        queue=application.update_queue,
        poll_seconds=settings.handler_poll_seconds,
    )
    register_handlers(application)
    return application


def register_handlers(application: CompanionApplication) -> None:
    """Every handler and flow, in order: within handler group 0 the first match wins, so features
    come before the fallback."""
    identify.register(application)
    membership.register(application)
    start.register(application)
    language.register(application)
    home.register(application)
    invites.register(application)
    onboarding.register(application)
    coach_reply.register(application)
    checkin.register(application)
    flags.register(application)
    groups.register(application)
    mydata.register(application)
    forget.register(application)
    desk.register(application)
    progress.register(application)
    note.register(application)
    notes.register(application)
    handover.register(application)
    schedule.register(application)
    pause.register(application)
    my_settings.register(application)
    goal.register(application)
    coach_goal.register(application)
    plan.register(application)
    coping.register(application)
    closing.register(application)
    followup.register(application)
    placement.register(application)
    consent.register(application)
    employer_ask.register(application)
    meeting.register(application)
    # What people write outside commands and buttons: after every feature, before the fallback.
    messages.register(application)
    fallback.register(application)
    errors.register(application)


async def start_bot(application: CompanionApplication, *, poll_interval: float = 0.0) -> None:
    """Start polling inside a running event loop (run_polling would own and close the loop)."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=poll_interval,
        timeout=application.services.settings.polling_timeout_seconds,
        allowed_updates=list(ALLOWED_UPDATES),
    )
    await application.start()


async def stop_bot(application: CompanionApplication) -> None:
    """Stop what start_bot started, in reverse order (as run_polling does)."""
    assert application.updater is not None
    if application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    if application.post_stop is not None:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def start_handling(application: CompanionApplication) -> None:
    """Start the bot without polling: its handlers take updates that a webhook endpoint (or
    another process) writes to the inbox."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()


async def stop_handling(application: CompanionApplication) -> None:
    """Stop what start_handling started, in reverse order."""
    if application.running:
        await application.stop()
    if application.post_stop is not None:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def set_webhook(application: CompanionApplication) -> None:
    """Tell Telegram where to post updates, with the secret it sends back and the kinds wanted;
    updates already waiting are kept."""
    settings = application.services.settings
    url, secret = settings.require_webhook()
    await application.bot.set_webhook(
        url=url,
        secret_token=secret,
        allowed_updates=list(ALLOWED_UPDATES),
        max_connections=settings.webhook_max_connections,
        drop_pending_updates=False,
    )


def build_webhook_server(application: CompanionApplication, *, receive: bool) -> WebhookServer:
    """The webhook endpoint (when `receive`) and the health endpoints, on their own server.

    The desk's server can mount the same routes (`webhook_routes`, `health_routes`) instead.
    """
    # Imported here: a polling bot does not load the web server.
    from bot.runtime.webhook import Health, WebhookServer, health_routes, webhook_routes

    services = application.services
    settings = services.settings
    bot = application.bot
    assert isinstance(bot, InboxBot)
    health = Health(services.db, ready=lambda: application.running)
    routes = health_routes(health)
    if receive:
        _url, secret = settings.require_webhook()
        routes += webhook_routes(
            path=settings.webhook_path, secret=secret, bot=bot, queue=application.update_queue
        )
    return WebhookServer(routes, host=settings.webhook_listen_host, port=settings.webhook_port)
