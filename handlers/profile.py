"""Viewing and changing one's profile, choosing the language, and leaving the network."""

from __future__ import annotations

from typing import Literal

from actions import members
from actions.buttons import ChooseLanguage, EditProfile, LeaveAnswer, ToggleConsent
from actions.wording import bullets
from bot.clean import clean_name
from bot.config import SUPPORTED_LANGUAGES
from bot.context import Context
from bot.core import Button, Event
from bot.router import Router
from handlers.common import LANGUAGE_ASKED, language_asked, not_yes_or_no, yes_or_no
from kennis.skill_phrases import extract_skills

FLOW = "profile"
Editable = Literal["name", "skills", "about", "cell"]
Toggle = Literal["findable", "invitable"]
EDITABLE: tuple[Editable, ...] = ("name", "skills", "about", "cell")
TOGGLES: tuple[Toggle, ...] = ("findable", "invitable")


async def show(_event: Event, ctx: Context) -> None:
    """``/profiel``: show everything; ``/profiel naam Anna`` etc. change one field directly."""
    field, _, value = ctx.args.partition(" ")
    chosen = _FIELD_ALIASES.get(field.casefold())
    if chosen in EDITABLE and value.strip():
        await save(ctx, chosen, value.strip())
        return
    if chosen in EDITABLE:
        await ask(ctx, chosen)
        return
    member = await ctx.refresh_member()
    t = ctx.t
    cell = await ctx.storage.networks.get_cell(member.cell_id) if member.cell_id else None
    text = t(
        "profile.summary",
        name=member.display_name,
        handle=member.handle,
        role=t(f"role.{member.role.value}"),
        language=t(f"language.{member.language}"),
        cell=cell.name if cell else t("profile.none"),
        skills=bullets(member.skills) if member.skills else t("profile.none"),
        about=member.about or t("profile.none"),
        findable=t("common.yes") if member.findable else t("common.no"),
        invitable=t("common.yes") if member.invitable else t("common.no"),
    )
    buttons = [Button(t(f"profile.edit_{f}"), EditProfile(f).encode()) for f in EDITABLE]
    buttons += [Button(t(f"profile.toggle_{f}"), ToggleConsent(f).encode()) for f in TOGGLES]
    if ctx.in_direct_chat:
        await ctx.reply(text, buttons=buttons)
    else:  # a profile holds consent choices: show it privately
        await ctx.reply(t("profile.sent_privately"))
        await ctx.reply_direct(text, buttons=buttons)


async def ask(ctx: Context, field: str) -> None:
    await ctx.reply_direct(ctx.t(f"profile.ask_{field}"))
    await ctx.expect(FLOW, field)


async def save(ctx: Context, field: str, value: str) -> None:
    members, member = ctx.storage.members, ctx.member
    if field == "name":
        value = clean_name(value)
        if not 1 <= len(value) <= 60:
            await ctx.reply(ctx.t("onboarding.name_invalid"))
            return
        await members.update(member.id, display_name=value)
        await ctx.reply(ctx.t("onboarding.name_saved", name=value))
    elif field == "about":
        await members.update(member.id, about=value[:500])
        await ctx.reply(ctx.t("profile.about_saved"))
    elif field == "cell":
        if value.casefold() in ("-", "geen", "none"):
            await members.update(member.id, cell_id=None)
            await ctx.reply(ctx.t("profile.cell_cleared"))
        elif name := clean_name(value)[:60]:
            cell = await ctx.storage.networks.ensure_cell(ctx.network.id, name)
            await members.update(member.id, cell_id=cell.id)
            await ctx.reply(ctx.t("onboarding.cell_saved", cell=cell.name))
    elif field == "skills":
        await save_skills(ctx, value)
    await ctx.finish()


async def save_skills(ctx: Context, value: str) -> None:
    """``-koken`` removes, ``+koken`` adds, anything else replaces the whole list."""
    members, member = ctx.storage.members, ctx.member
    if value.startswith("-"):
        removed = await members.remove_skill(member.id, value[1:].strip())
        key = "profile.skill_removed" if removed else "profile.skill_not_found"
        await ctx.reply(ctx.t(key, skill=value[1:].strip()))
        return
    skills = extract_skills(value.removeprefix("+"))
    if not skills:
        await ctx.reply(ctx.t("onboarding.skills_unclear"))
        return
    if not value.startswith("+"):
        for old in member.skills:
            await members.remove_skill(member.id, old)
    await members.add_skills(member.id, skills, now=ctx.now())
    current = await ctx.refresh_member()
    await ctx.reply(ctx.t("onboarding.skills_saved", skills=bullets(current.skills)))


