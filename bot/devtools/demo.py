"""`companion demo`: chat with the real bot in a terminal, with no token and no network.

It starts the local Telegram sandbox and the bot against it, on a SQLite file in a temporary
folder, with an organisation, a coach and an already-onboarded client. You play the client (or,
after `:coach`, the coach). Buttons are shown as numbered choices; a line with only a number
presses that button. Lines starting with `:` are the demo's own (`:help` lists them).
With piped input it prints no prompts or colours and waits for the bot to go quiet after each line.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.devtools.demo_seed import seed
from bot.devtools.harness import Harness
from bot.runtime.clock import SystemClock
from bot.sandbox import SandboxMessage, SandboxUser
from bot.sandbox.web_app import launch_fragment
from bot.services import schedules
from bot.text.i18n import _, resolve_locale, use_locale

_LOGGER = logging.getLogger(__name__)


@dataclass
class _Persona:
    key: str
    user: SandboxUser
    seen: dict[int, int] = field(default_factory=dict)  # message id -> edit count shown
    choices: list[tuple[str, SandboxMessage | None, str]] = field(default_factory=list)
    reacted: set[int] = field(default_factory=set)  # own messages whose reaction was shown


class Demo:
    """The terminal chat: reads lines, acts as the current persona, prints what the bot sent."""

    def __init__(self, harness: Harness, *, out: TextIO, interactive: bool, locale: str) -> None:
        self.harness = harness
        self.out = out
        self.interactive = interactive
        self.locale = locale
        self.personas: dict[str, _Persona] = {}
        self.current = "client"
        self.files: Path | None = None  # where pictures and documents the bot sent are saved

    # output ----------------------------------------------------------------------------------

    def _style(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.interactive else text

    def _print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def _show_new(self) -> None:
        """Print the bot's new and edited messages for the current persona; hint at the others."""
        persona = self.personas[self.current]
        for own in persona.user.own_messages():
            # A reaction is the bot's quiet sign on the person's own message: shown once.
            if own.bot_reaction and own.message_id not in persona.reacted:
                persona.reacted.add(own.message_id)
                self._print(
                    self._style(_("({emoji} on your message)").format(emoji=own.bot_reaction), "2")
                )
        fresh = self._unseen(persona)
        for message in fresh:
            edited = persona.seen.get(message.message_id) is not None
            persona.seen[message.message_id] = message.edit_count
            label = _("Bot (edited)") if edited else _("Bot")
            self._print(self._style(f"🤖 {label}:", "1;36"))
            if message.kind != "text":
                self._print(self._style(self._media_label(message), "2"))
            text = message.text or message.caption
            if text:
                self._print(text)
        if fresh:
            self._number_choices(persona)
            self._print_choices(persona)
        for other in self.personas.values():
            if other is persona:
                continue
            waiting = len(self._unseen(other))
            if waiting:
                self._print(
                    self._style(
                        _("({count} new for {who}: type :{who} to switch)").format(
                            count=waiting, who=other.key
                        ),
                        "2",
                    )
                )

    def _media_label(self, message: SandboxMessage) -> str:
        """What was sent; a picture or a document is saved where the person can open it."""
        stored = self.harness.sandbox.state.files.get(message.file_id or "")
        if stored is None or message.kind not in ("photo", "document"):
            return f"[{message.kind}]"
        if self.files is None:
            self.files = Path(tempfile.mkdtemp(prefix="companion-demo-files-"))
        extension = {"photo": "png"}.get(message.kind, "bin")
        name = stored.file_name or f"{message.kind}-{message.message_id}.{extension}"
        path = self.files / f"{message.message_id}-{Path(name).name}"
        path.write_bytes(stored.data)
        if message.kind == "photo":
            return _("[a picture, saved as {path}]").format(path=path)
        return _("[a document, saved as {path}]").format(path=path)

    @staticmethod
    def _unseen(persona: _Persona) -> list[SandboxMessage]:
        return [
            m for m in persona.user.bot_messages() if persona.seen.get(m.message_id) != m.edit_count
        ]

    def _number_choices(self, persona: _Persona) -> None:
        """Number the newest inline keyboard's buttons, then the reply keyboard's."""
        persona.choices = []
        keyboarded = [m for m in persona.user.bot_messages() if m.buttons]
        if keyboarded:
            newest = keyboarded[-1]
            for row in newest.buttons:
                for button in row:
                    if button.callback_data is not None:
                        persona.choices.append(("inline", newest, button.text))
        for labels in persona.user.reply_keyboard or []:
            for label in labels:
                persona.choices.append(("reply", None, label))

    def _print_choices(self, persona: _Persona) -> None:
        for number, (_kind, _message, label) in enumerate(persona.choices, start=1):
            self._print(self._style(f"  [{number}] {label}", "33"))

    # input -----------------------------------------------------------------------------------

    async def handle_line(self, line: str) -> bool:
        """Act on one line; False when the demo should end."""
        text = line.rstrip("\n")
        if not text.strip():
            return True
        persona = self.personas[self.current]
        if text.startswith(":"):
            return await self._meta(text)
        if text.strip().isdigit() and persona.choices:
            index = int(text.strip()) - 1
            if not 0 <= index < len(persona.choices):
                self._print(_("There is no choice {number}.").format(number=text.strip()))
                return True
            kind, message, label = persona.choices[index]
            if kind == "inline":
                await persona.user.press(label, message=message)
            else:
                await persona.user.send_text(label)
        else:
            await persona.user.send_text(text)
        await self.harness.settle()
        self._show_new()
        return True

    async def _meta(self, text: str) -> bool:
        command, _sep, rest = text[1:].partition(" ")
        if command in ("quit", "exit", "q"):
            return False
        if command == "help":
            self._print(
                "\n".join(
                    [
                        _(":client – type as the client"),
                        _(":coach – type as the coach"),
                        _(":say TEXT – send TEXT as it is (also a number)"),
                        _(":reply TEXT – answer the bot's last message with Telegram's reply"),
                        _(":desk – the address of the coach's desk in a browser"),
                        _(":help – this list"),
                        _(":quit – end the demo"),
                        _("A line with only a number presses that button."),
                    ]
                )
            )
            return True
        if command in self.personas:
            self.current = command
            who = _("client") if command == "client" else _("coach")
            self._print(self._style(_("You are now the {who}.").format(who=who), "2"))
            self._show_new()
            return True
        if command == "desk":
            self._print(self.desk_line())
            return True
        if command in ("say", "reply") and rest:
            user = self.personas[self.current].user
            last = user.last_bot_message() if command == "reply" else None
            await user.send_text(rest, reply_to=last)
            await self.harness.settle()
            self._show_new()
            return True
        self._print(_("Unknown demo command. Type :help for the list."))
        return True

    def desk_line(self) -> str:
        """Where the coach's desk opens in a browser, logged in as the demo coach (for an hour,
        as Telegram's launch data; `:desk` gives a fresh address)."""
        web = self.harness.app.services.web
        coach = self.personas.get("coach")
        if web is None or web.port is None or coach is None:
            return _("The desk on the web is not running.")
        init = self.harness.sandbox.web_app_init_data(
            coach.user.id, auth_date=int(SystemClock().now().timestamp())
        )
        url = f"http://127.0.0.1:{web.port}/{launch_fragment(init)}"
        return _("The coach's desk, open it in a browser: {url}").format(url=url)

    def prompt(self) -> str:
        return self._style(f"{self.current}> ", "1;32") if self.interactive else ""


