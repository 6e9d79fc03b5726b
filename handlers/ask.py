""" "Wie kan helpen met …?": name fitting members (with why) and lessons; introduce on a yes.

Only members who agreed to be findable are named, by display name only. "Vraag contact"
asks the matched member privately; only after their yes do both learn how to reach each
other (double opt-in).
"""

from __future__ import annotations

from actions.buttons import AskContact, ContactAnswer
from bot.context import Context
from bot.core import Button, Event, Reply
from bot.errors import UserFacingError
from bot.i18n import Translator
from bot.router import Router
from storage.records import Member

TOPIC_MAX = 100

# Phrases that are unmistakably a question for the bot, also in a busy group chat.
CLEAR_PHRASES = (
    r"\bwie\s+(?:kan|kent|weet)\b[^?]*?\b(?:helpen|hulp)\s+(?:met|bij)\s+(?P<topic>[^?]+)",
    r"\bwie\s+weet\s+(?:er\s+)?(?:iets|veel|meer|wat)\s+(?:van|over)\s+(?P<topic>[^?]+)",
    r"\bik\s+zoek\s+iemand\s+(?:die|voor|om)\s+(?P<topic>[^?]+)",
    r"\bwho\s+can\s+help(?:\s+(?:me|us))?\s+with\s+(?P<topic>[^?]+)",
    r"\b(?:does\s+)?any(?:one|body)\s+know\s+(?:about\s+|how\s+to\s+)?(?P<topic>[^?]+)",
    r"\bi(?:'m|\s+am)\s+looking\s+for\s+someone\s+(?:who|to|for)\s+(?P<topic>[^?]+)",
)


async def ask_command(_event: Event, ctx: Context) -> None:
    await answer(ctx, ctx.args)


async def ask_phrase(_event: Event, ctx: Context) -> None:
    match = ctx.route.match
    await answer(ctx, match.group("topic") if match else ctx.text)


async def answer(ctx: Context, topic: str) -> None:
    topic = topic.strip().rstrip("?!. ")[:TOPIC_MAX]
    if not topic:
        raise UserFacingError("ask.empty")
    search = ctx.services.search
    if search is None:
        raise UserFacingError("ask.unavailable")
    result = await search.ask(topic, network_id=ctx.network.id, asker=ctx.member)
    t = ctx.t
    if not result.members:
        # For the initiators' action queue (the dashboard): a question to turn into a call.
        await ctx.storage.questions.record(ctx.network.id, ctx.member.id, topic, now=ctx.now())
    if not result.members and not result.lessons:
        await ctx.reply(t("ask.nobody", topic=topic))
        return
    lines: list[str] = []
    buttons: list[Button] = []
    if result.members:
        lines.append(t("ask.members_intro", topic=topic))
        for match in result.members:
            lines.append(t("ask.member_line", name=match.member.display_name, why=match.why))
            buttons.append(
                Button(
                    t("ask.contact_button", name=match.member.display_name),
                    AskContact(match.member.id, topic).encode(),
                )
            )
    else:
        lines.append(t("ask.nobody_but_lessons", topic=topic))
    if result.lessons:
        lines.append(t("ask.lessons_intro"))
        lines += [
            t("ask.lesson_line", title=m.lesson.title, id=m.lesson.id) for m in result.lessons
        ]
    await ctx.reply("\n".join(lines), buttons=buttons)


async def contact_pressed(press: AskContact, ctx: Context) -> None:
    await request_contact(ctx, press.member_id, press.topic)


async def answer_pressed(press: ContactAnswer, ctx: Context) -> None:
    await contact_answered(ctx, press.request_id, accepted=press.accepted)


async def request_contact(ctx: Context, member_id: int, topic: str) -> None:
    """The asker pressed 'vraag contact': ask the matched member privately."""
    matched = await ctx.storage.members.get(member_id)
    if matched is None or not matched.active or not matched.findable or matched.id == ctx.member.id:
        await ctx.reply(ctx.t("ask.contact_unavailable"))
        return
    request = await ctx.storage.contacts.create(ctx.member.id, matched.id, topic, now=ctx.now())
    await ctx.reply_direct(ctx.t("ask.contact_sent", name=matched.display_name))
    their = Translator(matched.language)
    await ctx.send_to_member(
        matched,
        Reply(
            their("ask.contact_request", asker=ctx.member.display_name, topic=topic),
            (
                Button(their("ask.contact_yes"), ContactAnswer(True, request.id).encode()),
                Button(their("ask.contact_no"), ContactAnswer(False, request.id).encode()),
            ),
        ),
        key=f"contact:{request.id}:ask",
    )


async def contact_answered(ctx: Context, request_id: int, *, accepted: bool) -> None:
    request = await ctx.storage.contacts.answer(request_id, ctx.member.id, accepted, now=ctx.now())
    if request is None:
        await ctx.reply(ctx.t("ask.contact_stale"))
        return
    asker = await ctx.storage.members.get(request.asker_id)
    if asker is None:
        return
    theirs = Translator(asker.language)
    me = ctx.member
    if not accepted:
        await ctx.reply(ctx.t("ask.contact_declined"))
        await ctx.send_to_member(
            asker,
            Reply(theirs("ask.contact_declined_asker", name=me.display_name)),
            key=f"contact:{request.id}:declined",
        )
        return
    await ctx.reply(
        ctx.t(
            "ask.contact_accepted_member",
            asker=asker.display_name,
            contact=await contact_line(ctx, asker),
        )
    )
    await ctx.send_to_member(
        asker,
        Reply(
            theirs(
                "ask.contact_accepted_asker",
                name=me.display_name,
                topic=request.topic,
                contact=await contact_line(ctx, me, theirs),
            )
        ),
        key=f"contact:{request.id}:accepted",
    )


async def contact_line(ctx: Context, member: Member, t: Translator | None = None) -> str:
    """How to reach a member, from their chat accounts (only used after consent)."""
    t = t or ctx.t
    parts = []
    for account in await ctx.storage.members.accounts(member.id):
        if account.platform == "telegram":
            who = (
                f"@{account.username}"
                if account.username
                else (f"tg://user?id={account.platform_user_id}")
            )
            parts.append(t("contact.telegram", who=who))
        elif account.platform == "matrix":
            parts.append(t("contact.matrix", who=account.platform_user_id))
        else:
            parts.append(f"@{member.handle}")
    return ", ".join(parts) or t("contact.via_bot")


def register(router: Router) -> None:
    router.command("wie", "who", "zoek", "search")(ask_command)
    for pattern in CLEAR_PHRASES:
        router.phrase(pattern, clear_in_groups=True)(ask_phrase)
    router.button(AskContact)(contact_pressed)
    router.button(ContactAnswer)(answer_pressed)
