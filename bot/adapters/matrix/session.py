"""Configuration check, nio client construction and login (password or access token).

Encryption is optional: ``matrix-nio[e2e]`` (vodozemac) is imported only when
``VONK_MATRIX_E2EE=true``, and its absence is reported with the extra to install.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nio import AsyncClient, AsyncClientConfig, LoginResponse, WhoamiResponse
from nio.api import Api

from bot.adapters.matrix.failures import CONNECTION_ERRORS, Backoff, describe, is_temporary
from bot.config import Settings
from bot.errors import ConfigError
from storage.repositories.state import AdapterStateStore

log = logging.getLogger(__name__)

PLATFORM = "matrix"
DEVICE_NAME = "Vonk"
LOGIN_ATTEMPTS = 8  # with back-off: about a minute for a homeserver that is still starting
E2E_EXTRA_HINT = (
    "VONK_MATRIX_E2EE=true needs matrix-nio's encryption extra: "
    "pip install 'matrix-nio[e2e]' (it brings vodozemac, a binary wheel)"
)


@dataclass(frozen=True)
class MatrixConfig:
    """The Matrix settings the adapter needs, checked once at construction."""

    homeserver: str
    user_id: str
    password: str
    access_token: str
    device_id: str
    store_path: Path
    allowed_inviters: tuple[str, ...]
    e2ee: bool

    def __post_init__(self) -> None:
        if not self.homeserver.startswith(("http://", "https://")):
            raise ConfigError(
                f"VONK_MATRIX_HOMESERVER must be a URL like https://matrix.example.org, "
                f"not {self.homeserver!r}"
            )
        if not (self.user_id.startswith("@") and ":" in self.user_id):
            raise ConfigError(
                f"VONK_MATRIX_USER_ID must be a full user id like @vonk:example.org, "
                f"not {self.user_id!r}"
            )
        if not (self.password or self.access_token):
            raise ConfigError("set VONK_MATRIX_PASSWORD or VONK_MATRIX_ACCESS_TOKEN")
        for entry in self.allowed_inviters:
            if not entry.startswith(("@", ":")):
                raise ConfigError(
                    f"VONK_MATRIX_ALLOWED_INVITERS: {entry!r} is neither a user id "
                    "(@name:server) nor a server suffix (:server)"
                )

    @classmethod
    def from_settings(cls, settings: Settings) -> MatrixConfig:
        store = settings.matrix_store_path
        return cls(
            homeserver=settings.matrix_homeserver.rstrip("/"),
            user_id=settings.matrix_user_id,
            password=settings.matrix_password,
            access_token=settings.matrix_access_token,
            device_id=settings.matrix_device_id,
            store_path=Path(store).expanduser() if store else settings.data_dir / "matrix-store",
            allowed_inviters=tuple(settings.matrix_allowed_inviters),
            e2ee=settings.matrix_e2ee,
        )

    @property
    def server_name(self) -> str:
        return self.user_id.split(":", 1)[1]


def inviter_allowed(inviter: str, allowed: tuple[str, ...]) -> bool:
    """An exact user id, or a ``:server`` entry matching the inviter's whole server name."""
    server = inviter.split(":", 1)[1] if ":" in inviter else ""
    return any(
        inviter == entry or (entry.startswith(":") and server == entry[1:]) for entry in allowed
    )


def require_e2e() -> None:
    """Fail clearly, naming the extra, when encryption was asked for but cannot work."""
    try:
        import vodozemac  # noqa: F401
        from nio.crypto import ENCRYPTION_ENABLED
    except ImportError as exc:
        raise ConfigError(E2E_EXTRA_HINT) from exc
    if not ENCRYPTION_ENABLED:
        raise ConfigError(E2E_EXTRA_HINT)


