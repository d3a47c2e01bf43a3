"""How a flow is written: one declarative `FlowSpec` per conversation.

A flow declares, in one place, what it is:
- its steps as a `StrEnum` (the `step` of the person's `FlowState` row) and its data as a typed
  model (a pydantic model, read from and written to the row's JSON by `load` and `move`);
- its buttons as a table of `Route`s: the parts after the flow's action, each a literal or a typed
  `Part` (an id, a page, a code among choices, a moment, a day, the flow's version), and the
  handler that gets the parts as values. A press is decoded and every part checked before any
  handler runs; a press that matches no route, or carries an old version, gets the one answer
  for a button that no longer works (`bot/services/errors.py`);
- the typed-text steps it waits on (`Text`), which `register` hands to the application, so no
  map of typed answers is kept by hand;
- its commands.

`register(application)` adds the commands, the button handler and the typed-text steps, so adding
a flow is one module and one line in the composition root (`bot/app.py`). The same spec draws the
flow's state diagram (`mermaid`), which `scripts/flow_diagrams.py` writes to `docs/flows/`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Awaitable, Callable, Collection, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.replies import answer_query, answer_stale, reply, was_answered
from bot.messages import callbacks
from bot.messages.keyboard import Button
from bot.runtime.context import CompanionApplication, Context
from bot.services import flows
from bot.services.errors import StaleButton, stale_text
from bot.services.flows import Flow
from bot.text.i18n import _

T = TypeVar("T")
D = TypeVar("D", bound=BaseModel)

ButtonHandler = Callable[..., Coroutine[Any, Any, None]]
TextHandler = Callable[[Update, Context, Flow], Awaitable[None]]
CommandCallback = Callable[[Update, Context], Coroutine[Any, Any, None]]

# No step kept: where a flow starts, and where a route or typed answer that ends it leads.
END = "idle"


class NoData(BaseModel):
    """The data of a flow that keeps none."""


async def typed_words(
    update: Update, context: Context, *, purpose: str, ask: str | None = None, blank: bool = True
) -> str | None:
    """The words a person typed at a step that waits for them; None, after asking for them as
    text, when the message holds none (a photo, a sticker; also only spaces unless `blank`)."""
    message = update.effective_message
    assert message is not None
    text = message.text
    if not text or (not blank and not text.strip()):
        await reply(update, context, ask or _("Please write it as text."), purpose=purpose)
        return None
    return text


# -- the parts of a button ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Part(Generic[T]):
    """One typed part of a button's data: `read` gives its value, or None when it is not one."""

    name: str
    read: Callable[[str], T | None]


def number(name: str, *, low: int = 0, high: int = callbacks.MAX_ID) -> Part[int]:
    """A whole number within low..high (an id, a page, a level)."""
    return Part(name, lambda text: callbacks.number([text], 0, low=low, high=high))


def code(name: str, choices: Collection[str]) -> Part[str]:
    """One of `choices` (an enum's values, a button's codes)."""
    allowed = frozenset(choices)
    return Part(name, lambda text: text if text in allowed else None)


def tagged(name: str, tag: str) -> Part[int]:
    """A number written after a tag ("t42")."""
    return Part(name, lambda text: callbacks.tagged(text, tag))


ID = number("id")
PAGE = number("page")
MINUTE: Part[dt.datetime] = Part("minute", lambda text: callbacks.minute([text], 0))
DAY: Part[dt.date] = Part("day", callbacks.day)
WORD: Part[str] = Part("word", lambda text: text)  # any part (the codec let only plain ASCII in)
# The version of the person's flow row when the button was shown: an older one (or one shown at
# another step than the route's `shown_in`) is stale; the handler gets the flow itself.
VERSION = number("version")


# -- the declaration ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Route:
    """A button of the flow: the parts after its action (literals and typed parts), the handler
    that gets the typed parts' values in order, and for the diagram where it is shown and where
    it leads."""

    pattern: tuple[str | Part[Any], ...]
    handler: ButtonHandler
    shown_in: tuple[str, ...] = ()
    goes_to: str | None = None
    what: str = ""
    # Pressed only while the person's flow is at one of `shown_in` (a button without the
    # version that still belongs to a step); else it no longer works.
    strict: bool = False

    def match(self, parts: Sequence[str]) -> list[Any] | None:
        """The typed values when the parts fit this route, else None."""
        if len(parts) != len(self.pattern):
            return None
        values: list[Any] = []
        for part, expected in zip(parts, self.pattern, strict=True):
            if isinstance(expected, str):
                if part != expected:
                    return None
                continue
            value = expected.read(part)
            if value is None:
                return None
            values.append(value)
        return values

    def typed_index(self, part: Part[Any]) -> int:
        """Where `part` is among the values the handler gets."""
        typed = [p for p in self.pattern if not isinstance(p, str)]
        return typed.index(part)

    @property
    def shape(self) -> str:
        """The route's data as written in docs: `n:ID`."""
        return ":".join(p if isinstance(p, str) else p.name.upper() for p in self.pattern)


