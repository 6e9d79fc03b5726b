"""Console transcripts of joining and changing one's profile, in Dutch and English."""

from __future__ import annotations

import textwrap

from tests.conftest import ScriptRunner


def expect(transcript: str, expected: str) -> None:
    assert transcript.strip() == textwrap.dedent(expected).strip(), transcript


async def test_onboarding_in_dutch_from_the_group(run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        kees: /start
        kees@dm: Kees Jansen
        kees@dm: ik kan fietsen repareren en help graag met formulieren
        kees@dm: wat is een cel?
        kees@dm: Oost
        kees@dm: ja hoor
        kees@dm: [1]
        kees@dm: nee
        """
    )
    expect(
        out,
        """
        kees: /start
        [groep] vonk: Welkom kees! Ik stuur je een privébericht om kennis te maken.
        [dm kees] vonk: Hoi! Ik ben Vonk, de assistent van Ons netwerk. Ik help mensen elkaar te vinden en samen dingen te doen. Een paar korte vragen, dan ben je erbij.
        [dm kees] vonk: Hoe wil je genoemd worden?
          [1] Gewoon kees
        kees@dm: Kees Jansen
        [dm kees] vonk: Fijn, Kees Jansen!
        [dm kees] vonk: Wat kun je, en waar help je graag mee? Vertel het in gewone woorden, bijvoorbeeld: 'ik kan fietsen repareren en help graag met formulieren'.
          [1] Later
        kees@dm: ik kan fietsen repareren en help graag met formulieren
        [dm kees] vonk: Genoteerd:
          • fietsen repareren
          • helpen met formulieren
        [dm kees] vonk: In welke buurt, straat of themagroep doe je vooral mee? Kies er een of typ een naam.
          [1] Geen voorkeur
        kees@dm: wat is een cel?
        [dm kees] vonk: Dat lees ik niet als de naam van een buurt of groep. Kies er een hieronder, typ een naam, of 'geen'.
        [dm kees] vonk: In welke buurt, straat of themagroep doe je vooral mee? Kies er een of typ een naam.
          [1] Geen voorkeur
        kees@dm: Oost
        [dm kees] vonk: Er is nog geen cel 'Oost'. Nieuwe cel 'Oost' maken? (ja of nee)
        kees@dm: ja hoor
        [dm kees] vonk: Je hoort bij Oost.
        [dm kees] vonk: Mogen andere leden jou vinden als ze vragen 'wie kan helpen met …'? Ik noem dan je naam en wat je kunt. Je contactgegevens deel ik nooit zonder jouw ja.
          [1] Ja  [2] Nee
        kees@dm: [1]
        [dm kees] vonk: Mag ik je af en toe persoonlijk uitnodigen voor een oproep die bij je past? Nee zeggen kan altijd.
          [1] Ja  [2] Nee
        kees@dm: nee
        [dm kees] vonk: Klaar, Kees, welkom in het netwerk! Probeer eens 'wie kan helpen met …?' of typ /hulp om te zien wat ik kan. Je gegevens wijzig je met /profiel.
        """,
    )


async def test_onboarding_survives_a_restart_mid_conversation(run_script: ScriptRunner) -> None:
    await run_script("lena@dm: /start\nlena@dm: [1]")
    out = await run_script("lena@dm: tuinieren, koken")  # a new process: the question is remembered
    assert "• tuinieren\n  • koken" in out
    assert "In welke buurt" in out


async def test_profile_changes_and_english(run_script: ScriptRunner) -> None:
    await run_script(
        """
        mo@dm: /start
        mo@dm: [1]
        mo@dm: [1]
        mo@dm: [1]
        mo@dm: ja
        mo@dm: ja
        """
    )
    out = await run_script(
        """
        mo@dm: /taal en
        mo@dm: /profile skills +baking bread
        mo@dm: /profile name Mo B.
        mo@dm: /profile
        mo@dm: [5]
        mo@dm: /profile cell Noord
        mo@dm: /profile skills -baking bread
        """
    )
    expect(
        out,
        """
        mo@dm: /taal en
        [dm mo] vonk: Fine, I'll speak English with you.
        mo@dm: /profile skills +baking bread
        [dm mo] vonk: Noted:
          • baking bread
        mo@dm: /profile name Mo B.
        [dm mo] vonk: Great, Mo B.!
        mo@dm: /profile
        [dm mo] vonk: Your profile
          Name: Mo B. (@mo)
          Role: member
          Language: English
          Neighbourhood: (nothing yet)
          Skills:
          • baking bread
          About me: (nothing yet)
          Findable by others: Yes
          Personal invitations: Yes
          [1] Name  [2] Skills  [3] About me  [4] Neighbourhood  [5] Findable on/off  [6] Invitations on/off
        mo@dm: [5]
        [dm mo] vonk: You are no longer findable by others.
        mo@dm: /profile cell Noord
        [dm mo] vonk: You're part of Noord.
        mo@dm: /profile skills -baking bread
        [dm mo] vonk: 'baking bread' is off your list.
        """,
    )


async def test_profile_asked_in_group_is_sent_privately(run_script: ScriptRunner) -> None:
    out = await run_script("ria: /profiel")
    assert "[groep] vonk: Ik heb je profiel privé gestuurd." in out
    assert "[dm ria] vonk: Jouw profiel" in out


async def test_edit_by_button_then_typed_answer(run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        ria@dm: /profiel
        ria@dm: [3]
        ria@dm: Ik bak graag voor de buurt.
        ria@dm: /profiel
        """
    )
    assert "Vertel in een zin wat je aanbiedt" in out
    assert "Over mij: Ik bak graag voor de buurt." in out


