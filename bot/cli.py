"""The ``vonk`` command. Every command and option explains itself with ``--help``;
``vonk settings`` lists every VONK_* setting with its meaning and current value."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from actions.privacy import export_member_data, forget_member
from actions.roles import RoleChanged, set_role
from bot.config import ConfigError, Settings, describe_settings, env_example, load_settings
from bot.context import ServiceContext
from bot.errors import ImportRejected, PermissionDenied
from bot.runtime import (
    close_app,
    configure_logging,
    import_file,
    open_app,
    run_console,
    run_service,
    run_web,
)
from kennis.search import Answer, MemberMatch
from storage.backup import BackupError
from storage.backup import backup as backup_database
from storage.backup import restore as restore_database
from storage.records import Member, Role

HELP = (
    "Vonk: a chat assistant for local community networks.\n\n"
    "Settings come from VONK_* environment variables and an optional TOML file (--config or "
    "VONK_CONFIG); run `vonk settings` to see them all. Without a chat token Vonk runs in the "
    "terminal: try `vonk demo`."
)

T = TypeVar("T")

app = typer.Typer(
    help=HELP, no_args_is_help=True, add_completion=False, rich_markup_mode="markdown"
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
web_app = typer.Typer(
    help="The web dashboard for initiators: `vonk web` serves it (VONK_WEB_PORT, default "
    "8080; links use VONK_WEB_BASE_URL), `vonk web link HANDLE` prints a one-time sign-in "
    "link. Initiators and admins can also send /dashboard to the bot in a private chat.",
    invoke_without_command=True,
)
app.add_typer(web_app, name="web")

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
VerboseOption = Annotated[
    int,
    typer.Option(
        "--verbose",
        "-v",
        count=True,
        help="Show log lines on stderr: -v for INFO, -vv for DEBUG (default: warnings only).",
    ),
]


def _settings(
    config: Path | None, database_url: str | None = None, *, console: int | None = None
) -> Settings:
    """The settings, with logging set up: ``VONK_LOG_LEVEL``, or for the console chat
    (``console`` = how often -v was given) WARNING, INFO with -v, DEBUG with -vv, so the
    conversation on stdout is all a member sees."""
    try:
        settings = load_settings(config, database_url=database_url)
    except ConfigError as exc:
        typer.echo(f"Configuration problem: {exc}", err=True)
        raise typer.Exit(2) from exc
    level = settings.log_level
    if console is not None:
        level = ("WARNING", "INFO", "DEBUG")[min(console, 2)]
    configure_logging(level, fmt=settings.log_format)
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
    verbose: VerboseOption = 0,
) -> None:
    """Talk to Vonk in this terminal (the console adapter) on the configured database."""
    settings = _settings(config, database_url, console=verbose)
    lines = _script_lines(script)
    if lines is None:
        typer.echo(CONSOLE_INTRO)
    asyncio.run(run_console(settings, script=lines, start=_local_start(settings, start)))


@app.command()
def demo(
    config: ConfigOption = None,
    script: ScriptOption = None,
    start: StartOption = None,
    verbose: VerboseOption = 0,
) -> None:
    """Create a fresh demo network (30 members, cells, lessons) and open the console chat.

    The demo lives in its own database (demo.db in the data folder), replaced on every run,
    so it never touches a real network."""
    settings = _settings(config, console=verbose)
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
    """Run the configured chat adapters (Telegram, Matrix) until stopped; without a chat
    token, the console adapter in this terminal on the same database."""
    settings = _settings(config, database_url)
    if not (settings.telegram_token or settings.matrix_homeserver):
        typer.echo(
            "No chat platform is configured: Vonk runs in this terminal (the console adapter).\n"
            "- Telegram: create a bot with @BotFather and set VONK_TELEGRAM_TOKEN.\n"
            "- Matrix: set VONK_MATRIX_HOMESERVER, VONK_MATRIX_USER_ID and VONK_MATRIX_PASSWORD "
            "(or VONK_MATRIX_ACCESS_TOKEN).\n"
            "A ready-made network to try: `vonk demo`.",
            err=True,
        )
        typer.echo(CONSOLE_INTRO)
        asyncio.run(run_console(settings, script=None, start=_local_start(settings, None)))
        return
    asyncio.run(run_service(settings))


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV with header handle,name,skills,about,cell (skills separated by ';'), "
            "optionally also telegram (a numeric user id, reachable at once, or an @username, "
            "linked when that user first writes to the bot) and matrix (a user id like "
            "@anna:example.org). Members are upserted by handle.",
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
    where: Annotated[
        str,
        typer.Option(
            "--where",
            help="Read each line as said in a direct chat (direct), in a group to the bot "
            "(mention), or in a group to nobody in particular (group); this decides what the "
            "chat would answer, so 'named' and 'intent'.",
        ),
    ] = "direct",
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Ask "wie kan helpen met …?" from the command line (for evaluation and operators).

    JSON shape: {"query": "…", "intent": "help|lesson|pledge|thanks|greeting|other",
    "named": ["handle", …], "members": [{"handle", "name", "score", "why"}],
    "lessons": [{"id", "title", "score"}]}. "named" holds the members the chat answer would
    name, best first; empty when the bot would say nobody fits (or would not search at all).
    "members" is the whole ranking (above --min-score), best first. Consent filters apply:
    only members who agreed to be findable are returned."""
    if where not in ("direct", "mention", "group"):
        raise typer.BadParameter("choose direct, mention or group", param_hint="--where")
    settings = _settings(config, database_url)
    questions = (
        [query] if query is not None else [line.strip() for line in sys.stdin if line.strip()]
    )

    async def go() -> None:
        vonk = await open_app(settings)
        try:
            network = await vonk.network()
            assert vonk.services.search is not None
            search = vonk.services.search
            for question in questions:
                response = await search.respond(
                    question,
                    network_id=network.id,
                    direct=where == "direct",
                    addressed=where == "mention",
                )
                # The whole ranking, from the same reading: no second encode.
                answer = await search.ask(
                    response.reading,
                    network_id=network.id,
                    limit=limit,
                    lessons=lessons,
                    min_score=min_score,
                )
                named = (
                    response.answer.named if response.action == "answer" and response.answer else []
                )
                if as_json:
                    data = {"query": question, "intent": response.reading.intent}
                    data |= {"named": [m.member.handle for m in named]}
                    data |= answer_json(answer)
                    typer.echo(json.dumps(data, ensure_ascii=False))
                else:
                    typer.echo(answer_text(question, response.reading.intent, named, answer))
        finally:
            await close_app(vonk)

    asyncio.run(go())