@dataclass(frozen=True, slots=True)
class Text:
    """A step that waits for typed words, and its handler; `step` None takes any step of the
    flow row named `flow` (the spec's own name when empty)."""

    step: str | None
    handler: TextHandler
    goes_to: str | None = None
    flow: str = ""


@dataclass(frozen=True, slots=True)
class Command:
    """A command that starts or shows the flow (in private chats unless `anywhere`)."""

    name: str
    callback: CommandCallback
    goes_to: str | None = None
    anywhere: bool = False


class Stale(enum.Enum):
    """How a press that no longer works is answered: on the button, or as a message below."""

    ON_BUTTON = "on-button"
    MESSAGE = "message"


@dataclass(slots=True)
class FlowSpec(Generic[D]):
    """One conversation, declared: see the module's docstring."""

    name: str
    action: str
    routes: Sequence[Route]
    steps: type[enum.StrEnum] | None = None
    data: type[D] | None = None
    texts: Sequence[Text] = ()
    commands: Sequence[Command] = ()
    # Before a press is decoded: who presses (require_coach refuses others with its own words),
    # or False for a person who may not press the flow's buttons at all (answered as stale).
    guard: Callable[[Context], object] | None = None
    # Answer the press (stop its spinner) before the handler runs; else the handler answers.
    answer_first: bool = False
    stale: Stale = Stale.ON_BUTTON
    # The other names its rows carry (a flow with two kinds of row, such as /handover and
    # /transfer), for the typed-text steps.
    other_names: tuple[str, ...] = ()
    doc: str = ""
    # What a stale or forged press gets instead of the one answer alone (the answer and more).
    on_stale: Callable[[Update, Context], Coroutine[Any, Any, None]] | None = None
    # Handlers of its own beside the commands and buttons (a keyboard label), added after them.
    also: Callable[[CompanionApplication], None] | None = None

    def __post_init__(self) -> None:
        if self.action not in callbacks.ACTIONS:
            raise ValueError(f"flow {self.name}: action {self.action!r} is not in the codec")
        known = {str(step) for step in self.steps} if self.steps is not None else set()
        for route in self.routes:
            for step in (*route.shown_in, route.goes_to):
                if step is not None and step != END and step not in known:
                    raise ValueError(f"flow {self.name}: route {route.shape} names step {step}")
        for text in self.texts:
            if text.step is not None and text.step not in known:
                raise ValueError(f"flow {self.name}: typed step {text.step} is not a step")

    # -- buttons --------------------------------------------------------------------------------

    def button(self, label: str, *parts: str | int) -> Button:
        """A button of this flow (its data is checked against the route table in the tests)."""
        return Button.press(label, self.action, *parts)

    def route_for(self, data: str | None) -> tuple[Route, list[Any]] | None:
        """The route a press's data names, with its typed values; None when none fits."""
        action, parts = callbacks.decode(data)
        if action != self.action:
            return None
        for route in self.routes:
            values = route.match(parts)
            if values is not None:
                return route, values
        return None

    async def on_button(self, update: Update, context: Context) -> None:
        """A press of one of the flow's buttons: checked, decoded, then handed to its route."""
        query = update.callback_query
        assert query is not None
        if self.guard is not None and self.guard(context) is False:
            await answer_stale(query)
            return
        found = self.route_for(query.data)
        strict = found is not None and found[0].strict
        if (
            found is not None
            and strict
            and not await self._current(context, None, found[0].shown_in)
        ):
            found = None
        if found is not None and VERSION in found[0].pattern:
            # The handler gets the person's flow as it is now in place of its version.
            route, values = found
            index = route.typed_index(VERSION)
            current = await self._current(context, values[index], route.shown_in)
            found = (
                None
                if current is None
                else (route, [*values[:index], current, *values[index + 1 :]])
            )
        if found is None:
            await self.answer_stale(update, context)
            return
        if self.answer_first:
            await answer_query(query)
        route, values = found
        await route.handler(update, context, *values)

    async def answer_stale(self, update: Update, context: Context) -> None:
        """The one answer for a press that no longer works, as this flow gives it: on the button,
        or as a message when the flow says so or the press was answered already."""
        query = update.callback_query
        if self.on_stale is not None:
            await self.on_stale(update, context)
        elif self.stale is Stale.MESSAGE or query is None or was_answered(query):
            if query is not None:
                await answer_query(query)
            await reply(update, context, stale_text(), purpose="stale")
        else:
            await answer_stale(query)

    async def _current(
        self, context: Context, version: int | None, shown_in: tuple[str, ...]
    ) -> Flow | None:
        """The person's flow when the button is of its current version (if it carries one) and
        step; else None."""
        actor = context.require_actor()
        if actor.person_id is None:
            return None
        services = context.services
        async with services.db.session() as session:
            flow = await flows.current(session, person_id=actor.person_id, now=services.clock.now())
        if flow is None or flow.name not in self.names:
            return None
        if version is not None and flow.version != version:
            return None
        if shown_in and flow.step not in shown_in:
            return None
        return flow

    # -- state ----------------------------------------------------------------------------------

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.other_names)

    def load(self, flow: Flow) -> D:
        """The flow's data as its typed model; data that does not fit is a stale flow."""
        assert self.data is not None
        try:
            return self.data.model_validate(flow.data)
        except ValidationError as exc:
            raise StaleButton(f"flow {flow.name} holds data that does not fit: {exc}") from exc

    async def move(
        self,
        session: AsyncSession,
        *,
        person_id: int,
        step: str,
        now: dt.datetime,
        data: D | None = None,
        awaiting_text: bool = False,
        name: str | None = None,
    ) -> Flow:
        """Put the person at `step`, with `data` as the whole of the flow's data."""
        return await flows.set_step(
            session,
            person_id=person_id,
            flow=name or self.name,
            step=str(step),
            now=now,
            data=data.model_dump(mode="json") if data is not None else {},
            awaiting_text=awaiting_text,
            merge=False,
        )

    async def end(self, session: AsyncSession, *, person_id: int) -> bool:
        """End the person's flow, if it is this one."""
        ended = False
        for name in self.names:
            ended = await flows.clear(session, person_id=person_id, flow=name) or ended
        return ended

    # -- typed words ----------------------------------------------------------------------------

    def text_steps(self) -> dict[str, TextHandler]:
        """Per row name, the handler of the words typed while the row waits for them."""
        by_name: dict[str, list[Text]] = {}
        for text in self.texts:
            by_name.setdefault(text.flow or self.name, []).append(text)
        return {name: self._text_handler(items) for name, items in by_name.items()}

    @staticmethod
    def _text_handler(items: list[Text]) -> TextHandler:
        if len(items) == 1 and items[0].step is None:
            return items[0].handler
        by_step = {text.step: text.handler for text in items}

        async def on_text(update: Update, context: Context, flow: Flow) -> None:
            handler = by_step.get(flow.step) or by_step.get(None)
            if handler is None:
                raise StaleButton(f"flow {flow.name} waits for no words at step {flow.step}")
            await handler(update, context, flow)

        return on_text

    # -- the composition root -------------------------------------------------------------------

    def register(self, application: CompanionApplication) -> None:
        """The flow's commands, its button handler and its typed-text steps."""
        private = filters.ChatType.PRIVATE
        for command in self.commands:
            application.add_handler(
                CommandHandler(
                    command.name, command.callback, filters=None if command.anywhere else private
                )
            )
        application.add_handler(
            CallbackQueryHandler(self.on_button, pattern=callbacks.pattern(self.action))
        )
        for name, handler in self.text_steps().items():
            if name in application.text_steps:
                raise ValueError(f"two flows take typed words for {name}")
            application.text_steps[name] = handler
        if self.also is not None:
            self.also(application)

    # -- the diagram ----------------------------------------------------------------------------

    def mermaid(self) -> str:
        """The flow's state diagram (Mermaid), drawn from the declaration: `idle` is no step
        kept; an arrow without a step to go to stays where it was."""
        lines = ["stateDiagram-v2", f"    [*] --> {END}"]
        if self.steps is not None:
            lines.extend(f"    state {step}" for step in self.steps)
        for command in self.commands:
            lines.append(f"    {END} --> {command.goes_to or END} : /{command.name}")
        for route in self.routes:
            for source in route.shown_in or (END,):
                target = route.goes_to or source
                lines.append(f"    {source} --> {target} : {self.action}:{route.shape}")
        named = {text.step for text in self.texts}
        for text in self.texts:
            others = [str(step) for step in self.steps or () if step not in named]
            for source in [text.step] if text.step is not None else others:
                lines.append(f"    {source} --> {text.goes_to or source} : typed words")
        return "\n".join(dict.fromkeys(lines))  # each arrow once, in the order declared

    def markdown(self) -> str:
        """docs/flows/NAME.md: what the flow is, its diagram and its buttons."""
        rows = [
            f"| `{self.action}:{route.shape}` | {route.what or route.handler.__name__} "
            f"| {', '.join(route.shown_in) or '–'} | {route.goes_to or '–'} |"
            for route in self.routes
        ]
        texts = [
            f"| {text.flow or self.name} | {text.step or 'any other'} | `{text.handler.__name__}` "
            f"| {text.goes_to or '–'} |"
            for text in self.texts
        ]
        parts = [
            f"# Flow `{self.name}`",
            "",
            "Generated from the flow's declaration by `python scripts/flow_diagrams.py`; "
            "do not edit by hand.",
            "",
            self.doc.strip(),
            "",
            "```mermaid",
            self.mermaid(),
            "```",
            "",
            "## Buttons",
            "",
            "| data | what it does | shown in | leads to |",
            "|---|---|---|---|",
            *rows,
        ]
        if texts:
            parts += [
                "",
                "## Typed words",
                "",
                "| row | step | handler | leads to |",
                "|---|---|---|---|",
                *texts,
            ]
        return "\n".join(part for part in parts) + "\n"
