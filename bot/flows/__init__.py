"""Multi-step conversations whose state lives in the database (one FlowState row per person),
so that a restart, a crash or a second worker continues where the person left off.

`text_step` names, per flow, what handles a person's typed answer while the flow waits for one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.runtime.context import Context
from bot.services.flows import Flow

TextStep = Callable[[Update, Context, Flow], Awaitable[None]]


def text_step(flow_name: str) -> TextStep | None:
    """The handler of typed answers in the flow, if it takes any."""
    from bot.flows import (
        checkin,
        closing,
        coach_goal,
        coach_reply,
        employer_ask,
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

    steps: dict[str, TextStep] = {
        onboarding.FLOW: onboarding.on_text,
        checkin.FLOW: checkin.on_note,
        coach_reply.REPLY_FLOW: coach_reply.on_reply_text,
        note.FLOW: note.on_text,
        handover.HANDOVER_FLOW: handover.on_text,
        handover.TRANSFER_FLOW: handover.on_text,
        schedule.FLOW: schedule.on_text,
        pause.FLOW: pause.on_text,
        my_settings.FLOW: my_settings.on_text,
        goal.FLOW: goal.on_text,
        coach_goal.FLOW: coach_goal.on_text,
        plan.FLOW: plan.on_text,
        closing.SENTENCE_FLOW: closing.on_sentence,
        closing.CHANGE_FLOW: closing.on_change_words,
        placement.FLOW: placement.on_text,
        employer_ask.ASK_FLOW: employer_ask.on_question,
        employer_ask.ANSWER_FLOW: employer_ask.on_answer,
        meeting.FLOW: meeting.on_text,
    }
    return steps.get(flow_name)
