"""Closing a coaching from the client's card, and the summary's way to the client's approval.

The coach presses 🏁 End the coaching, chooses the outcome and confirms. The bot closes the
coaching, tells the client, and shows the coach the draft summary: the coach may add one sentence
of their own (typed), then sends it to the client. The client approves it (👍) or asks for a
change (✏️, then typed words that go to the coach); the coach may change their sentence and send a
new version. Once approved, the coach downloads the summary as a PDF in the client's or their own
language. Every id in a button is checked again against who may act on it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import unicodedata
from enum import StrEnum

from pydantic import BaseModel
from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode

from bot.flows.mechanism import END, ID, ButtonHandler, FlowSpec, Route, Text, code, typed_words
from bot.handlers.replies import (
    answer_query,
    close_question,
    edit_or_reply,
    escape,
    reply,
)
from bot.messages import closing_notices, closing_pdf, closing_text
from bot.messages.closing_notices import ACTION
from bot.messages.keyboard import Button, Keyboard
from bot.messages.pickers import CLIENTS_ACTION, label
from bot.models.coaching import ClosingSummary, Coaching, Outcome, SummaryStatus
from bot.models.people import Person
from bot.runtime.context import Context, require_coach
from bot.services import access, audit, caseload, closing, flows, people
from bot.services.closing import NOT_OPEN, ClosingError, NotApprovedYet
from bot.services.days import local_day
from bot.services.errors import STALE_BUTTON as STALE
from bot.services.flows import Flow
from bot.text.html_text import html
from bot.text.i18n import LANGUAGE_NAMES, LOCALES, _, gettext

_LOGGER = logging.getLogger(__name__)

SENTENCE_FLOW = "closing-sentence"
CHANGE_FLOW = "closing-change"


class Step(StrEnum):
    SENTENCE = "sentence"  # waiting for the coach's own sentence (a closing-sentence row)
    WORDS = "words"  # waiting for the client's words of a change (a closing-change row)


class ClosingData(BaseModel):
    summary_id: int
    client_id: int | None = None


_OUTCOME_SIGN = {
    Outcome.OPEN_LABOUR_MARKET: "💼",
    Outcome.WAGE_SUBSIDISED: "🤝",
    Outcome.STUDIES: "🎓",
    Outcome.OTHER_SERVICE: "🔀",
    Outcome.OTHER: "🔚",
}


def file_name(client_name: str, end: str) -> str:
    """`coaching-summary-liisa-2026-04-11.pdf`: the name in plain letters, so files differ."""
    plain = unicodedata.normalize("NFKD", client_name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:30].strip("-") or "client"
    return f"coaching-summary-{slug}-{end}.pdf"


def _back(client_id: int) -> Button:
    return Button.press(_("⬅️ Back to the card"), CLIENTS_ACTION, "c", client_id, 0)


def _cancel(client_id: int) -> Button:
    return Button.press(_("❌ Cancel"), CLIENTS_ACTION, "c", client_id, 0)


async def _check_closable(context: Context, coach_id: int, client_id: int) -> str:
    """The client's name, if this coach may close their coaching now; else a refusal."""
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await caseload.require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
        await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
        if await closing.open_coaching(session, client_id=client_id) is None:
            raise ClosingError(f"client {client_id} has no active coaching", user_message=NOT_OPEN)
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
    return escape(name or "?")


async def _choose_outcome(update: Update, context: Context, client_id: int) -> None:
    coach_id = require_coach(context)
    name = await _check_closable(context, coach_id, client_id)
    rows = [
        [
            Button.press(
                f"{_OUTCOME_SIGN[outcome]} {gettext(closing_text.OUTCOME[outcome])}",
                ACTION,
                "k",
                client_id,
                outcome.value,
            )
        ]
        for outcome in Outcome
    ]
    rows.append([_cancel(client_id)])
    text = "\n\n".join(
        [
            _("🏁 End the coaching of {name}.").format(name=name),
            _("How did the coaching end? Choose one."),
        ]
    )
    await edit_or_reply(update, context, text, reply_markup=Keyboard.of(rows).markup())


