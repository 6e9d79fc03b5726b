"""The ``vonk`` command. Every command and option explains itself with ``--help``;
``vonk settings`` lists every VONK_* setting with its meaning and current value."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.config import ConfigError, Settings, describe_settings, load_settings
from bot.errors import ImportRejected
from bot.runtime import (
    close_app,
    configure_logging,
    import_file,
    open_app,
    run_console,
    run_service,
)
from kennis.search import Answer
from storage.records import Role

HELP = """Vonk: a chat assistant for local community networks.

Settings come from VONK_* environment variables and an optional TOML file (--config or
VONK_CONFIG); run `vonk settings` to see them all. Without a chat token Vonk runs in the
terminal: try `vonk demo`."""

app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="TOML settings file (keys as in `vonk settings`, lowercase, without VONK_).",
        exists=True,
        dir_okay=False,
    ),
]
DatabaseOption = Annotated[
    str | None, typer.Option("--database-url", help="Overrides VONK_DATABASE_URL.")
]
StartOption = Annotated[
    datetime | None,
    typer.Option(
        "--start",
        help="Start time of the simulated clock, e.g. 2026-11-24T10:00 "
        "(local time of VONK_TIMEZONE). Default: now.",
    ),
]
ScriptOption = Annotated[
    Path | None,
    typer.Option(
        "--script",
        help="Play this script file instead of reading the terminal. "
        "Standard input is played as a script when it is not a terminal.",
        exists=True,
        dir_okay=False,
    ),
]


def _settings(config: Path | None, database_url: str | None = None) -> Settings:
    try:
        settings = load_settings(config, database_url=database_url)
    except ConfigError as exc:
        typer.echo(f"Configuration problem: {exc}", err=True)
        raise typer.Exit(2) from exc
    configure_logging(settings.log_level)
    return settings


def _script_lines(script: Path | None) -> list[str] | None:
    if script is not None:
        return script.read_text(encoding="utf-8").splitlines()
    if not sys.stdin.isatty():
        return sys.stdin.read().splitlines()
    return None


def _local_start(settings: Settings, start: datetime | None) -> datetime | None:
    if start is None:
        return None
    return start if start.tzinfo else start.replace(tzinfo=settings.tz)


CONSOLE_INTRO = """Vonk in de terminal. Typ 'naam: tekst' om als lid in de groep te praten,
'naam@dm: tekst' voor een privégesprek, 'naam: [2]' voor knop 2, '~ 3d' om de tijd vooruit
te zetten, 'exit' om te stoppen. Begin bijvoorbeeld met: anna: /start"""


@app.command()
def chat(
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
    script: ScriptOption = None,
    start: StartOption = None,
) -> None:
    """Talk to Vonk in this terminal (the console adapter) on the configured database."""
    settings = _settings(config, database_url)
    lines = _script_lines(script)
    if lines is None:
        typer.echo(CONSOLE_INTRO)
    asyncio.run(run_console(settings, script=lines, start=_local_start(settings, start)))


@app.command()
def demo(
    config: ConfigOption = None,
    script: ScriptOption = None,
    start: StartOption = None,
) -> None:
    """Create a fresh demo network (30 members, cells, lessons) and open the console chat.

    The demo lives in its own database (demo.db in the data folder), replaced on every run,
    so it never touches a real network."""
    settings = _settings(config)
    db_file = settings.data_dir / "demo.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    settings = settings.replace(database_url=f"sqlite+aiosqlite:///{db_file}")
    lines = _script_lines(script)
    if lines is None:
        typer.echo(CONSOLE_INTRO)
        typer.echo(
            "Demo: 30 leden in Oost, West, Noord, Zuid en Centrum. Sanne is initiatiefnemer."
        )
    asyncio.run(run_console(settings, script=lines, start=_local_start(settings, start), demo=True))


@app.command()
def run(config: ConfigOption = None, database_url: DatabaseOption = None) -> None:
    """Run the configured chat adapters (Telegram, Matrix) until stopped."""
    settings = _settings(config, database_url)
    if not (settings.telegram_token or settings.matrix_homeserver):
        typer.echo(
            "No chat platform is configured, so there is nothing to run.\n"
            "- Telegram: create a bot with @BotFather and set VONK_TELEGRAM_TOKEN.\n"
            "- Matrix: set VONK_MATRIX_HOMESERVER, VONK_MATRIX_USER_ID and VONK_MATRIX_PASSWORD "
            "(or VONK_MATRIX_ACCESS_TOKEN).\n"
            "To try Vonk without any account: `vonk demo` (or `vonk chat` on your own database).",
            err=True,
        )
        raise typer.Exit(2)
    asyncio.run(run_service(settings))


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV with header handle,name,skills,about,cell "
            "(skills separated by ';'). Members are upserted by "
            "handle.",
            exists=True,
            dir_okay=False,
        ),
    ],
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Import members (or lessons: header title,text,tags,author) from a CSV file.

    A bad file is refused as a whole, with line numbers; nothing is half-imported."""
    settings = _settings(config, database_url)

    async def go() -> str:
        vonk = await open_app(settings)
        try:
            return await import_file(vonk, file)
        finally:
            await close_app(vonk)

    try:
        summary = asyncio.run(go())
    except ImportRejected as exc:
        typer.echo(f"{file}: nothing was imported, please fix these problems first:", err=True)
        for line, problem in exc.problems:
            typer.echo(f"  line {line}: {problem}" if line else f"  {problem}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(summary)


@app.command()
def search(
    query: Annotated[
        str | None,
        typer.Argument(
            help="The question, e.g. 'mijn fiets heeft een lekke band'. Without it, "
            "one question per line is read from standard input."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON: one object per question.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=100, help="How many members to return.")
    ] = 5,
    lessons: Annotated[
        int, typer.Option("--lessons", min=0, max=20, help="How many lessons to return.")
    ] = 2,
    min_score: Annotated[
        float,
        typer.Option(
            "--min-score",
            help="Leave out matches scoring below this (the chat uses the model's "
            "threshold; here every ranked match is shown by default).",
        ),
    ] = -1.0,
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Ask "wie kan helpen met …?" from the command line (for evaluation and operators).

    JSON shape: {"query": "…", "members": [{"handle", "name", "score", "why"}],
    "lessons": [{"id", "title", "score"}]}, members best first. Consent filters apply:
    only members who agreed to be findable are returned."""
    settings = _settings(config, database_url)
    questions = (
        [query] if query is not None else [line.strip() for line in sys.stdin if line.strip()]
    )

    async def go() -> None:
        vonk = await open_app(settings)
        try:
            network = await vonk.network()
            assert vonk.services.search is not None
            for question in questions:
                answer = await vonk.services.search.ask(
                    question,
                    network_id=network.id,
                    limit=limit,
                    lessons=lessons,
                    min_score=min_score,
                )
                if as_json:
                    typer.echo(json.dumps(answer_json(answer), ensure_ascii=False))
                else:
                    typer.echo(answer_text(answer))
        finally:
            await close_app(vonk)

    asyncio.run(go())


def answer_json(answer: Answer) -> dict[str, object]:
    return {
        "query": answer.query,
        "members": [
            {
                "handle": m.member.handle,
                "name": m.member.display_name,
                "score": round(m.score, 4),
                "why": m.why,
            }
            for m in answer.members
        ],
        "lessons": [
            {"id": x.lesson.id, "title": x.lesson.title, "score": round(x.score, 4)}
            for x in answer.lessons
        ],
    }


def answer_text(answer: Answer) -> str:
    lines = [f"? {answer.query}"]
    lines += [
        f"  {m.score:.2f}  @{m.member.handle} ({m.member.display_name}): {m.why}"
        for m in answer.members
    ] or ["  (no members)"]
    lines += [f"  {x.score:.2f}  les {x.lesson.id}: {x.lesson.title}" for x in answer.lessons]
    return "\n".join(lines)


@app.command()
def role(
    handle: Annotated[str, typer.Argument(help="The member's handle, e.g. anna.")],
    new_role: Annotated[str, typer.Argument(metavar="ROLE", help="member, initiator or admin.")],
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Give a member a role: initiators post calls for help, admins also assign roles."""
    try:
        chosen = Role(new_role.strip().lower())
    except ValueError as exc:
        typer.echo("ROLE must be member, initiator or admin.", err=True)
        raise typer.Exit(2) from exc
    settings = _settings(config, database_url)

    async def go() -> str | None:
        vonk = await open_app(settings)
        try:
            network = await vonk.network()
            member = await vonk.services.storage.members.by_handle(network.id, handle)
            if member is None:
                return None
            await vonk.services.storage.members.update(member.id, role=chosen)
            return member.display_name
        finally:
            await close_app(vonk)

    name = asyncio.run(go())
    if name is None:
        typer.echo(f"No member with handle {handle!r}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"{name} (@{handle.lstrip('@')}) is now {chosen.value}.")


@app.command("settings")
def settings_(config: ConfigOption = None) -> None:
    """List every setting: its VONK_* variable, current value and meaning."""
    settings = _settings(config)
    for name, value, help_text in describe_settings(settings):
        typer.echo(f"{name} = {value}\n    {help_text}")


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None, database_url: DatabaseOption = None) -> None:
    """Bring the database schema up to date (also done on every start)."""
    settings = _settings(config, database_url)

    async def go() -> str | None:
        vonk = await open_app(settings)
        try:
            return await vonk.services.storage.db.current_revision()
        finally:
            await close_app(vonk)

    typer.echo(f"Database is at revision {asyncio.run(go())}.")


def main() -> None:
    app()
