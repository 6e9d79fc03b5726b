"""``python -m bot.healthcheck``: exit 0 when this machine's Vonk says it is healthy.

For container health checks (the Dockerfile's HEALTHCHECK) and scripts: it reads the same
settings as ``vonk run`` (so a changed ``VONK_HTTP_PORT`` is followed), asks ``/healthz`` and
prints its answer. Deliberately light: the standard library and bot.config only, not the
whole ``vonk`` command with its models, because it runs every 30 seconds.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from bot.config import ConfigError, Settings, load_settings

TIMEOUT = 4.0
_ANY_ADDRESS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def health_url(settings: Settings) -> str:
    host = _ANY_ADDRESS.get(settings.http_host, settings.http_host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.http_port}/healthz"


def check(settings: Settings) -> tuple[bool, str]:
    """(healthy, what /healthz said or why it could not be asked)."""
    if not settings.http_port:
        return False, "VONK_HTTP_PORT is 0, so there is no health endpoint to ask"
    url = health_url(settings)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return response.status == 200, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:  # 503: unhealthy, the body says why
        return False, exc.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as exc:
        return False, f"{url}: {exc}"


def main() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Configuration problem: {exc}", file=sys.stderr)
        return 2
    healthy, said = check(settings)
    print(said, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
