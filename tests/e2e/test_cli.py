"""The `companion` command as a person runs it: help, migrations, coaches, configuration errors,
and the terminal demo with piped input.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.devtools.harness import Harness
from bot.models.people import Role
from bot.runtime.clock import ManualClock
from bot.services import invites, people

pytestmark = pytest.mark.slow


def companion(
    *args: str, env: dict[str, str] | None = None, cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **(env or {})},
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = companion("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("run", "worker", "demo", "db", "coach"):
        assert f"    {command} " in result.stdout


def test_db_upgrade_and_coaches(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url}
    upgraded = companion("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database at revision" in upgraded.stdout
    added = companion(
        "coach",
        "add",
        "--telegram-id",
        "4242",
        "--name",
        "Kaisa Virtanen",
        "--org",
        "Työpaja",
        "--admin",
        env=env,
        cwd=tmp_path,
    )
    assert added.returncode == 0, added.stderr
    listed = companion("coach", "list", env=env, cwd=tmp_path)
    assert "4242\tKaisa Virtanen\tTyöpaja (admin)" in listed.stdout


def test_default_database_is_created_in_the_data_folder(tmp_path: Path) -> None:
    result = companion("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    database = tmp_path / "data" / "companion.sqlite3"
    assert database.is_file()
    # Health data: the folder and the file are the owner's only.
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("args", "env", "variable"),
    [
        (("run",), {}, "BOT_TOKEN"),
        (("db", "upgrade"), {"DATABASE_URL": "mysql://nowhere/x"}, "DATABASE_URL"),
        (("coach", "list"), {"DEFAULT_TIMEZONE": "Europe/Atlantis"}, "DEFAULT_TIMEZONE"),
        (("run",), {"BOT_TOKEN": "1:x", "DATABASE_URL": "sqlite:///fresh.db"}, "DATABASE_URL"),
        (
            ("run",),
            {"BOT_TOKEN": "1:x", "TELEGRAM_API_BASE_URL": "http://botapi.example.org/bot"},
            "TELEGRAM_API_BASE_URL",
        ),
    ],
)
def test_a_bad_setting_stops_with_one_line_naming_it(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], variable: str
) -> None:
    result = companion(*args, env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"companion: configuration error: {variable}:")


def test_the_demo_speaks_english_without_a_language_in_the_environment(tmp_path: Path) -> None:
    script = "\n".join(["/help", "Hello, I am late today", ""])
    env = {"LANG": "", "LC_ALL": "", "LC_MESSAGES": ""}
    result = companion("demo", cwd=tmp_path, stdin=script, env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("/language changes the language.\n")
    assert "I help you keep in touch with your job coach" in out
    assert "(👍 on your message)" in out  # the message went to the coach


def test_the_demo_with_piped_input(tmp_path: Path) -> None:
    script = "\n".join(
        ["/help", "/language", "2", "/start", ":coach", "/help", ":say 7", ":help", ""]
    )
    result = companion("demo", cwd=tmp_path, stdin=script, env={"LANG": "fi_FI.UTF-8"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "\033[" not in out  # no colours or prompts when piped
    assert out.startswith("/language vaihtaa kielen.\n")  # the environment's language
    assert "Autan sinua pitämään yhteyttä työvalmentajaasi" in out  # the client's help, in Finnish
    assert "[2] 🇸🇪 Svenska" in out
    assert "Okej! Nu talar jag svenska med dig." in out
    assert "Hej, Liisa! 👋" in out
    assert "Olet täällä työvalmentaja." in out  # the coach's help
    assert ":quit – lopeta demo" in out
    assert not list(tmp_path.iterdir())  # the demo leaves nothing behind in the folder


def test_an_admin_makes_a_coach_invite(tmp_path: Path, database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "BOT_USERNAME": "@companion_test_bot"}
    result = companion("invite", "coach", "--org", "Työpaja", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "https://t.me/companion_test_bot?start=" in result.stdout
    unknown = companion("invite", "coach", env={"DATABASE_URL": database_url}, cwd=tmp_path)
    assert unknown.returncode == 2
    assert "BOT_USERNAME" in unknown.stderr


def test_an_admin_sets_the_organisations_crisis_numbers_and_flag_thresholds(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url}
    assert (
        companion(
            "coach",
            "add",
            "--telegram-id",
            "77",
            "--name",
            "Bea",
            "--org",
            "Säätiö",
            "--admin",
            env=env,
            cwd=tmp_path,
        ).returncode
        == 0
    )
    result = companion(
        "org",
        "set",
        "--org",
        "Säätiö",
        "--crisis-line-number",
        "0800 123 456",
        "--backup-telegram-id",
        "77",
        "--low-mood-days",
        "4",
        "--follow-up-months",
        "24",
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    # A number of its own keeps no hours unless they are given: none are promised for it.
    assert "crisis_line\tMIELI Kriisipuhelin 0800 123 456 (hours not stated)" in result.stdout
    assert "flags\t{'low_mood_days': 4}" in result.stdout
    assert "follow_up\t{'months': 24}" in result.stdout
    refused = companion(
        "org", "set", "--org", "Säätiö", "--backup-telegram-id", "999", env=env, cwd=tmp_path
    )
    assert refused.returncode == 2 and "no person with Telegram id 999" in refused.stderr


def test_an_admin_sets_crisis_lines_per_language_with_hours_and_the_tiers(
    tmp_path: Path, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url}
    shown = companion("org", "set", "--org", "Säätiö", env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "crisis_line\tMIELI Kriisipuhelin 09 2525 0111 (24/7)" in shown.stdout
    assert (
        "crisis_line_sv\tMIELI Kristelefon (svenska) 09 2525 0112 "
        "(mon,wed 16-20; tue,thu,fri 9-13)" in shown.stdout
    )
    assert "crisis_line_en\tMIELI Crisis Helpline (English) 09 2525 0116 (fri 9-13)" in shown.stdout
    assert "crisis_words\ton" in shown.stdout and "worry_words\ton" in shown.stdout

    result = companion(
        "org",
        "set",
        "--org",
        "Säätiö",
        "--crisis-line-hours",
        "mon-fri 8-16",
        "--crisis-line-en-number",
        "09 2525 0113",
        "--crisis-line-sv-name",
        "Kristelefonen",
        "--worry-words",
        "off",
        "--crisis-rule",
        "fi.cannot_cope=crisis",
        "--crisis-rule",
        "en.hopeless=off",
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "crisis_line\tMIELI Kriisipuhelin 09 2525 0111 (mon-fri 8-16)" in result.stdout
    assert "crisis_line_sv\tKristelefonen 09 2525 0112 (mon,wed" in result.stdout
    assert "crisis_line_en\tMIELI Crisis Helpline (English) 09 2525 0113 (hours not stated)" in (
        result.stdout
    )
    assert "worry_words\toff" in result.stdout
    assert "crisis_rules\t{'en.hopeless': 'off', 'fi.cannot_cope': 'crisis'}" in result.stdout

    for wrong, says in (
        (["--crisis-line-sv-hours", "monday 9-13"], "unknown day"),
        (["--crisis-line-hours", "mon 16-9"], "ends before it starts"),
        (["--crisis-rule", "fi.nothing_like_it=worry"], "no rule 'fi.nothing_like_it'"),
        (["--crisis-rule", "fi.want_to_die=maybe"], "crisis, worry, off or default"),
        (["--crisis-rule", "fi.want_to_die"], "write RULE=TIER"),
    ):
        refused = companion("org", "set", "--org", "Säätiö", *wrong, env=env, cwd=tmp_path)
        assert refused.returncode == 2 and says in refused.stderr, (wrong, refused.stderr)


LINK = re.compile(r"https://t\.me/companion_test_bot\?start=([A-Za-z0-9_-]+)")


async def test_an_admin_lists_and_revokes_coach_invites(
    tmp_path: Path, harness: Harness, clock: ManualClock
) -> None:
    """The links the command line made can be seen (never the links) and revoked for good."""
    env = {"DATABASE_URL": harness.settings.resolved_database_url}

    async def run(*args: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(companion, *args, env=env, cwd=tmp_path)

    made = [await run("invite", "coach", "--org", org) for org in ("Työpaja", "Säätiö")]
    assert all(result.returncode == 0 for result in made), [r.stderr for r in made]
    tokens = [LINK.findall(result.stdout)[0] for result in made]
    ids = [re.findall(r"\(invite (\d+)\)", result.stdout)[0] for result in made]

    listed = await run("invite", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "id\tkind\torganisation\tcreated (UTC)\texpires (UTC)\tmade by\tstate"
    rows = [line.split("\t") for line in lines[1:]]
    assert [(r[0], r[1], r[2], r[5], r[6]) for r in rows] == [
        (ids[0], "coach", "Työpaja", "command line", "open"),
        (ids[1], "coach", "Säätiö", "command line", "open"),
    ]
    assert rows[0][3] < rows[0][4]  # created before it expires
    for token in tokens:
        assert token not in listed.stdout
        assert invites.token_hash(token)[:8] not in listed.stdout
    only = await run("invite", "list", "--org", "Säätiö")
    assert [line.split("\t")[0] for line in only.stdout.splitlines()[1:]] == [ids[1]]

    revoked = await run("invite", "revoke", ids[0])
    assert revoked.returncode == 0, revoked.stderr
    assert f"invite {ids[0]} (coach) revoked" in revoked.stdout
    listed = await run("invite", "list")
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()[1:]] == [ids[1]]
    everything = await run("invite", "list", "--all")
    assert [line.split("\t")[-1] for line in everything.stdout.splitlines()[1:]] == [
        "revoked",
        "open",
    ]
    again = await run("invite", "revoke", ids[0])
    assert again.returncode == 1 and "it is revoked already" in again.stderr
    nothing = await run("invite", "revoke", "987654")
    assert nothing.returncode == 1 and "no invite 987654" in nothing.stderr

    # The revoked link makes nobody a coach; the other one still works.
    newcomer = harness.sandbox.add_user("Maija", language_code="en")
    await newcomer.send_command("start", tokens[0])
    await harness.settle()
    assert "This invite link is no longer valid" in newcomer.bot_messages()[-1].visible_text
    await newcomer.send_command("start", tokens[1])
    await harness.settle()
    assert "You are now a coach here" in newcomer.bot_messages()[-1].visible_text
    async with harness.db.session() as session:
        person = await people.person_by_telegram_id(session, telegram_user_id=newcomer.id)
        assert person is not None and person.id is not None
        assert await people.roles_of(session, person_id=person.id, now=clock.now()) == {Role.COACH}
    used = await run("invite", "list", "--all", "--org", "Säätiö")
    assert used.stdout.splitlines()[1].split("\t")[-1] == "used"
