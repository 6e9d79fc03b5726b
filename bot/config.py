"""Settings: embedded defaults, overridden by a TOML file, overridden by ``VONK_*`` variables.

Every setting is declared once below with its help text; ``vonk settings`` prints them all, so
the documentation cannot drift from the code.
"""

from __future__ import annotations

import dataclasses
import os
import re
import textwrap
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError

SUPPORTED_LANGUAGES = ("nl", "en")
LOG_FORMATS = ("text", "json")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "vonk"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vonk"


def setting(default: Any, help: str, *, secret: bool = False, example: str | None = None) -> Any:
    """Declare a setting with its help text (and whether to hide its value when printed).

    ``example``: the value a server deployment sets (deploy/vonk.env.example shows it
    uncommented); without one the example lists the default, commented out."""
    metadata = {"help": help, "secret": secret, "example": example}
    if isinstance(default, list | dict):
        return field(default_factory=lambda: default.copy(), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    # Core.
    data_dir: Path = setting(
        _default_data_dir(),
        "Folder for the SQLite database, charts and exports.",
        example="/var/lib/vonk",
    )
    cache_dir: Path = setting(
        _default_cache_dir(),
        "Folder for what can always be computed again: search vectors of the bundled "
        "knowledge, kept so a fresh database starts in seconds. Any database may share it.",
        example="/var/cache/vonk",
    )
    database_url: str = setting(
        "",
        "SQLAlchemy URL, e.g. postgresql+asyncpg://user:pw@host/vonk. "
        "Empty: SQLite file vonk.db in the data folder.",
        secret=True,
    )
    language: str = setting("nl", "Default chat language for new members: nl or en.")
    timezone: str = setting("Europe/Amsterdam", "Default timezone for new members and dates.")
    network_name: str = setting("Ons netwerk", "Name of the network a fresh database starts with.")
    log_level: str = setting("INFO", "DEBUG, INFO, WARNING or ERROR.")
    # Operations.
    log_format: str = setting(
        "text", "Log lines as 'text' (for people) or 'json' (one object a line, for collectors)."
    )
    http_host: str = setting(
        "127.0.0.1", "Address of the /healthz and /metrics server (0.0.0.0 in a container)."
    )
    http_port: int = setting(
        0, "Port of the /healthz and /metrics server; 0 turns it off.", example="8080"
    )
    # Web dashboard.
    web_host: str = setting(
        "127.0.0.1",
        "Address the web dashboard listens on (0.0.0.0 in a container, behind a proxy that "
        "terminates HTTPS).",
    )
    web_port: int = setting(8080, "Port of the web dashboard (`vonk web`).")
    web_base_url: str = setting(
        "",
        "Public address of the web dashboard, used in sign-in links and calendar feeds, e.g. "
        "https://vonk.example.org. Empty: http://127.0.0.1:<VONK_WEB_PORT>. When set, `vonk "
        "run` serves the dashboard too. With https the session cookie is sent only over HTTPS.",
    )
    # Search.
    embedding_model: str = setting(
        "",
        "Embedding model: empty for the bundled default, 'use', 'e5', 'use+e5', or any "
        "sentence-transformers model name or path.",
    )
    seed_lessons: bool = setting(True, "Add the bundled lesson notes to a new network.")
    # Nudges.
    quiet_hours: str = setting(
        "21:00-09:00", "No reminders in these local hours (members can set their own)."
    )
    digest_day: str = setting("monday", "Weekday of the initiators' weekly digest.")
    digest_hour: int = setting(9, "Local hour of the initiators' weekly digest.")
    # Telegram.
    telegram_token: str = setting(
        "", "Bot token from @BotFather; enables Telegram.", secret=True, example=""
    )
    telegram_base_url: str = setting(
        "https://api.telegram.org/bot", "Bot API base URL (for a self-hosted Bot API server)."
    )
    telegram_webhook_url: str = setting("", "Public webhook URL; empty means long polling.")
    telegram_webhook_listen: str = setting("127.0.0.1", "Address the webhook server listens on.")
    telegram_webhook_port: int = setting(8443, "Port the webhook server listens on.")
    telegram_webhook_secret: str = setting(
        "", "Secret token Telegram must send with each webhook call.", secret=True
    )
    # Matrix.
    matrix_homeserver: str = setting("", "Homeserver URL, e.g. https://matrix.example.org.")
    matrix_user_id: str = setting("", "The bot's user id, e.g. @vonk:example.org.")
    matrix_password: str = setting("", "Password of the bot account.", secret=True)
    matrix_access_token: str = setting("", "Access token instead of a password.", secret=True)
    matrix_device_id: str = setting("", "Stable device id (needed for encryption).")
    matrix_store_path: str = setting("", "Folder for the encryption store; default in data folder.")
    matrix_allowed_inviters: list[str] = setting(
        [], "User ids or :server suffixes whose invites the bot accepts (comma separated)."
    )
    matrix_e2ee: bool = setting(False, "Take part in end-to-end encrypted rooms.")
    # Abuse, safety and privacy.
    message_rate_limit: int = setting(
        20,
        "Messages (and button presses) one person may send the bot per minute; beyond that "
        "the bot asks kindly to slow down (once) and ignores the rest of the minute. Group "
        "chatter the bot does not answer is not counted. 0 turns the limit off.",
    )
    max_message_length: int = setting(
        4000,
        "Longer messages are not handled: the sender is told kindly when the bot was "
        "addressed, other long group messages are ignored.",
    )
    retention_days: int = setting(
        30,
        "Days to keep handled-event ids and sent or failed outbox messages before they are "
        "pruned. Keep it longer than any period in which a message key may be reused.",
    )

    def __post_init__(self) -> None:
        if self.language not in SUPPORTED_LANGUAGES:
            raise ConfigError(
                f"VONK_LANGUAGE must be one of {', '.join(SUPPORTED_LANGUAGES)}, "
                f"not {self.language!r}"
            )
        if self.digest_day not in WEEKDAYS:
            raise ConfigError(f"VONK_DIGEST_DAY must be one of {', '.join(WEEKDAYS)}")
        if self.log_format not in LOG_FORMATS:
            raise ConfigError(f"VONK_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        if not 0 <= self.http_port <= 65535:
            raise ConfigError("VONK_HTTP_PORT must be between 0 and 65535 (0: off)")
        if not 0 < self.web_port <= 65535:
            raise ConfigError("VONK_WEB_PORT must be between 1 and 65535")
        if self.web_base_url and not re.fullmatch(
            r"https?://[^\s/?#]+(/[^\s?#]*)?", self.web_base_url.strip()
        ):
            raise ConfigError(
                "VONK_WEB_BASE_URL must be an http or https address such as "
                "https://vonk.example.org"
            )
        if not 0 <= self.digest_hour <= 23:
            raise ConfigError("VONK_DIGEST_HOUR must be between 0 and 23")
        if not re.fullmatch(r"\d{1,2}(:\d{2})?-\d{1,2}(:\d{2})?", self.quiet_hours.strip()):
            raise ConfigError("VONK_QUIET_HOURS must look like 21:00-09:00")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"VONK_TIMEZONE {self.timezone!r} is not a known timezone") from exc

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'vonk.db'}"

    @property
    def effective_web_base_url(self) -> str:
        """Where people open the dashboard: VONK_WEB_BASE_URL, or this machine's port."""
        return (self.web_base_url.strip() or f"http://127.0.0.1:{self.web_port}").rstrip("/")

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def env_name(field_name: str) -> str:
    return f"VONK_{field_name.upper()}"


