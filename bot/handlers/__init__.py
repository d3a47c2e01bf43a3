"""Thin Telegram adapters: parse the update, call a service, render the answer.

Each module exposes ``register(application)``; ``register_all`` wires them in order:
within handler group 0 the first match wins, so features come before ``fallback``.
"""

from __future__ import annotations

from telegram.ext import Application

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


def register_all(application: Application) -> None:  # type: ignore[type-arg]
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
