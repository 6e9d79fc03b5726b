"""Install, configure, start and stop a throw-away Synapse homeserver for tests.

Vonk's Matrix adapter is tested against a *real* Synapse rather than a mock, because the
things that break in practice (sync tokens, invites, relations, rate limits) are server
behaviour that a mock would only restate. This module has no pytest dependency so it can
also be used from a REPL or a script (``python tests/matrix/synapse.py`` starts a server).

Synapse lives in its own virtual environment (never the project venv): its dependency
pins (Twisted, cryptography, pydantic, ...) must not constrain or be constrained by the
bot's own dependencies. ``matrix-synapse`` ships abi3 manylinux wheels for its Rust part
and needs no extras or system libraries for an SQLite, no-federation setup.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Pinned to a minor series so a Synapse release can't change test behaviour overnight;
#: override with ``$VONK_SYNAPSE_REQUIREMENT`` to try another version.
DEFAULT_REQUIREMENT = "matrix-synapse~=1.163.0"

#: Generous: a cold install downloads ~60 wheels; CI must not hang forever on a dead index.
INSTALL_TIMEOUT_S = 900.0

__all__ = [
    "DEFAULT_REQUIREMENT",
    "MatrixUser",
    "SynapseError",
    "SynapseInstallError",
    "SynapseServer",
    "default_venv_path",
    "ensure_synapse_venv",
    "register_user",
]


class SynapseError(RuntimeError):
    """Synapse could not be started, or an admin API call failed."""


class SynapseInstallError(SynapseError):
    """The Synapse virtual environment could not be created (typically: no network)."""


# --------------------------------------------------------------------------- install


def default_venv_path() -> Path:
    """Where the Synapse venv is cached: ``$VONK_SYNAPSE_VENV`` or ``~/.cache/vonk/...``.

    Outside the work tree on purpose, so every checkout (and every ``git clean``) reuses
    the same install instead of paying the install time again.
    """
    env = os.environ.get("VONK_SYNAPSE_VENV")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "vonk" / "synapse-venv"


def _venv_python(path: Path) -> Path:
    return path / "bin" / "python"


def ensure_synapse_venv(path: Path | None = None) -> Path:
    """Create (once) a venv with ``matrix-synapse`` and return its python executable.

    Idempotent and fast on the second call: a stamp file records the requirement that
    was installed, so a warm call costs a ``stat`` rather than a pip run. An exclusive
    file lock serialises concurrent callers (several engineers' test runs, or xdist
    workers) so they don't pip-install into the same directory at once.

    Raises:
        SynapseInstallError: venv creation or ``pip install`` failed; the message carries
            the tail of pip's output (usually a network error).
    """
    path = (path or default_venv_path()).expanduser().resolve()
    requirement = os.environ.get("VONK_SYNAPSE_REQUIREMENT", DEFAULT_REQUIREMENT)
    python = _venv_python(path)
    stamp = path / ".vonk-synapse-stamp"

    def _is_current() -> bool:
        try:
            return python.exists() and stamp.read_text() == requirement
        except OSError:
            return False

    if _is_current():
        return python

    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.parent / f".{path.name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _is_current():  # someone else installed it while we waited for the lock
            return python
        stamp.unlink(missing_ok=True)
        if not python.exists():
            try:
                # sys._base_executable is used by venv, so this works from inside the
                # project venv and yields an independent environment.
                venv.EnvBuilder(with_pip=True, clear=True).create(path)
            except (OSError, subprocess.CalledProcessError) as exc:
                raise SynapseInstallError(f"could not create venv at {path}: {exc}") from exc
        cmd = [str(python), "-m", "pip", "install", "--disable-pip-version-check", requirement]
        try:
            proc = subprocess.run(
                cmd,
                cwd=path,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=INSTALL_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise SynapseInstallError(
                f"`{' '.join(cmd)}` took longer than {INSTALL_TIMEOUT_S:.0f}s"
            ) from exc
        if proc.returncode != 0:
            tail = "\n".join(proc.stdout.splitlines()[-25:])
            raise SynapseInstallError(
                f"`{' '.join(cmd)}` failed with exit code {proc.returncode}:\n{tail}"
            )
        # A wheel that installs but can't import (e.g. a glibc too old for the Rust
        # extension) should fail here, with a clear message, not at server start.
        check = subprocess.run(
            [str(python), "-I", "-c", "import synapse.synapse_rust, synapse.app.homeserver"],
            cwd=path,
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise SynapseInstallError(f"Synapse installed but does not import:\n{check.stderr}")
        stamp.write_text(requirement)
    return python


# --------------------------------------------------------------------------- config


def _free_port() -> int:
    """Ask the kernel for a free loopback port (tiny race window, acceptable for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _relaxed(per_second: float = 1000.0, burst_count: int = 10000) -> dict[str, float]:
    """A rate limit that tests never hit, but that keeps Synapse's limiter code active."""
    return {"per_second": per_second, "burst_count": burst_count}


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def build_config(
    data_dir: Path, port: int, shared_secret: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The homeserver.yaml contents as a dict (JSON is valid YAML, so no PyYAML needed).

    ``extra`` is deep-merged on top, so a test can e.g. tighten one rate limit.
    """
    url = f"http://127.0.0.1:{port}"
    config: dict[str, Any] = {
        "server_name": "localhost",
        "public_baseurl": f"{url}/",
        "pid_file": str(data_dir / "homeserver.pid"),
        "report_stats": False,
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                # Only the client API (which also serves /_synapse/admin); no federation.
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {
            "name": "sqlite3",
            "args": {"database": str(data_dir / "homeserver.db")},
        },
        "log_config": str(data_dir / "log.config"),
        "signing_key_path": str(data_dir / "localhost.signing.key"),
        "media_store_path": str(data_dir / "media_store"),
        # On: the bot uploads images (charts) and files. Thumbnails stay off (no Pillow work).
        "enable_media_repo": True,
        "dynamic_thumbnails": False,
        "thumbnail_sizes": [],
        "url_preview_enabled": False,
        "enable_metrics": False,
        "registration_shared_secret": shared_secret,
        "enable_registration": False,
        "macaroon_secret_key": secrets.token_hex(32),
        "form_secret": secrets.token_hex(32),
        # Fast password hashing: registration/login are on every test's path.
        "bcrypt_rounds": 4,
        # No outbound calls to matrix.org (there is no network; and tests must be hermetic).
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        # Rate limits: relaxed, not disabled, so the limiter code paths still run.
        "rc_message": _relaxed(),
        "rc_registration": _relaxed(),
        "rc_registration_token_validity": _relaxed(),
        "rc_login": {
            "address": _relaxed(),
            "account": _relaxed(),
            "failed_attempts": _relaxed(),
        },
        "rc_admin_redaction": _relaxed(),
        "rc_joins": {"local": _relaxed(), "remote": _relaxed()},
        "rc_joins_per_room": _relaxed(),
        "rc_3pid_validation": _relaxed(),
        "rc_invites": {
            "per_room": _relaxed(),
            "per_user": _relaxed(),
            "per_issuer": _relaxed(),
        },
        "rc_third_party_invite": _relaxed(),
        "rc_room_creation": _relaxed(),
        "rc_key_requests": _relaxed(),
        "rc_delayed_event_mgmt": _relaxed(),
        "rc_reports": _relaxed(),
        "rc_presence": {"per_user": _relaxed()},
        "rc_profile": _relaxed(),
        "rc_user_directory": _relaxed(),
    }
    return _deep_merge(config, extra or {})


def _log_config(log_file: Path) -> dict[str, Any]:
    return {
        "version": 1,
        "formatters": {
            "precise": {"format": "%(asctime)s - %(name)s - %(levelname)s - %(message)s"}
        },
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "formatter": "precise",
                "filename": str(log_file),
                "encoding": "utf8",
            }
        },
        "root": {"level": "WARNING", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no file)"


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    """Ask the kernel to SIGTERM Synapse when the process that started it dies.

    Without this a SIGKILLed pytest leaves an orphan homeserver behind. Note PDEATHSIG is
    tied to the *thread* that forked, so start the server from a long-lived thread.
    """
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# --------------------------------------------------------------------------- server


class SynapseServer:
    """One Synapse process with its config, SQLite DB and logs in a temporary directory.

    The data directory survives :meth:`restart` (so users, rooms and sync tokens persist,
    which is what restart tests are about) and is deleted by :meth:`cleanup`.
    Usable as a context manager: ``with SynapseServer(python) as hs: ...``.
    """

    def __init__(
        self,
        python: Path,
        *,
        data_dir: Path | None = None,
        port: int | None = None,
        extra_config: dict[str, Any] | None = None,
    ) -> None:
        self.python = Path(python)
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir or tempfile.mkdtemp(prefix="vonk-synapse-"))
        self.port = port or _free_port()
        self.shared_secret = secrets.token_hex(24)
        self.server_name = "localhost"
        self.config_path = self.data_dir / "homeserver.yaml"
        self.log_file = self.data_dir / "homeserver.log"
        self.console_file = self.data_dir / "console.log"
        self._extra_config = extra_config
        self._proc: subprocess.Popen[bytes] | None = None
        self._configured = False
        #: Seconds the last :meth:`start` took until the client API answered.
        self.last_start_seconds: float | None = None

    @property
    def url(self) -> str:
        """Base URL of the client API, e.g. ``http://127.0.0.1:8448``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def configure(self) -> None:
        """Write homeserver.yaml and the log config, and generate the signing key."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = build_config(self.data_dir, self.port, self.shared_secret, self._extra_config)
        self.config_path.write_text(json.dumps(config, indent=2))
        (self.data_dir / "log.config").write_text(json.dumps(_log_config(self.log_file)))
        # --generate-keys creates every missing key file the config names (here: the
        # signing key) and exits without starting the server.
        proc = subprocess.run(
            [
                str(self.python),
                "-I",
                "-m",
                "synapse.app.homeserver",
                "--config-path",
                str(self.config_path),
                "--generate-keys",
            ],
            cwd=self.data_dir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if proc.returncode != 0:
            raise SynapseError(
                f"synapse --generate-keys failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}"
            )
        self._configured = True

    def start(self, timeout: float = 60.0) -> None:
        """Launch Synapse and block until ``/_matrix/client/versions`` answers."""
        if self.running:
            return
        if not self._configured:
            self.configure()
        began = time.monotonic()
        console = open(self.console_file, "ab")  # closed below: the child keeps its own fd
        try:
            self._proc = subprocess.Popen(
                [
                    str(self.python),
                    "-I",
                    "-m",
                    "synapse.app.homeserver",
                    "-c",
                    str(self.config_path),
                ],
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        finally:
            console.close()
        deadline = began + timeout
        versions = f"{self.url}/_matrix/client/versions"
        while True:
            code = self._proc.poll()
            if code is not None:
                self._proc = None
                raise SynapseError(
                    f"Synapse exited with code {code} during start-up\n{self.logs()}"
                )
            try:
                with urllib.request.urlopen(versions, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SynapseError(
                    f"Synapse did not answer {versions} in {timeout}s\n{self.logs()}"
                )
            time.sleep(0.1)
        self.last_start_seconds = time.monotonic() - began

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM Synapse (a clean shutdown flushes SQLite), SIGKILL after ``timeout``."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def restart(self, timeout: float = 60.0) -> None:
        """Stop and start again on the same port and data directory."""
        self.stop()
        self.start(timeout=timeout)

    def cleanup(self) -> None:
        """Stop the server and remove the data directory if this object created it."""
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def logs(self, lines: int = 40) -> str:
        """Tails of Synapse's console output and its WARNING log, for error messages."""
        return (
            f"--- {self.console_file} (tail) ---\n{_tail(self.console_file, lines)}\n"
            f"--- {self.log_file} (tail) ---\n{_tail(self.log_file, lines)}"
        )

    def register_user(self, username: str, password: str, admin: bool = False) -> tuple[str, str]:
        """Register a user via the shared-secret admin API; see :func:`register_user`."""
        return register_user(self.url, self.shared_secret, username, password, admin=admin)

    def __enter__(self) -> SynapseServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()


# --------------------------------------------------------------------------- admin API


@dataclass(frozen=True)
class MatrixUser:
    """A registered test account; the password is kept so clients can log in themselves."""

    user_id: str
    localpart: str
    password: str
    access_token: str


def _http_json(method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        raise SynapseError(f"{method} {url} -> {exc.code}: {detail}") from exc


def register_user(
    base_url: str, shared_secret: str, username: str, password: str, admin: bool = False
) -> tuple[str, str]:
    """Create a user with ``/_synapse/admin/v1/register``; return ``(user_id, access_token)``.

    This works with ``enable_registration: false`` (as in production-like configs) and
    needs no admin user to bootstrap. The MAC is HMAC-SHA1, keyed with the shared secret,
    over ``nonce \\0 username \\0 password \\0 (admin|notadmin)``.
    """
    endpoint = f"{base_url.rstrip('/')}/_synapse/admin/v1/register"
    nonce = _http_json("GET", endpoint)["nonce"]
    message = "\0".join((nonce, username, password, "admin" if admin else "notadmin"))
    mac = hmac.new(shared_secret.encode(), message.encode(), hashlib.sha1)
    result = _http_json(
        "POST",
        endpoint,
        {
            "nonce": nonce,
            "username": username,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        },
    )
    return result["user_id"], result["access_token"]


@contextlib.contextmanager
def running_synapse(**kwargs: Any) -> Iterator[SynapseServer]:
    """Install if needed and run a server for the duration of a ``with`` block."""
    server = SynapseServer(ensure_synapse_venv(), **kwargs)
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


if __name__ == "__main__":  # manual use: python tests/matrix/synapse.py
    t0 = time.monotonic()
    py = ensure_synapse_venv()
    print(f"venv ready in {time.monotonic() - t0:.1f}s: {py}")
    with running_synapse() as hs:
        print(f"started in {hs.last_start_seconds:.1f}s at {hs.url} (data: {hs.data_dir})")
        print("registered", hs.register_user("admin", "admin-password", admin=True))
        with contextlib.suppress(KeyboardInterrupt):
            input("Enter to stop... ")