def _coerce(f: dataclasses.Field[Any], raw: Any) -> Any:
    """Turn a TOML value or an environment string into the field's type, or say what is wrong."""
    kind = f.type if isinstance(f.type, type) else str(f.type)
    try:
        if kind in (bool, "bool"):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "ja", "on"):
                return True
            if text in ("0", "false", "no", "nee", "off", ""):
                return False
            raise ValueError(raw)
        if kind in (int, "int"):
            return int(raw)
        if kind in (Path, "Path"):
            return Path(str(raw)).expanduser()
        if kind == "list[str]":
            if isinstance(raw, list):
                return [str(x).strip() for x in raw if str(x).strip()]
            return [x.strip() for x in str(raw).split(",") if x.strip()]
        return str(raw)
    except ValueError as exc:
        raise ConfigError(f"{env_name(f.name)}: cannot read {raw!r} as {kind}") from exc


def load_settings(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build settings from the TOML file (``VONK_CONFIG`` if not given), then the environment."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    path = config_file or (Path(env["VONK_CONFIG"]) if env.get("VONK_CONFIG") else None)
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
        section = data.get("vonk", data)
        for key, raw in section.items():
            if key not in fields:
                raise ConfigError(f"config file {path}: unknown setting {key!r}")
            values[key] = _coerce(fields[key], raw)
    for name, f in fields.items():
        if env_name(name) in env:
            values[name] = _coerce(f, env[env_name(name)])
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


def describe_settings(settings: Settings) -> list[tuple[str, str, str]]:
    """(variable, current value, help) for every setting; secrets shown only as set/unset."""
    rows = []
    for f in dataclasses.fields(Settings):
        value = getattr(settings, f.name)
        if f.metadata.get("secret"):
            shown = "(set)" if value else "(not set)"
        elif isinstance(value, list):
            shown = ",".join(value)
        else:
            shown = str(value)
        rows.append((env_name(f.name), shown, f.metadata.get("help", "")))
    return rows


ENV_EXAMPLE_HEADER = """\
# Vonk's settings for a server, one VONK_* variable a line (`vonk settings` explains them too).
# systemd: copy to /etc/vonk/vonk.env (EnvironmentFile=); Docker Compose: copy to
# deploy/vonk.env (env_file:). Keep it readable by root and the vonk user only: it holds
# secrets. Values are unquoted, so systemd and Docker read this file alike.
#
# A line without # is set for a server; a line with # shows the default: remove the # to
# change it. Generated from bot/config.py by `vonk settings --env-example`; a test keeps
# deploy/vonk.env.example in step with the code.
"""


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(x) for x in value)
    return str(value)


def env_example() -> str:
    """deploy/vonk.env.example, generated from the settings' declarations so it cannot drift:
    every setting with its help text, the server's values uncommented, the rest as defaults."""
    blocks = [ENV_EXAMPLE_HEADER]
    for f in dataclasses.fields(Settings):
        help_text = f.metadata.get("help", "")
        if f.metadata.get("secret"):
            help_text += " Secret."
        lines = [f"# {line}" for line in textwrap.wrap(help_text, 96, break_on_hyphens=False)]
        example = f.metadata.get("example")
        if example is not None:
            lines.append(f"{env_name(f.name)}={example}")
        else:
            default = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
            lines.append(f"#{env_name(f.name)}={_env_value(default)}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)
