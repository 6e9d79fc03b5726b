"""The topic of a help question: "wie kan mij helpen met mijn belastingaangifte?" is about
"mijn belastingaangifte". The framing words say nothing about the skill wanted, and in a short
question they weigh heavily on both the embedding and the lexical match."""

from __future__ import annotations

import re

_LEAD = re.compile(
    r"""^\s*(?:
        (?:hoi|hallo|hey|hi)\b[\s,!]*
      )?(?:
        (?:wie|who)\s+(?:kan|kent|weet|heeft|can|knows?|could|has)\b\s*(?:er\s+)?
            (?:(?:me|mij|ons|us|iemand|someone)\b)?\s*
            (?:(?:helpen|help|iets|veel|meer|raad|verstand|something|anything)\b\s*)?
            (?:(?:met|bij|van|over|with|about|on)\b)?\s*
      | ik\s+zoek\s+iemand\s+(?:die|voor|om|met)\s+
      | (?:is\s+er\s+)?iemand\s+die\s+
      | (?:does\s+|is\s+there\s+)?any(?:one|body)\s+(?:who\s+)?(?:(?:know|knows|can)\b)?\s*
            (?:about\s+|how\s+to\s+)?
      | i(?:'m|\s+am)\s+looking\s+for\s+someone\s+(?:who|to|for)\s+
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_TAIL = re.compile(
    r"[\s,;-]*(?:wie\s+(?:weet|kan|wil)\s+(?:er\s+)?(?:raad|helpen|iets)|who\s+can\s+help|"
    r"anyone|iemand)?\s*[?!.]*\s*$",
    re.IGNORECASE,
)


def topic(question: str) -> str:
    """The question without its framing; the question itself when nothing would be left."""
    stripped = _TAIL.sub("", _LEAD.sub("", question, count=1)).strip(" ,;:-")
    return stripped if len(stripped) >= 3 else question.strip()
