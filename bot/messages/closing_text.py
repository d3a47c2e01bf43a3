"""The words of a closing summary: outcomes, areas and emphasis levels, and the summary in plain
chat text as the client and the coach read it.

The summary's content is facts (see bot/services/closing.py); these functions put them into the
current language. The PDF (bot/messages/closing_pdf.py) uses the same names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.models.coaching import GoalArea, Outcome
from bot.text.dates import format_date
from bot.text.html_text import escape
from bot.text.i18n import N_, _, gettext, ngettext

OUTCOME = {
    Outcome.OPEN_LABOUR_MARKET: N_("Work on the open labour market"),
    Outcome.WAGE_SUBSIDISED: N_("Wage-subsidised work"),
    Outcome.STUDIES: N_("Studies"),
    Outcome.OTHER_SERVICE: N_("Another service"),
    Outcome.OTHER: N_("Ended for other reasons"),
}
AREA = {
    GoalArea.EVERYDAY_LIFE: N_("Everyday life and managing one's affairs"),
    GoalArea.WORK_CAPACITY: N_("Work and functional capacity"),
    GoalArea.COMPETENCE: N_("Skills and learning"),
    GoalArea.EMPLOYMENT: N_("Finding work"),
    GoalArea.COPING_AT_WORK: N_("Coping at work"),
}
# The thesis rates emphasis 0-4: none, slight, moderate, significant, considerable.
LEVEL = (N_("none"), N_("slight"), N_("moderate"), N_("significant"), N_("considerable"))


def outcome_name(value: str | None) -> str:
    if value is None or value not in set(Outcome):
        return "–"
    return gettext(OUTCOME[Outcome(value)])


def area_name(value: str) -> str:
    if value not in set(GoalArea):
        return value
    return gettext(AREA[GoalArea(value)])


def level_name(level: int) -> str:
    return gettext(LEVEL[level]) if 0 <= level < len(LEVEL) else str(level)


def day(value: str | None) -> str:
    """An ISO date of the content in the current language."""
    if not value:
        return "–"
    return format_date(dt.date.fromisoformat(value))


def period(content: dict[str, Any]) -> str:
    return _("{start} – {end}").format(start=day(content.get("start")), end=day(content.get("end")))


def adherence(content: dict[str, Any]) -> str:
    figures = content.get("checkins") or {}
    due = int(figures.get("due", 0))
    answered = int(figures.get("answered", 0))
    if due == 0:
        return _("No check-ins were due.")
    return ngettext(
        "{answered} of {due} check-in answered ({percent} %).",
        "{answered} of {due} check-ins answered ({percent} %).",
        due,
    ).format(answered=answered, due=due, percent=round(100 * answered / due))


def emphasis_line(item: dict[str, Any]) -> str:
    """One area over time: 'moderate (from 2 Mar 2026), slight (from 5 Apr 2026)'."""
    steps = [
        _("{level} (from {date})").format(level=level_name(int(s["level"])), date=day(s["from"]))
        for s in item.get("levels", [])
    ]
    return ", ".join(steps)


def goal_state(goal: dict[str, Any]) -> str:
    if goal.get("reached"):
        if goal.get("reached_on"):
            return _("reached on {date}").format(date=day(goal["reached_on"]))
        return _("reached")
    if goal.get("status") == "let_go":
        return _("let go")
    return _("in progress")


def chat_text(content: dict[str, Any], *, coach_first_name: str) -> str:
    """The summary as chat text (HTML, every value escaped), in plain words."""

    def esc(value: object) -> str:
        return escape(str(value))

    blocks = [
        "\n".join(
            [
                _("🗓️ Time: {period}").format(period=period(content)),
                _("🏁 How it ended: {outcome}").format(
                    outcome=outcome_name(content.get("outcome"))
                ),
            ]
        )
    ]
    emphasis = content.get("emphasis") or []
    if emphasis:
        lines = [_("🧭 What we worked on:")]
        lines += [
            _("• {area}: {levels}").format(area=area_name(item["area"]), levels=emphasis_line(item))
            for item in emphasis
        ]
        blocks.append("\n".join(lines))
    goals = content.get("goals") or []
    if goals:
        lines = [_("🎯 Goals:")]
        for goal in goals:
            mark = "✅" if goal.get("reached") else "•"
            lines.append(
                _("{mark} {title} – {state}").format(
                    mark=mark, title=esc(goal.get("title", "")), state=goal_state(goal)
                )
            )
        blocks.append("\n".join(lines))
    else:
        blocks.append(_("🎯 No goals were set."))
    blocks.append(_("✅ Check-ins: {figures}").format(figures=adherence(content)))
    sentence = content.get("coach_sentence")
    if sentence:
        blocks.append(
            _("✍️ {coach} adds: {sentence}").format(
                coach=esc(coach_first_name), sentence=esc(sentence)
            )
        )
    return "\n\n".join(blocks)