def _outcome(parts: list[str], index: int) -> Outcome | None:
    if len(parts) <= index or parts[index] not in set(Outcome):
        return None
    return Outcome(parts[index])


async def _confirm(update: Update, context: Context, client_id: int, outcome: Outcome) -> None:
    coach_id = require_coach(context)
    name = await _check_closable(context, coach_id, client_id)
    text = "\n\n".join(
        [
            _("End the coaching of {name}? How it ended: {outcome}.").format(
                name=name, outcome=gettext(closing_text.OUTCOME[outcome])
            ),
            _(
                "Then the check-ins stop. {name} is told that the coaching has ended and "
                "that they can still write to you. I make a summary for the purchaser; {name} "
                "reads it and approves it first."
            ).format(name=name),
        ]
    )
    keyboard = Keyboard.of(
        [
            [Button.press(_("✅ Yes, end the coaching"), ACTION, "y", client_id, outcome.value)],
            [_cancel(client_id)],
        ]
    ).markup()
    await edit_or_reply(update, context, text, reply_markup=keyboard)


def _draft_view(
    summary: ClosingSummary, name: str, coach_first_name: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The draft as the coach sees it before sending, with ✍️ and 📨 (`name` as it is)."""
    assert summary.id is not None
    who = escape(name)
    text = "\n\n".join(
        [
            _("📄 The summary for the purchaser (draft):"),
            closing_text.chat_text(summary.content, coach_first_name=coach_first_name),
            _(
                "You can add one sentence of your own; {name} reads it too. Nothing else you "
                "or {name} wrote goes into the summary. Then send it to {name} to approve."
            ).format(name=who),
        ]
    )
    keyboard = Keyboard.of(
        [
            [Button.press(_("✍️ Write my sentence"), ACTION, "a", summary.id)],
            [
                Button.press(
                    label(_("📨 Send to {name}").format(name=name)), ACTION, "s", summary.id
                )
            ],
        ]
    ).markup()
    return text, keyboard


async def _first_name(context: Context, person_id: int) -> str:
    async with context.services.db.session() as session:
        person = await session.get(Person, person_id)
    return people.first_name(person.display_name if person else None) or "?"


async def _close(update: Update, context: Context, client_id: int, outcome: Outcome) -> None:
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await caseload.require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
        closed = await closing.close_coaching(
            session, coach_id=coach_id, client_id=client_id, outcome=outcome, now=now
        )
        await closing_notices.queue_ended(
            session, coaching=closed.coaching, client=closed.client, now=now
        )
        await audit.record(
            session,
            event="coaching.closed",
            now=now,
            actor_id=coach_id,
            subject_id=client_id,
            object_type="coaching",
            object_id=closed.coaching.id,
            details={"outcome": outcome.value},
        )
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
    services.wake_sender()
    _LOGGER.info("coach %s closed the coaching of client %s", coach_id, client_id)
    text, keyboard = _draft_view(closed.summary, name or "?", await _first_name(context, coach_id))
    text = html(_("✓ The coaching of {name} has ended."), name=name or "?") + "\n\n" + text
    await edit_or_reply(update, context, text, reply_markup=keyboard)


async def _ask_sentence(update: Update, context: Context, summary_id: int) -> None:
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        summary, coaching = await closing.coach_summary(
            session, coach_id=coach_id, summary_id=summary_id, now=now
        )
        if summary.status in (SummaryStatus.SENT, SummaryStatus.APPROVED):
            raise ClosingError(f"summary {summary_id} is {summary.status}", user_message=STALE)
        await FLOW.move(
            session,
            person_id=coach_id,
            name=SENTENCE_FLOW,
            step=Step.SENTENCE,
            now=now,
            data=ClosingData(summary_id=summary_id, client_id=coaching.client_id),
            awaiting_text=True,
        )
        name = await people.name_as_seen_by(
            session, viewer_id=coach_id, person_id=coaching.client_id
        )
    await reply(
        update,
        context,
        _(
            "✍️ Write one sentence of your own for the summary, at most {max} characters. "
            "{name} reads it too. /cancel stops."
        ).format(max=closing.MAX_SENTENCE, name=escape(name or "?")),
        purpose="closing-sentence-prompt",
    )


async def on_sentence(update: Update, context: Context, flow: Flow) -> None:
    """The coach's own sentence, as typed: the draft (or a new version) shows it."""
    coach_id = require_coach(context)
    message = update.effective_message
    assert message is not None
    ask = _("Please write the sentence as text.")
    if await typed_words(update, context, purpose="retry", ask=ask) is None:
        return
    services = context.services
    now = services.clock.now()
    summary_id = FLOW.load(flow).summary_id
    try:
        async with services.db.session() as session:
            summary = await closing.set_sentence(
                session, coach_id=coach_id, summary_id=summary_id, sentence=message.text, now=now
            )
            await flows.clear(session, person_id=coach_id, flow=SENTENCE_FLOW)
            coaching = await session.get(Coaching, summary.coaching_id)
            assert coaching is not None
            name = await people.name_as_seen_by(
                session, viewer_id=coach_id, person_id=coaching.client_id
            )
    except ClosingError as exc:
        if exc.user_message == closing.SENTENCE_TOO_LONG:
            await reply(update, context, gettext(exc.user_message), purpose="closing-too-long")
            return
        async with services.db.session() as session:
            await flows.clear(session, person_id=coach_id, flow=SENTENCE_FLOW)
        raise
    text, keyboard = _draft_view(summary, name or "?", await _first_name(context, coach_id))
    await reply(update, context, text, reply_markup=keyboard, purpose="closing-draft")


async def _send(update: Update, context: Context, summary_id: int) -> None:
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        summary, client = await closing.send_to_client(
            session, coach_id=coach_id, summary_id=summary_id, now=now
        )
        await closing_notices.queue_for_approval(session, summary=summary, client=client, now=now)
        assert client.id is not None
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client.id)
    services.wake_sender()
    assert client.id is not None
    text = html(
        _(
            "📨 The summary is on its way to {name}. I tell you when {name} has read it. "
            "You can download it when {name} has approved it."
        ),
        name=name or "?",
    )
    await edit_or_reply(
        update, context, text, reply_markup=Keyboard.of([[_back(client.id)]]).markup()
    )


