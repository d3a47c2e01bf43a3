"""Thin Telegram adapters: parse the update, call a service, render the answer.

Each module exposes ``register(application)``; ``register_all`` wires them in order:
within handler group 0 the first match wins, so features come before ``fallback``.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers import errors, fallback, identify, language, membership, start


def register_all(application: Application) -> None:  # type: ignore[type-arg]
    identify.register(application)
    membership.register(application)
    start.register(application)
    language.register(application)
    fallback.register(application)
    errors.register(application)
