"""The crisis lexicons ship with the package: an installed copy holds exactly the Python modules
and the files matching `[tool.setuptools.package-data]`, and the detector reads its lexicons
through the package (importlib.resources), not from the source tree."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _shipped(target: Path) -> None:
    """Copy into `target` what setuptools installs of bot/: every module, and every file that a
    package-data glob of pyproject.toml names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["bot"]
    source = ROOT / "bot"
    for path in source.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(source).as_posix()
        if path.suffix == ".py" or any(fnmatch.fnmatch(relative, glob) for glob in globs):
            copy = target / "bot" / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)


def test_every_lexicon_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]["bot"]
    folder = ROOT / "bot" / "services" / "crisis_lexicon"
    files = sorted(p.relative_to(ROOT / "bot").as_posix() for p in folder.iterdir())
    assert {"fi.txt", "sv.txt", "en.txt", "README.txt"} <= {Path(f).name for f in files}
    for relative in files:
        assert any(fnmatch.fnmatch(relative, glob) for glob in globs), relative


def test_an_installed_copy_reads_its_lexicons(tmp_path: Path) -> None:
    _shipped(tmp_path)
    script = (
        "import bot, sys\n"
        "from bot.services.crisis import Tier, assess\n"
        f"assert bot.__file__.startswith({str(tmp_path)!r}), bot.__file__\n"
        "assert assess('haluan vaan kuolla').tier() == Tier.CRISIS\n"
        "assert assess('jag orkar inte mer').tier() == Tier.WORRY\n"
        "assert assess('kuolin nauruun').tier() == Tier.NONE\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_without_the_lexicon_files_the_copy_fails_loudly(tmp_path: Path) -> None:
    _shipped(tmp_path)
    shutil.rmtree(tmp_path / "bot" / "services" / "crisis_lexicon")
    script = "from bot.services.crisis import assess\nassess('haluan kuolla')\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "fi.txt" in result.stderr


def test_the_bot_does_not_start_with_a_broken_lexicon(tmp_path: Path, database_url: str) -> None:
    _shipped(tmp_path)
    broken = tmp_path / "bot" / "services" / "crisis_lexicon" / "fi.txt"
    broken.write_text(
        broken.read_text(encoding="utf-8") + "\n[crisis oops]\n@nowhere kuolla\n", encoding="utf-8"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path),
        "BOT_TOKEN": "123456:TEST",
        "DATABASE_URL": database_url,
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "the lexicon of words of crisis cannot be read" in result.stderr
    assert "fi.txt:" in result.stderr and "@nowhere is not defined above" in result.stderr