def _waiting_text(name: str) -> str:
    return _(
        "⏳ The summary is not approved yet. It waits for {name} to read and approve it. "
        "You can download it after that."
    ).format(name=name)


async def _view(update: Update, context: Context, client_id: int) -> None:
    """The summary's state for the coach, from the card of a closed coaching."""
    coach_id = require_coach(context)
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await caseload.require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
        summary = await closing.summary_for_coach(
            session, coach_id=coach_id, client_id=client_id, now=now
        )
        raw_name = (
            await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id) or "?"
        )
    name = escape(raw_name)
    if summary is None or summary.id is None:
        await edit_or_reply(
            update,
            context,
            _("There is no summary for this coaching."),
            reply_markup=Keyboard.of([[_back(client_id)]]).markup(),
        )
        return
    if summary.status == SummaryStatus.DRAFT:
        text, keyboard = _draft_view(summary, raw_name, await _first_name(context, coach_id))
        await edit_or_reply(update, context, text, reply_markup=keyboard)
        return
    rows: list[list[Button]] = []
    if summary.status == SummaryStatus.APPROVED:
        text = _("✅ {name} approved the summary. You can download it.").format(name=name)
        rows.append([Button.press(_("📄 Download the summary"), ACTION, "d", client_id)])
    elif summary.status == SummaryStatus.CHANGE_REQUESTED:
        text = "\n\n".join(
            [
                _("✏️ {name} asks for a change in the summary:").format(name=name),
                escape(summary.change_request or ""),
            ]
        )
        rows.append([Button.press(_("✍️ Write my sentence"), ACTION, "a", summary.id)])
        rows.append([Button.press(_("📨 Send again"), ACTION, "s", summary.id)])
    else:
        text = _waiting_text(name)
    rows.append([_back(client_id)])
    await edit_or_reply(update, context, text, reply_markup=Keyboard.of(rows).markup())


