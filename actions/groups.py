"""The bot's own place in group chats: added (the chat joins the network), removed (nothing
is posted there any more, what waited for it is dropped, and the initiators hear it),
migrated (the chat goes on under a new id, and so does everything linked to it).

The chat tells the bot through its adapter (Telegram ``my_chat_member`` and
``migrate_to_chat_id``, Matrix joins and leaves); the handler in ``handlers/groups.py`` calls
these, whatever the platform.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.context import ActionContext
from actions.permissions import Permission, allowed
from bot.core import Reply
from bot.i18n import Translator
from bot.outbox import Outgoing
from storage.records import Chat, Member


@dataclass(frozen=True)
class Removed:
    chat: Chat
    dropped: int  # messages that still waited for the chat
    told: int  # initiators told privately


async def group_added(ctx: ActionContext, chat: Chat) -> Chat:
    """The bot is in the group (again): calls are posted there from now on."""
    if chat.active:
        return chat
    return await ctx.storage.chats.set_left(chat.id, None)


async def group_removed(ctx: ActionContext, chat: Chat, by: Member | None) -> Removed:
    """The bot was removed: nothing is posted there any more (messages still waiting for it
    are dropped), and the network's initiators are told privately, with the link that adds
    the bot again, except the one who removed it."""
    storage, now = ctx.storage, ctx.now()
    if chat.active:
        chat = await storage.chats.set_left(chat.id, now)
    dropped = await storage.outbox.drop_for_chat(
        chat.platform, chat.platform_chat_id, "the bot was removed from this chat"
    )
    cell = await storage.networks.get_cell(chat.cell_id) if chat.cell_id else None
    links = " ".join(ctx.platforms.group_links())
    messages = []
    for reader in await storage.members.list(ctx.network.id):
        if not allowed(reader, Permission.GROUP_NEWS) or (by is not None and reader.id == by.id):
            continue
        t = Translator(reader.language)
        lines = [
            t(
                "groups.removed",
                title=chat.title or t("groups.untitled"),
                by=by.display_name if by else t("groups.someone"),
            )
        ]
        if cell is not None:
            lines.append(t("groups.removed_cell", cell=cell.name))
        if links:
            lines.append(t("groups.add_again", links=links))
        messages.append(
            Outgoing(
                f"group:{chat.id}:removed:{now.isoformat()}:{reader.id}",
                Reply("\n".join(lines)),
                member_id=reader.id,
            )
        )
    await ctx.send_many(messages)
    await storage.audit.record(
        ctx.network.id,
        "group_removed",
        actor_id=by.id if by else None,
        details={"chat": chat.id, "title": chat.title, "dropped": dropped},
        now=now,
    )
    return Removed(chat, dropped, len(messages))


async def group_migrated(ctx: ActionContext, chat: Chat, new_chat_id: str) -> Chat:
    """The chat goes on under ``new_chat_id`` (Telegram: a group became a supergroup): its
    record and cell follow, and so does every message still waiting for it."""
    if chat.platform_chat_id == new_chat_id:
        return chat
    moved = await ctx.storage.chats.move(chat.id, new_chat_id)
    await ctx.storage.outbox.move_chat(chat.platform, chat.platform_chat_id, new_chat_id)
    return moved
