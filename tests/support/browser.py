"""A real browser for the desk's tests: Playwright driving the system's Chromium (Debian's
`chromium` package; no browser is downloaded), axe-core's accessibility scan, and screenshots
for a person to look at (build/screenshots, not kept in git).

Without Chromium the browser tests are skipped, except in CI (CI=true), where they must run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# What axe-core reports that must not be there.
SERIOUS = ("serious", "critical")


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate:
            found = shutil.which(candidate)
            if found:
                return found
    return None


def require_chromium() -> str:
    """The browser's path, or a skip (a failure in CI, which must run these tests)."""
    path = chromium_path()
    try:
        import playwright  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Chromium and Playwright for the desk's browser tests")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path


async def axe_findings(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (the page's own
    Content-Security-Policy refuses injected scripts: open it in a context with bypass_csp)."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return [v for v in result if v.get("impact") in SERIOUS]


async def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
