"""Small helpers several features share: reading yes/no and dates as members type them, and
the names of open questions one feature starts for another.

Not a feature: no handler lives here, and it imports no feature module (handler modules
never import each other; tests/handlers/test_layers.py checks).
"""

from __future__ import annotations

import re

# Open questions (ctx.expect) one feature starts and another answers.
STORY_FLOW = "story"  # "Hoe ging het?" after a pledge is done; answered by handlers/stories.py

_LEAD_WORD = re.compile(r"^(?:op|om|voor|uiterlijk|tegen|on|at|by|before)\s+", re.IGNORECASE)


def date_words(matched: str) -> str:
    """The date as the member wrote it, for 'I can't read X as a date' (without 'op', 'on')."""
    return _LEAD_WORD.sub("", matched.strip())


def yes_or_no(text: str) -> bool | None:
    word = text.strip().casefold().rstrip("!.")
    if word in {"ja", "yes", "y", "j", "ok", "oké", "prima", "goed", "graag", "zeker", "sure"}:
        return True
    if word in {"nee", "no", "n", "niet", "liever niet", "nope"}:
        return False
    return None