async def test_leaving_and_coming_back(run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        ria@dm: /stop
        ria@dm: [1]
        ria@dm: /start
        """
    )
    assert "Je bent uitgeschreven." in out
    back = out.split("Je bent uitgeschreven.")[1]
    assert "Welkom terug, ria!" in back
    assert "Hoe wil je genoemd worden?" in back  # she had told nothing yet


async def test_coming_back_after_stop_keeps_what_the_member_had(
    run_script: ScriptRunner,
) -> None:
    out = await run_script(
        """
        kees@dm: /start
        kees@dm: Kees Jansen
        kees@dm: ik kan fietsen repareren
        kees@dm: [1]
        kees@dm: ja
        kees@dm: ja
        kees@dm: /stop
        kees@dm: [1]
        kees@dm: /start
        kees@dm: ja
        kees@dm: nee
        kees@dm: /profiel
        """
    )
    back = out.split("Je bent uitgeschreven.")[1]
    assert "Welkom terug, Kees! Je naam, je vaardigheden en je cel staan er nog" in back
    assert "Hoe wil je genoemd worden?" not in back
    assert "Mogen andere leden jou vinden" in back
    assert "fietsen repareren" in back.split("kees@dm: /profiel")[1]


async def test_start_again_mid_onboarding_repeats_the_first_question(
    run_script: ScriptRunner,
) -> None:
    out = await run_script(
        """
        ria@dm: /start
        ria@dm: [1]
        ria@dm: tuinieren
        ria@dm: /hulp
        ria@dm: /start
        """
    )
    assert "Klaar" not in out
    # /start while onboarding is open simply asks the first question again
    assert out.count("Hoe wil je genoemd worden?") == 2


async def test_unknown_things_get_a_friendly_pointer(run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        nina@dm: hallo?
        nina: zomaar iets in de groep
        nina: /onbekend
        nina: @vonk /onbekend
        """
    )
    # a greeting is greeted back, with the way in for a newcomer
    assert "[dm nina] vonk: Hoi nina! Ik ben Vonk: ik zoek buren die kunnen helpen." in out
    group = [line for line in out.splitlines() if line.startswith("[groep]")]
    assert group == [
        "[groep] vonk: Hoi! Ik ken je nog niet zo goed. Typ /start om je aan te melden, "
        "of /hulp om te zien wat ik kan."
    ]  # only the addressed unknown command was answered: the bot is never noisy in groups


