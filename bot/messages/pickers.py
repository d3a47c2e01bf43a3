"""Pieces the coach's desk shares: its button actions, and paged lists of clients to choose from
(◀️ ▶️ past a page).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.messages import callbacks
from bot.messages.keyboard import Button, Data
from bot.services.caseload import PAGE_SIZE, page_of
from bot.text.i18n import _

# callback_data actions of the desk (each handler re-checks what the ids name).
CLIENTS_ACTION = callbacks.CLIENTS  # cl:p:PAGE (a page), cl:c:CLIENT:PAGE (a card), cl:w:CLIENT
NOTE_ACTION = callbacks.NOTE  # nt:n:CLIENT (write a note), nt:p:PAGE (a page of the picker)
HANDOVER_ACTION = callbacks.HANDOVER  # ho:new, ho:x:HANDOVER (cancel it)
MOVE_ACTION = callbacks.MOVE  # hf:VERSION:VALUE, the steps of /handover and /transfer

BUTTON_TEXT_MAX = 60


def label(text: str) -> str:
    """A button label kept short (names can be long)."""
    return text if len(text) <= BUTTON_TEXT_MAX else text[: BUTTON_TEXT_MAX - 1] + "…"


def nav_row(page: int, pages: int, data_for: Callable[[int], Data]) -> list[Button]:
    """◀️ and ▶️ between pages; empty on a single page."""
    row = []
    if page > 0:
        row.append(Button.sending(_("◀️ Previous"), data_for(page - 1)))
    if page < pages - 1:
        row.append(Button.sending(_("▶️ Next"), data_for(page + 1)))
    return row


def client_picker(
    clients: Sequence[tuple[int, str]],
    page: int,
    *,
    choose: Callable[[int], Data],
    turn: Callable[[int], Data],
    mark: Callable[[int], str] | None = None,
) -> tuple[list[list[Button]], int, int]:
    """One page of clients as buttons (two a row) with ◀️ ▶️; `mark` puts a sign before a name."""
    shown, page, pages = page_of(clients, page, PAGE_SIZE)
    buttons = [
        Button.sending(label(f"{mark(client_id) if mark else '👤'} {name}"), choose(client_id))
        for client_id, name in shown
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = nav_row(page, pages, turn)
    if nav:
        rows.append(nav)
    return rows, page, pages
