""" "Wie kan helpen met …?": name fitting members (with why) and lessons; introduce on a yes.

However it is asked ("kan iemand …?", "mijn fiets heeft een lekke band", "who can …"), the
words are read by kennis (``Search.respond``) and reach this module as an understood request;
``/wie`` asks directly. Nobody is named unless they fit: then the answer says so honestly and
points to a call for help. Only members who agreed to be findable are named, by display name
only. "Vraag contact" asks the matched member privately; only after their yes do both learn
how to reach each other (double opt-in). In a direct chat a name, a number or (one name) a
"ja" typed under the names asks for contact as the button would.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from actions.buttons import AskContact, AskNevermind, AskSearch, CallFromQuestion, ContactAnswer
from actions.learning import learn
from actions.permissions import Permission, allowed
from actions.wording import clipped
from bot.context import Context
from bot.core import Button, Event, Reply
from bot.errors import UserFacingError
from bot.i18n import Translator
from bot.router import Router
from handlers.common import (
    ASK_BACK_FLOW,
    CALL_OFFER_FLOW,
    CHOICE_FLOW,
    CONTACT_FLOW,
    anyone_else,
    chosen,
    lesson_line,
    never_mind,
    not_yes_or_no,
    offer_for_changed_plans,
    picked_beyond,
    yes_or_no,
)
from kennis.need import topic_asks
from storage.records import Conversation, Member

if TYPE_CHECKING:
    from kennis.search import Answer, Search

TOPIC_MAX = 100
#: "Bedoel je: wie kan helpen met …?" takes a typed "ja" or "nee" this long; after that a
#: "ja" is read on its own (it may answer something else by then).
ASK_BACK_LASTS = timedelta(minutes=30)
#: A name typed under the names listed comes right away or not at all; after that a bare
#: "ja" more likely answers something newer (an invitation "Doe je mee?" sent meanwhile).
CHOICE_LASTS = timedelta(minutes=10)


async def ask_command(_event: Event, ctx: Context) -> None:
    topic = clipped(ctx.args.strip().rstrip("?!. "), TOPIC_MAX)
    if not topic:
        raise UserFacingError("ask.empty")
    await answer(
        ctx,
        topic,
        await search_of(ctx).ask(
            topic, network_id=ctx.network.id, asker=ctx.member, storage=ctx.storage
        ),
    )


async def understood_request(_event: Event, ctx: Context) -> None:
    """Words read as a request for a person: answered with those who fit, or honestly."""
    reading = ctx.route.understood.reading
    if await offer_for_changed_plans(ctx):  # "kan de kerstmarkt een week later?"
        return
    if reading.framing_only:  # "wie kan mij helpen?": with what, first
        await ctx.reply(ctx.t("ask.what"))
        return
    # A group line is read before its sender is known: asked again for this asker (the
    # reading's vector is reused, no encode). Unaddressed, and only the asker fits their
    # own request ("mijn fiets is lek, wie kan helpen?" from the one who patches tyres),
    # the line needs no answer: before, the group got "Ik ken nog niemand".
    response = await search_of(ctx).respond_to(
        ctx.route.understood, network_id=ctx.network.id, asker=ctx.member, storage=ctx.storage
    )
    if response.action == "silent" or response.answer is None:
        return
    if response.action == "ask_back":  # named only on a second look, and that was the asker
        await did_you_mean(_event, ctx)
        return
    await answer(ctx, clipped(reading.topic, TOPIC_MAX), response.answer)


async def did_you_mean(event: Event, ctx: Context) -> None:
    """Spoken to, but unsure it is a request: ask back rather than guess or shrug. In a
    direct chat a typed "ja" or "nee" answers too, as people do with a yes/no question
    (unless another question is still waiting for their answer: that one keeps it)."""
    if await offer_for_changed_plans(ctx):  # "can't do the dog walking anymore"
        return
    topic = clipped(ctx.route.understood.reading.topic, TOPIC_MAX)
    t = ctx.t
    await ctx.reply(
        t("ask.did_you_mean_question" if topic_asks(topic) else "ask.did_you_mean", topic=topic),
        buttons=[
            Button(t("ask.did_you_mean_yes"), AskSearch(topic).encode()),
            Button(t("ask.did_you_mean_no"), AskNevermind().encode()),
        ],
    )
    chat = getattr(event, "chat", None)
    if chat is not None and chat.is_direct and _may_ask(ctx):
        await ctx.expect(ASK_BACK_FLOW, "answer", topic=topic)


def _open_question(ctx: Context) -> Conversation | None:
    """The member's open question: the one this message answers, or the one it set aside,
    which stays open for the message after (an expired one is neither)."""
    return ctx.conversation or ctx.set_aside


# The questions an answer of this module leaves open: a new answer or a button settles them.
_OWN_QUESTIONS = (ASK_BACK_FLOW, CHOICE_FLOW, CALL_OFFER_FLOW)


async def _close_own_question(ctx: Context) -> None:
    """The ask-back, the choice of a name or the offer of a call is settled (a button, or a
    new request answered): a later "ja" is not taken as its answer."""
    waiting = _open_question(ctx)
    if waiting is not None and waiting.flow in _OWN_QUESTIONS:
        await ctx.finish()


async def typed_ask_back_answer(_event: Event, ctx: Context) -> None:
    """'ja', 'ja graag', 'yes please', 'nee' typed under "Bedoel je …?" (anything else is
    read on its own: the flow lets it go)."""
    topic = str(ctx.conversation.data.get("topic", "")) if ctx.conversation else ""
    meant = yes_or_no(ctx.args)
    await ctx.finish()
    if meant and topic:
        await search_pressed(AskSearch(topic), ctx)
    else:
        await ctx.reply(ctx.t("ask.nevermind"))


def search_of(ctx: Context) -> Search:
    if ctx.services.search is None:
        raise UserFacingError("ask.unavailable")
    return ctx.services.search


async def answer(
    ctx: Context, topic: str, result: Answer, *, earlier: Mapping[str, Any] | None = None
) -> None:
    """Name who fits (with the skill that matched) and fitting lessons; nobody is padded in.

    ``earlier``: the names question of the answer before, when the member asked for more
    ("iemand anders?"): this answer names who else fits, or says honestly that nobody else
    does (and the names listed before stay open for a typed choice). In a direct chat the
    names stay open for a typed choice or "anyone else?"."""
    await _close_own_question(ctx)
    t = ctx.t
    named = result.named
    more = earlier is not None
    shown: list[int] = [int(i) for i in (earlier or {}).get("shown", ())]
    best = (earlier or {}).get("best")
    if not named and not more:
        # For the initiators' action queue (the dashboard): a question to turn into a call.
        await ctx.storage.questions.record(ctx.network.id, ctx.member.id, topic, now=ctx.now())
    # Nobody fits: an initiator can turn the question into a call for help straight away.
    to_call = (
        [Button(t("ask.make_call"), CallFromQuestion(topic).encode())]
        if not named and allowed(ctx.member, Permission.POST_CALL)
        else []
    )
    typed = ctx.in_direct_chat and _may_ask(ctx)
    names = {"topic": topic, "query": result.query}
    if not named and not result.lessons:
        if more:
            nobody = "ask.nobody_else_initiator" if to_call else "ask.nobody_else"
        else:
            nobody = "ask.nobody_initiator" if to_call else "ask.nobody"
        await ctx.reply(t(nobody, topic=topic), buttons=to_call)
        if to_call and typed:  # a typed "ja" counts too
            await ctx.expect(CALL_OFFER_FLOW, "answer", title=topic)
        elif typed:  # "iemand anders?" is answered for this question, not read on its own
            await ctx.expect(
                CHOICE_FLOW,
                "answer",
                **names,
                members=list((earlier or {}).get("members", ())),
                shown=shown,
                best=best,
            )
        return
    lines: list[str] = []
    buttons: list[Button] = list(to_call)
    if named:
        asks = topic_asks(topic)
        if more:
            intro = "ask.members_more_question" if asks else "ask.members_more"
        else:
            intro = "ask.members_intro_question" if asks else "ask.members_intro"
        lines.append(t(intro, topic=topic))
        for match in named:
            why = match.why if not match.via else t("ask.why_via", why=match.why, via=match.via)
            lines.append(t("ask.member_line", name=match.member.display_name, why=why))
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
        lines += [lesson_line(ctx, m.lesson) for m in result.lessons]
    await ctx.reply("\n".join(lines), buttons=buttons)
    if named and typed:
        # "ja graag", "vraag Frank maar", "de tweede" typed instead of pressing a button.
        members = [[m.member.id, m.member.display_name] for m in named]
        shown = [*shown, *(m.member.id for m in named)]
        best = max(m.score for m in named) if best is None else best
        await ctx.expect(CHOICE_FLOW, "answer", **names, members=members, shown=shown, best=best)


async def more_names(ctx: Context, question: Mapping[str, Any]) -> None:
    """ "Iemand anders?" under an answer: the same question asked again without the members
    shown so far (on the same bar: nobody weaker is padded in)."""
    best = question.get("best")
    found = await search_of(ctx).ask(
        str(question.get("query") or question.get("topic", "")),
        network_id=ctx.network.id,
        asker=ctx.member,
        lessons=0,
        exclude=[int(i) for i in question.get("shown", ())],
        close_to=None if best is None else float(best),
        storage=ctx.storage,
    )
    await answer(ctx, str(question.get("topic", "")), found, earlier=question)


def _may_ask(ctx: Context) -> bool:
    """Whether an answer may leave a question of its own open: none other waits (this
    feature's own ones are settled by a new answer)."""
    waiting = _open_question(ctx)
    return waiting is None or waiting.flow in _OWN_QUESTIONS


def _listed(data: Mapping[str, Any]) -> list[tuple[int, str]]:
    """The members an answer named (id, name), from the choice question's data."""
    return [(int(i), str(name)) for i, name in data.get("members", ())]


def _no_choice(text: str, question: Conversation) -> bool:
    """Plainly not a choice among the names listed, nor a wish for more (the flow's
    ``lets_go``): read on its own. With nobody listed, only "anyone else?" is kept."""
    names = [name for _, name in _listed(question.data)]
    if anyone_else(text):
        return False
    if not names:
        return True
    return (
        chosen(text, names) is None
        and yes_or_no(text) is None
        and not never_mind(text)
        and not picked_beyond(text, len(names))
    )


async def typed_contact_choice(_event: Event, ctx: Context) -> None:
    """A name, a number, or (one name listed) a yes, typed under the names; "nee" or "laat
    maar" lets them go; "iemand anders?" asks for more. A plain yes to several names asks
    which; a place past the last name ("the third one" under two) says how many there are."""
    data = ctx.conversation.data if ctx.conversation else {}
    listed = _listed(data)
    if anyone_else(ctx.args):
        await more_names(ctx, data)
        return
    if never_mind(ctx.args) or yes_or_no(ctx.args) is False:
        await ctx.finish()
        await ctx.reply(ctx.t("ask.nevermind"))
        return
    at = chosen(ctx.args, [name for _, name in listed])
    if at is None and picked_beyond(ctx.args, len(listed)):  # the question stays open
        await ctx.reply(ctx.t.n("ask.only_listed", len(listed)))
        return
    if at is None:  # "ja graag" to two names: the question stays open
        await ctx.reply(ctx.t("ask.which_contact"))
        return
    await ctx.finish()
    await request_contact(ctx, listed[at][0], str(data.get("topic", "")))


async def search_pressed(press: AskSearch, ctx: Context) -> None:
    """ "Yes, that is what I meant": the search, for this asker."""
    found = await search_of(ctx).ask(
        press.topic, network_id=ctx.network.id, asker=ctx.member, storage=ctx.storage
    )
    await answer(ctx, press.topic, found)


async def nevermind_pressed(_press: AskNevermind, ctx: Context) -> None:
    await _close_own_question(ctx)
    await ctx.reply(ctx.t("ask.nevermind"))


async def contact_pressed(press: AskContact, ctx: Context) -> None:
    await _close_own_question(ctx)
    await request_contact(ctx, press.member_id, press.topic)


async def answer_pressed(press: ContactAnswer, ctx: Context) -> None:
    await contact_answered(ctx, press.request_id, accepted=press.accepted)


async def request_contact(ctx: Context, member_id: int, topic: str) -> None:
    """The asker pressed 'vraag contact': ask the matched member privately."""
    matched = await ctx.storage.members.get(member_id)
    if matched is None or not matched.active or not matched.findable or matched.id == ctx.member.id:
        await ctx.reply(ctx.t("ask.contact_unavailable"))
        return
    if await ctx.storage.contacts.pending(ctx.member.id, matched.id) is not None:
        await ctx.reply(ctx.t("ask.contact_already", name=matched.display_name))
        return  # pressed twice: one request is enough
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
    if await ctx.storage.conversations.get(matched.id) is None:  # a typed 'ja hoor' counts too
        await ctx.storage.conversations.set(
            matched.id, CONTACT_FLOW, "answer", {"request": request.id}, now=ctx.now()
        )


async def contact_answered(ctx: Context, request_id: int, *, accepted: bool) -> None:
    if ctx.conversation is not None and ctx.conversation.flow == CONTACT_FLOW:
        await ctx.finish()  # answered by the button: the typed question is closed too
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
    await learn(ctx, me, request.topic, source="contact")  # this need, this neighbour
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


async def typed_contact_answer(_event: Event, ctx: Context) -> None:
    """'ja hoor', 'liever niet', ... typed instead of pressing a button."""
    request_id = int(ctx.conversation.data.get("request", 0)) if ctx.conversation else 0
    answer = yes_or_no(ctx.args)
    if answer is None:
        if ctx.conversation and ctx.conversation.data.get("asked_again"):
            await ctx.finish()  # twice something else: they are busy with other things
        else:
            await ctx.expect(CONTACT_FLOW, "answer", asked_again=True)
        await ctx.reply(ctx.t("ask.contact_yes_or_no"))
        return
    await ctx.finish()
    await contact_answered(ctx, request_id, accepted=answer)


def register(router: Router) -> None:
    router.flow(CONTACT_FLOW)(typed_contact_answer)
    router.flow(ASK_BACK_FLOW, lasts=ASK_BACK_LASTS, lets_go=not_yes_or_no)(typed_ask_back_answer)
    router.flow(CHOICE_FLOW, lasts=CHOICE_LASTS, lets_go=_no_choice)(typed_contact_choice)
    router.command("wie", "who", "zoek", "search")(ask_command)
    router.understood("answer")(understood_request)
    router.understood("ask_back")(did_you_mean)
    router.button(AskSearch)(search_pressed)
    router.button(AskNevermind)(nevermind_pressed)
    router.button(AskContact)(contact_pressed)
    router.button(ContactAnswer)(answer_pressed)