def demo_locale(environ: Mapping[str, str]) -> str:
    """The language of the person's environment (LC_ALL, LC_MESSAGES, LANG), else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return resolve_locale(value.split(".")[0], default="en")
    return "en"


async def run_demo(*, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Start everything, seed the people, and chat until the input ends or `:quit`."""
    from bot.config import load_settings

    base = load_settings()
    locale = demo_locale(os.environ)
    interactive = stdin.isatty() and out.isatty()
    with tempfile.TemporaryDirectory(prefix="companion-demo-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'demo.sqlite3'}"
        # The desk on the web runs beside the bot on this machine, on any free port.
        harness = await Harness.create(
            database_url=url,
            clock=SystemClock(),
            web_base_url="http://127.0.0.1",
            web_host="127.0.0.1",
            web_port=0,
        )
        try:
            sandbox = harness.sandbox
            with use_locale(locale):
                coach_name = _("Kaisa (coach)")
                client_name = "Liisa"
                organisation_name = _("Demo workshop")
            coach_user = sandbox.add_user(first_name="Kaisa", language_code=locale)
            client_user = sandbox.add_user(first_name=client_name, language_code=locale)
            # Both have opened the bot before, as people who joined through an invite have.
            sandbox.mark_started(coach_user.id)
            sandbox.mark_started(client_user.id)
            async with harness.db.session() as session:
                demo_people = await seed(
                    session,
                    coach_telegram_id=coach_user.id,
                    coach_name=coach_name,
                    client_telegram_id=client_user.id,
                    client_name=client_name,
                    organisation_name=organisation_name,
                    locale=locale,
                    timezone=base.default_timezone,
                    now=SystemClock().now(),
                )
                await schedules.set_single_time(
                    session,
                    client_id=demo_people.client_id,
                    local_time=dt.time(9, 0),
                    timezone=base.default_timezone,
                    now=SystemClock().now(),
                )
            await harness.start_bot()
            await harness.settle()
            demo = Demo(harness, out=out, interactive=interactive, locale=locale)
            demo.personas = {
                "client": _Persona("client", client_user),
                "coach": _Persona("coach", coach_user),
            }
            with use_locale(locale):
                if interactive:
                    demo._print(
                        _("Companion demo. You are the client {name}. Type :help for help.").format(
                            name=client_name
                        )
                    )
                demo._print(_("/language changes the language."))
                demo._print(demo.desk_line())
                loop = asyncio.get_running_loop()
                while True:
                    if interactive:
                        print(demo.prompt(), end="", file=out, flush=True)
                    line = await loop.run_in_executor(None, stdin.readline)
                    if not line:
                        break
                    if not await demo.handle_line(line):
                        break
        finally:
            await harness.close()
    return 0
