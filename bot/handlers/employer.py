"""An employer contact's side: the welcome after joining, their help, and a hint for free text.

An employer contact sees only the employees they were linked to, and only their first names;
never anything of the coaching itself.
"""

from __future__ import annotations

from telegram import Update

from bot.handlers.replies import reply
from bot.runtime.context import Context
from bot.services.employers import Joined
from bot.text.html_text import html
from bot.text.i18n import _


def welcome_text(joined: Joined, name: str | None) -> str:
    """A short, plain onboarding: language, who the coach is, what the employer gets."""
    greeting = html(_("Welcome, {name}! 👋"), name=name) if name else _("Welcome! 👋")
    return "\n\n".join(
        [
            greeting,
            html(
                _("You are now in touch with job coaching as a contact person of {employer}."),
                employer=joined.employer_name,
            ),
            html(
                _("Your employee is {employee}. Their job coach is {coach}."),
                employee=joined.employee_first_name,
                coach=joined.coach_name,
            ),
            _("What you get here:")
            + "\n"
            + "\n".join(
                [
                    _("• /ask – ask the job coach a question or for guidance"),
                    _("• meetings about the work, with a reminder the day before"),
                ]
            ),
            _("The employee's own coaching stays private: you do not see it."),
            _("You can change the language with /language."),
        ]
    )


def help_intro() -> list[str]:
    return [
        _("You are an employer's contact person here."),
        _("I keep you in touch with your employee's job coach."),
    ]


async def free_text_hint(update: Update, context: Context) -> None:
    """An employer's message outside a flow: where to write it."""
    await reply(
        update,
        context,
        _("To write to the job coach, use /ask. /help shows what you can do."),
        purpose="employer-hint",
    )
