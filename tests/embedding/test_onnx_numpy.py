"""onnx_numpy: the numpy runner that embeds minilm-int8's queries, against onnxruntime on the real model,
and on small graphs written here byte by byte (protobuf), so its decoder and operators are checked too."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from codesearch.embedding import _loading, minilm_int8
from codesearch.embedding.minilm_int8 import MiniLMInt8, NumpyMiniLM, OnnxMiniLM
from codesearch.embedding.onnx_numpy import NumpyGraph, UnsupportedGraph, erf_error_bound

TEXTS = [
    "parse a configuration file",
    "read lines from a socket until EOF and return them as a list of strings",
    "x",
    "",
    "ネットワークインターフェースのMTUを取得する",
    "def load(path):\n    return toml.load(path)  # " + "and more words " * 200,  # past 256 tokens
]


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_numpy_runner_gives_onnxruntimes_vectors_alone_and_in_a_padded_batch() -> None:
    session, runner = OnnxMiniLM(threads=1), NumpyMiniLM()
    expected = unit(session.encode(TEXTS))
    np.testing.assert_allclose(unit(runner.encode(TEXTS)), expected, atol=1e-5)
    alone = np.vstack([unit(runner.encode([t])) for t in TEXTS])
    np.testing.assert_allclose(alone, expected, atol=1e-5)


def test_queries_run_on_numpy_until_the_process_has_the_session() -> None:
    """A process's first queries never import onnxruntime, nor tokenizers (``wordpiece`` reads the query):
    what a one-shot CLI search saves; once it has the session (documents, a server's ``load()``), queries
    use it; the vectors agree."""
    script = (
        "import sys\n"
        "from codesearch.embedding.minilm_int8 import MiniLMInt8\n"
        "m = MiniLMInt8()\n"
        "q = m.embed_queries(['parse a configuration file'])\n"
        "assert 'onnxruntime' not in sys.modules, 'a query imported onnxruntime'\n"
        "assert 'tokenizers' not in sys.modules, 'a query imported tokenizers'\n"
        "d = m.embed_documents(['parse a configuration file'])\n"
        "assert 'onnxruntime' in sys.modules\n"
        "from codesearch.embedding.minilm_int8 import OnnxMiniLM\n"
        "model, _ = m._query_model()\n"
        "assert isinstance(model, OnnxMiniLM), 'a process with the session keeps using it'\n"
        "print(float(q[0] @ d[0]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) > 0.99999


def test_a_graph_the_runner_cannot_run_leaves_queries_to_onnxruntime(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> NumpyMiniLM:
        raise UnsupportedGraph("operator Foo")

    monkeypatch.setattr(minilm_int8, "NumpyMiniLM", refuse)
    monkeypatch.setattr(MiniLMInt8, "cache_key", "minilm-int8-test-fallback")
    try:
        query = MiniLMInt8().embed_queries([TEXTS[0]])
        document = MiniLMInt8().embed_documents([TEXTS[0]])
        np.testing.assert_allclose(query, document, atol=1e-5)
    finally:
        for key in list(_loading._models):
            if key[0] == "minilm-int8-test-fallback":
                _loading.forget(key)


# -- small graphs, written here -----------------------------------------------------------------------------


def varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64s are ten bytes, as protobuf writes them
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, value: int | bytes | float, *, fixed32: bool = False) -> bytes:
    if fixed32:
        return varint(number << 3 | 5) + struct.pack("<f", value)
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    assert isinstance(value, bytes)
    return varint(number << 3 | 2) + varint(len(value)) + value


def tensor(name: str, array: np.ndarray) -> bytes:
    codes = {np.dtype(np.float32): 1, np.dtype(np.int8): 3, np.dtype(np.int64): 7}
    dims = b"".join(field(1, d) for d in array.shape)
    return dims + field(2, codes[array.dtype]) + field(8, name.encode()) + field(9, array.tobytes())


def node(op: str, inputs: list[str], outputs: list[str], **attrs: int | float | list[int]) -> bytes:
    out = b"".join(field(1, i.encode()) for i in inputs) + b"".join(field(2, o.encode()) for o in outputs)
    out += field(4, op.encode())
    for name, value in attrs.items():
        if isinstance(value, list):  # ints, packed
            body = field(1, name.encode()) + field(8, b"".join(varint(v) for v in value)) + field(20, 7)
        elif isinstance(value, float):
            body = field(1, name.encode()) + field(2, value, fixed32=True) + field(20, 1)
        else:
            body = field(1, name.encode()) + field(3, value) + field(20, 2)
        out += field(5, body)
    return out


def model(
    path: Path, nodes: list[bytes], initializers: dict[str, np.ndarray], inputs: list[str], outputs: list[str]
) -> Path:
    graph = b"".join(field(1, n) for n in nodes)
    graph += b"".join(field(5, tensor(name, a)) for name, a in initializers.items())
    graph += b"".join(field(11, field(1, i.encode())) for i in inputs)
    graph += b"".join(field(12, field(1, o.encode())) for o in outputs)
    path.write_bytes(field(1, 8) + field(7, graph))
    return path


def test_a_dequantized_embedding_and_layer_norm_graph_runs_as_numpy_computes_it(tmp_path: Path) -> None:
    """Gather over Cast(int8) * per-row scale (fused: only the picked rows are widened), a per-column
    dequantized MatMul, a negative axis, a float attribute, Reshape with allowzero=0 and a 0 dim."""
    rng = np.random.default_rng(0)
    table_q = rng.integers(-127, 127, size=(50, 8), dtype=np.int8)
    table_scale = rng.random((50, 1), dtype=np.float32) / 100
    w_q = rng.integers(-127, 127, size=(8, 4), dtype=np.int8)
    w_scale = rng.random((1, 4), dtype=np.float32) / 100
    gamma, beta = rng.random(4, dtype=np.float32), rng.random(4, dtype=np.float32)
    path = model(
        tmp_path / "tiny.onnx",
        [
            node("Cast", ["table_q"], ["table_f"], to=1),
            node("Mul", ["table_f", "table_scale"], ["table"]),
            node("Cast", ["w_q"], ["w_f"], to=1),
            node("Mul", ["w_f", "w_scale"], ["w"]),
            node("Gather", ["table", "ids"], ["emb"], axis=0),
            node("MatMul", ["emb", "w"], ["h"]),
            node("LayerNormalization", ["h", "gamma", "beta"], ["ln"], axis=-1, epsilon=1e-5),
            node("Reshape", ["ln", "shape"], ["out"], allowzero=0),
        ],
        {
            "table_q": table_q,
            "table_scale": table_scale,
            "w_q": w_q,
            "w_scale": w_scale,
            "gamma": gamma,
            "beta": beta,
            "shape": np.array([0, -1], dtype=np.int64),
        },
        ["ids"],
        ["out"],
    )
    graph = NumpyGraph(path)
    assert graph.inputs == ["ids"] and graph.outputs == ["out"]
    ids = np.array([[3, 49, 0]], dtype=np.int64)
    (out,) = graph.run({"ids": ids})
    h = (table_q.astype(np.float32) * table_scale)[ids] @ (w_q.astype(np.float32) * w_scale)
    mean, var = h.mean(-1, keepdims=True), h.var(-1, keepdims=True)
    expected = ((h - mean) / np.sqrt(var + 1e-5) * gamma + beta).reshape(1, -1)
    assert out.shape == (1, 12)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_slices_to_int64_max_squeeze_and_softmax_follow_the_spec(tmp_path: Path) -> None:
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 10
    path = model(
        tmp_path / "ops.onnx",
        [
            node("Slice", ["x", "starts", "ends", "axes"], ["sliced"]),
            node("Softmax", ["sliced"], ["soft"], axis=-1),
            node("Unsqueeze", ["soft", "zero"], ["unsq"]),
            node("Squeeze", ["unsq", "zero"], ["out"]),
        ],
        {
            "starts": np.array([1], dtype=np.int64),
            "ends": np.array([(1 << 63) - 1], dtype=np.int64),  # "to the end"
            "axes": np.array([-1], dtype=np.int64),
            "zero": np.array([0], dtype=np.int64),
        },
        ["x"],
        ["out"],
    )
    (out,) = NumpyGraph(path).run({"x": x})
    part = x[..., 1:]
    expected = np.exp(part) / np.exp(part).sum(-1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_an_unknown_operator_is_refused_when_the_graph_is_read(tmp_path: Path) -> None:
    path = model(tmp_path / "foo.onnx", [node("Foo", ["x"], ["y"])], {}, ["x"], ["y"])
    with pytest.raises(UnsupportedGraph, match="Foo"):
        NumpyGraph(path)


def test_erf_is_within_float32_rounding() -> None:
    assert erf_error_bound() < 2e-7


def test_the_folded_graph_kept_in_the_cache_gives_the_same_vectors(tmp_path: Path) -> None:
    """The first process folds the graph and leaves it in the cache; the next maps it (no fold), with the
    same vectors; a damaged file is folded again and rewritten; a newer model file replaces the old one."""
    from codesearch.embedding.onnx_numpy import _folded_path

    weights = minilm_int8.data_file(*minilm_int8.WEIGHTS)
    assert weights is not None
    model = tmp_path / "model.onnx"
    model.write_bytes(weights.read_bytes())
    cache = tmp_path / "cache"
    feeds = {
        "input_ids": np.array([[101, 11968, 1037, 9563, 5371, 102]], dtype=np.int64),
        "attention_mask": np.ones((1, 6), dtype=np.int64),
        "token_type_ids": np.zeros((1, 6), dtype=np.int64),
    }
    folded = NumpyGraph(model)
    expected = folded.run({k: v for k, v in feeds.items() if k in folded.inputs})[0]
    first = NumpyGraph.cached(model, cache)
    kept = _folded_path(model, cache)
    assert kept.is_file() and [p.name for p in cache.iterdir()] == [kept.name]
    second = NumpyGraph.cached(model, cache)
    # read from the cache file, not folded from the model file
    assert len(second._map) == kept.stat().st_size != model.stat().st_size
    for graph in (first, second):
        np.testing.assert_array_equal(
            graph.run({k: v for k, v in feeds.items() if k in graph.inputs})[0], expected
        )
    # damaged: cut short, or not ours at all: folded again, and the file rewritten whole
    for damage in (lambda b: b[: len(b) // 2], lambda b: b"not a graph" + b[11:]):
        kept.write_bytes(damage(kept.read_bytes()))
        again = NumpyGraph.cached(model, cache)
        np.testing.assert_array_equal(
            again.run({k: v for k, v in feeds.items() if k in again.inputs})[0], expected
        )
        assert NumpyGraph._read_folded(kept).inputs == folded.inputs
    # the model file changes (a new wheel): its folded graph replaces the old one
    os.utime(model, ns=(1_000_000_000, 1_000_000_000))
    NumpyGraph.cached(model, cache)
    assert [p.name for p in cache.iterdir()] == [_folded_path(model, cache).name] != [kept.name]


def test_a_cache_that_cannot_be_written_only_costs_the_fold(tmp_path: Path) -> None:
    weights = minilm_int8.data_file(*minilm_int8.WEIGHTS)
    assert weights is not None
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    graph = NumpyGraph.cached(weights, blocked / "cache")
    assert graph._constants and not (blocked / "cache").exists()
