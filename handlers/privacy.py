"""A member's data is theirs: ``/mijngegevens`` exports it, ``/vergeet-mij`` forgets it.

The export is a JSON document with every table's rows that belong to the member, sent only in
the direct chat. Forgetting asks for confirmation, hands open pledges back the usual way (the
place goes to someone else), then deletes or anonymises everything; see
:mod:`storage.repositories.privacy` for what "anonymous counts" keeps.

Also here: the retention work that prunes old technical traces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Settings
from bot.context import Context
from bot.core import Attachment, AttachmentKind, Button, Event
from bot.exports import (
    charts_dir,
    export_document,
    exports_dir,
    prune_files,
    remove_exports,
    write_export,
)
from bot.router import Router
from handlers.common import yes_or_no
from handlers.pledges import place_reopened
from storage.repositories.calls import PledgeStatus

if TYPE_CHECKING:
    from storage import Storage

FLOW = "forget"
EXPORT_KEEP = timedelta(days=1)  # export files and charts are sent at once, then not needed


async def my_data(_event: Event, ctx: Context) -> None:
    """``/mijngegevens``: everything stored about me, as a JSON file, in the direct chat only."""
    if not ctx.in_direct_chat:
        await ctx.reply(ctx.t("privacy.direct_only"))
        return
    tables = await ctx.storage.privacy.export(ctx.member.id)
    if tables is None:  # pragma: no cover - the member was identified a moment ago
        return
    document = export_document(
        tables, network=ctx.network.name, handle=ctx.member.handle, now=ctx.now()
    )
    path = write_export(ctx.settings.data_dir, ctx.member.id, document)
    rows = sum(len(r) for r in tables.values())
    await ctx.reply(
        ctx.t("privacy.export_ready", rows=rows),
        attachment=Attachment(path, AttachmentKind.DOCUMENT, filename="vonk-mijngegevens.json"),
    )


async def forget_me(_event: Event, ctx: Context) -> None:
    """``/vergeet-mij``: ask for confirmation, privately."""
    if not ctx.in_direct_chat:
        await ctx.reply(ctx.t("common.sent_privately"))
    await ctx.expect(FLOW, "confirm")
    await ctx.reply_direct(
        ctx.t("privacy.forget_ask"),
        buttons=[
            Button(ctx.t("privacy.forget_yes"), "privacy:forget:yes"),
            Button(ctx.t("privacy.forget_no"), "privacy:forget:no"),
        ],
    )


async def forget_answer(_event: Event, ctx: Context) -> None:
    """The confirmation, typed ('ja') or pressed."""
    if ctx.route.kind == "button":
        open_question = ctx.conversation
        if open_question is None or open_question.flow != FLOW:
            await ctx.reply(ctx.t("common.button_expired"))
            return
        choice: bool | None = ctx.args == "forget:yes"
    else:
        choice = yes_or_no(ctx.args)
        if choice is None:
            await ctx.reply(ctx.t("privacy.forget_yes_or_no"))
            return
    await ctx.finish()
    if not choice:
        await ctx.reply(ctx.t("privacy.forget_kept"))
        return
    await forget(ctx)


async def forget(ctx: Context) -> None:
    """Hand open pledges back (places go to others), remove files, then forget."""
    member, storage, now = ctx.member, ctx.storage, ctx.now()
    for pledge in await storage.pledges.of_member(member.id):
        outcome = await storage.pledges.end(pledge.id, PledgeStatus.WITHDRAWN, now=now)
        await place_reopened(ctx, outcome)
    remove_exports(ctx.settings.data_dir, member.id)
    await storage.privacy.forget(member.id, now=now)
    await ctx.reply(ctx.t("privacy.forgotten"))


# -- scheduled work ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pruned:
    inbox: int
    outbox: int
    files: int


async def prune_retention(storage: Storage, clock: Clock, settings: Settings) -> Pruned:
    """Delete handled events and sent or failed outbox messages older than the retention
    period, and export files and charts older than a day. Run it once a day."""
    before = clock.now() - timedelta(days=settings.retention_days)
    events = await storage.privacy.prune_inbox(before)
    outbox = await storage.privacy.prune_outbox(before)
    await storage.workers.prune(clock.now() - timedelta(days=1))
    files = prune_files(exports_dir(settings.data_dir), EXPORT_KEEP)
    files += prune_files(charts_dir(settings.data_dir), EXPORT_KEEP)
    return Pruned(events, outbox, files)


def register(router: Router) -> None:
    router.command("mijngegevens", "mijn_gegevens", "mydata", "my_data", "export")(my_data)
    router.command("vergeet_mij", "vergeetmij", "forget_me", "forgetme")(forget_me)
    router.flow(FLOW)(forget_answer)
    router.button("privacy")(forget_answer)
