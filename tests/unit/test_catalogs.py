"""The catalogs are complete in every language and in step with the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _catalogs_tool() -> Any:
    spec = importlib.util.spec_from_file_location("catalogs", ROOT / "scripts" / "catalogs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_catalogs_have_every_text_translated_and_nothing_stale() -> None:
    problems = _catalogs_tool().problems()
    assert problems == []


def test_the_check_notices_a_text_missing_from_the_catalogs() -> None:
    tool = _catalogs_tool()
    template = tool.extract()
    assert "Which language do you want? Choose one:" in {m.id for m in template}
    # A text added to the code but not to the catalogs is reported for every language.
    template.add("A text nobody translated yet")
    tool.extract = lambda: template
    problems = tool.problems()
    assert len([p for p in problems if "A text nobody translated yet" in p]) == 3
