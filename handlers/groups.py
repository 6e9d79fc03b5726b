"""The bot added to a group, removed from it, or the group moving to a new id.

Added: a short welcome that says what the bot reads there (privacy) and how to start
(/hulp); the chat joins the network, so calls can be posted there. Removed: nothing is posted
there any more and the initiators hear it (:mod:`actions.groups`). Migrated: the chat's links
follow it. The adapter says which; the handler never knows the platform.
"""

from __future__ import annotations

from actions.groups import group_added, group_migrated, group_removed
from actions.permissions import Permission, allowed
from bot.context import Context
from bot.core import ChatMembership, Event, MembershipChange
from bot.i18n import Translator
from bot.router import Router


async def membership_changed(event: Event, ctx: Context) -> None:
    assert isinstance(event, ChatMembership)
    if event.change is MembershipChange.ADDED:
        await group_added(ctx, ctx.chat)
        await ctx.reply(welcome(ctx, event))
    elif event.change is MembershipChange.REMOVED:
        await group_removed(ctx, ctx.chat, ctx.member)
    elif event.new_chat_id:
        await group_migrated(ctx, ctx.chat, event.new_chat_id)


def welcome(ctx: Context, event: ChatMembership) -> str:
    """For everyone in the group, so in the network's language."""
    t = Translator(ctx.network.language)
    privacy = "groups.privacy_all" if event.sees_everything else "groups.privacy"
    lines = [t("groups.welcome", network=ctx.network.name), t(privacy), t("groups.start")]
    if allowed(ctx.member, Permission.SET_CHAT_CELL):
        lines.append(t("groups.initiator_hint"))
    return "\n\n".join(lines)


def register(router: Router) -> None:
    router.membership(membership_changed)
