"""What a message needs: searched as typed (minus addressing), shown without its framing."""

from __future__ import annotations

import pytest

from kennis.need import framing_only, need, offered, topic, topic_asks


@pytest.mark.parametrize(
    ("message", "searched"),
    [
        ("@vonk de heg hangt over de stoep", "de heg hangt over de stoep"),
        (
            "@Vonk is er iemand die verstand heeft van cv-ketels?",
            "is er iemand die verstand heeft van cv-ketels?",
        ),
        ("Vonk, ken jij iemand die ramen lapt?", "ken jij iemand die ramen lapt?"),
        (
            "Hoi allemaal, kan iemand ff naar mn laptop kijken?",
            "kan iemand ff naar mn laptop kijken?",
        ),
        ("hi everyone! who can fix a bike?", "who can fix a bike?"),
        ("hiya! who can fix a bike?", "who can fix a bike?"),
        # a hello run on with "so": "hey so I got a letter …"
        ("hey so I got a letter from the council", "I got a letter from the council"),
        ("hoi dus mijn dak lekt", "mijn dak lekt"),
        ("Hey Sophie how are you", "Hey Sophie how are you"),  # no hello of its own
        # The question mark and the framing stay: the model was measured to rely on them.
        (
            "wie kan helpen met mijn belastingaangifte?",
            "wie kan helpen met mijn belastingaangifte?",
        ),
        ("hoi", "hoi"),  # nothing would be left
        # An announced question: "vraagje:", "quick q -".
        ("Vraagje: wie kan mijn fiets maken?", "wie kan mijn fiets maken?"),
        ("ff vragen, ken jij iemand die kan behangen?", "ken jij iemand die kan behangen?"),
        (
            "hey, quick q - anyone know a good babysitter for friday night?",
            "anyone know a good babysitter for friday night?",
        ),
        ("vraag over mijn huurtoeslag", "vraag over mijn huurtoeslag"),  # no announcement
        # A judgement or exasperation vented at the end names no skill.
        ("mijn wasmachine lekt alweer, belachelijk", "mijn wasmachine lekt alweer"),
        ("my landlord ignores the mould. Absolutely outrageous!", "my landlord ignores the mould"),
        ("Belachelijk!", "Belachelijk!"),
        ("my kitchen tap drips all night, driving me nuts", "my kitchen tap drips all night"),
        ("mn achterband is alweer lek, ik word er gek van", "mn achterband is alweer lek"),
        ("my laptop is so slow. Ugh", "my laptop is so slow"),
        ("the bus driver is driving me crazy", "the bus driver is driving me crazy"),
        (
            "the smell in the stairwell is getting ridiculous",
            "the smell in the stairwell is getting ridiculous",
        ),
    ],
)
def test_need_drops_only_addressing_greeting_and_judgement(message: str, searched: str) -> None:
    assert need(message) == searched


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("wie kan mij helpen met mijn belastingaangifte?", "mijn belastingaangifte"),
        ("who can help me fix my bike?", "fix my bike"),
        ("who can help us paint the living room?", "paint the living room"),
        ("kan iemand mij helpen verhuizen?", "verhuizen"),
        ("@vonk wie weet iets van zonnepanelen?", "zonnepanelen"),
        ("wie heeft verstand van computers", "computers"),
        ("ik zoek iemand die mijn hond kan uitlaten", "mijn hond uitlaten"),
        ("de ketting loopt er steeds af, wie weet raad?", "de ketting loopt er steeds af"),
        ("kan iemand ff naar mn laptop kijken?", "naar mn laptop kijken"),
        ("Vonk, ken jij iemand die mijn ramen kan lappen?", "mijn ramen lappen"),
        ("weet jij iemand die piano kan stemmen?", "piano stemmen"),
        ("do you know anyone who can fix a zipper?", "fix a zipper"),
        ("lekke band, iemand?", "lekke band"),
        ("Who can help with my garden?", "my garden"),
        ("does anyone know how to fix a tap?", "fix a tap"),
        ("can anyone help me move a couch?", "move a couch"),
        ("I need help with my taxes", "my taxes"),
        ("anyone around who can fix a wobbly table leg?", "fix a wobbly table leg"),
        ("is there someone who can tune my piano?", "tune my piano"),
        ("is there anybody here that knows about bees?", "bees"),
        (
            "wie kan mij helpen met mijn belastingaangifte? ik snap er niks van",
            "mijn belastingaangifte",
        ),
        ("@vonk iemand die kan helpen met de wifi in het buurthuis?", "de wifi in het buurthuis"),
        ("mijn fiets heeft een lekke band", "mijn fiets heeft een lekke band"),
        ("wie?", "wie"),  # nothing would be left: keep the question
        ("wie heeft er zin om ff mee te kwasten? de kinderkamer moet af", "kwasten"),
        ("wie heeft er tijd om mijn gras te maaien?", "mijn gras te maaien"),
        ("heeft iemand tijd om te helpen verhuizen?", "verhuizen"),
        ("looking for someone to mow the lawn while I'm away", "mow the lawn while I'm away"),
        ("ik ben op zoek naar iemand voor de tuin", "de tuin"),
        ("Vonk can u find me someone who does nails", "does nails"),
        ("kun je iemand voor me vinden die kan naaien?", "naaien"),
        ("is er hier iemand die met een aanhanger kan rijden?", "met een aanhanger rijden"),
        ("wie wil met mij mee naar de huisarts? ik zie er tegenop", "mee naar de huisarts"),
        # Who is good at it: the shown topic was 'good with a sewing machine'.
        ("anyone good with a sewing machine? my curtains are too long", "a sewing machine"),
        ("is there someone who is good with computers?", "computers"),
        ("who is good at baking cakes", "baking cakes"),
        ("anybody experienced with sourdough?", "sourdough"),
        ("wie is er goed in taarten bakken?", "taarten bakken"),
        ("is er iemand die goed is met excel?", "excel"),
        ("heeft iemand ervaring met huurrecht?", "huurrecht"),
        ("mijn fiets is kapot, is er nog iemand?", "mijn fiets is kapot"),
        ("is er iemand thuis in subsidies?", "subsidies"),
        ("any1 know how to fix a bike chain?", "fix a bike chain"),
        ("I need someone to walk my dog tomorrow", "walk my dog tomorrow"),
        ("ik heb iemand nodig die mijn heg kan snoeien", "mijn heg snoeien"),
        ("ik bedoel: wie kan mijn dakgoot schoonmaken?", "mijn dakgoot schoonmaken"),
        ("sorry, I meant: who can fix my gutter?", "fix my gutter"),
    ],
)
def test_topic_drops_the_framing(message: str, shown: str) -> None:
    assert topic(message) == shown