async def answer(_event: Event, ctx: Context) -> None:
    field = ctx.conversation.step if ctx.conversation else ""
    if field in EDITABLE and ctx.args:
        await save(ctx, field, ctx.args)


async def edit_pressed(press: EditProfile, ctx: Context) -> None:
    await ask(ctx, press.field)


async def toggle_pressed(press: ToggleConsent, ctx: Context) -> None:
    value = not getattr(ctx.member, press.field)
    await ctx.storage.members.update(ctx.member.id, **{press.field: value})
    await ctx.reply(ctx.t(f"profile.{press.field}_{'on' if value else 'off'}"))


async def language(_event: Event, ctx: Context) -> None:
    """``/taal en``, ``/taal nl``, ``/taal Nederlands``, ``/language english``; without an
    argument, buttons."""
    typed = (ctx.args or "").strip()
    choice = language_asked(typed) or typed.casefold()[:2]
    if choice not in SUPPORTED_LANGUAGES:
        buttons = [
            Button(ctx.t(f"language.{code}"), ChooseLanguage(code).encode())  # type: ignore[arg-type]
            for code in SUPPORTED_LANGUAGES
        ]
        await ctx.reply(ctx.t("language.choose"), buttons=buttons)
        return
    await set_language(ctx, choice)


async def language_typed(_event: Event, ctx: Context) -> None:
    """ "english please", "Nederlands graag" typed any time, also before signing up."""
    code = language_asked(ctx.text)
    if code in SUPPORTED_LANGUAGES:
        await set_language(ctx, code)


async def language_pressed(press: ChooseLanguage, ctx: Context) -> None:
    if press.code in SUPPORTED_LANGUAGES:
        await set_language(ctx, press.code)


async def set_language(ctx: Context, code: str) -> None:
    await members.set_language(ctx, ctx.member, code)
    await ctx.refresh_member()
    await ctx.reply(ctx.t("language.saved"))


async def leave(_event: Event, ctx: Context) -> None:
    buttons = [
        Button(ctx.t("leave.confirm"), LeaveAnswer(True).encode()),
        Button(ctx.t("common.no"), LeaveAnswer(False).encode()),
    ]
    await ctx.reply_direct(ctx.t("leave.ask"), buttons=buttons)
    await ctx.expect("leave", "confirm")


async def leave_typed(_event: Event, ctx: Context) -> None:
    await leave_answer(ctx, yes_or_no(ctx.args))


async def leave_pressed(press: LeaveAnswer, ctx: Context) -> None:
    await leave_answer(ctx, press.yes)


async def leave_answer(ctx: Context, choice: bool | None) -> None:
    await ctx.finish()
    if not choice:
        await ctx.reply(ctx.t("leave.stays"))
        return
    await ctx.storage.members.update(
        ctx.member.id, left_at=ctx.now(), findable=False, invitable=False, onboarded=False
    )
    await ctx.reply(ctx.t("leave.done"))


_FIELD_ALIASES = {
    "naam": "name",
    "name": "name",
    "vaardigheden": "skills",
    "vaardigheid": "skills",
    "skills": "skills",
    "skill": "skills",
    "over": "about",
    "about": "about",
    "aanbod": "about",
    "buurt": "cell",
    "cel": "cell",
    "cell": "cell",
    "wijk": "cell",
}


def register(router: Router) -> None:
    router.command("profiel", "profile")(show)
    router.flow(FLOW)(answer)
    router.button(EditProfile)(edit_pressed)
    router.button(ToggleConsent)(toggle_pressed)
    router.command("taal", "language", "lang")(language)
    router.phrase(LANGUAGE_ASKED)(language_typed)
    router.button(ChooseLanguage)(language_pressed)
    router.command("stop", "leave", "uitschrijven")(leave)
    # Anything but a yes or a no drops the question: it is read on its own, and a later "ja"
    # meant for something else unsubscribes nobody.
    router.flow("leave", lets_go=not_yes_or_no, waits=False)(leave_typed)
    router.button(LeaveAnswer)(leave_pressed)
