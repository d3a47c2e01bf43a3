"""The flows' pages in docs/flows/: each flow's declaration (`bot/flows/mechanism.py`) drawn as a
Mermaid state diagram with its buttons and typed-word steps, one page per flow.

`python scripts/flow_diagrams.py` writes them; `tests/unit/test_flow_diagrams.py` checks that
they are current.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import bot.flows
from bot.flows.mechanism import FlowSpec

DOCS = Path(__file__).resolve().parents[2] / "docs" / "flows"


def specs() -> list[FlowSpec[Any]]:
    """Every flow declared in bot/flows/, by name."""
    found: dict[str, FlowSpec[Any]] = {}
    for module_info in pkgutil.iter_modules(bot.flows.__path__):
        module = importlib.import_module(f"bot.flows.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, FlowSpec):
                found[value.name] = value
    return [found[name] for name in sorted(found)]


def pages() -> dict[Path, str]:
    """Each flow's page, by where it belongs."""
    return {DOCS / f"{spec.name}.md": spec.markdown() for spec in specs()}


def write() -> list[Path]:
    """Write the pages (and drop those of flows that are gone); the paths written."""
    wanted = pages()
    DOCS.mkdir(parents=True, exist_ok=True)
    for stale in set(DOCS.glob("*.md")) - set(wanted):
        stale.unlink()
    for path, text in wanted.items():
        path.write_text(text, encoding="utf-8")
    return sorted(wanted)
