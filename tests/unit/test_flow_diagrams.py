"""Every flow is declared with the mechanism, and docs/flows/ shows each as it is declared now."""

from __future__ import annotations

from bot.devtools.flow_diagrams import DOCS, pages, specs


def test_each_flow_page_is_current() -> None:
    wanted = pages()
    assert wanted, "no flow is declared"
    for path, text in wanted.items():
        assert path.exists(), f"{path.name} is missing: run python scripts/flow_diagrams.py"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is not current: run python scripts/flow_diagrams.py"
        )
    assert set(DOCS.glob("*.md")) == set(wanted)


def test_flows_have_distinct_names_and_actions() -> None:
    declared = specs()
    assert len({spec.name for spec in declared}) == len(declared)
    assert len({spec.action for spec in declared}) == len(declared)
