"""The shape of the code, checked: handler modules never import each other (what they share
is an action in actions/ or a pure helper), actions never import handlers, and every role
check is in actions/permissions.py."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, as dotted names (``from handlers import calls`` counts
    as ``handlers.calls``)."""
    found: set[str] = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def is_handler_module(path: Path) -> bool:
    """A feature: it registers routes or jobs."""
    return any(
        isinstance(node, ast.FunctionDef) and node.name in ("register", "register_jobs")
        for node in tree(path).body
    )


HANDLER_FILES = sorted(p for p in (ROOT / "handlers").glob("*.py") if p.name != "__init__.py")
HANDLER_MODULES = {f"handlers.{p.stem}" for p in HANDLER_FILES if is_handler_module(p)}


def test_the_scan_sees_the_features() -> None:
    assert {"handlers.calls", "handlers.pledges", "handlers.privacy"} <= HANDLER_MODULES
    assert "handlers.common" not in HANDLER_MODULES  # a helper, not a feature


def test_no_handler_imports_another_handler() -> None:
    problems = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in HANDLER_FILES
        for module in sorted(imported_modules(path) & HANDLER_MODULES)
        if module != f"handlers.{path.stem}"
    ]
    assert problems == [], "\n".join(problems)


def test_actions_never_import_handlers() -> None:
    problems = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "actions").glob("*.py"))
        for module in sorted(imported_modules(path))
        if module == "handlers" or module.startswith("handlers.")
    ]
    assert problems == [], "\n".join(problems)


def role_checks(path: Path) -> list[int]:
    """Lines that compare a ``.role`` (``member.role in (...)``, ``m.role == Role.ADMIN``)."""
    lines = []
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(side, ast.Attribute) and side.attr == "role" for side in sides):
                lines.append(node.lineno)
    return lines


def test_every_role_check_is_in_actions_permissions() -> None:
    allowed = ROOT / "actions" / "permissions.py"
    problems = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in ("actions", "bot", "handlers", "kennis")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != allowed
        for line in role_checks(path)
    ]
    assert problems == [], "role checks outside actions/permissions.py:\n" + "\n".join(problems)
    assert role_checks(allowed)  # the scan finds them where they belong
