"""Joining the network: name, skills in plain words, cell, and the two consent questions.

Each question is remembered in storage (``ctx.expect``), so a member can answer tomorrow or
after a restart. Started in a group, the conversation moves to the direct chat: consent and
personal details are not a group matter.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from actions import members as member_actions
from actions.buttons import AskSearch, ChooseCell, Consent, KeepName, SkillsLater
from actions.wording import bullets, first_name
from bot.clean import clean_name
from bot.context import Context
from bot.core import Button, Event
from bot.router import Router
from handlers.common import language_asked, skipped, yes_or_no
from kennis.need import topic
from kennis.skill_phrases import extract_skills
from kennis.understanding import asks_anyone

if TYPE_CHECKING:
    from storage.records import Conversation

FLOW = "onboarding"
STEPS = ("name", "skills", "cell", "findable", "invitable")
#: A question parked during onboarding is kept (and offered back as a button) this long.
PARKED_MAX = 100


async def start(_event: Event, ctx: Context) -> None:
    member = ctx.member
    if member.onboarded and member.active:
        await ctx.reply(ctx.t("onboarding.already", name=first_name(member.display_name)))
        return
    if not member.active:
        await ctx.storage.members.update(member.id, left_at=None)
        member = await ctx.refresh_member()
        name = first_name(member.display_name)
        if not ctx.in_direct_chat:
            await ctx.reply(ctx.t("onboarding.moved_to_direct", name=name))
        if member.skills or member.cell_id:  # back after /stop: what they had is still there
            await ctx.reply_direct(ctx.t("onboarding.welcome_back", name=name))
            await ask(ctx, "findable")  # /stop switched both consents off: ask them again
            return
        await ctx.reply_direct(ctx.t("onboarding.welcome_back_empty", name=name))
        await ask(ctx, "name")
        return
    if not ctx.in_direct_chat:
        await ctx.reply(ctx.t("onboarding.moved_to_direct", name=member.display_name))
    await ctx.reply_direct(ctx.t("onboarding.welcome", network=ctx.network.name))
    # An invite link can name a cell (Telegram: t.me/<bot>?start=oost arrives as "/start oost").
    cell = await ctx.storage.networks.find_cell(ctx.network.id, ctx.args) if ctx.args else None
    if cell is not None:
        await ctx.storage.members.update(member.id, cell_id=cell.id)
        await ctx.reply_direct(ctx.t("onboarding.cell_saved", cell=cell.name))
    await ask(ctx, "name")
    if cell is not None:
        await ctx.expect(FLOW, "name", cell_from_link=True)


async def ask(ctx: Context, step: str) -> None:
    """Put the question of ``step`` to the member privately and wait for the answer."""
    t = ctx.t
    if step == "name":
        buttons = [
            Button(t("onboarding.keep_name", name=ctx.member.display_name), KeepName().encode())
        ]
        await ctx.reply_direct(t("onboarding.ask_name"), buttons=buttons)
    elif step == "skills":
        await ctx.reply_direct(
            t("onboarding.ask_skills"), buttons=[Button(t("common.later"), SkillsLater().encode())]
        )
    elif step == "cell":
        cells = await ctx.storage.networks.cells(ctx.network.id)
        buttons = [Button(c.name, ChooseCell(c.id).encode()) for c in cells[:8]]
        buttons.append(Button(t("onboarding.no_cell"), ChooseCell(None).encode()))
        await ctx.reply_direct(t("onboarding.ask_cell"), buttons=buttons)
    elif step in ("findable", "invitable"):
        question: Literal["findable", "invitable"] = (
            "findable" if step == "findable" else "invitable"
        )
        buttons = [
            Button(t("common.yes"), Consent(question, True).encode()),
            Button(t("common.no"), Consent(question, False).encode()),
        ]
        await ctx.reply_direct(t(f"onboarding.ask_{step}"), buttons=buttons)
    else:
        raise ValueError(f"unknown onboarding step {step!r}")
    await ctx.expect(FLOW, step)


async def next_step(ctx: Context, done: str) -> None:
    index = STEPS.index(done) + 1
    from_link = bool(ctx.conversation and ctx.conversation.data.get("cell_from_link"))
    if index < len(STEPS) and STEPS[index] == "cell" and from_link:
        index += 1  # the invite link already chose the cell
    if index < len(STEPS):
        await ask(ctx, STEPS[index])
        return
    parked = str(ctx.conversation.data.get("parked", "")) if ctx.conversation else ""
    await ctx.finish()
    member = await ctx.storage.members.update(ctx.member.id, onboarded=True)
    buttons = (
        [Button(ctx.t("onboarding.search_parked", topic=parked), AskSearch(parked).encode())]
        if parked
        else []
    )
    await ctx.reply_direct(
        ctx.t("onboarding.done", name=first_name(member.display_name)), buttons=buttons
    )


async def park_question(ctx: Context, step: str, text: str) -> None:
    """A request typed where a name or a yes/no was asked ("wie kan mijn fiets maken?"):
    keep it for after onboarding, say so, and ask the open question again with its buttons.
    Only what the words alone make a request is kept (kennis.understanding.asks_anyone):
    "hoe lang duurt dit nog?" is no question for a neighbour."""
    await ctx.expect(FLOW, step, parked=topic(text)[:PARKED_MAX])
    await ctx.reply(ctx.t("onboarding.question_parked"))
    await ask(ctx, step)


async def answer(_event: Event, ctx: Context) -> None:
    """A typed answer to the open onboarding question."""
    step = ctx.conversation.step if ctx.conversation else "name"
    text = ctx.args.strip()
    members = ctx.storage.members
    code = language_asked(text)
    if code is not None:  # "english please" is no name, skill or cell: switch, ask again
        await member_actions.set_language(ctx, ctx.member, code)
        await ctx.refresh_member()
        await ctx.reply(ctx.t("language.saved"))
        await ask(ctx, step if step in STEPS else "cell")
        return
    if step == "name":
        choice = yes_or_no(text)
        if choice is True:  # 'ja': the name the platform gave is fine
            await next_step(ctx, step)
            return
        if choice is None and asks_anyone(text):
            await park_question(ctx, step, text)
            return
        text = clean_name(text)
        if choice is None and not 1 <= len(text) <= 60:
            await ctx.reply(ctx.t("onboarding.name_invalid"))
            return
        if choice is False or not looks_like_a_name(text):
            await ctx.reply(ctx.t("onboarding.name_again"))
            return
        await members.update(ctx.member.id, display_name=text)
        await ctx.refresh_member()
        await ctx.reply(ctx.t("onboarding.name_saved", name=text))
    elif step == "skills":
        if skipped(text):  # 'later', as the button says
            await next_step(ctx, step)
            return
        if asks_anyone(text):  # "wie kan mijn fiets maken?" is no skill of one's own
            await park_question(ctx, step, text)
            return
        skills = extract_skills(text)
        if not skills:
            await ctx.reply(ctx.t("onboarding.skills_unclear"))
            return
        await members.add_skills(ctx.member.id, skills, now=ctx.now())
        await ctx.reply(ctx.t("onboarding.skills_saved", skills=bullets(skills)))
    elif step == "cell":
        if asks_anyone(text):  # "wie kan mijn fiets maken?" is no neighbourhood
            await park_question(ctx, step, text)
            return
        if not await typed_cell(ctx, clean_name(text)):
            return
    elif step == "cell_new":
        choice = yes_or_no(text)
        name = str(ctx.conversation.data.get("new_cell", "")) if ctx.conversation else ""
        if choice is None or not name:
            await ctx.reply(ctx.t("onboarding.new_cell", cell=name))
            return
        if choice:
            cell = await ctx.storage.networks.ensure_cell(ctx.network.id, name)
            await members.update(ctx.member.id, cell_id=cell.id)
            await ctx.reply(ctx.t("onboarding.cell_saved", cell=cell.name))
        step = "cell"
    else:  # a consent question answered in words
        choice = yes_or_no(text)
        if choice is None and asks_anyone(text):
            await park_question(ctx, step, text)
            return
        if choice is None:
            await ctx.reply(ctx.t("common.yes_or_no"))
            return
        await members.update(ctx.member.id, **{step: choice})
    await next_step(ctx, step)


def _asked_instead_of_skills(text: str, question: Conversation) -> bool:
    """Router.flow's ``lets_go``: a question typed where the skills were asked ("kan ik
    meehelpen met de kerstmarkt?") is read on its own, not saved as a skill; the skills
    question waits. A request for someone is parked instead (see park_question)."""
    return question.step == "skills" and "?" in text and not asks_anyone(text)


_NOT_A_NAME = re.compile(r"[0-9?!@/:#]")


def looks_like_a_name(text: str) -> bool:
    """A name, not a question, a date or a sentence ('wat moet ik hier invullen?')."""
    return bool(text) and not _NOT_A_NAME.search(text) and len(text.split()) <= 4


# "No cell" in the words people use: 'geen', 'weet ik niet', 'geen voorkeur', 'dunno', 'no idea'.
_NO_PREFERENCE = re.compile(
    r"^\W*(?:geen(?:\s+(?:idee|voorkeur|flauw\s+idee))?|none|nothing|-|maakt\s+(?:me\s+)?niet\s+uit|"
    r"(?:ik\s+)?weet\s+(?:ik\s+)?(?:het\s+)?niet|geen\s+flauw\s+idee|idk|dunno|no\s+idea|"
    r"not\s+sure|(?:i\s+)?don'?t\s+know|no\s+preference|doesn'?t\s+matter|whatever)\W*$",
    re.IGNORECASE,
)


async def typed_cell(ctx: Context, name: str) -> bool:
    """The cell step answered in words: an existing cell, 'geen' (none), or a new name that
    is asked about first. False: the question is asked again (nothing stored)."""
    choice = yes_or_no(name)
    if choice is False or _NO_PREFERENCE.match(name) or skipped(name):  # 'later' too
        await ctx.storage.members.update(ctx.member.id, cell_id=None)
        return True
    cells = await ctx.storage.networks.cells(ctx.network.id)
    known = next((c for c in cells if c.name.casefold() == name.casefold()), None)
    if known is not None:
        await ctx.storage.members.update(ctx.member.id, cell_id=known.id)
        await ctx.reply(ctx.t("onboarding.cell_saved", cell=known.name))
        return True
    if choice is True or not looks_like_a_name(name) or len(name) > 60:
        await ctx.reply(ctx.t("onboarding.cell_again"))
        await ask(ctx, "cell")
        return False
    await ctx.expect(FLOW, "cell_new", new_cell=name)
    await ctx.reply(ctx.t("onboarding.new_cell", cell=name))
    return False


async def _open(ctx: Context, step: str) -> bool:
    """Old buttons stay visible on some platforms; a press that does not answer the open
    question is explained rather than applied out of order."""
    question = ctx.conversation
    steps = (step, "cell_new") if step == "cell" else (step,)
    if question is None or question.flow != FLOW or question.step not in steps:
        await ctx.reply(ctx.t("common.button_expired"))
        return False
    return True


async def name_pressed(_press: KeepName, ctx: Context) -> None:
    if await _open(ctx, "name"):
        await next_step(ctx, "name")


async def skills_later_pressed(_press: SkillsLater, ctx: Context) -> None:
    if await _open(ctx, "skills"):
        await next_step(ctx, "skills")


async def cell_pressed(press: ChooseCell, ctx: Context) -> None:
    if not await _open(ctx, "cell"):
        return
    if press.cell_id is None:
        await ctx.storage.members.update(ctx.member.id, cell_id=None)
    elif (cell := await ctx.storage.networks.get_cell(press.cell_id)) is not None:
        if cell.network_id == ctx.network.id:
            await ctx.storage.members.update(ctx.member.id, cell_id=cell.id)
            await ctx.reply(ctx.t("onboarding.cell_saved", cell=cell.name))
    await next_step(ctx, "cell")


async def consent_pressed(press: Consent, ctx: Context) -> None:
    if await _open(ctx, press.question):
        await ctx.storage.members.update(ctx.member.id, **{press.question: press.yes})
        await next_step(ctx, press.question)


def register(router: Router) -> None:
    router.command("start", "begin", "aanmelden", "join")(start)
    router.flow(FLOW, lets_go=_asked_instead_of_skills)(answer)
    router.button(KeepName)(name_pressed)
    router.button(SkillsLater)(skills_later_pressed)
    router.button(ChooseCell)(cell_pressed)
    router.button(Consent)(consent_pressed)
