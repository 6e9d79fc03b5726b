"""Readers for the deployment files, with the semantics of the tools that read them."""

from __future__ import annotations

import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "vonk.service"
ENV_EXAMPLE = DEPLOY / "vonk.env.example"
COMPOSE = DEPLOY / "docker-compose.yml"
DOCKERFILE = DEPLOY / "Dockerfile"

#: Where the unit expects the installation and the data (docs/deploy.md says the same).
INSTALL_DIR = "/opt/vonk"
DATA_DIR = "/var/lib/vonk"


def read_unit(path: Path = UNIT) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit: section -> [(key, value)] in order (keys may repeat, as in systemd)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{path}: {line!r} outside a section"
        key, _, value = line.partition("=")
        current.append((key.strip(), value.strip()))
    return sections


def unit_values(section: list[tuple[str, str]], key: str) -> list[str]:
    return [value for k, value in section if k == key]


def read_env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= and Docker's env_file read them (comments
    start with #; the example keeps values unquoted so both agree)."""
    values: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path}: not KEY=VALUE: {line!r}"
        values[key.strip()] = value.strip()
    return values


def unit_environment(section: list[tuple[str, str]]) -> dict[str, str]:
    """The unit's own Environment= assignments (each may hold several, shell-quoted)."""
    env: dict[str, str] = {}
    for value in unit_values(section, "Environment"):
        for item in shlex.split(value):
            key, _, val = item.partition("=")
            env[key] = val
    return env
