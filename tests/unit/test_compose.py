"""compose.yaml, checked without a container engine: it parses, names only services, configs and
volumes that exist, runs the migrations before the bots, and gives every bot process the
settings it requires (valid as the bot reads them) and a health check on its own endpoint."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import _parser
from bot.config import Settings, load_settings

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"
# What an operator puts in .env.
OPERATOR = {
    "BOT_TOKEN": "123456:ABC-example",
    "POSTGRES_PASSWORD": "a-long-password",
    "PUBLIC_HOST": "bot.example.org",
    "WEBHOOK_SECRET": "a-Secret_token-1234",
}
_VARIABLE = re.compile(r"\$\{(\w+)(?::\?[^}]*)?\}")


def interpolate(value: Any) -> Any:
    """Compose's ${NAME} and ${NAME:?message}, with the operator's values ($$ is a dollar)."""
    if isinstance(value, str):
        if "$$" in value:
            return value.replace("$$", "$")
        return _VARIABLE.sub(lambda m: OPERATOR[m.group(1)], value)
    if isinstance(value, dict):
        return {k: interpolate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v) for v in value]
    return value


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(loaded, dict)
    return dict(interpolate(loaded))


def companion_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in compose["services"].items() if s.get("image") == "companion"}


def test_it_names_only_what_exists(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"db", "migrate", "bot1", "bot2", "worker", "proxy"}
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, (name, needed)
        for config in service.get("configs", []):
            assert config["source"] in compose["configs"], name
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in compose["volumes"], name
    caddyfile = compose["configs"]["caddyfile"]["content"]
    upstreams = re.findall(r"(\w+):(\d+)", caddyfile.split("reverse_proxy", 1)[1].split("{")[0])
    assert upstreams == [("bot1", "8080"), ("bot2", "8080")]
    assert "health_uri /readyz" in caddyfile
    assert caddyfile.startswith("{$PUBLIC_HOST}")


def test_the_migrations_run_first_and_the_bots_wait_for_them(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["companion", "db", "upgrade"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("bot1", "bot2", "worker"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
    assert set(services["proxy"]["depends_on"]) == {"bot1", "bot2"}


def test_every_bot_process_gets_the_settings_it_requires(compose: dict[str, Any]) -> None:
    known = {name.upper() for name in Settings.model_fields}
    for name, service in companion_services(compose).items():
        command = service["command"]
        assert command[0] == "companion"
        args = _parser().parse_args(command[1:])
        environment = service["environment"]
        assert set(environment) <= known, set(environment) - known
        settings = load_settings(**{k.lower(): v for k, v in environment.items()})
        settings.require_token()
        assert settings.resolved_database_url.startswith("postgresql+asyncpg://companion:")
        assert "@db:5432/" in settings.resolved_database_url
        if args.command == "run":
            assert args.webhook, name
            url, _secret = settings.require_webhook()
            assert url == "https://bot.example.org/telegram"
            assert settings.webhook_path == "/telegram"
            assert settings.webhook_listen_host == "0.0.0.0"


def test_the_health_checks_ask_the_bots_own_endpoint(compose: dict[str, Any]) -> None:
    for name, service in companion_services(compose).items():
        check = service["healthcheck"]
        if name == "migrate":
            assert check == {"disable": True}
            continue
        port = service["environment"]["WEBHOOK_PORT"]
        assert f"http://127.0.0.1:{port}/healthz" in " ".join(check["test"]), name
    assert "pg_isready" in " ".join(compose["services"]["db"]["healthcheck"]["test"])