@pytest.mark.parametrize(
    ("message", "bare"),
    [
        ("wie kan mij helpen?", True),
        ("@vonk kan iemand?", True),
        ("who can help me?", True),
        ("can anyone help?", True),
        ("is er nog iemand?", True),  # not a search for "is er nog"
        ("is er iemand anders?", True),
        ("mijn fiets is kapot, is er iemand?", False),
        ("wie kan mij helpen met de dakgoot?", False),
        ("mijn fiets heeft een lekke band", False),
        ("hoi", False),
        ("wie?", False),
    ],
)
def test_framing_alone_asks_for_nothing(message: str, bare: bool) -> None:
    assert framing_only(message) is bare


@pytest.mark.parametrize(
    ("message", "what"),
    [
        ("@vonk ik kan zaterdag flyers rondbrengen", "zaterdag flyers rondbrengen"),
        ("zaterdag kan ik helpen met de heg", "zaterdag helpen met de heg"),
        ("ik wil wel koffie zetten", "koffie zetten"),
        ("I'll bake a cake for the party", "bake a cake for the party"),
        ("I can bring my gazebo", "bring my gazebo"),
        (
            "ik wil me graag aanmelden als vrijwilliger bij het repair café",
            "vrijwilliger bij het repair café",
        ),
        ("ik doe mee", "ik doe mee"),  # nothing to take off
        ("ik kan", "ik kan"),  # nothing would be left
    ],
)
def test_what_is_offered(message: str, what: str) -> None:
    assert offered(message) == what


@pytest.mark.parametrize(
    ("said", "asks"),
    [
        ("wie haalt de kinderen om drie uur op?", True),
        ("who picks up the kids at three?", True),
        ("hoe krijg ik mijn dakgoot schoon?", True),
        ("mijn fiets heeft een lekke band", False),
        ("wie kan helpen met wat hulp in de tuin?", False),  # "wat": some
        ("kan iemand mijn heg knippen?", False),  # the framing is taken off
    ],
)
def test_a_topic_that_is_still_a_question_is_told_apart(said: str, asks: bool) -> None:
    assert topic_asks(topic(said)) is asks, topic(said)
