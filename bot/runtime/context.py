"""What every handler receives: the services of the running bot, the person behind the update
(and the checks that it is a coach or an employer contact), and the flows' typed-answer steps.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.ratelimit import RateLimits
from bot.services.access import AccessDenied
from bot.services.flows import Flow
from bot.services.people import Actor

if TYPE_CHECKING:
    from bot.runtime.dispatcher import Dispatcher
    from bot.runtime.sender import OutboxSender
    from bot.runtime.updates import Claimer, InboxUpdateProcessor


class Server(Protocol):
    """A server that runs beside the bot on its loop (the desk's web server)."""

    port: int | None

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass(slots=True)
class Services:
    """The long-lived parts of a running bot, built once in the composition root."""

    settings: Settings
    db: Database
    clock: Clock
    limits: RateLimits
    worker_id: str
    sender: OutboxSender | None = None
    dispatcher: Dispatcher | None = None
    processor: InboxUpdateProcessor | None = None
    web: Server | None = None
    claimer: Claimer | None = None

    def wake_sender(self) -> None:
        """Something was queued in the outbox: deliver it without waiting for the next poll."""
        if self.sender is not None:
            self.sender.wake()

    def wake_dispatcher(self) -> None:
        """A schedule or a due time changed: the dispatcher looks again."""
        if self.dispatcher is not None:
            self.dispatcher.wake()


class CompanionApplication(Application[Any, Any, Any, Any, Any, Any]):
    """The PTB application, carrying its services so handlers get them typed."""

    def __init__(self, *, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        # Per flow name, what handles a person's typed answer while the flow waits for one
        # (each flow adds its own when the composition root registers it, bot/flows/mechanism.py).
        self.text_steps: dict[str, TextStep] = {}


class Context(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context: services, plus the actor found by the first handler group."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.actor: Actor | None = None

    @property
    def services(self) -> Services:
        application = self.application
        if not isinstance(application, CompanionApplication):
            raise TypeError("handlers run inside a CompanionApplication")
        return application.services

    def require_actor(self) -> Actor:
        """The person behind the update; set for every update that has a user."""
        if self.actor is None:
            raise RuntimeError("the update has no identified person")
        return self.actor

    def text_step(self, flow_name: str) -> TextStep | None:
        """The handler of typed answers in the flow, if it takes any."""
        application = self.application
        if not isinstance(application, CompanionApplication):
            raise TypeError("handlers run inside a CompanionApplication")
        return application.text_steps.get(flow_name)


TextStep = Callable[[Update, Context, Flow], Awaitable[None]]


def require_coach(context: Context) -> int:
    """The coach behind the update, or a refusal that names nothing."""
    actor = context.require_actor()
    if not actor.is_coach or actor.person_id is None:
        raise AccessDenied("the desk is for coaches")
    return actor.person_id


def require_employer(context: Context) -> int:
    """The employer contact behind the update, or a refusal that names nothing."""
    actor = context.require_actor()
    if not actor.is_employer or actor.person_id is None:
        raise AccessDenied("this is for employer contacts")
    return actor.person_id
