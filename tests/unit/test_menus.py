"""The command menus: a client's is short (the rest are in /help), a coach's help lists every
command a coach has."""

from __future__ import annotations

from bot.handlers.menu import MenuKind, commands, help_lines
from bot.text.i18n import use_locale

COACH_COMMANDS = {
    "start", "help", "language", "mydata", "clients", "caseload", "note", "handover",
    "transfer", "schedule", "pause", "inbox", "invite", "invites", "settings", "cancel",
}  # fmt: skip


def test_a_clients_menu_has_at_most_seven_entries_and_help_has_them_all() -> None:
    for locale in ("fi", "sv", "en"):
        menu = commands(MenuKind.DEFAULT, locale)
        assert 1 < len(menu) <= 7
        assert "help" in [c.command for c in menu]
    with use_locale("en"):
        lines = help_lines(MenuKind.DEFAULT)
    for name in ("forget", "mydata", "pause", "consents", "goal", "plan", "notes"):
        assert any(line.startswith(f"/{name} – ") for line in lines), name


def test_the_coachs_help_lists_every_command_a_coach_has() -> None:
    with use_locale("en"):
        lines = help_lines(MenuKind.COACH)
    assert {line.split(" ", 1)[0].lstrip("/") for line in lines} == COACH_COMMANDS
