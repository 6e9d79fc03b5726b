"""Fixtures that give Matrix tests a real Synapse homeserver on 127.0.0.1.

One server per test session: Synapse starts in ~1.5 s but installing it takes ~25 s, and
users are cheap, so tests isolate themselves with fresh, uniquely named users and rooms
rather than fresh servers.

A missing Synapse is a *failure*, not a skip: a silently skipped Matrix suite would let
the Matrix adapter rot unnoticed. Set ``VONK_SKIP_MATRIX=1`` to skip on purpose.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest


def _load_harness() -> ModuleType:
    """Import ./synapse.py under a unique name.

    Importing it as plain ``synapse`` would depend on pytest's import mode and would
    shadow the real ``synapse`` package for anything sharing ``sys.path``.
    """
    name = "vonk_synapse_harness"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("synapse.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec: dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


harness = _load_harness()
SynapseServer = harness.SynapseServer
MatrixUser = harness.MatrixUser


@pytest.fixture(scope="session")
def synapse() -> Iterator[SynapseServer]:
    """A running Synapse for the whole session (``.url``, ``.restart()``, ...)."""
    if os.environ.get("VONK_SKIP_MATRIX") == "1":
        pytest.skip("VONK_SKIP_MATRIX=1: Matrix tests against Synapse skipped on purpose")
    # pytest.fail is called outside the except blocks so the report shows the message
    # once, without a chained traceback.
    problem = ""
    try:
        python = harness.ensure_synapse_venv()
    except harness.SynapseInstallError as exc:
        problem = (
            "Could not install Synapse for the Matrix tests (needs PyPI access once; the venv "
            f"is cached at {harness.default_venv_path()}). Set VONK_SKIP_MATRIX=1 to skip "
            f"these tests deliberately.\n{exc}"
        )
    if problem:
        pytest.fail(problem, pytrace=False)
    server = SynapseServer(python)
    try:
        server.start()
    except harness.SynapseError as exc:
        server.cleanup()
        problem = f"Synapse did not start: {exc}"
    if problem:
        pytest.fail(problem, pytrace=False)
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def matrix_user(synapse: SynapseServer) -> Callable[..., MatrixUser]:
    """Factory: ``matrix_user("bot")`` registers ``@bot-<random>:localhost``.

    Random suffixes keep tests independent on the shared session server.
    """

    def make(prefix: str = "user", *, admin: bool = False) -> MatrixUser:
        localpart = f"{prefix}-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(12)
        user_id, token = synapse.register_user(localpart, password, admin=admin)
        return MatrixUser(
            user_id=user_id, localpart=localpart, password=password, access_token=token
        )

    return make
