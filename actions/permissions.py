"""Who may do what: every role check in Vonk goes through this module.

Keeping the rules in one table makes them easy to review and to show in /hulp; the chat, the
scheduled jobs, the CLI and a web dashboard all ask here. An operator at the command line
(``vonk role``) acts outside the network's roles: the actions take ``actor=None`` for that.
"""

from __future__ import annotations

import enum

from bot.errors import PermissionDenied, UserFacingError
from storage.records import Member, Role, Series
from storage.repositories.calls import Call


class Permission(enum.StrEnum):
    POST_CALL = "post_call"
    CALL_STATUS = "call_status"
    CLOSE_CALL = "close_call"  # close or cancel a call
    MANAGE_ANY_CALL = "manage_any_call"  # see and close calls posted by someone else
    SET_ROLE = "set_role"
    SET_CHAT_CELL = "set_chat_cell"  # /cel: this group chat belongs to a cell
    VIEW_HEALTH = "view_health"  # /netwerk: the network's health, with names
    STORY_DIGEST = "story_digest"  # receives the monthly story digest
    WEEKLY_DIGEST = "weekly_digest"  # receives the weekly digest of calls and pledges
    GROUP_NEWS = "group_news"  # hears when the bot is removed from a group; adds it to groups
    USE_DASHBOARD = "use_dashboard"  # the web dashboard: a sign-in link, and every page
    IMPORT = "import"  # members or lessons from a CSV file
    MANAGE_LESSONS = "manage_lessons"  # change any lesson note (its author may change their own)
    TRIAGE_QUESTIONS = "triage_questions"  # put aside a question nobody could answer


RULES: dict[Permission, frozenset[Role]] = {
    Permission.POST_CALL: frozenset({Role.INITIATOR, Role.ADMIN}),
    Permission.CALL_STATUS: frozenset({Role.INITIATOR, Role.ADMIN}),
    Permission.CLOSE_CALL: frozenset({Role.INITIATOR, Role.ADMIN}),
    Permission.MANAGE_ANY_CALL: frozenset({Role.ADMIN}),
    Permission.SET_ROLE: frozenset({Role.ADMIN}),
    Permission.SET_CHAT_CELL: frozenset({Role.INITIATOR, Role.ADMIN}),
    Permission.VIEW_HEALTH: frozenset({Role.INITIATOR, Role.ADMIN}),
    Permission.STORY_DIGEST: frozenset({Role.INITIATOR, Role.ADMIN}),
    Permission.WEEKLY_DIGEST: frozenset({Role.INITIATOR, Role.ADMIN}),
    Permission.GROUP_NEWS: frozenset({Role.INITIATOR, Role.ADMIN}),
    Permission.USE_DASHBOARD: frozenset({Role.INITIATOR, Role.ADMIN}),
    Permission.IMPORT: frozenset({Role.INITIATOR, Role.ADMIN}),
    Permission.MANAGE_LESSONS: frozenset({Role.INITIATOR, Role.ADMIN}),
    Permission.TRIAGE_QUESTIONS: frozenset({Role.INITIATOR, Role.ADMIN}),
}


def allowed(member: Member, permission: Permission) -> bool:
    return member.active and member.role in RULES[permission]


def require(member: Member | None, permission: Permission) -> None:
    """Raise a polite, translated refusal when the member's role does not allow it; an
    operator (``None``) may do everything."""
    if member is not None and not allowed(member, permission):
        raise PermissionDenied(f"permission.{permission.value}")


def require_own_call(member: Member | None, call: Call) -> None:
    """A call's overview and closing are for the one who posted it (and for admins)."""
    if member is None or call.initiator_id == member.id:
        return
    if not allowed(member, Permission.MANAGE_ANY_CALL):
        raise UserFacingError("permission.not_your_call")


def require_own_series(member: Member | None, series: Series) -> None:
    """Pausing, resuming and ending a series: like a call, its initiator's (and admins')."""
    if member is None or series.initiator_id == member.id:
        return
    if not allowed(member, Permission.MANAGE_ANY_CALL):
        raise UserFacingError("permission.not_your_call")
