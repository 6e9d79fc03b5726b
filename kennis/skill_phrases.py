"""Turn a sentence about oneself into skill phrases.

"ik kan fietsen repareren en help graag met formulieren" becomes
["fietsen repareren", "helpen met formulieren"]: short phrases embed and explain ("why") better
than one long sentence, and members can remove one without retyping the rest.
"""

from __future__ import annotations

import re

_SPLIT = re.compile(r"\s*(?:[,;\n.•]|\s-\s|\b(?:en|and|of|or|maar|but)\b)\s*", re.IGNORECASE)

# Lead-ins that say nothing about the skill itself, longest first.
_LEAD_INS = [
    r"ik vind het (?:leuk|fijn) om",
    r"ik ben (?:heel |best |erg )?(?:goed|handig|ervaren) (?:in|met)",
    r"ik heb verstand van",
    r"ik weet (?:veel )?van",
    r"ik (?:kan|wil|mag|doe) (?:ook |graag |goed |prima |wel )*",
    r"i(?:'m| am) (?:good|great|handy|experienced) (?:at|with)",
    r"i (?:can|like to|love to|enjoy|know about|do) (?:also |well )*",
    r"(?:ook|graag|goed|also)\b",
]
_LEAD = re.compile(rf"^(?:{'|'.join(_LEAD_INS)})\s*", re.IGNORECASE)
_HELP = re.compile(r"^(?:ik )?help(?:en)?(?: ook)?(?: graag| wel)?\s+(?:met|bij)\s+", re.IGNORECASE)
_HELP_EN = re.compile(r"^(?:i )?(?:like to |love to |can )?help(?: out)?\s+with\s+", re.IGNORECASE)
_TRAILING = re.compile(r"\s*(?:graag|hoor|enzo|etc)\s*$", re.IGNORECASE)


def extract_skills(text: str) -> list[str]:
    """Skill phrases from free text, in order, without duplicates or filler words."""
    skills: list[str] = []
    seen: set[str] = set()
    for part in _SPLIT.split(text):
        phrase = part.strip(" !?'\"").strip()
        for _ in range(3):  # lead-ins can stack: "ik kan ook graag ..."
            phrase = _LEAD.sub("", phrase).strip()
        if _HELP.match(phrase):
            phrase = "helpen met " + _HELP.sub("", phrase)
        elif _HELP_EN.match(phrase):
            phrase = "helping with " + _HELP_EN.sub("", phrase)
        phrase = _TRAILING.sub("", phrase).strip()
        if len(phrase) >= 3 and phrase.casefold() not in seen:
            seen.add(phrase.casefold())
            skills.append(phrase[:120])
    return skills
