"""What a deployment installs: the lock pins every runtime dependency with hashes, the Docker
image installs only from it, and no declared floor lets in a release with a known advisory.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)")

# Releases with published advisories: every declared range must leave them out.
VULNERABLE = {
    "aiohttp": ["3.10.10", "3.12.13", "3.13.5", "3.14.0"],
    "pillow": ["10.2.0", "11.2.1", "12.2.0"],
    "h11": ["0.14.0"],
    "fonttools": ["4.60.1"],
    "idna": ["3.6"],
    "certifi": ["2024.2.2"],
    "setuptools": ["65.5.0", "78.1.0"],
}


def _project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _runtime() -> list[Requirement]:
    project = _project()
    declared = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    return [Requirement(text) for text in declared]


def _lock() -> dict[str, tuple[str, int]]:
    """Each pinned package: its version and how many hashes it carries."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        found = _PIN.match(line)
        if found:
            current = canonicalize_name(found.group(1))
            pins[current] = (found.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def test_the_lock_pins_every_runtime_dependency_with_hashes() -> None:
    pins = _lock()
    assert pins, "requirements.lock pins nothing"
    assert all(hashes >= 1 for _version, hashes in pins.values()), "a pin without a hash"
    for requirement in _runtime():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), (
            f"{name}=={pins[name][0]} in the lock does not satisfy {requirement}"
        )


def test_a_deployment_installs_no_sandbox_and_no_webhook_server() -> None:
    pins = _lock()
    assert "aiohttp" not in pins and "tornado" not in pins
    names = {canonicalize_name(r.name) for r in _runtime()}
    assert "aiohttp" not in names
    [telegram] = [r for r in _runtime() if canonicalize_name(r.name) == "python-telegram-bot"]
    assert telegram.extras == {"job-queue"}


@pytest.mark.parametrize("package", sorted(VULNERABLE))
def test_no_declared_range_admits_a_release_with_an_advisory(package: str) -> None:
    project = _project()
    declared = [
        *project["project"]["dependencies"],
        *project["build-system"]["requires"],
        *(d for extra in project["project"]["optional-dependencies"].values() for d in extra),
    ]
    ranges = [Requirement(d) for d in declared if canonicalize_name(Requirement(d).name) == package]
    assert ranges, f"{package} has no floor"
    for requirement in ranges:
        for bad in VULNERABLE[package]:
            assert not requirement.specifier.contains(bad), f"{requirement} admits {bad}"
    pinned = _lock().get(package)
    if pinned is not None:
        assert pinned[0] not in VULNERABLE[package]


def test_the_docker_image_installs_from_the_lock_only() -> None:
    steps = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if "pip install" in line
    ]
    assert steps[0].endswith("pip install --require-hashes --no-deps -r requirements.lock")
    assert all("--no-deps" in step for step in steps)
    assert len(steps) == 2
