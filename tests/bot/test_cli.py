"""The vonk command as an operator uses it: help, settings, run, import, demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"VONK_DATA_DIR": str(tmp_path), "VONK_LOG_LEVEL": "WARNING"}


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("chat", "demo", "run", "import", "settings", "db"):
        assert command in result.output


def test_settings_lists_variables_with_help(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["settings"], env=env)
    assert result.exit_code == 0
    assert (
        "VONK_DATABASE_URL" in result.output and "VONK_TIMEZONE = Europe/Amsterdam" in result.output
    )


def _vonk(args: list[str], typed: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed ``vonk`` command as a newcomer runs it, fed from standard input."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "vonk"), *args],
        input=typed,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        # A first start on a fresh data folder embeds the bundled knowledge file (about a
        # minute on a slow 2-core machine); a hang still fails.
        timeout=300,
        check=False,
    )


def test_run_without_platform_runs_the_console_on_the_same_database(
    env: dict[str, str],
) -> None:
    """A fresh machine without a chat token: `vonk run` talks in the terminal, says how to
    connect a platform, and what was said is in the database the next run uses."""
    first = _vonk(["run"], "anna@dm: /start\nanna@dm: Anna\n", env)
    assert first.returncode == 0, first.stderr
    assert "VONK_TELEGRAM_TOKEN" in first.stderr and "vonk demo" in first.stderr
    assert "[dm anna] vonk:" in first.stdout
    again = _vonk(["run"], "anna@dm: /profiel\n", env)
    assert again.returncode == 0, again.stderr
    assert "Naam: Anna (@anna)" in again.stdout


def test_bad_setting_is_a_clear_error(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["settings"], env={**env, "VONK_LANGUAGE": "fr"})
    assert result.exit_code == 2
    assert "VONK_LANGUAGE must be one of nl, en" in result.output


def test_import_good_then_update(env: dict[str, str], tmp_path: Path) -> None:
    good = tmp_path / "leden.csv"
    good.write_text(
        "handle,name,skills,about,cell\n"
        "kees,Kees,tuinieren;snoeien,Ik tuinier.,Oost\n"
        "@lies,Lies,koken,,West\n"
        'mo,"Mo, de bakker",bakken,"Brood, taart",\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", str(good)], env=env)
    assert result.exit_code == 0, result.output
    assert "Imported 3 members (3 new, 0 updated)" in result.output
    result = runner.invoke(app, ["import", str(good)], env=env)
    assert "(0 new, 3 updated)" in result.output


def test_broken_import_is_refused_whole_with_line_numbers(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "leden.csv"
    bad.write_text(
        "handle,name,skills,about,cell\n"
        "kees,Kees,tuinieren,,Oost\n"
        ",Zonder handle,koken,,\n"
        "kees,Dubbel,,,\n"
        "lies,,bakken,,\n"
        "wim,Wim,a,b,c,extra\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", str(bad)], env=env)
    assert result.exit_code == 1
    out = result.output
    assert "nothing was imported" in out
    assert "line 3: handle is empty" in out
    assert "line 4: handle 'kees' also on line 2" in out
    assert "line 5: name is empty" in out
    assert "line 6: more fields than the header has" in out
    # nothing half-imported: the valid first line did not land either
    good = tmp_path / "ok.csv"
    good.write_text("handle,name,skills,about,cell\nwim,Wim,,,\n", encoding="utf-8")
    assert "(1 new, 0 updated)" in runner.invoke(app, ["import", str(good)], env=env).output


def test_import_with_chat_accounts_checks_them_and_links_them(
    env: dict[str, str], tmp_path: Path
) -> None:
    env = {**env, "VONK_EMBEDDING_MODEL": "hashing"}
    bad = tmp_path / "leden.csv"
    bad.write_text(
        "handle,name,skills,about,cell,telegram,matrix\n"
        "kees,Kees,,,,12345,@kees:buurt.nl\n"
        "lies,Lies,,,,@lies_tg,\n"
        "mo,Mo,,,,-5,mo\n"
        "wim,Wim,,,,12345,@Kees:buurt.nl\n"
        "zoe,Zoë,,,,@LIES_TG,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", str(bad)], env=env)
    assert result.exit_code == 1, result.output
    out = result.output
    assert "line 4: telegram '-5' is neither a numeric user id nor an @username" in out
    assert "line 4: matrix 'mo' is not a Matrix user id like @anna:example.org" in out
    assert "line 5: telegram 12345 also on line 2" in out
    assert "line 5: matrix @Kees:buurt.nl also on line 2" in out
    assert "line 6: telegram @LIES_TG also on line 3" in out

    good = tmp_path / "goed.csv"
    good.write_text(
        "handle,name,skills,about,cell,telegram,matrix\n"
        "kees,Kees,,,,12345,@kees:buurt.nl\n"
        "lies,Lies,,,,@lies_tg,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", str(good)], env=env)
    assert "Imported 2 members (2 new, 0 updated)" in result.output, result.output
    result = runner.invoke(app, ["import", str(good)], env=env)  # again: nothing doubles
    assert "(0 new, 2 updated)" in result.output, result.output
    taken = tmp_path / "bezet.csv"
    taken.write_text("handle,name,skills,about,cell,telegram\nwim,Wim,,,,12345\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(taken)], env=env)
    assert result.exit_code == 1
    assert "line 2: telegram 12345 already belongs to @kees" in result.output
    result = runner.invoke(app, ["export", "--member", "lies"], env=env)
    assert '"platform_user_id": "?lies_tg"' in result.output  # waits for @lies_tg to write


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("naam,vaardigheden\nkees,x\n", "missing: handle, name, skills, about, cell"),
        ("handle,name,skills,about,cell\n", "no members"),
        (b"handle,name,skills,about,cell\n\xff\xfe,x,,,\n", "not UTF-8"),
    ],
)
def test_wrong_files_are_explained(
    env: dict[str, str], tmp_path: Path, content: str | bytes, problem: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = runner.invoke(app, ["import", str(path)], env=env)
    assert result.exit_code == 1 and problem in result.output


def test_db_upgrade(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["db", "upgrade"], env=env)
    assert result.exit_code == 0 and "revision" in result.output


def test_demo_runs_as_a_real_process_with_a_piped_script(env: dict[str, str]) -> None:
    """What a newcomer gets: the installed `vonk demo` command, fed from standard input."""
    script = "sanne@dm: /profiel\nanna@dm: /profiel\n"
    done = _vonk(["demo", "--start", "2026-11-24T10:00"], script, env)
    assert done.returncode == 0, done.stderr
    assert "Rol: initiatiefnemer" in done.stdout
    assert "• fietsen repareren" in done.stdout and "Buurt: Oost" in done.stdout
    # Only the conversation on stdout; logs on stderr, warnings only unless -v.
    assert " INFO " not in done.stdout and " INFO " not in done.stderr