async def _choose_language(update: Update, context: Context, client_id: int) -> None:
    coach_id = require_coach(context)
    actor = context.require_actor()
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await caseload.require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
        name = escape(
            await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id) or "?"
        )
        try:
            summary = await closing.approved_summary(
                session, coach_id=coach_id, client_id=client_id, now=now
            )
        except NotApprovedYet:
            summary = None
        client = await session.get(Person, client_id)
    if summary is None or client is None:
        await reply(update, context, _waiting_text(name), purpose="closing-waits")
        return
    choices = []
    for locale in (client.locale, actor.locale):
        if locale in LOCALES and locale not in choices:
            choices.append(locale)
    rows = [
        [Button.press("📄 " + LANGUAGE_NAMES[locale], ACTION, "l", client_id, locale)]
        for locale in choices
    ]
    await reply(
        update,
        context,
        _("In which language do you want the summary of {name}?").format(name=name),
        reply_markup=Keyboard.of(rows).markup(),
        purpose="closing-language",
    )


async def _download(update: Update, context: Context, client_id: int, locale: str) -> None:
    coach_id = require_coach(context)
    chat = update.effective_chat
    if chat is None or locale not in LOCALES:
        return
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await caseload.require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
        raw_name = (
            await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id) or "?"
        )
        try:
            summary = await closing.approved_summary(
                session, coach_id=coach_id, client_id=client_id, now=now
            )
        except NotApprovedYet:
            summary = None
        client = await session.get(Person, client_id)
    name = escape(raw_name)
    if summary is None or client is None or summary.approved_at is None:
        await reply(update, context, _waiting_text(name), purpose="closing-waits")
        return
    content = {
        **summary.content,
        "version": summary.version,
        "approved_on": local_day(summary.approved_at, client.timezone).isoformat(),
    }
    # Laid out off the event loop; no session is open while it runs.
    document = await asyncio.to_thread(closing_pdf.render, content, locale)
    end = str(summary.content.get("end") or local_day(now, client.timezone).isoformat())
    await context.bot.send_document(
        chat_id=chat.id,
        document=InputFile(document, filename=file_name(raw_name, end)),
        caption=_("📄 The summary of {name}. {name} approved it.").format(name=name),
        parse_mode=ParseMode.HTML,
    )
    async with services.db.session() as session:
        await audit.record(
            session,
            event="closing_summary.downloaded",
            now=now,
            actor_id=coach_id,
            subject_id=client_id,
            object_type="closing_summary",
            object_id=summary.id,
            details={"version": summary.version, "language": locale},
        )
    _LOGGER.info("coach %s downloaded closing summary %s", coach_id, summary.id)


async def _mark_answered(update: Update, answer: str) -> None:
    """Replace the 👍 ✏️ buttons of the message the client answered by their answer."""
    query = update.callback_query
    if query is not None:
        await close_question(query, answer)


async def _approve(update: Update, context: Context, summary_id: int) -> None:
    actor = context.require_actor()
    if actor.person_id is None:
        raise access.AccessDenied("a stranger answered a summary")
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        summary, coaching = await closing.approve(
            session, client_id=actor.person_id, summary_id=summary_id, now=now
        )
        await closing_notices.queue_approved(session, summary=summary, coaching=coaching, now=now)
    services.wake_sender()
    await _mark_answered(update, _("✔️ Approved"))
    await reply(
        update,
        context,
        _("👍 Thank you! You approved the summary. Your coach can now send it on."),
        purpose="closing-approved",
    )


