"""A world where every name is hostile, and the check that people see every name literally.

Every name a person can give (their own name on Telegram, the name a coach gives a client, a
coach's name, the organisation's, an employer's, a contact person's, a job title, a goal's title)
holds markup-like text (`<L&L>`, `<a href="...">`, `&amp;`, `<b>`), right-to-left marks and
overrides, or zero-width characters. Each has a word of its own (its anchor) so that wherever it
appears in what the bot sends (messages, captions, button labels) it can be found and compared
with the name as written.

The people: Kaisa (coach) with Liisa and Pekka (clients), Matti (coach, Kaisa's colleague), Aino
(the organisation's admin). Everyone speaks English and has started the bot.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from dataclasses import dataclass

import pytest
from PIL import Image
from pypdf import PdfReader

from bot.devtools.harness import Harness
from bot.sandbox import SandboxMessage, SandboxUser
from bot.services import people
from tests.support.world import Client, Coach, Stranger, cast

ORGANISATION = 'Työpaja <a href="https://evil.example">Helmi</a> & Co'
KAISA = "<b>Kaisa</b>&amp; Virtanen"
MATTI = "Matti\u200b\u202e Laine <i>"
AINO = "Aino&lt;x&gt; Admin"
LIISA_OWN = "&amp;Lisu\u200f Mäki"
LIISA = "Liisa <L&L>"  # Kaisa's name for her
PEKKA_OWN = "<b>Bert</b> Berg\u202e"
PEKKA = '<a href="https://evil.example">Pekka</a>'  # Kaisa's name for him
EMPLOYER = "Puutarha <Oy> &amp; Co\u202e"
CONTACT = "<i>Sari</i> Salo & Co"
JOB = "Gardener <b>&</b> helper\u200b"
GOAL = "Walk <daily> & rest &amp; \u200fmore"
PROPOSAL = "<u>Apply</u> for 3 jobs & more"
NEWCOMER_TELEGRAM = "<i>Maija</i>&lt;"
NEWCOMER = "<b>Milla</b> & Co <3"  # the name a coach gives in /invite

# Each name's own word, and the forms it may be shown in: the whole name; a person's name also
# by its first word (a coach signs with it, an employer knows an employee by it). Every first
# word is hostile itself.
NAMES = [
    ORGANISATION,
    KAISA,
    MATTI,
    AINO,
    LIISA_OWN,
    LIISA,
    PEKKA_OWN,
    PEKKA,
    EMPLOYER,
    CONTACT,
    JOB,
    GOAL,
    PROPOSAL,
    NEWCOMER_TELEGRAM,
    NEWCOMER,
]
FIRST_NAMED = {KAISA, MATTI, AINO, LIISA_OWN, PEKKA_OWN, CONTACT}
ANCHORS = {
    "Helmi": [ORGANISATION],
    "Kaisa": [KAISA, "<b>Kaisa</b>"],
    "Matti": [MATTI, "Matti\u202e"],
    "Aino": [AINO],
    "Lisu": [LIISA_OWN, "&amp;Lisu\u200f"],
    "Liisa": [LIISA],
    "Bert": [PEKKA_OWN],
    "Pekka": [PEKKA],
    "Puutarha": [EMPLOYER],
    "Sari": [CONTACT, "<b>Sari</b> Salo"],
    "Gardener": [JOB],
    "Walk": [GOAL],
    "Apply": [PROPOSAL],
    "Maija": [NEWCOMER_TELEGRAM],
    "Milla": [NEWCOMER],
}
# Explicit direction controls: a name holding one is shown inside an isolate (FSI ... PDI), so
# it cannot turn the rest of the message around.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
HIDDEN = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2066\u2067\u2068\u2069"))
HIDDEN.update(dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e")))


def _forms(anchor: str) -> list[str]:
    forms: list[str] = []
    for name in ANCHORS[anchor]:
        forms.append(name)
        first = people.first_name(name)
        if name in FIRST_NAMED and first and anchor in first:
            assert first != anchor, "a first word that is harmless would prove nothing"
            forms.append(first)
    return forms


@dataclass
class World:
    kaisa: SandboxUser
    matti: SandboxUser
    aino: SandboxUser
    liisa: SandboxUser
    pekka: SandboxUser
    ids: dict[str, int]
    organisation_id: int


CAST: list[Coach | Client | Stranger] = [
    Coach("kaisa", "<b>Kaisa</b>", KAISA),
    Coach("matti", "Matti\u202e", MATTI),
    Coach("aino", "Aino", AINO, admin=True),
    Client("liisa", "kaisa", LIISA_OWN, LIISA, telegram_name="&amp;Lisu\u200f"),
    Client("pekka", "kaisa", PEKKA_OWN, PEKKA, telegram_name="<b>Bert</b>"),
]


async def build(harness: Harness, now: dt.datetime) -> World:
    made = await cast(harness, now, CAST, organisation=ORGANISATION)
    return World(**made.users, ids=made.ids, organisation_id=made.organisation_id)


# -- the check ------------------------------------------------------------------------------------


def _shown_at(text: str, start: int, anchor: str) -> str | None:
    """The form of the anchor's name that `text` shows at this occurrence, if it is literal."""
    for form in _forms(anchor):
        begin = start - form.index(anchor)
        if begin < 0:
            continue
        if text.startswith(form, begin):
            return form
        # A button label at its longest (60 characters) may cut a name short with "…".
        if len(text) < 60:
            continue
        for end in range(form.index(anchor) + len(anchor), len(form)):
            if text.startswith(form[:end] + "…", begin):
                return form[:end]
    return None


