"""Who may do what: every role check in the bot goes through :func:`require`.

Keeping the rules in one table makes them easy to review and to show in /hulp.
"""

from __future__ import annotations

import enum

from bot.errors import PermissionDenied
from storage.records import Member, Role


class Action(enum.StrEnum):
    POST_CALL = "post_call"
    CALL_STATUS = "call_status"
    CLOSE_CALL = "close_call"
    SET_ROLE = "set_role"
    SET_CHAT_CELL = "set_chat_cell"  # /cel: this group chat belongs to a cell
    VIEW_HEALTH = "view_health"  # /netwerk: the network's health, with names
    STORY_DIGEST = "story_digest"  # receives the monthly story digest
    USE_DASHBOARD = "use_dashboard"  # the web dashboard: a sign-in link, and every page


RULES: dict[Action, frozenset[Role]] = {
    Action.POST_CALL: frozenset({Role.INITIATOR, Role.ADMIN}),
    Action.CALL_STATUS: frozenset({Role.INITIATOR, Role.ADMIN}),
    Action.CLOSE_CALL: frozenset({Role.INITIATOR, Role.ADMIN}),
    Action.SET_ROLE: frozenset({Role.ADMIN}),
    Action.SET_CHAT_CELL: frozenset({Role.INITIATOR, Role.ADMIN}),
    Action.VIEW_HEALTH: frozenset({Role.INITIATOR, Role.ADMIN}),
    Action.STORY_DIGEST: frozenset({Role.INITIATOR, Role.ADMIN}),
    Action.USE_DASHBOARD: frozenset({Role.INITIATOR, Role.ADMIN}),
}


def allowed(member: Member, action: Action) -> bool:
    return member.active and member.role in RULES[action]


def require(member: Member, action: Action) -> None:
    """Raise a polite, translated refusal when the member's role does not allow ``action``."""
    if not allowed(member, action):
        raise PermissionDenied(f"permission.{action.value}")