async def _ask_change(update: Update, context: Context, summary_id: int) -> None:
    actor = context.require_actor()
    if actor.person_id is None:
        raise access.AccessDenied("a stranger answered a summary")
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        await closing.own_summary(session, client_id=actor.person_id, summary_id=summary_id)
        await FLOW.move(
            session,
            person_id=actor.person_id,
            name=CHANGE_FLOW,
            step=Step.WORDS,
            now=now,
            data=ClosingData(summary_id=summary_id),
            awaiting_text=True,
        )
    await reply(
        update,
        context,
        _(
            "✏️ What should change? Write it in your own words. "
            "I pass it to your coach. /cancel stops."
        ),
        purpose="closing-change-prompt",
    )


async def on_change_words(update: Update, context: Context, flow: Flow) -> None:
    """The client's typed words of a change request: they go to the coach."""
    actor = context.require_actor()
    message = update.effective_message
    assert message is not None and actor.person_id is not None
    typed = await typed_words(update, context, purpose="retry", blank=False)
    if typed is None:
        return
    services = context.services
    now = services.clock.now()
    summary_id = FLOW.load(flow).summary_id
    try:
        async with services.db.session() as session:
            summary, coaching = await closing.request_change(
                session,
                client_id=actor.person_id,
                summary_id=summary_id,
                text=typed,
                now=now,
            )
            await closing_notices.queue_change_request(
                session, summary=summary, coaching=coaching, now=now
            )
            await flows.clear(session, person_id=actor.person_id, flow=CHANGE_FLOW)
    except ClosingError:
        async with services.db.session() as session:
            await flows.clear(session, person_id=actor.person_id, flow=CHANGE_FLOW)
        raise
    services.wake_sender()
    await reply(
        update,
        context,
        _("✓ Your coach got your words. You get a new version of the summary to read."),
        purpose="closing-change-sent",
    )


def _answered_after(handler: ButtonHandler) -> ButtonHandler:
    """The press is answered once the handler has done its work (a refusal answers it before)."""

    @functools.wraps(handler)
    async def answered(update: Update, context: Context, *values: object) -> None:
        await handler(update, context, *values)
        query = update.callback_query
        assert query is not None
        await answer_query(query)

    return answered


_OUTCOME = code("outcome", [outcome.value for outcome in Outcome])


async def _confirm_outcome(update: Update, context: Context, client_id: int, value: str) -> None:
    await _confirm(update, context, client_id, Outcome(value))


async def _close_with(update: Update, context: Context, client_id: int, value: str) -> None:
    await _close(update, context, client_id, Outcome(value))


FLOW = FlowSpec[ClosingData](
    name=SENTENCE_FLOW,
    other_names=(CHANGE_FLOW,),
    action=ACTION,
    doc=__doc__ or "",
    steps=Step,
    data=ClosingData,
    routes=[
        Route(("ok", ID), _answered_after(_approve), what="the client approves the summary"),
        Route(
            ("ch", ID),
            _answered_after(_ask_change),
            goes_to=Step.WORDS,
            what="the client asks for a change",
        ),
        Route(("o", ID), _answered_after(_choose_outcome), what="the coach: choose the outcome"),
        Route(("k", ID, _OUTCOME), _answered_after(_confirm_outcome), what="confirm the outcome"),
        Route(("y", ID, _OUTCOME), _answered_after(_close_with), what="end the coaching"),
        Route(
            ("a", ID),
            _answered_after(_ask_sentence),
            goes_to=Step.SENTENCE,
            what="the coach's own sentence",
        ),
        Route(("s", ID), _answered_after(_send), what="send the summary to the client"),
        Route(("v", ID), _answered_after(_view), what="the summary's state"),
        Route(("d", ID), _answered_after(_choose_language), what="download: choose the language"),
        Route(
            ("l", ID, code("locale", LOCALES)), _answered_after(_download), what="the summary PDF"
        ),
    ],
    texts=[
        Text(Step.SENTENCE, on_sentence, goes_to=END, flow=SENTENCE_FLOW),
        Text(Step.WORDS, on_change_words, goes_to=END, flow=CHANGE_FLOW),
    ],
)
register = FLOW.register
