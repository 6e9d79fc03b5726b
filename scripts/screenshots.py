"""A PNG of every dashboard page at phone width, for docs/screenshots/.

    .venv/bin/python scripts/screenshots.py            (writes docs/screenshots/*.png)
    .venv/bin/python scripts/screenshots.py --out /tmp/shots --width 768

A small Dutch network (the browser tests' own: tests/web/browser.py, seed_everything) on a
throw-away SQLite database, served on a free port, photographed by Debian's Chromium through
Playwright (scripts/browser_deps.sh installs it). The clock is the tests' simulated Tuesday
morning, so the pictures only change when the pages do. The browser's own controls (date
fields, the file picker) speak Dutch when Debian's ``chromium-l10n`` is installed too.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from tests.conftest import START  # noqa: E402
from tests.web.browser import PHONE, LiveSite, launch, seed_everything, sign_in  # noqa: E402

MAX_SCREENS = 3
BAD_CSV = (
    "handle,name,skills,about,cell\n"
    "mila,Mila,naaien;kleding herstellen,,West\n"
    ",Bob,,,\n"
    "joost,Joost,klussen,,Noord\n"
    "joost,Joost de Vries,,,\n"
)


def shots(seeded) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(file name, address) of every page worth a picture."""
    return [
        ("01-today", "/today"),
        ("02-calls", "/calls"),
        ("03-calendar", "/calls/calendar"),
        ("04-call", f"/calls/{seeded.call_id}"),
        ("05-call-new", "/calls/new"),
        ("06-call-edit", f"/calls/{seeded.call_id}/edit"),
        ("07-members", "/members"),
        ("08-members-search", "/members?q=fietsband+plakken"),
        ("09-member", f"/members/{seeded.member_id}"),
        ("10-members-import", "/members/import"),
        ("11-lessons", "/lessons"),
        ("12-lesson", f"/lessons/{seeded.lesson_id}"),
        ("13-impact", "/impact"),
        ("14-impact-report", "/impact/report"),
        ("15-network", "/network"),
        ("16-history", "/history"),
        ("17-settings", "/settings"),
    ]


async def shoot(page, path: Path, width: int, height: int) -> Path:  # type: ignore[no-untyped-def]
    """The whole page, up to three screens long (the rest of a long list adds nothing)."""
    full = await page.evaluate("document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": width, "height": min(full, MAX_SCREENS * height)}
    await page.screenshot(path=str(path), full_page=True, clip=clip)
    return path


async def take(out: Path, width: int, height: int) -> list[Path]:
    from playwright.async_api import async_playwright

    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            env={},
            data_dir=Path(tmp),
            database_url=f"sqlite+aiosqlite:///{tmp}/vonk.db",
            embedding_model="hashing",
        )
        # The members joined months ago: only the real newcomer waits for a welcome.
        live = await LiveSite.start(settings, start=START - timedelta(days=90))
        try:
            live.site.clock.advance(START - live.site.clock.now())
            seeded = await seed_everything(live.site)
            async with async_playwright() as playwright:
                browser = await launch(playwright)
                context = await browser.new_context(
                    viewport={"width": width, "height": height}, locale="nl-NL"
                )
                page = await context.new_page()
                await page.goto(await live.link())
                written.append(await shoot(page, out / "00-sign-in.png", width, height))
                await page.context.clear_cookies()
                await sign_in(page, live)
                for name, address in shots(seeded):
                    await page.goto(live.base + address)
                    written.append(await shoot(page, out / f"{name}.png", width, height))
                # The import's check: every problem by line, before anything is written.
                await page.goto(live.base + "/members/import")
                bad = Path(tmp) / "leden.csv"
                bad.write_text(BAD_CSV, encoding="utf-8")
                await page.get_by_label("CSV-bestand").set_input_files(str(bad))
                await page.get_by_role("button", name="Controleer").click()
                await page.wait_for_load_state()
                path = out / "10b-members-import-problems.png"
                written.append(await shoot(page, path, width, height))
                await browser.close()
        finally:
            await live.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--width", type=int, default=PHONE["width"])
    parser.add_argument("--height", type=int, default=PHONE["height"])
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(take(args.out, args.width, args.height)):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
