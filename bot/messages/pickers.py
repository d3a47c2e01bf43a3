"""Pieces the coach's desk shares: its button actions, and paged lists of clients to choose from
(◀️ ▶️ past a page).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton

from bot.messages import callbacks
from bot.services.caseload import PAGE_SIZE, page_of
from bot.text.i18n import _

# callback_data actions of the desk (each handler re-checks what the ids name).
CLIENTS_ACTION = "cl"  # cl:p:PAGE (a page of /clients), cl:c:CLIENT:PAGE (a card), cl:w:CLIENT
NOTE_ACTION = "nt"  # nt:n:CLIENT (write a note), nt:p:PAGE (a page of the picker)
HANDOVER_ACTION = "ho"  # ho:new, ho:x:HANDOVER (cancel it)
MOVE_ACTION = "hf"  # hf:VERSION:VALUE, the steps of /handover and /transfer

BUTTON_TEXT_MAX = 60


def label(text: str) -> str:
    """A button label kept short (names can be long)."""
    return text if len(text) <= BUTTON_TEXT_MAX else text[: BUTTON_TEXT_MAX - 1] + "…"


def nav_row(page: int, pages: int, data_for: Callable[[int], str]) -> list[InlineKeyboardButton]:
    """◀️ and ▶️ between pages; empty on a single page."""
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(_("◀️ Previous"), callback_data=data_for(page - 1)))
    if page < pages - 1:
        row.append(InlineKeyboardButton(_("▶️ Next"), callback_data=data_for(page + 1)))
    return row


def client_picker(
    clients: Sequence[tuple[int, str]],
    page: int,
    *,
    choose: Callable[[int], str],
    turn: Callable[[int], str],
    mark: Callable[[int], str] | None = None,
) -> tuple[list[list[InlineKeyboardButton]], int, int]:
    """One page of clients as buttons (two a row) with ◀️ ▶️; `mark` puts a sign before a name."""
    shown, page, pages = page_of(clients, page, PAGE_SIZE)
    buttons = [
        InlineKeyboardButton(
            label(f"{mark(client_id) if mark else '👤'} {name}"), callback_data=choose(client_id)
        )
        for client_id, name in shown
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    nav = nav_row(page, pages, turn)
    if nav:
        rows.append(nav)
    return rows, page, pages


def encode(action: str, *parts: str | int) -> str:
    return callbacks.encode(action, *parts)
