"""The words around goals and the plan, shared by the client's and the coach's screens and the
messages the dispatcher sends: area names, examples, dates, reasons, progress answers.

Message ids are English; each text is translated when it is shown, in the reader's language.
"""

from __future__ import annotations

import datetime as dt

from bot.models.coaching import GoalArea
from bot.models.goals import Goal, GoalEventKind, GoalStatus
from bot.text.dates import format_date
from bot.text.html_text import escape
from bot.text.i18n import N_, _, gettext

# The five areas in the thesis's order, with a short code for callback data.
AREA_CODES: dict[str, GoalArea] = {
    "1": GoalArea.EVERYDAY_LIFE,
    "2": GoalArea.WORK_CAPACITY,
    "3": GoalArea.COMPETENCE,
    "4": GoalArea.EMPLOYMENT,
    "5": GoalArea.COPING_AT_WORK,
}
CODE_OF_AREA = {area: code for code, area in AREA_CODES.items()}

AREA_BUTTONS = {
    GoalArea.EVERYDAY_LIFE: N_("🏠 Everyday life"),
    GoalArea.WORK_CAPACITY: N_("🤝 Work and coping with tasks"),
    GoalArea.COMPETENCE: N_("📚 Learning new skills"),
    GoalArea.EMPLOYMENT: N_("💼 Finding work"),
    GoalArea.COPING_AT_WORK: N_("🌱 Coping at work"),
}

# The thesis's own example first in each area, then a few more in plain words.
EXAMPLES: dict[GoalArea, tuple[str, ...]] = {
    GoalArea.EVERYDAY_LIFE: (
        N_("A regular daily rhythm"),
        N_("Getting up at the same time every day"),
        N_("Going outside every day"),
        N_("Taking care of my bills and post"),
    ),
    GoalArea.WORK_CAPACITY: (
        N_("Better teamwork skills"),
        N_("Being on time"),
        N_("Asking for help when I need it"),
        N_("Working on my own for a whole day"),
    ),
    GoalArea.COMPETENCE: (
        N_("A hot-work card"),
        N_("A hygiene passport"),
        N_("Finding a course that suits me"),
        N_("Learning to use a computer better"),
    ),
    GoalArea.EMPLOYMENT: (
        N_("A wage-subsidised job"),
        N_("Writing my CV"),
        N_("Applying for a job"),
        N_("Going to a job interview"),
    ),
    GoalArea.COPING_AT_WORK: (
        N_("Regular meetings with the employer"),
        N_("Enough rest after a work day"),
        N_("Telling my boss when something is hard"),
        N_("Keeping my work days the same length"),
    ),
}

# Target dates offered as buttons: months ahead, or none.
DATE_CHOICES = {
    "1": N_("📅 In a month"),
    "3": N_("📅 In three months"),
    "0": N_("➖ No date"),
}

# Common reasons to let a goal go; a typed reason is kept as written.
LET_GO_REASONS = {
    "c": N_("My situation changed"),
    "o": N_("Another goal matters more now"),
    "b": N_("It was too big for now"),
    "n": N_("It did not feel like my goal"),
}

PROGRESS_BUTTONS = {
    "s": (GoalEventKind.STEP_DONE, N_("✅ A step done")),
    "p": (GoalEventKind.SOME_PROGRESS, N_("🙂 Some progress")),
    "k": (GoalEventKind.STUCK, N_("🧱 Stuck")),
    "r": (GoalEventKind.REACHED, N_("🏆 Reached!")),
}

RHYTHM_BUTTONS = {
    7: N_("Every week"),
    14: N_("Every two weeks"),
    28: N_("Every four weeks"),
}

STATUS_WORDS = {
    GoalStatus.PROPOSED: N_("waiting for your yes"),
    GoalStatus.AGREED: N_("agreed"),
    GoalStatus.IN_PROGRESS: N_("on the way"),
    GoalStatus.REACHED: N_("reached 🏆"),
    GoalStatus.LET_GO: N_("let go 🌿"),
}

STATUS_WORDS_COACH = {
    GoalStatus.PROPOSED: N_("waiting for the client's yes"),
    GoalStatus.AGREED: N_("agreed"),
    GoalStatus.IN_PROGRESS: N_("on the way"),
    GoalStatus.REACHED: N_("reached 🏆"),
    GoalStatus.LET_GO: N_("let go 🌿"),
}


def area_name(area: GoalArea) -> str:
    return gettext(AREA_BUTTONS[area])


def months_ahead(today: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month = today.month - 1 + months
    year, month = today.year + month // 12, month % 12 + 1
    for day in (today.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise ValueError("no such date")


def quote(title: str) -> str:
    """A goal's title in quotes, escaped for HTML."""
    return _("“{title}”").format(title=escape(title))


def goal_line(goal: Goal, *, for_coach: bool = False) -> str:
    """One goal on a list: title, area, date and where it stands."""
    words = STATUS_WORDS_COACH if for_coach else STATUS_WORDS
    line = _("{title} – {area}, {status}").format(
        title=quote(goal.title), area=area_name(goal.area), status=gettext(words[goal.status])
    )
    if goal.target_date is not None and goal.status not in (GoalStatus.REACHED, GoalStatus.LET_GO):
        line += " – " + _("by {date}").format(date=format_date(goal.target_date))
    return line


def reason_text(reason: str | None) -> str:
    """A reason to let a goal go: a button's reason in the reader's language, a typed one as is."""
    return escape(gettext(reason) if reason else "")
