"""The buttons of a follow-up contact: the employee's three taps, the employer's one, "please
contact me" from either side, and the employee's way to stop the questions and start them again.

callback_data (every press is checked again: the presser must be the contact's recipient, the
contact still open, and for an employer the consent still standing):
  fu:w|l|a:CONTACT:ANSWER   the employee's answer on work, workload, getting along
  fu:e:CONTACT:ANSWER       the employer's answer (good, some, serious)
  fu:c:CONTACT              please contact me
  fu:o:CONTACT              no more follow-up questions (the employee)
  fu:i                      follow-up questions again
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update

from bot.flows.mechanism import ID, WORD, FlowSpec, NoData, Route, code
from bot.handlers.replies import answer_query, edit_or_reply
from bot.messages import callbacks
from bot.messages import followup_notices as notices
from bot.messages.keyboard import Button, Keyboard
from bot.models.placements import FollowUpAudience
from bot.runtime.context import Context
from bot.services import followup
from bot.services.errors import DomainError, stale_text
from bot.text.i18n import _

_LOGGER = logging.getLogger(__name__)

ACTION = callbacks.FOLLOWUP


def opted_out_view() -> tuple[str, InlineKeyboardMarkup]:
    text = "\n".join(
        [
            _("🔕 Okay. No more follow-up questions from me."),
            _("You can turn them back on here or in /settings."),
        ]
    )
    rows = [[Button.press(_("🔔 Turn them back on"), ACTION, "i")]]
    return text, Keyboard.of(rows).markup()


async def _answer(
    update: Update, context: Context, question: str, contact_id: int, value: str
) -> None:
    await _press(update, context, question, contact_id, value)


async def _contact_me(update: Update, context: Context, contact_id: int) -> None:
    await _press(update, context, "c", contact_id)


async def _no_more(update: Update, context: Context, contact_id: int) -> None:
    await _press(update, context, "o", contact_id)


async def _again(update: Update, context: Context) -> None:
    await _press(update, context, "i", 0)


def _known(context: Context) -> bool:
    return context.require_actor().person_id is not None


async def _press(
    update: Update, context: Context, op: str, contact_id: int, value: str = ""
) -> None:
    """A button of a follow-up contact: saved, thanked, and the next question if there is one."""
    query = update.callback_query
    assert query is not None
    actor = context.require_actor()
    assert actor.person_id is not None
    services = context.services
    now = services.clock.now()
    try:
        async with services.db.session() as session:
            if op in ("w", "l", "a", "e"):
                answered = await followup.answer(
                    session,
                    contact_id=contact_id,
                    person_id=actor.person_id,
                    question=op,
                    value=value,
                    now=now,
                )
                flagged = answered.flagged
                audience = answered.contact.audience
            elif op == "c":
                contact = await followup.ask_for_contact(
                    session, contact_id=contact_id, person_id=actor.person_id, now=now
                )
                audience = contact.audience
                flagged = True
            elif op == "o":
                contact = await followup.open_contact(
                    session, contact_id=contact_id, person_id=actor.person_id, now=now
                )
                if contact.audience != FollowUpAudience.EMPLOYEE:
                    raise followup.FollowUpClosed(contact_id)
                await followup.opt_out(session, client_id=actor.person_id, now=now)
                audience, flagged = FollowUpAudience.EMPLOYEE, False
            elif op == "i" and await followup.has_follow_up(session, client_id=actor.person_id):
                await followup.opt_in(session, client_id=actor.person_id, now=now)
                audience, flagged = FollowUpAudience.EMPLOYEE, False
            else:
                raise followup.FollowUpClosed(contact_id)
    except DomainError as exc:
        refusal = exc.user_message
        await answer_query(query, _(refusal) if refusal else stale_text())
        return
    services.wake_dispatcher()
    _LOGGER.info("person %s follow-up %s on contact %s", actor.person_id, op, contact_id)
    await answer_query(query, _("✓ Saved."))
    if op == "o":
        text, keyboard = opted_out_view()
        await edit_or_reply(update, context, text, reply_markup=keyboard)
    elif op == "i":
        await edit_or_reply(update, context, _("🔔 Follow-up questions are on again. Thank you!"))
    elif op == "c":
        if audience == FollowUpAudience.EMPLOYER:
            text = _("✓ I asked the coach to contact you. Thank you!")
        else:
            text = _("✓ I told your coach. They will contact you soon.")
        await edit_or_reply(update, context, text)
    elif op == "e":
        text = "\n".join(
            [
                _("💚 Thank you for your answer."),
                _("If you would like the coach to contact you, press the button."),
            ]
        )
        rows = [[Button.press(_("📞 Please contact me"), ACTION, "c", contact_id)]]
        await edit_or_reply(update, context, text, reply_markup=Keyboard.of(rows).markup())
    elif op in notices.NEXT_QUESTION:
        following = notices.NEXT_QUESTION[op]
        await edit_or_reply(
            update,
            context,
            notices.employee_text(following, first=False),
            reply_markup=Keyboard.of(notices.employee_rows(contact_id, following)).markup(),
        )
    else:
        await edit_or_reply(update, context, notices.thanks_text(flagged=flagged))


FLOW = FlowSpec[NoData](
    name="followup",
    action=ACTION,
    doc=__doc__ or "",
    guard=_known,
    routes=[
        Route(
            (code("question", ("w", "l", "a", "e")), ID, WORD),
            _answer,
            what="an answer: the employee's on work, workload, getting along; the employer's",
        ),
        Route(("c", ID), _contact_me, what="please contact me"),
        Route(("o", ID), _no_more, what="no more follow-up questions (the employee)"),
        Route(("i",), _again, what="follow-up questions again"),
    ],
)
register = FLOW.register