async def test_a_stranger_is_answered_in_the_language_of_their_first_line(
    run_script: ScriptRunner,
) -> None:
    """A newcomer who writes plain English is answered in English from the first reply on
    (it was Dutch until they asked); one who writes Dutch, or nothing telling, in Dutch."""
    out = await run_script(
        """
        pete@dm: hi all, I'm Pete, just moved in on the Lindenlaan
        pete@dm: /help
        nina@dm: hoi, ik ben Nina
        ria@dm: ok
        """
    )
    assert "[dm pete] vonk: Hi pete! I'm Vonk: I find neighbours who can help." in out
    assert "/who fixing bikes" in out
    assert "[dm nina] vonk: Hoi nina! Ik ben Vonk: ik zoek buren" in out
    assert "[dm ria] vonk: Hoi! Ik ken je nog niet zo goed." in out


async def test_script_errors_are_reported_and_lose_nothing(run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        zonder dubbele punt
        ~ 3 weken
        ria: [9]
        ria@dm: /hulp
        """
    )
    assert "! line 1: expected 'name: text'" in out
    assert "! line 2: clock lines look like '~ 3d'" in out
    assert "! line 3: there is no button [9] in this chat" in out
    assert "[dm ria] vonk: Dit kan ik voor je doen:" in out


async def test_the_name_step_refuses_a_question_and_ja_keeps_the_name(
    run_script: ScriptRunner,
) -> None:
    out = await run_script(
        """
        lena@dm: /start
        lena@dm: wat moet ik hier invullen?
        lena@dm: ja
        lena@dm: tuinieren
        lena@dm: ja
        """
    )
    assert "Dat lijkt me geen naam." in out
    assert "Fijn, wat moet ik" not in out
    assert "Wat kun je, en waar help je graag mee?" in out  # 'ja' kept 'lena'
    assert "Dat lees ik niet als de naam van een buurt of groep." in out  # 'ja' is no cell
    assert "Je hoort bij ja" not in out


async def test_not_knowing_a_cell_is_no_cell(run_script: ScriptRunner) -> None:
    """'dunno', 'weet ik niet', 'geen voorkeur': no cell, not a new cell of that name."""
    out = await run_script(
        """
        lena@dm: /start
        lena@dm: Lena
        lena@dm: tuinieren
        lena@dm: dunno
        """
    )
    assert "Nieuwe cel" not in out and "'dunno'" not in out
    assert "Dat lees ik niet als de naam" not in out


async def test_asking_for_english_mid_question_switches_and_asks_again(
    run_script: ScriptRunner,
) -> None:
    """'english please' typed as the answer to the skills question is no skill: the language
    changes and the same question comes again, now in English."""
    out = await run_script(
        """
        tom@dm: /start
        tom@dm: Tom
        tom@dm: english please
        tom@dm: I can fix bikes
        """
    )
    assert "english please" not in out.split("tom@dm: english please", 1)[1]
    assert "Fine, I'll speak English with you." in out
    assert "What can you do, and what do you like to help with?" in out
    assert "• fix bikes" in out


def test_language_asked_in_words() -> None:
    from handlers.common import language_asked

    assert language_asked("english please") == "en"
    assert language_asked("Can we speak English?") == "en"
    assert language_asked("Engels graag") == "en"
    assert language_asked("Nederlands graag!") == "nl"
    assert language_asked("I teach English") is None
    assert language_asked("Engelse les geven") is None


async def test_a_mistyped_command_gets_the_nearest_one_suggested(run_script: ScriptRunner) -> None:
    out = await run_script(
        """
        lena@dm: /oproepn
        lena@dm: /xyz
        """
    )
    assert "Die opdracht ken ik niet. Bedoel je /oproepen?" in out
    assert out.count("Bedoel je") == 1  # nothing near /xyz: the plain pointer to /hulp


async def test_the_language_by_its_name(run_script: ScriptRunner) -> None:
    """'/taal Nederlands' once read as 'ne' and got the buttons; 'Engels' and 'english' too."""
    out = await run_script(
        """
        lena@dm: /taal english
        lena@dm: /language Nederlands
        """
    )
    assert "Fine, I'll speak English with you." in out
    assert "Goed, ik praat Nederlands met je." in out


async def test_a_question_asked_mid_onboarding_is_kept_and_offered_at_the_end(
    run_script: ScriptRunner,
) -> None:
    """A newcomer asks for help where a name or a yes/no was asked: the question is kept,
    the open question comes again, and the last message offers the search as a button
    (before, 'Dat lijkt me geen naam' and 'Zeg maar ja of nee' dropped it)."""
    out = await run_script(
        """
        lena@dm: /start
        lena@dm: wie kan mijn fiets maken?
        lena@dm: ja
        lena@dm: tuinieren
        lena@dm: geen
        lena@dm: ja
        lena@dm: hoe lang duurt dit nog?
        lena@dm: nee
        lena@dm: [1]
        """
    )
    assert "Dat lijkt me geen naam." not in out
    assert out.count("Je vraag onthoud ik") == 1  # "hoe lang duurt dit nog?" asks no person
    assert "Zeg maar ja of nee." in out
    done = out.split("welkom in het netwerk!", 1)[1]
    assert "[1] Zoek hulp bij 'mijn fiets maken'" in done
    assert "'mijn fiets maken'" in done.split("lena@dm: [1]", 1)[1]  # the search ran


async def test_typed_later_skips_the_skills_and_can_anyone_is_kept(
    run_script: ScriptRunner,
) -> None:
    """'later' typed to the skills question does what its button says (it was saved as a
    skill called 'later'); 'can anyone fix a flat bike tyre?' where a name was asked is kept
    like 'wie kan …?' (it got 'That doesn't look like a name')."""
    out = await run_script(
        """
        tom@dm: /start
        tom@dm: english please
        tom@dm: can anyone fix a flat bike tyre?
        tom@dm: Tom
        tom@dm: later
        tom@dm: dunno
        tom@dm: yes
        tom@dm: no
        """
    )
    assert "doesn't look like a name" not in out
    assert "• later" not in out and "Noted:" not in out
    assert "[1] Find help with 'fix a flat bike tyre'" in out.split("welcome to the network", 1)[1]


async def test_a_request_after_stop_is_answered_and_drops_the_question(
    run_script: ScriptRunner,
) -> None:
    """ "/stop", then a request instead of the button: the request is read, and the leaving
    question is gone, so a "ja" meant for the names that came in between unsubscribes nobody."""
    out = await run_script(
        """
        kees@dm: /stop
        kees@dm: wie kan mijn fiets repareren?
        kees@dm: ja
        kees@dm: /stop
        kees@dm: nee hoor
        """,
        demo=True,
    )
    after = out.split("kees@dm: wie kan mijn fiets repareren?")[1].split("kees@dm: ja")[0]
    assert "Anna de Vries" in after and "Fijn dat je blijft" not in after
    assert "Je bent uitgeschreven" not in out
    assert out.split("kees@dm: nee hoor")[1].strip().endswith("Fijn dat je blijft!")


async def test_a_question_where_skills_or_a_cell_were_asked_is_no_skill_or_cell(
    run_script: ScriptRunner,
) -> None:
    """ "kan ik meehelpen met …?" typed where the skills were asked was saved as a skill: it
    is read on its own now, and the skills question waits; "wie kan …?" where the cell was
    asked is kept for later, and 'later' there is no cell called 'later'."""
    out = await run_script(
        """
        lena@dm: /start
        lena@dm: Lena
        lena@dm: hoe werkt dit eigenlijk?
        lena@dm: tuinieren en koken
        lena@dm: wie kan mijn fiets maken?
        lena@dm: later
        lena@dm: ja
        lena@dm: ja
        """
    )
    assert "• hoe werkt dit eigenlijk" not in out
    skills = out.split("lena@dm: tuinieren en koken", 1)[1].split("lena@dm:", 1)[0]
    assert "• tuinieren" in skills and "• koken" in skills
    cell = out.split("lena@dm: wie kan mijn fiets maken?", 1)[1].split("lena@dm:", 1)[0]
    assert "Je vraag onthoud ik" in cell and "Dat lees ik niet als de naam" not in cell
    assert "Nieuwe cel 'later'" not in out
    done = out.split("welkom in het netwerk!", 1)[1]
    assert "[1] Zoek hulp bij 'mijn fiets maken'" in done