def answer_json(answer: Answer) -> dict[str, object]:
    return {
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


def answer_text(question: str, intent: str, named: list[MemberMatch], answer: Answer) -> str:
    said = ", ".join(f"@{m.member.handle}" for m in named) or "nobody"
    lines = [f"? {question}", f"  read as: {intent}; the chat names: {said}"]
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
    """Give a member a role: initiators post calls for help, admins also assign roles.

    The same action as /rol in the chat, with one audit entry that says an operator did it."""
    try:
        chosen = Role(new_role.strip().lower())
    except ValueError as exc:
        typer.echo("ROLE must be member, initiator or admin.", err=True)
        raise typer.Exit(2) from exc
    settings = _settings(config, database_url)

    async def act(ctx: ServiceContext, member: Member) -> RoleChanged:
        return await set_role(ctx, None, member.handle, chosen)

    changed = _run_for_member(settings, handle, act)
    typer.echo(f"{changed.member.display_name} (@{changed.member.handle}) is now {chosen.value}.")


MemberOption = Annotated[str, typer.Option("--member", "-m", help="The member's handle.")]


def _run_for_member(
    settings: Settings,
    handle: str,
    act: Callable[[ServiceContext, Member], Awaitable[T]],
    *,
    search: bool = False,
) -> T:
    """Open the app, find the member and run ``act`` in one unit of work, like an event; what
    it decides to tell others goes to the outbox, and the running bot delivers it. ``search``
    loads the model (only actions that may invite someone need it). Exits with a message when
    there is no such member."""

    async def go() -> T | None:
        vonk = await open_app(settings, search=search)
        try:
            async with vonk.work() as ctx:
                member = await ctx.storage.members.by_handle(ctx.network.id, handle)
                return await act(ctx, member) if member is not None else None
        finally:
            await close_app(vonk)

    result = asyncio.run(go())
    if result is None:
        typer.echo(f"No member with handle {handle!r}.", err=True)
        raise typer.Exit(1)
    return result


@app.command()
def export(
    member: MemberOption,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the JSON here instead of standard output."),
    ] = None,
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Export everything stored about one member as JSON (what /mijngegevens sends them).

    Shape: {"format", "network", "member", "exported_at", "tables": {table: [row, ...]}};
    every table is listed, with only that member's rows."""
    settings = _settings(config, database_url)
    found = _run_for_member(settings, member, export_member_data)
    text = json.dumps(found.document, ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"Wrote {output}.", err=True)


@app.command()
def forget(
    member: MemberOption,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Forget a member: the same action as /vergeet-mij. Their open pledges are handed back
    (whoever waited for such a place gets it and is told, through the running bot), then every
    row about them is deleted or anonymised; only anonymous counts remain (done pledges, hours,
    thank-yous without names). This cannot be undone."""
    settings = _settings(config, database_url)
    if not yes and not typer.confirm(
        f"Forget @{member.lstrip('@')} for good? This cannot be undone."
    ):
        raise typer.Exit(1)
    # A place they held with nobody waiting goes to the next fitting member: that needs search.
    forgotten = _run_for_member(settings, member, forget_member, search=True)
    summary = ", ".join(f"{table} {n}" for table, n in sorted(forgotten.touched.items()))
    typer.echo(f"@{member.lstrip('@')} is forgotten (rows removed or anonymised: {summary}).")
    if forgotten.promoted or forgotten.invited:
        typer.echo(
            f"Places they held: {forgotten.promoted} went to members on a waiting list, "
            f"{forgotten.invited} fitting members were invited; the bot tells them."
        )


@app.command("settings")
def settings_(
    config: ConfigOption = None,
    as_env_example: Annotated[
        bool,
        typer.Option(
            "--env-example",
            help="Print an environment file with every setting and its meaning instead "
            "(this is how deploy/vonk.env.example is made).",
        ),
    ] = False,
) -> None:
    """List every setting: its VONK_* variable, current value and meaning."""
    if as_env_example:
        typer.echo(env_example(), nl=False)
        return
    settings = _settings(config)
    for name, value, help_text in describe_settings(settings):
        typer.echo(f"{name} = {value}\n    {help_text}")


@app.command()
def backup(
    file: Annotated[
        Path,
        typer.Argument(help="Where to write the backup (replaced if it exists).", dir_okay=False),
    ],
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Copy the whole database into FILE; safe while Vonk runs.

    SQLite: a consistent snapshot through SQLite's backup API. PostgreSQL: pg_dump in custom
    format (needs the PostgreSQL client tools, e.g. Debian's postgresql-client).
    Restore it with `vonk restore FILE`; see docs/deploy.md."""
    settings = _settings(config, database_url)
    try:
        summary = backup_database(settings.effective_database_url, file)
    except BackupError as exc:
        typer.echo(f"Backup failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(summary)


@app.command()
def restore(
    file: Annotated[
        Path,
        typer.Argument(help="A backup made by `vonk backup`.", exists=True, dir_okay=False),
    ],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace a database that already holds data."),
    ] = False,
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Put a backup made by `vonk backup` back into the database. Stop Vonk first.

    Refuses to replace a database that holds data unless --force is given. SQLite: the backup
    is copied in with SQLite's backup API. PostgreSQL: pg_restore --clean. An older backup is
    brought up to the current schema on the next start (or `vonk db upgrade`)."""
    settings = _settings(config, database_url)
    try:
        summary = restore_database(settings.effective_database_url, file, force=force)
    except BackupError as exc:
        typer.echo(f"Restore failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(summary)


@web_app.callback()
def web(
    ctx: typer.Context,
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
    port: Annotated[
        int | None, typer.Option("--port", "-p", min=1, max=65535, help="Overrides VONK_WEB_PORT.")
    ] = None,
) -> None:
    """Serve the web dashboard until stopped (Ctrl-C).

    It loads the search model (for "wie kan helpen met …") and writes through the outbox:
    messages it causes (a call posted, pledgers told) are sent by `vonk run`, which may run
    at the same time; `vonk run` also serves the dashboard itself when VONK_WEB_BASE_URL is
    set."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = (config, database_url)
        return
    settings = _settings(config, database_url)
    if port is not None:
        settings = settings.replace(web_port=port)

    def ready(bound: int) -> None:
        typer.echo(
            f"Dashboard on http://{settings.web_host}:{bound} (links point to "
            f"{settings.effective_web_base_url}). Sign in with a link: send /dashboard to the "
            "bot, or run `vonk web link HANDLE`. Stop with Ctrl-C.",
            err=True,
        )

    try:
        asyncio.run(run_web(settings, ready=ready))
    except OSError as exc:
        typer.echo(
            f"Cannot serve on {settings.web_host}:{settings.web_port}: {exc.strerror or exc}. "
            "Is another program using that port? Choose another with --port or VONK_WEB_PORT.",
            err=True,
        )
        raise typer.Exit(1) from exc


@web_app.command("link")
def web_link(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="The member's handle, e.g. sanne.")],
    config: ConfigOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Print a one-time sign-in link for an initiator or admin (valid 15 minutes, one use).

    Exits with 1 and says why for an unknown member or one without the role (give it with
    `vonk role HANDLE initiator`)."""
    parent = ctx.obj if isinstance(ctx.obj, tuple) else (None, None)
    settings = _settings(config or parent[0], database_url or parent[1])
    from handlers.dashboard import sign_in_link

    async def act(ctx: ServiceContext, member: Member) -> str:
        return await sign_in_link(ctx.storage, settings, member, now=ctx.now())

    try:
        link = _run_for_member(settings, handle.lstrip("@"), act)
    except PermissionDenied as exc:
        typer.echo(
            f"@{handle.lstrip('@')} may not use the dashboard: it is for initiators and "
            f"admins. Give the role first: vonk role {handle.lstrip('@')} initiator",
            err=True,
        )
        raise typer.Exit(1) from exc
    typer.echo(link)
    typer.echo("Valid for 15 minutes, for one sign-in.", err=True)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None, database_url: DatabaseOption = None) -> None:
    """Bring the database schema up to date (also done on every start)."""
    settings = _settings(config, database_url)

    async def go() -> str | None:
        vonk = await open_app(settings, search=False)
        try:
            return await vonk.services.storage.db.current_revision()
        finally:
            await close_app(vonk)

    typer.echo(f"Database is at revision {asyncio.run(go())}.")


def main() -> None:
    app()


if __name__ == "__main__":  # python -m bot.cli, like the vonk script
    main()
