"""Dev-set quality of the live search: bench/devset_nl.json asked through kennis.search.Search.

Run:  .venv/bin/python bench/quality.py                   (about 1 minute)
      .venv/bin/python bench/quality.py --distractors 0   (the dev set alone, ~15 s)

Unlike bench/eval_search.py's option table (which scores embedding matrices directly), this
goes through the code the bot runs: a fresh SQLite database, the dev-set members imported
with ``storage.members.import_rows``, the default embedder, ``Search.sync()`` and
``Search.ask(question, network_id=..., limit=10, min_score=-1)``; a member's rank is where
``ask`` puts them. Metrics as in eval_search.py: R@1, R@5 (right answers in the top 5 over
min(#right, 5)) and MRR@10.

Configurations: the live default (``SearchConfig()``), the same without the lexical blend,
and, with ``--distractors N`` (default 10000), the dev set plus N synthetic members
(bench/synthetic.py, in the same network, so the index is large enough for the two-stage
search) answered by the default two-stage search and by the exact search
(``two_stage=False``). With distractors, only dev-set members count as right answers, so the
absolute figures drop (synthetic members legitimately compete); the point is that two-stage
and exact agree.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

DEVSET = ROOT / "bench" / "devset_nl.json"


def metrics(ranked: list[list[str]], answers: list[set[str]]) -> np.ndarray:
    """Per question (R@1, R@5, MRR@10) from handles best first."""
    out = np.zeros((len(answers), 3))
    for i, (handles, right) in enumerate(zip(ranked, answers, strict=True)):
        hits = [h in right for h in handles[:10]]
        first = next((k for k, hit in enumerate(hits) if hit), None)
        out[i] = (
            float(bool(hits[:1] and hits[0])),
            sum(hits[:5]) / min(len(right), 5),
            0.0 if first is None else 1.0 / (first + 1),
        )
    return out


async def build(embedder, members: list, distractors: int, tmp: str):
    """Storage with the dev-set members (and distractors) imported; the network."""
    import synthetic

    from storage import Storage
    from storage.records import MemberImportRow

    storage = await Storage.open(f"sqlite+aiosqlite:///{tmp}/quality.db")
    now = datetime.now(UTC)
    network = await storage.networks.create(
        "Dev", language="nl", timezone="Europe/Amsterdam", now=now
    )
    rows = [
        MemberImportRow(i + 2, m["handle"], m["name"], tuple(m["skills"]), m.get("about", ""), "")
        for i, m in enumerate(members)
    ]
    rows += [
        MemberImportRow(len(rows) + i + 2, f"x{m.handle}", m.name, m.skills, m.about, m.cell)
        for i, m in enumerate(synthetic.generate(distractors, seed=1))
    ]
    await storage.members.import_rows(
        network.id, rows, language="nl", timezone="Europe/Amsterdam", now=now
    )
    return storage, network


async def ask_all(search, network_id: int, questions: list[str]) -> list[list[str]]:
    out = []
    for q in questions:
        answer = await search.ask(q, network_id=network_id, limit=10, lessons=0, min_score=-1.0)
        out.append([m.member.handle for m in answer.members])
    return out


async def run(distractors: int) -> list[tuple[str, np.ndarray, str]]:
    from kennis.embedding import load_embedder
    from kennis.search import Search, SearchConfig

    data = json.loads(DEVSET.read_text(encoding="utf-8"))
    questions = [q["text"] for q in data["questions"]]
    answers = [set(q["answers"]) for q in data["questions"]]
    embedder = load_embedder()
    rows: list[tuple[str, np.ndarray, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        storage, network = await build(embedder, data["members"], 0, tmp)
        configs = [
            ("live default (SearchConfig())", SearchConfig()),
            ("  without the lexical blend", SearchConfig(lexical_weight=0.0)),
        ]
        for label, config in configs:
            search = Search(embedder, storage, config=config)
            await search.sync()
            ranked = await ask_all(search, network.id, questions)
            note = "exact (index below two-stage size)"
            if search._cache.two_stage_ready:
                note = "two-stage"
            rows.append((label, metrics(ranked, answers), note))
            empty = 0
            for q in questions:
                answer = await search.ask(q, network_id=network.id, lessons=0)
                empty += not answer.members
            rows[-1] = (
                label,
                rows[-1][1],
                f"{note}; {empty} questions without a member at the default threshold",
            )
        await storage.close()
    if distractors:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            storage, network = await build(embedder, data["members"], distractors, tmp)
            two = Search(embedder, storage)
            await two.sync()  # embeds once; the exact search below reuses the stored vectors
            exact = Search(embedder, storage, config=SearchConfig(two_stage=False))
            await exact.sync()
            ranked_two = await ask_all(two, network.id, questions)
            ranked_exact = await ask_all(exact, network.id, questions)
            same1 = np.mean([a[:1] == b[:1] for a, b in zip(ranked_two, ranked_exact, strict=True)])
            over5 = np.mean(
                [
                    len(set(a[:5]) & set(b[:5])) / max(1, len(b[:5]))
                    for a, b in zip(ranked_two, ranked_exact, strict=True)
                ]
            )
            n = len(two._cache)
            rows.append(
                (
                    f"+{distractors} distractors, two-stage",
                    metrics(ranked_two, answers),
                    f"{n} texts; same top-1 as exact {same1:.0%}, top-5 overlap "
                    f"{over5:.0%}; {time.perf_counter() - t:.0f} s",
                )
            )
            rows.append(
                (
                    f"+{distractors} distractors, exact",
                    metrics(ranked_exact, answers),
                    "SearchConfig(two_stage=False)",
                )
            )
            await storage.close()
    return rows


def report(rows: list[tuple[str, np.ndarray, str]]) -> None:
    hdr = f"{'Search configuration':<38} {'R@1':>5} {'R@5':>5} {'MRR10':>6}  notes"
    print(hdr + "\n" + "-" * 100)
    for label, m, note in rows:
        r1, r5, mrr = m.mean(axis=0)
        print(f"{label:<38} {r1:5.3f} {r5:5.3f} {mrr:6.3f}  {note}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--distractors", type=int, default=10_000)
    args = ap.parse_args()
    report(asyncio.run(run(args.distractors)))


if __name__ == "__main__":
    main()
