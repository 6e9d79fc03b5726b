"""A member's data is theirs: ``/mijngegevens`` exports it, ``/vergeet-mij`` forgets it.

The export is a JSON document with every table's rows that belong to the member, sent only in
the direct chat. Forgetting asks for confirmation first; the forgetting itself is
:func:`actions.privacy.forget_member`, the same action as ``vonk forget``.
"""

from __future__ import annotations

from actions.buttons import ForgetAnswer
from actions.privacy import export_member_data, forget_member
from bot.context import Context
from bot.core import Attachment, AttachmentKind, Button, Event
from bot.exports import write_export
from bot.router import Router
from handlers.common import yes_or_no

FLOW = "forget"


async def my_data(_event: Event, ctx: Context) -> None:
    """``/mijngegevens``: everything stored about me, as a JSON file, in the direct chat only."""
    if not ctx.in_direct_chat:
        await ctx.reply(ctx.t("privacy.direct_only"))
        return
    export = await export_member_data(ctx, ctx.member)
    path = write_export(ctx.settings.data_dir, ctx.member.id, export.document)
    await ctx.reply(
        ctx.t.n("privacy.export_ready", export.rows),
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
            Button(ctx.t("privacy.forget_yes"), ForgetAnswer(True).encode()),
            Button(ctx.t("privacy.forget_no"), ForgetAnswer(False).encode()),
        ],
    )


async def forget_typed(_event: Event, ctx: Context) -> None:
    """The confirmation, typed ('ja' / 'nee')."""
    choice = yes_or_no(ctx.args)
    if choice is None:
        await ctx.reply(ctx.t("privacy.forget_yes_or_no"))
        return
    await confirmed(ctx, choice)


async def forget_pressed(press: ForgetAnswer, ctx: Context) -> None:
    """The confirmation, pressed; only while the question is open."""
    if ctx.conversation is None or ctx.conversation.flow != FLOW:
        await ctx.reply(ctx.t("common.button_expired"))
        return
    await confirmed(ctx, press.yes)


async def confirmed(ctx: Context, yes: bool) -> None:
    await ctx.finish()
    if not yes:
        await ctx.reply(ctx.t("privacy.forget_kept"))
        return
    await forget_member(ctx, ctx.member)
    await ctx.reply(ctx.t("privacy.forgotten"))


def register(router: Router) -> None:
    router.command("mijngegevens", "mijn_gegevens", "mydata", "my_data", "export")(my_data)
    router.command("vergeet_mij", "vergeetmij", "forget_me", "forgetme")(forget_me)
    router.flow(FLOW)(forget_typed)
    router.button(ForgetAnswer)(forget_pressed)
