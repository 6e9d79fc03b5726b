"""Every button Vonk offers, as a typed payload (:class:`bot.buttons.ButtonData`).

Actions put some of them under the messages they send to others (an invitation's "Ik doe
mee"), handlers put the rest under their replies, and the router parses a press back into one
of these before any handler sees it. One table, so a feature can offer another feature's button
without importing it. The encoded strings are the ones Vonk always used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.buttons import ButtonData

# -- onboarding and profile ---------------------------------------------------------------------


@dataclass(frozen=True)
class KeepName(ButtonData, prefix="onb:name"):
    """Onboarding: keep the name the platform gave."""


@dataclass(frozen=True)
class SkillsLater(ButtonData, prefix="onb:skills"):
    """Onboarding: skip the skills question for now."""


@dataclass(frozen=True)
class ChooseCell(ButtonData, prefix="onb:cell"):
    """Onboarding: this cell (None: no cell)."""

    cell_id: int | None


@dataclass(frozen=True)
class Consent(ButtonData, prefix="onb"):
    """Onboarding: yes or no to being findable / invitable."""

    question: Literal["findable", "invitable"]
    yes: bool


@dataclass(frozen=True)
class EditProfile(ButtonData, prefix="prof:edit"):
    field: Literal["name", "skills", "about", "cell"]


@dataclass(frozen=True)
class ToggleConsent(ButtonData, prefix="prof:toggle"):
    field: Literal["findable", "invitable"]


@dataclass(frozen=True)
class ChooseLanguage(ButtonData, prefix="lang"):
    code: Literal["nl", "en"]


@dataclass(frozen=True)
class LeaveAnswer(ButtonData, prefix="leave"):
    yes: bool


# -- calls for help -----------------------------------------------------------------------------


@dataclass(frozen=True)
class JoinCall(ButtonData, prefix="call:join"):
    call_id: int


@dataclass(frozen=True)
class MoreAboutCall(ButtonData, prefix="call:more"):
    call_id: int


@dataclass(frozen=True)
class DeclineCall(ButtonData, prefix="call:decline"):
    call_id: int


@dataclass(frozen=True)
class CallFromQuestion(ButtonData, prefix="call:fromq"):
    """Nobody fits a question an initiator asked: write a call for help with it as title."""

    title: str


@dataclass(frozen=True)
class DraftNoDate(ButtonData, prefix="call:nodate"):
    """Writing a call: it has no date."""


@dataclass(frozen=True)
class DraftCell(ButtonData, prefix="call:cell"):
    """Writing a call: for this cell ("-": everyone)."""

    name: str


@dataclass(frozen=True)
class DraftPeople(ButtonData, prefix="call:people"):
    """Writing a call: this many people (0: any number)."""

    count: int


@dataclass(frozen=True)
class DraftCancel(ButtonData, prefix="call:cancel"):
    """Writing a call: never mind."""


@dataclass(frozen=True)
class DraftPost(ButtonData, prefix="call:post"):
    """Writing a call: post it, to the group only or to everyone personally too."""

    audience: Literal["group", "all"]


@dataclass(frozen=True)
class EndCall(ButtonData, prefix="call:end"):
    """Under a call's status, for its initiator: cancel it (``confirmed``: without a reason,
    after the reason was asked)."""

    call_id: int
    confirmed: bool = False


# -- pledges ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallMove(ButtonData, prefix="call:move"):
    """The initiator's own call to a moment they typed ("kan de kerstmarkt een week later?"):
    ``minute`` is the new moment in minutes since 1970 (UTC)."""

    call_id: int
    minute: int


@dataclass(frozen=True)
class PledgeNoDate(ButtonData, prefix="pledge:nodate"):
    """Making a pledge: it has no date."""


@dataclass(frozen=True)
class PledgeAsTyped(ButtonData, prefix="pledge:typed"):
    """A pledge that looked like joining a call is the member's own after all: record it."""

    text: str


@dataclass(frozen=True)
class PledgeDone(ButtonData, prefix="pledge:done"):
    pledge_id: int


@dataclass(frozen=True)
class PledgeWithdraw(ButtonData, prefix="pledge:withdraw"):
    pledge_id: int


@dataclass(frozen=True)
class PledgeHours(ButtonData, prefix="pledge:hours"):
    """How long it took (None: rather not say)."""

    pledge_id: int
    hours: float | None


@dataclass(frozen=True)
class PledgeLater(ButtonData, prefix="pledge:later"):
    """More time: ask for a new date."""

    pledge_id: int


@dataclass(frozen=True)
class PledgeMove(ButtonData, prefix="pledge:move"):
    """More time, to a moment the member typed ("volgende week zaterdag dan?" after
    "Gelukt?"): ``minute`` is the new moment in minutes since 1970 (UTC)."""

    pledge_id: int
    minute: int
    has_time: bool


# -- reminders, stories, privacy ----------------------------------------------------------------


@dataclass(frozen=True)
class PauseReminders(ButtonData, prefix="nudge:pause"):
    days: int


@dataclass(frozen=True)
class StopReminders(ButtonData, prefix="nudge:stop"):
    pass


@dataclass(frozen=True)
class SkipStory(ButtonData, prefix="story:skip"):
    pass


@dataclass(frozen=True)
class UndoStory(ButtonData, prefix="story:undo"):
    story_id: int


@dataclass(frozen=True)
class ForgetAnswer(ButtonData, prefix="privacy:forget"):
    yes: bool


# -- asking for contact -------------------------------------------------------------------------


@dataclass(frozen=True)
class AskContact(ButtonData, prefix="ask:contact"):
    """The asker would like to be introduced to this member, about this topic."""

    member_id: int
    topic: str


@dataclass(frozen=True)
class AskSearch(ButtonData, prefix="ask:search"):
    """Asked back "Bedoel je: wie kan helpen met …?": yes, search for this."""

    topic: str


@dataclass(frozen=True)
class AskNevermind(ButtonData, prefix="ask:nevermind"):
    """Asked back: no, that is not what I meant."""


@dataclass(frozen=True)
class ContactAnswer(ButtonData, prefix="ask"):
    """The asked member's yes or no to a contact request."""

    accepted: bool
    request_id: int
