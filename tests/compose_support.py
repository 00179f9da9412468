"""Reading docker-compose.yml as the tests run it: each service's command and environment, natively.

Compose substitutes ``${VAR:?message}`` / ``${VAR:-default}`` from the operator's shell
and turns ``$$`` into ``$``; the container paths (``/data``, ``/run/secrets/...``,
``/tmp/...``) become folders of the test. Nothing else is changed, so what the test
runs is what the containers run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
_VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def load_compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # safe_load resolves the << merge keys
    assert isinstance(data, dict)
    return data


def interpolate(text: str, shell: Mapping[str, str]) -> str:
    """Compose's variable substitution for the forms the file uses, then ``$$`` -> ``$``."""

    def one(m: re.Match[str]) -> str:
        name, kind, rest = m.group(1), m.group(2), m.group(3)
        if name in shell:
            return shell[name]
        if kind == "-":
            return rest
        raise AssertionError(f"compose would stop: {rest or name + ' is not set'}")

    return _VARIABLE.sub(one, text).replace("$$", "$")


def environment_of(service: Mapping[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def command_of(service: Mapping[str, Any]) -> list[str]:
    command = service.get("command")
    assert isinstance(command, list), "write each command as a list, so no shell parses it differently"
    return [str(c) for c in command]


class Host:
    """Where the container paths live on this machine."""

    def __init__(self, root: Path, database_url: str, shell: Mapping[str, str]) -> None:
        self.root = root
        self.data = root / "data"
        self.secrets = root / "secrets"
        self.tmp = root / "tmp"
        for folder in (self.secrets, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        self.shell = dict(shell)

    def path(self, value: str) -> str:
        if value == "/data" or value.startswith("/data/"):
            return str(self.data) + value[len("/data") :]
        if value.startswith("/run/secrets/"):
            return str(self.secrets / value.rsplit("/", 1)[1])
        if value.startswith("/tmp/"):
            return str(self.tmp / value[len("/tmp/") :])
        return value

    def env(self, service: Mapping[str, Any], base: Mapping[str, str], **extra: str) -> dict[str, str]:
        out = dict(base)
        for name, value in environment_of(service).items():
            value = self.path(interpolate(value, self.shell))
            if name == "COPRO_DATABASE_URL":
                value = self.database_url  # the test server's, on 127.0.0.1, instead of db:5432
            out[name] = value
        out.update(extra)
        return out

    def command(self, service: Mapping[str, Any]) -> list[str]:
        return [interpolate(c, self.shell) for c in command_of(service)]
