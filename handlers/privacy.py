"""A member's data is theirs: ``/mijngegevens`` exports it, ``/vergeet-mij`` forgets it.

The export is a JSON document with every table's rows that belong to the member, sent only in
the direct chat. Forgetting asks for confirmation first; the forgetting itself is
:func:`actions.privacy.forget_member`, the same action as ``vonk forget``.
"""

from __future__ import annotations

from actions.buttons import ForgetAnswer
from actions.privacy import export_member_data, forget_member
from actions.wording import hours_phrase
from bot.context import Context
from bot.core import Attachment, AttachmentKind, Button, Event
from bot.exports import write_export
from bot.router import Router
from handlers.common import not_yes_or_no, yes_or_no
from storage.repositories.calls import ACTIVE, PledgeStatus

FLOW = "forget"


async def my_data(_event: Event, ctx: Context) -> None:
    """``/mijngegevens``: everything stored about me, as a JSON file, in the direct chat only."""
    if not ctx.in_direct_chat:
        await ctx.reply(ctx.t("privacy.direct_only"))
        return
    export = await export_member_data(ctx, ctx.member)
    path = write_export(ctx.settings.data_dir, ctx.member.id, export.document)
    await ctx.reply(await readable_summary(ctx))
    await ctx.reply(
        ctx.t.n("privacy.export_ready", export.rows),
        attachment=Attachment(path, AttachmentKind.DOCUMENT, filename="vonk-mijngegevens.json"),
    )


async def readable_summary(ctx: Context) -> str:
    """What I know about you, in words: profile, skills, pledges, calls, thanks, settings.
    (The JSON file beside it holds every row.)"""
    t, member, storage = ctx.t, await ctx.refresh_member(), ctx.storage
    cell = await storage.networks.get_cell(member.cell_id) if member.cell_id else None
    pledges = await storage.pledges.of_member(member.id, tuple(PledgeStatus))
    open_ones = [p for p in pledges if p.status in ACTIVE]
    done = [p for p in pledges if p.status is PledgeStatus.DONE]
    hours = sum(p.hours or 0 for p in done)
    thanks = await storage.thanks.received(member.id, since=member.joined_at)
    yes, no = t("common.yes"), t("common.no")
    if not member.reminders:
        reminders = t("nudges.state_off")
    elif member.paused_until and member.paused_until > ctx.now():
        reminders = t("privacy.summary_paused")
    else:
        reminders = t("nudges.state_on")
    lines = [
        t("privacy.summary_title"),
        t("privacy.summary_profile", name=member.display_name, cell=cell.name if cell else "–",
          language=member.language, timezone=member.timezone),
        t("privacy.summary_skills", skills=", ".join(member.skills) or "–"),
        t("privacy.summary_about", about=member.about or "–"),
        t("privacy.summary_consent", findable=yes if member.findable else no,
          invitable=yes if member.invitable else no),
        t("privacy.summary_pledges", open=len(open_ones), done=len(done),
          hours=hours_phrase(t, hours)),
    ]  # fmt: skip
    lines += [f"    • {p.what}" for p in open_ones[:10]]
    lines += [
        t("privacy.summary_calls", calls=await storage.calls.count_by_initiator(member.id)),
        t("privacy.summary_thanks", thanks=len(thanks)),
        t("privacy.summary_settings", reminders=reminders, quiet=member.quiet_hours or "–"),
    ]
    return "\n".join(lines)


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
    """The confirmation, typed ('ja' / 'nee'; the flow lets anything else go)."""
    await confirmed(ctx, bool(yes_or_no(ctx.args)))


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
    # As /stop's question: anything but a yes or a no is read on its own and drops it.
    router.flow(FLOW, lets_go=not_yes_or_no, waits=False)(forget_typed)
    router.button(ForgetAnswer)(forget_pressed)
