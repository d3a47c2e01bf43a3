"""The dispatcher is given its jobs and the sender its hooks by the composition root: the
dispatcher names no job, every job has both halves of the `DueJob` protocol, and each outbox
purpose that something follows has one hook, read from the purpose in one place."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.app import due_jobs, outbox_hooks
from bot.config import Settings
from bot.services.outbox import Purpose

DISPATCHER = Path(__file__).resolve().parents[2] / "bot" / "runtime" / "dispatcher.py"


def test_the_dispatcher_imports_no_job_and_no_area() -> None:
    tree = ast.parse(DISPATCHER.read_text(encoding="utf-8"))
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not {m for m in imported if m.startswith(("bot.messages", "bot.services", "bot.flows"))}


def test_every_job_says_when_it_is_due_and_runs() -> None:
    jobs = due_jobs(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    assert len(jobs) == len({type(job) for job in jobs})
    for job in jobs:
        assert callable(job.next_due) and callable(job.run)


def test_the_hooks_are_registered_once_each() -> None:
    outbox_hooks()  # two hooks for one purpose would raise here


def test_a_purpose_reads_back_as_it_was_written() -> None:
    for text in ("flag:12:backup", "relay-copy:5", "relay-arrived", "part:relay-copy:7"):
        assert str(Purpose.parse(text)) == text
    assert Purpose.parse("flag:12:backup") == Purpose("flag", 12, "backup")
    assert Purpose.parse("part:employer-request:3") == Purpose("employer-request", 3, part=True)
    assert Purpose.parse("checkin-question:x").ref is None