def misshown(text: str, *, isolated: bool) -> list[str]:
    """Every place in `text` where a name is not shown as written (or, in a message, where a name
    with direction controls is not inside an isolate)."""
    found = []
    for anchor in ANCHORS:
        for match in re.finditer(re.escape(anchor), text):
            form = _shown_at(text, match.start(), anchor)
            if form is None:
                found.append(
                    f"{anchor!r} shown as {text[max(0, match.start() - 30) : match.end() + 30]!r}"
                )
                continue
            if isolated and BIDI_CONTROLS & set(form):
                begin = match.start() - form.index(anchor)
                before = text[:begin]
                if before.count("\u2068") <= before.count("\u2069"):
                    found.append(
                        f"{anchor!r} not isolated in {text[max(0, begin - 10) : begin + 40]!r}"
                    )
    return found


@dataclass
class Seen:
    """How many names were seen where; what was wrong."""

    anchors: set[str]
    problems: list[str]
    messages: int


def check_everything(harness: Harness, caplog: pytest.LogCaptureFixture) -> Seen:
    """Every message, caption and button label the bot sent anyone, every call it made, every
    error it logged: names literal, nothing refused, nothing failed."""
    problems: list[str] = []
    anchors: set[str] = set()
    count = 0
    for user in harness.sandbox.users:
        for message in user.bot_messages():
            count += 1
            shown = message.text if message.text is not None else (message.caption or "")
            problems += misshown(shown, isolated=True)
            for label in message.button_labels:
                problems += misshown(label, isolated=False)
            for entity in [*(message.entities or []), *(message.caption_entities or [])]:
                # The bot's own links to a person (how to reach them) are mentions of a known
                # account; any other link in a message is one a name smuggled in.
                known = {f"tg://user?id={u.id}" for u in harness.sandbox.users}
                if entity.get("type") == "text_link" and entity.get("url") not in known:
                    problems.append(f"a hidden link in {shown[:60]!r}")
            anchors |= {
                a for a in ANCHORS if a in shown or any(a in b for b in message.button_labels)
            }
        for answer in user.callback_answers:
            problems += misshown(str(answer), isolated=False)
    for call in harness.sandbox.calls:
        if call.status is not None and call.status != 200:
            problems.append(f"refused {call.method}: {call.description}")
    for record in caplog.records:
        if record.levelno >= logging.ERROR:
            problems.append(
                f"logged {record.getMessage()}: {record.exc_info and record.exc_info[1]!r}"
            )
    return Seen(anchors=anchors, problems=problems, messages=count)


def png_title(harness: Harness, message: SandboxMessage) -> str:
    assert message.file_id is not None
    stored = harness.sandbox.state.files.get(message.file_id)
    assert stored is not None
    return str(Image.open(io.BytesIO(stored.data)).info["Title"])


def pdf_text(harness: Harness, message: SandboxMessage) -> str:
    """The PDF's words, invisible characters left out (text extraction drops or moves them)."""
    assert message.file_id is not None
    stored = harness.sandbox.state.files.get(message.file_id)
    assert stored is not None
    reader = PdfReader(io.BytesIO(stored.data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return text.translate(HIDDEN)


def visible(name: str) -> str:
    """A name without its invisible characters, as text extraction gives it."""
    return " ".join(name.translate(HIDDEN).split())