def build_client(config: MatrixConfig, device_id: str) -> AsyncClient:
    """A nio client that reports failures instead of retrying by itself.

    nio would otherwise retry 429s and timeouts forever inside a single call; Vonk needs to
    see them to raise :class:`RetryLater` from ``send`` and to back off in its sync loop.
    Sync tokens are never kept in nio's store: Vonk stores its own (``next_batch``).
    """
    if config.e2ee:
        require_e2e()
        config.store_path.mkdir(parents=True, exist_ok=True)
    client_config = AsyncClientConfig(
        max_limit_exceeded=0,
        max_timeouts=0,
        request_timeout=30,
        store_sync_tokens=False,
        encryption_enabled=config.e2ee,
    )
    return AsyncClient(
        config.homeserver,
        config.user_id,
        device_id=device_id or None,
        store_path=str(config.store_path) if config.e2ee else "",
        config=client_config,
    )


async def login(config: MatrixConfig, state: AdapterStateStore) -> AsyncClient:
    """Log in, retrying while the homeserver is unreachable; keep the device id stable.

    A password login without a device id would create a new device on every start, and
    encryption keys belong to a device; so the first device id is stored and reused.
    """
    device_id = config.device_id or await state.get(PLATFORM, "device_id") or ""
    backoff = Backoff(initial=1.0, cap=15.0)
    while True:
        client = build_client(config, device_id)
        try:
            if config.access_token:
                await _restore(client, config, device_id)
            else:
                resp = await client.login(config.password, device_name=DEVICE_NAME)
                if not isinstance(resp, LoginResponse):
                    if is_temporary(resp) and backoff.failures < LOGIN_ATTEMPTS:
                        raise ConnectionError(f"login: {describe(resp)}")
                    raise ConfigError(f"Matrix login as {config.user_id} failed: {describe(resp)}")
            if client.device_id and client.device_id != device_id:
                await state.set(PLATFORM, "device_id", client.device_id)
            return client
        except CONNECTION_ERRORS as exc:
            await client.close()
            if backoff.failures >= LOGIN_ATTEMPTS:
                raise ConfigError(
                    f"cannot reach the Matrix homeserver {config.homeserver}: {exc}"
                ) from exc
            delay = backoff.next_delay()
            log.warning("Matrix login: %s; trying again in %.1f s", exc, delay)
            await asyncio.sleep(delay)
        except BaseException:
            await client.close()
            raise


async def _restore(client: AsyncClient, config: MatrixConfig, device_id: str) -> None:
    """Use an access token; ask the server which device it belongs to if not configured."""
    client.access_token = config.access_token
    client.user_id = config.user_id
    who = await client.whoami()
    if not isinstance(who, WhoamiResponse):
        if is_temporary(who):
            raise ConnectionError(f"whoami: {describe(who)}")
        raise ConfigError(f"VONK_MATRIX_ACCESS_TOKEN is not accepted: {describe(who)}")
    if who.user_id != config.user_id:
        raise ConfigError(
            f"VONK_MATRIX_ACCESS_TOKEN belongs to {who.user_id}, not {config.user_id}"
        )
    token_device = who.device_id or device_id
    if device_id and who.device_id and who.device_id != device_id:
        log.warning(
            "the access token belongs to device %s, not %s; using %s",
            who.device_id,
            device_id,
            who.device_id,
        )
    if not token_device:
        raise ConfigError("set VONK_MATRIX_DEVICE_ID: the server did not say the token's device")
    client.restore_login(config.user_id, token_device, config.access_token)


async def put_account_data(client: AsyncClient, kind: str, content: dict[str, Any]) -> bool:
    """PUT global account data (nio 0.26 can read ``m.direct`` but has no call to write it)."""
    path = Api._build_path(["user", client.user_id, "account_data", kind])
    headers = {
        "Authorization": f"Bearer {client.access_token}",
        "Content-Type": "application/json",
    }
    resp = await client.send("PUT", path, json.dumps(content), headers)
    try:
        return 200 <= resp.status < 300
    finally:
        resp.release()
