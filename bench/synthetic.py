"""Synthetic Dutch community members with realistic variety, for benchmarks.

Skills are composed, not drawn from a short list: one of ~70 help topics, one of its 3-6
wordings, then (independently, each with a modest chance) a lead-in ("hulp bij ..."), a
qualifier ("... voor ouderen", "... in het weekend"), a capital first letter and (rarely) a
typo, so common
phrasings repeat across members (as they do: many people write "tuinieren") while a long
tail is written only once. About texts: 60% of members write their own sentence (composed from
several independent slots, including a neighbourhood, years, a detail and one of their
skills, so practically unique), 15% pick one of a few stock phrases, 25% leave it empty.

Everything is derived from ``random.Random(seed)``: the same size and seed give the same
members. :func:`describe` prints how much text repeats.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

TOPICS: dict[str, list[str]] = {
    "fiets": [
        "fietsen repareren",
        "fietsreparatie",
        "lekke banden plakken",
        "fiets onderhoud",
        "e-bikes nakijken",
        "remmen en versnellingen afstellen",
    ],
    "fietsles": ["fietsles geven", "volwassenen leren fietsen", "fietsen leren aan nieuwkomers"],
    "computer": [
        "computerhulp",
        "hulp met de computer",
        "laptop repareren",
        "pc opschonen",
        "virussen verwijderen",
        "windows installeren",
    ],
    "tablet": [
        "tablet uitleggen",
        "smartphone uitleggen",
        "whatsapp installeren",
        "videobellen uitleggen",
        "apps instellen op de telefoon",
    ],
    "printer": ["printer instellen", "wifi instellen", "router aansluiten", "netwerk thuis"],
    "admin": [
        "formulieren invullen",
        "post doornemen",
        "brieven van instanties uitleggen",
        "administratie op orde brengen",
        "papierwerk",
    ],
    "belasting": [
        "belastingaangifte doen",
        "aangifte inkomstenbelasting",
        "toeslagen aanvragen",
        "huurtoeslag aanvragen",
        "zorgtoeslag regelen",
    ],
    "budget": [
        "budgetcoaching",
        "schulden op een rij zetten",
        "huishoudboekje bijhouden",
        "geldzaken",
    ],
    "juridisch": [
        "huurrecht advies",
        "bezwaar maken bij de gemeente",
        "juridisch advies",
        "hulp bij een conflict met de verhuurder",
    ],
    "digid": ["DigiD aanvragen", "inloggen bij de overheid", "online bankieren uitleggen"],
    "klussen": [
        "kleine klusjes in huis",
        "klussen",
        "klussen in en om het huis",
        "handyman",
        "dingen repareren in huis",
    ],
    "elektra": [
        "lampen ophangen",
        "stopcontacten vervangen",
        "elektra aanleggen",
        "een lamp aansluiten",
    ],
    "loodgieter": [
        "lekkages verhelpen",
        "kranen repareren",
        "verstopte afvoer ontstoppen",
        "cv-ketel bijvullen",
    ],
    "meubels": ["meubels in elkaar zetten", "ikea kasten monteren", "oude meubels opknappen"],
    "schilderen": ["muren schilderen", "kozijnen verven", "behangen", "schilderwerk binnen"],
    "hout": ["houtbewerking", "timmeren", "een vogelhuisje maken", "meubels maken van hout"],
    "tuin": ["tuinieren", "tuinonderhoud", "heg snoeien", "gras maaien", "onkruid wieden"],
    "moestuin": ["moestuin", "groenten kweken", "zaaien en oogsten", "moestuinieren met kinderen"],
    "koken": [
        "koken voor grote groepen",
        "koken",
        "maaltijden koken voor buren",
        "samen koken",
        "vegetarisch koken",
    ],
    "bakken": ["taarten bakken", "brood bakken", "koekjes bakken", "bakken met kinderen"],
    "naaien": [
        "naaien",
        "kleding herstellen",
        "broeken inkorten",
        "gordijnen naaien",
        "een naaimachine uitleggen",
    ],
    "breien": ["breien", "haken", "handwerken"],
    "nl_les": [
        "Nederlandse les geven",
        "taalmaatje zijn",
        "Nederlands oefenen",
        "conversatie in het Nederlands",
        "helpen met inburgeren",
    ],
    "engels": ["Engelse les", "Engels oefenen", "bijles Engels"],
    "tolk_ar": ["tolken Arabisch-Nederlands", "Arabisch tolken", "vertalen uit het Arabisch"],
    "tolk_tr": ["tolken Turks", "Turks vertalen", "vertalen Turks-Nederlands"],
    "tolk_pl": ["Pools tolken", "vertalen uit het Pools"],
    "tolk_uk": ["tolken Oekraïens en Russisch", "Oekraïens vertalen", "Russisch tolken"],
    "huiswerk": [
        "huiswerkbegeleiding",
        "huiswerkhulp basisschool",
        "helpen met huiswerk",
        "leren plannen voor school",
    ],
    "wiskunde": ["wiskunde bijles", "rekenen uitleggen", "bijles wiskunde middelbare school"],
    "natuurkunde": ["natuurkunde bijles", "scheikunde uitleggen", "bijles exacte vakken"],
    "muziek": [
        "gitaarles",
        "pianoles",
        "muziek maken met kinderen",
        "zingen in een koor",
        "drumles",
    ],
    "kunst": ["schilderles", "tekenen", "aquarelleren", "creatieve workshops"],
    "foto": ["fotografie", "foto's maken op feesten", "foto's bewerken", "een fotoboek maken"],
    "web": ["websites bouwen", "een website maken", "wordpress", "webshop opzetten"],
    "social": ["sociale media beheren", "instagram voor verenigingen", "nieuwsbrief maken"],
    "oppas": ["oppassen", "oppassen op kinderen", "kinderopvang in noodgevallen", "babysitten"],
    "hond": ["honden uitlaten", "op huisdieren passen", "katten voeren tijdens vakantie"],
    "vervoer": [
        "mensen rijden naar het ziekenhuis",
        "vervoer naar de huisarts",
        "autorijden voor buren",
        "chauffeur zijn",
    ],
    "verhuis": [
        "verhuizen",
        "helpen met verhuizen",
        "verhuizen met mijn bus",
        "spullen ophalen met de aanhanger",
    ],
    "boodschap": ["boodschappen doen", "boodschappen brengen", "samen naar de markt"],
    "ouderen": [
        "gezelschap voor ouderen",
        "op bezoek gaan bij ouderen",
        "samen wandelen",
        "voorlezen",
        "een kopje koffie drinken met eenzame buren",
    ],
    "ehbo": ["EHBO", "reanimatie cursus geven", "eerste hulp verlenen", "AED bedienen"],
    "zorg": ["mantelzorg ondersteunen", "helpen met wassen en aankleden", "medicijnen ophalen"],
    "sport": [
        "hardlopen",
        "trainer bij de voetbalclub",
        "yoga geven",
        "fitness begeleiden",
        "samen sporten",
    ],
    "schoon": ["schoonmaken", "ramen lappen", "grote schoonmaak", "opruimen"],
    "auto": [
        "auto onderhoud",
        "kleine reparaties aan de auto",
        "banden wisselen",
        "olie verversen",
    ],
    "sollicitatie": [
        "sollicitatiebrieven schrijven",
        "cv opstellen",
        "oefenen voor een sollicitatiegesprek",
        "werk zoeken",
    ],
    "ondernemen": ["ondernemersadvies", "een bedrijf starten", "boekhouding voor zzp'ers"],
    "energie": ["energie besparen", "zonnepanelen advies", "energiecoach", "tochtstrips plaatsen"],
    "evenement": ["buurtfeest organiseren", "evenementen plannen", "vrijwilligers coördineren"],
    "schaak": ["schaken", "schaakles", "bordspellen"],
    "rouw": ["luisteren", "rouwbegeleiding", "er zijn voor mensen in moeilijke tijden"],
    "recht": ["mediation bij burenruzie", "bemiddelen"],
    "fondsen": ["subsidies aanvragen", "fondsenwerving", "projectplan schrijven"],
    "vertalen_en": ["Engelse teksten vertalen", "vertalen naar het Engels"],
    "kapper": ["haren knippen", "kapper aan huis"],
    "fietsmaatje": ["duofiets rijden", "fietsmaatje voor ouderen"],
    "techniek": ["witgoed repareren", "wasmachine repareren", "elektronica solderen"],
    "dieren": ["kippen houden", "bijen houden", "dierenverzorging"],
    "natuur": ["natuurwandelingen leiden", "vogels kijken", "zwerfafval prikken"],
    "spel": ["spelletjesmiddag begeleiden", "knutselen met kinderen", "sinterklaas spelen"],
    "massage": ["massage", "ontspanningsoefeningen"],
    "film": ["filmpjes monteren", "video maken"],
    "zang": ["zangles", "koorzang", "samen zingen"],
    "lezen": ["leesclub", "voorlezen aan kinderen", "helpen met lezen en schrijven"],
    "excel": ["excel uitleggen", "spreadsheets maken", "gegevens op orde brengen"],
    "pr": ["persberichten schrijven", "teksten schrijven", "flyers ontwerpen"],
}

LEAD_INS = ["hulp bij ", "helpen met ", "ik kan ", "ervaring met ", "graag "]
QUALIFIERS = [
    "voor ouderen",
    "voor beginners",
    "bij mensen thuis",
    "in het weekend",
    "voor kinderen",
    "op afspraak",
    "met geduld",
    "in de buurt",
    "(ervaren)",
    "(hobby)",
    "'s avonds",
    "voor nieuwkomers",
    "samen met jou",
    "in het Engels",
    "zonder kosten",
    "overdag",
    "voor de buurt",
    "(beroep)",
    "af en toe",
    "op zaterdag",
]
NEIGHBOURHOODS = [
    "Oost",
    "West",
    "de Binnenstad",
    "het Oude Noorden",
    "Kralingen",
    "de Schilderswijk",
    "Transvaal",
    "Lombok",
    "Overvecht",
    "de Pijp",
    "Bos en Lommer",
    "Zuidwijk",
    "Delfshaven",
    "Hoograven",
    "Kanaleneiland",
    "Malburgen",
    "Presikhaaf",
    "de Spoorzone",
    "het Dorp",
    "Nieuw-West",
    "Meerzicht",
    "de Vogelwijk",
    "de Rivierenbuurt",
    "Blijdorp",
    "Charlois",
    "Feijenoord",
    "Moerwijk",
    "Laak",
    "Tuinwijk",
    "het Centrum",
]
STREETS_A = [
    "Linden",
    "Eiken",
    "Beuken",
    "Kastanje",
    "Wilgen",
    "Berken",
    "Populier",
    "Iepen",
    "Rozen",
    "Tulp",
    "Molen",
    "Kerk",
    "School",
    "Dorps",
    "Haven",
    "Spoor",
    "Vaart",
]
STREETS_B = ["straat", "laan", "weg", "plein", "hof", "kade", "singel", "dreef", "pad"]
ROLES = [
    "gepensioneerd docent",
    "verpleegkundige",
    "student",
    "zzp'er",
    "monteur",
    "kok",
    "ambtenaar",
    "moeder van drie",
    "vader van twee",
    "buurtbewoner",
    "timmerman",
    "boekhouder",
    "programmeur",
    "kapper",
    "leraar basisschool",
    "schoonmaker",
    "vrachtwagenchauffeur",
    "apotheker",
    "gepensioneerd",
    "werkzoekend",
    "mantelzorger",
    "tuinman",
    "fotograaf",
    "muzikant",
    "verkoper",
    "bibliothecaris",
    "fysiotherapeut",
]
INTROS = [
    "Ik ben {role} en woon al {years} jaar in {wijk}.",
    "Hoi! {role_c} uit {wijk}, sinds {year} in de buurt.",
    "Ik woon aan de {street} in {wijk}.",
    "{role_c}, {age} jaar, woonachtig in {wijk}.",
    "Sinds {year} woon ik met plezier in {wijk}.",
    "Ik ben {age} en werk als {role}.",
]
OFFERS = [
    "Ik help graag met {skill}",
    "Als je hulp nodig hebt met {skill}, bel me gerust",
    "Vraag me gerust voor {skill}",
    "Ik heb tijd voor {skill}",
    "Mijn hobby is {skill} en dat deel ik graag",
    "Ik kan een handje helpen met {skill}",
]
WHEN = [
    "",
    "",
    " op maandagavond",
    " in het weekend",
    " doordeweeks",
    " na vijf uur",
    " als ik vrij ben",
    " op woensdagmiddag",
    " een paar uur per week",
    " in de vakanties",
]
DETAILS = [
    "",
    "",
    "",
    " Ik heb een {thing}.",
    " Ik spreek ook {lang}.",
    " Kom gerust langs voor koffie.",
    " Ik heb {n} kinderen.",
    " Ik heb een {thing} die je mag lenen.",
]
THINGS = [
    "bakfiets",
    "aanhanger",
    "boormachine",
    "ladder",
    "naaimachine",
    "bus",
    "grasmaaier",
    "partytent",
    "hogedrukreiniger",
    "gereedschapskist",
    "auto",
    "beamer",
]
LANGS = [
    "Engels",
    "Arabisch",
    "Turks",
    "Pools",
    "Spaans",
    "Frans",
    "Duits",
    "Papiaments",
    "Tigrinya",
    "Oekraïens",
]
STOCK_ABOUTS = [
    "Ik help graag waar ik kan.",
    "Vraag maar!",
    "Altijd in voor een praatje en een klus.",
    "Ik doe graag iets voor de buurt.",
    "Even bellen en ik kom.",
]
FIRST = [
    "Anna",
    "Bram",
    "Chantal",
    "Daan",
    "Eva",
    "Fatima",
    "Gerrit",
    "Hanna",
    "Ibrahim",
    "Jasper",
    "Kim",
    "Lotte",
    "Mohamed",
    "Noor",
    "Omar",
    "Petra",
    "Quinten",
    "Rosa",
    "Sanne",
    "Tom",
    "Umut",
    "Vera",
    "Willem",
    "Yara",
    "Zeynep",
    "Ahmed",
    "Bas",
    "Demi",
    "Emre",
    "Floor",
    "Hugo",
    "Iris",
    "Joris",
    "Koen",
    "Lisa",
    "Mila",
    "Niels",
    "Olga",
]
LAST = [
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "El Amrani",
    "Yilmaz",
    "Kowalski",
    "van Dijk",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "Kaya",
    "Nguyen",
]
SKILL_COUNTS = (1, 2, 3, 4, 5)
SKILL_COUNT_WEIGHTS = (0.15, 0.3, 0.3, 0.15, 0.1)
TOPIC_NAMES = list(TOPICS)
# Some topics are much more common than others (Zipf-like): tuinieren beats bijen houden.
TOPIC_WEIGHTS = [1.0 / (1 + i) ** 0.6 for i in range(len(TOPIC_NAMES))]


@dataclass(frozen=True)
class SyntheticMember:
    handle: str
    name: str
    skills: tuple[str, ...]
    about: str
    cell: str


def _skill(rng: random.Random) -> str:
    topic = rng.choices(TOPIC_NAMES, TOPIC_WEIGHTS)[0]
    text = rng.choice(TOPICS[topic])
    if rng.random() < 0.15:
        text = rng.choice(LEAD_INS) + text
    if rng.random() < 0.3:
        text = f"{text} {rng.choice(QUALIFIERS)}"
    if rng.random() < 0.25:
        text = text[0].upper() + text[1:]
    if rng.random() < 0.04 and len(text) > 6:  # a typo: two neighbouring letters swapped
        i = rng.randrange(1, len(text) - 2)
        text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text


def _about(rng: random.Random, skills: tuple[str, ...]) -> str:
    role = rng.choice(ROLES)
    intro = rng.choice(INTROS).format(
        role=role,
        role_c=role[0].upper() + role[1:],
        wijk=rng.choice(NEIGHBOURHOODS),
        years=rng.randint(1, 45),
        year=rng.randint(1965, 2025),
        age=rng.randint(18, 88),
        street=rng.choice(STREETS_A) + rng.choice(STREETS_B),
    )
    skill = rng.choice(skills).lower() if skills else "van alles"
    offer = rng.choice(OFFERS).format(skill=skill) + rng.choice(WHEN) + "."
    detail = rng.choice(DETAILS).format(
        thing=rng.choice(THINGS), lang=rng.choice(LANGS), n=rng.randint(1, 4)
    )
    return f"{intro} {offer}{detail}"


def generate(n: int, seed: int = 0, cells: int = 12) -> list[SyntheticMember]:
    """``n`` members with handles ``m0``, ``m1``, ... (unique), names, skills, about, cell."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        count = rng.choices(SKILL_COUNTS, SKILL_COUNT_WEIGHTS)[0]
        skills: list[str] = []
        seen: set[str] = set()
        for _ in range(count):
            s = _skill(rng)
            if s.casefold() not in seen:
                seen.add(s.casefold())
                skills.append(s)
        r = rng.random()
        if r < 0.60:
            about = _about(rng, tuple(skills))
        elif r < 0.75:
            about = rng.choice(STOCK_ABOUTS)
        else:
            about = ""
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        out.append(SyntheticMember(f"m{i}", name, tuple(skills), about, f"cel {i % cells + 1}"))
    return out


def describe(members: list[SyntheticMember]) -> str:
    """One line on how much the texts repeat (what the vector cache deduplicates)."""
    skills = [s for m in members for s in m.skills]
    abouts = [m.about for m in members if m.about]
    unique = {" ".join(t.split()) for t in [*skills, *abouts]}
    return (
        f"{len(members)} members: {len(skills)} skills ({len(set(skills))} distinct phrasings), "
        f"{len(abouts)} about texts ({len(set(abouts))} distinct), "
        f"{len(skills) + len(abouts)} items -> {len(unique)} unique texts"
    )
