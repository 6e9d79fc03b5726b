"""The topic of a help question, without its framing."""

from __future__ import annotations

import pytest

from kennis.question import topic


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("wie kan mij helpen met mijn belastingaangifte?", "mijn belastingaangifte"),
        ("wie kan mijn fiets maken?", "mijn fiets maken"),
        ("Wie weet iets van zonnepanelen?", "zonnepanelen"),
        ("wie heeft verstand van computers", "computers"),
        ("ik zoek iemand die mijn hond kan uitlaten", "mijn hond kan uitlaten"),
        ("de ketting loopt er steeds af, wie weet raad", "de ketting loopt er steeds af"),
        ("Who can help with my garden?", "my garden"),
        ("does anyone know how to fix a tap?", "fix a tap"),
        ("mijn fiets heeft een lekke band", "mijn fiets heeft een lekke band"),
        ("wie?", "wie"),  # nothing would be left: keep the question
    ],
)
def test_topic(question: str, expected: str) -> None:
    assert topic(question) == expected
