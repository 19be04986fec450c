"""A numpy runner for the shipped MiniLM ONNX graph: what embeds a query without onnxruntime.

A one-shot CLI search embeds one short English query. Through onnxruntime that costs ~0.25 s before the
first vector (importing the runtime, parsing the graph, building a session), nearly all of it holding the
GIL, on top of everything else the search does. The graph itself is small: a 6-layer BERT whose int8
weights are widened with ``Cast`` and ``Mul`` by their scales, then plain float32 ops. This module reads
the ``.onnx`` file (protobuf, decoded here: ``onnx`` is not a dependency), folds the constant part once
(the weights; the word-embedding table is never widened whole, only the rows a query's tokens pick) and
runs the rest with numpy: a query costs milliseconds and nothing but numpy is imported.

Only the operators below are implemented, with the semantics of the ONNX spec for the opset the graph
uses; ``NumpyGraph`` refuses a graph with any other operator or domain (``UnsupportedGraph``), and the
caller falls back to onnxruntime. Results match onnxruntime's to float32 rounding
(tests/codesearch/embedding/test_onnx_numpy.py runs both on the shipped model).
"""

from __future__ import annotations

import logging
import math
import mmap
import pickle
import struct
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from codesearch.embedding.kept_files import keep, kept_path

log = logging.getLogger(__name__)


class UnsupportedGraph(ValueError):
    """The graph uses something this runner does not implement."""


# -- protobuf wire format: just enough of onnx.proto3 -----------------------------------------------------

_I64 = 1 << 64


def _varint(data: memoryview, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def _fields(data: memoryview) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value) of one message: an int, or a memoryview of the bytes."""
    i, end = 0, len(data)
    while i < end:
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 1:
            value, i = data[i : i + 8], i + 8
        elif wire == 2:
            size, i = _varint(data, i)
            value, i = data[i : i + size], i + size
        elif wire == 5:
            value, i = data[i : i + 4], i + 4
        else:
            raise UnsupportedGraph(f"protobuf wire type {wire}")
        yield number, wire, value


def _signed(value: int) -> int:
    return value - _I64 if value >= 1 << 63 else value


def _int64s(wire: int, value: Any) -> list[int]:
    """A repeated int64 field's values: one varint, or a packed run of them."""
    if wire == 0:
        return [_signed(value)]
    out, i = [], 0
    while i < len(value):
        v, i = _varint(value, i)
        out.append(_signed(v))
    return out


_DTYPES: dict[int, Any] = {
    1: np.float32,
    2: np.uint8,
    3: np.int8,
    5: np.int16,
    6: np.int32,
    7: np.int64,
    9: np.bool_,
    10: np.float16,
    11: np.float64,
}


def _tensor(data: memoryview) -> tuple[str, np.ndarray]:
    """(name, array) of a TensorProto; raw data stays a view of the mapped file."""
    dims: list[int] = []
    dtype_code, name, raw = 1, "", None
    floats: list[float] = []
    ints: list[int] = []
    for number, wire, value in _fields(data):
        if number == 1:
            dims.extend(_int64s(wire, value))
        elif number == 2:
            dtype_code = value
        elif number == 8:
            name = bytes(value).decode()
        elif number == 9:
            raw = value
        elif number == 4:  # float_data
            floats.extend(struct.unpack(f"<{len(value) // 4}f", value) if wire == 2 else [value])
        elif number in (5, 7):  # int32_data, int64_data
            ints.extend(_int64s(wire, value))
        elif number == 14 and value == 1:
            raise UnsupportedGraph(f"tensor {name}: external data")
    if dtype_code not in _DTYPES:
        raise UnsupportedGraph(f"tensor {name}: data type {dtype_code}")
    dtype = np.dtype(_DTYPES[dtype_code])
    if raw is not None:
        array = np.frombuffer(raw, dtype=dtype.newbyteorder("<"))
    else:
        array = np.array(floats if dtype.kind == "f" else ints, dtype=dtype)
    return name, array.reshape(dims)


def _attribute(data: memoryview) -> tuple[str, Any]:
    name, value = "", None
    ints: list[int] = []
    floats: list[float] = []
    for number, wire, raw in _fields(data):
        if number == 1:
            name = bytes(raw).decode()
        elif number == 2:
            value = struct.unpack("<f", raw)[0]
        elif number == 3:
            value = _signed(raw)
        elif number == 4:
            value = bytes(raw)
        elif number == 5:
            value = _tensor(raw)[1]
        elif number == 7:
            floats.extend(struct.unpack(f"<{len(raw) // 4}f", raw) if wire == 2 else struct.unpack("<f", raw))
        elif number == 8:
            ints.extend(_int64s(wire, raw))
        elif number in (6, 10, 11):  # graphs, sparse tensors
            raise UnsupportedGraph(f"attribute {name}: a subgraph or sparse tensor")
    if value is None:
        value = ints or floats
    return name, value


@dataclass
class Node:
    op: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)


def _node(data: memoryview) -> Node:
    node = Node("", [], [])
    for number, _, value in _fields(data):
        if number == 1:
            node.inputs.append(bytes(value).decode())
        elif number == 2:
            node.outputs.append(bytes(value).decode())
        elif number == 4:
            node.op = bytes(value).decode()
        elif number == 5:
            name, attr = _attribute(value)
            node.attrs[name] = attr
        elif number == 7 and bytes(value) not in (b"", b"ai.onnx"):
            raise UnsupportedGraph(f"operator domain {bytes(value).decode()}")
    return node


def _value_name(data: memoryview) -> str:
    return next(bytes(v).decode() for n, _, v in _fields(data) if n == 1)


# -- the operators ---------------------------------------------------------------------------------------


# Numerical Recipes' erfc(z) = t * exp(-z^2 + P(t)), t = 1 / (1 + z/2): P's coefficients, lowest first
_ERFC = (
    -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
    0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277,
)  # fmt: skip


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.2e-7 (computed in float64): numpy has none."""
    z = np.abs(x.astype(np.float64))
    t = 1.0 / (1.0 + 0.5 * z)
    poly = np.zeros_like(t)
    for coefficient in reversed(_ERFC):  # Horner
        poly = coefficient + t * poly
    erfc = t * np.exp(poly - z * z)
    return np.where(x >= 0, 1.0 - erfc, erfc - 1.0).astype(x.dtype)


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)  # type: ignore[no-any-return]


def _layer_norm(
    x: np.ndarray, scale: np.ndarray, bias: np.ndarray | None, axis: int, eps: float
) -> np.ndarray:
    axes = tuple(range(axis % x.ndim, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    out = centred / np.sqrt(var + np.float32(eps)) * scale
    return out + bias if bias is not None else out


def _reshape(x: np.ndarray, shape: np.ndarray, allowzero: int) -> np.ndarray:
    dims = [int(d) for d in shape]
    if not allowzero:
        dims = [x.shape[i] if d == 0 else d for i, d in enumerate(dims)]
    return x.reshape(dims)


def _slice(
    x: np.ndarray, starts: np.ndarray, ends: np.ndarray, axes: Any = None, steps: Any = None
) -> np.ndarray:
    index = [slice(None)] * x.ndim
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        size = x.shape[int(axis)]
        # INT64_MAX / INT64_MIN mean "to the end": clamp as the spec does
        index[int(axis)] = slice(
            int(np.clip(start, -size - 1, size)), int(np.clip(end, -size - 1, size)), int(step)
        )
    return x[tuple(index)]


def _squeeze(x: np.ndarray, axes: Any = None) -> np.ndarray:
    if axes is None:
        return np.squeeze(x)
    return np.squeeze(x, axis=tuple(int(a) for a in np.ravel(axes)))


def _unsqueeze(x: np.ndarray, axes: np.ndarray) -> np.ndarray:
    out = x
    rank = x.ndim + len(np.ravel(axes))
    for axis in sorted(int(a) % rank for a in np.ravel(axes)):
        out = np.expand_dims(out, axis)
    return out


def _gather_nd(data: np.ndarray, indices: np.ndarray, batch_dims: int) -> np.ndarray:
    if batch_dims:
        raise UnsupportedGraph("GatherND with batch_dims")
    return data[tuple(np.moveaxis(indices, -1, 0))]  # type: ignore[no-any-return]


def _shape(x: np.ndarray, start: int = 0, end: int | None = None) -> np.ndarray:
    return np.array(x.shape[start:end], dtype=np.int64)


def _cast(x: np.ndarray, to: int) -> np.ndarray:
    if to not in _DTYPES:
        raise UnsupportedGraph(f"Cast to data type {to}")
    return x.astype(_DTYPES[to])


Op = Callable[..., np.ndarray]


def _run_op(node: Node, args: list[Any]) -> np.ndarray:
    a = node.attrs
    op = node.op
    if op == "GatherDequantized":  # Gather(Cast(q) * scale, ids) on the rows ids pick only (see _fuse)
        q, scale, ids = args
        return q[ids].astype(np.float32) * scale[ids]
    if op == "Dequantized":  # Cast(q) * scale, widened in place: one 4-byte copy of the weights, not two
        q, scale = args
        out = q.astype(np.float32)
        np.multiply(out, scale, out=out)
        return out
    if op == "Cast":
        return _cast(args[0], a["to"])
    if op == "LayerNormalization":
        return _layer_norm(
            args[0], args[1], args[2] if len(args) > 2 else None, a.get("axis", -1), a.get("epsilon", 1e-5)
        )
    if op == "Reshape":
        return _reshape(args[0], args[1], a.get("allowzero", 0))
    if op == "Transpose":
        return np.transpose(args[0], a.get("perm") or None)
    if op == "Softmax":
        return _softmax(args[0], a.get("axis", -1))
    if op == "Concat":
        return np.concatenate(args, axis=a["axis"])
    if op == "Gather":
        return np.take(args[0], args[1], axis=a.get("axis", 0))
    if op == "Shape":
        return _shape(args[0], a.get("start", 0), a.get("end"))
    if op == "GatherND":
        return _gather_nd(args[0], args[1], a.get("batch_dims", 0))
    if op == "Squeeze":
        return _squeeze(*args)
    if op == "Unsqueeze":
        return _unsqueeze(*args)
    if op == "Slice":
        return _slice(*args)
    if op == "Max":
        out = args[0]
        for other in args[1:]:
            out = np.maximum(out, other)
        return out
    simple = _SIMPLE.get(op)
    if simple is None:
        raise UnsupportedGraph(f"operator {op}")
    return simple(*args)


_SIMPLE: dict[str, Op] = {
    "Add": np.add,
    "Sub": np.subtract,
    "Mul": np.multiply,
    "Div": lambda x, y: np.divide(x, y) if x.dtype.kind == "f" else np.floor_divide(x, y),
    "MatMul": np.matmul,
    "Erf": _erf,
    "Sqrt": np.sqrt,
    "Pow": np.power,
    "Tanh": np.tanh,
    "Where": np.where,
    "IsNaN": np.isnan,
    "And": np.logical_and,
    "Or": np.logical_or,
    "Not": np.logical_not,
    "Equal": np.equal,
    "Less": np.less,
    "Greater": np.greater,
    "GreaterOrEqual": np.greater_equal,
    "Range": lambda start, limit, delta: np.arange(start, limit, delta, dtype=np.result_type(start)),
    "Expand": lambda x, shape: np.broadcast_to(x, np.broadcast_shapes(x.shape, tuple(int(d) for d in shape))),
    "Identity": lambda x: x,
}
SUPPORTED = frozenset(_SIMPLE) | {
    "Cast", "LayerNormalization", "Reshape", "Transpose", "Softmax", "Concat", "Gather", "Shape", "GatherND",
    "Squeeze", "Unsqueeze", "Slice", "Max",
}  # fmt: skip


# -- the graph -------------------------------------------------------------------------------------------


# the folded graph a process leaves in the user cache (``NumpyGraph.cached``): bump the format when what
# ``_fold`` keeps, or how it is written, changes meaning
FOLDED_FORMAT = 1
_FOLDED_MAGIC = b"codesearch-folded-onnx\n"
_ALIGN = 64


def _folded_path(path: Path, cache_dir: Path) -> Path:
    """Where the folded graph of the model file ``path`` is kept."""
    return kept_path(path, cache_dir, "folded", FOLDED_FORMAT, ".npgraph")


class NumpyGraph:
    """One ONNX model file, its constants folded, run with numpy (``run`` takes and returns arrays)."""

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        graph = next((v for n, _, v in _fields(memoryview(self._map)) if n == 7), None)
        if graph is None:
            raise UnsupportedGraph(f"{path}: no graph")
        constants: dict[str, np.ndarray] = {}
        nodes: list[Node] = []
        self.inputs: list[str] = []
        self.outputs: list[str] = []
        for number, _, value in _fields(graph):
            if number == 1:
                nodes.append(_node(value))
            elif number == 5:
                name, array = _tensor(value)
                constants[name] = array
            elif number == 11:
                self.inputs.append(_value_name(value))
            elif number == 12:
                self.outputs.append(_value_name(value))
        unsupported = sorted({n.op for n in nodes} - SUPPORTED)
        if unsupported:
            raise UnsupportedGraph(f"{path}: operators {', '.join(unsupported)}")
        self.inputs = [name for name in self.inputs if name not in constants]
        nodes = _fuse_dequantized_gathers(nodes, constants)
        self._constants, self._nodes = _fold(nodes, constants)

    @classmethod
    def cached(cls, path: Path, cache_dir: Path) -> NumpyGraph:
        """The graph of ``path`` with its folded constants memory-mapped from ``cache_dir``, where the first
        process that folded them left them (~1 ms to open, against ~30 ms to fold: widening 11M int8 weights
        is most of a one-shot search's English query); folded now and left there when they are not. A cache
        that cannot be written (read-only, full) only costs the fold."""
        kept = _folded_path(path, cache_dir)
        try:
            return cls._read_folded(kept)
        except FileNotFoundError:
            pass
        except (OSError, ValueError, EOFError, KeyError, TypeError, pickle.UnpicklingError) as exc:
            log.info("folding %s again: %s unreadable (%s)", path, kept, exc)
        graph = cls(path)
        try:
            graph._write_folded(kept)
        except OSError as exc:
            log.info("cannot keep the folded graph in %s (%s)", cache_dir, exc)
        return graph

    def _write_folded(self, kept: Path) -> None:
        """The folded graph into ``kept`` (``kept_files.keep``: older ones of the same model file removed)."""
        arrays, table, offset = [], [], 0
        for name, value in self._constants.items():
            array = np.array(value, order="C")  # 0-d stays 0-d
            offset += -offset % _ALIGN
            table.append((name, array.dtype.str, array.shape, offset, array.nbytes))
            arrays.append((offset, array))
            offset += array.nbytes
        meta = pickle.dumps(
            {"inputs": self.inputs, "outputs": self.outputs, "nodes": self._nodes, "arrays": table}
        )
        start = len(_FOLDED_MAGIC) + 8 + len(meta)
        start += -start % _ALIGN

        def write(out: BinaryIO) -> None:
            out.write(_FOLDED_MAGIC + struct.pack("<Q", len(meta)) + meta)
            for at, array in arrays:
                out.seek(start + at)
                out.write(array.tobytes())
            out.truncate(start + offset)

        keep(kept, write)

    @classmethod
    def _read_folded(cls, kept: Path) -> NumpyGraph:
        with open(kept, "rb") as fh:
            head = fh.read(len(_FOLDED_MAGIC) + 8)
            if head[: len(_FOLDED_MAGIC)] != _FOLDED_MAGIC or len(head) != len(_FOLDED_MAGIC) + 8:
                raise ValueError("not a folded graph")
            (size,) = struct.unpack("<Q", head[len(_FOLDED_MAGIC) :])
            meta = pickle.loads(fh.read(size))
            start = len(head) + size
            start += -start % _ALIGN
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        end = max((at + nbytes for _, _, _, at, nbytes in meta["arrays"]), default=0)
        if len(mapped) != start + end:
            raise ValueError(f"{len(mapped)} bytes, not {start + end}")
        graph = cls.__new__(cls)
        graph._map = mapped
        graph.inputs, graph.outputs, graph._nodes = meta["inputs"], meta["outputs"], meta["nodes"]
        graph._constants = {
            name: np.ndarray(shape, dtype=np.dtype(dtype), buffer=mapped, offset=start + at)
            for name, dtype, shape, at, _ in meta["arrays"]
        }
        return graph

    def run(self, feeds: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        values: dict[str, Any] = dict(self._constants)
        values.update(feeds)
        for node in self._nodes:
            result = _run_op(node, [values[name] if name else None for name in node.inputs])
            values[node.outputs[0]] = result
        return [values[name] for name in self.outputs]


def _consumers(nodes: list[Node]) -> dict[str, list[Node]]:
    out: dict[str, list[Node]] = {}
    for node in nodes:
        for name in node.inputs:
            out.setdefault(name, []).append(node)
    return out


def _fuse_dequantized_gathers(nodes: list[Node], constants: dict[str, np.ndarray]) -> list[Node]:
    """``Gather(Mul(Cast(q), scale), ids)`` on constant ``q`` and per-row ``scale`` becomes one node that
    widens only the gathered rows: the word-embedding table is 30k rows, a query picks a dozen."""
    producer = {node.outputs[0]: node for node in nodes}
    consumers = _consumers(nodes)
    dropped: set[int] = set()
    fused: dict[int, Node] = {}

    def dequantized(name: str) -> tuple[Node, Node] | None:
        """(Mul, Cast) when ``name`` is ``Cast(q) * scale`` of constants, each used there only."""
        mul = producer.get(name)
        if mul is None or mul.op != "Mul" or len(consumers.get(name, [])) != 1:
            return None
        cast = producer.get(mul.inputs[0])
        if cast is None or cast.op != "Cast" or len(consumers.get(cast.outputs[0], [])) != 1:
            return None
        if cast.inputs[0] not in constants or mul.inputs[1] not in constants:
            return None
        if _DTYPES.get(cast.attrs.get("to", 0)) is not np.float32:
            return None
        return mul, cast

    for node in nodes:
        found = dequantized(node.outputs[0]) if node.op == "Mul" else None
        if found is not None and id(node) not in fused:
            mul, cast = found
            dropped.add(id(cast))
            fused[id(mul)] = Node("Dequantized", [cast.inputs[0], mul.inputs[1]], mul.outputs)
        if node.op != "Gather" or node.attrs.get("axis", 0) != 0:
            continue
        found = dequantized(node.inputs[0])
        if found is None:
            continue
        mul, cast = found
        q, scale = constants[cast.inputs[0]], constants[mul.inputs[1]]
        if scale.ndim != 2 or scale.shape != (q.shape[0], 1):
            continue
        dropped.update((id(mul), id(cast)))
        fused[id(node)] = Node(
            "GatherDequantized", [cast.inputs[0], mul.inputs[1], node.inputs[1]], node.outputs
        )
    return [fused.get(id(n), n) for n in nodes if id(n) not in dropped]


def _fold(nodes: list[Node], constants: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], list[Node]]:
    """Run every node whose inputs are all constants now; the rest is what ``run`` does per call."""
    values: dict[str, np.ndarray] = dict(constants)
    rest: list[Node] = []
    for node in nodes:
        if node.op != "GatherDequantized" and all(not name or name in values for name in node.inputs):
            values[node.outputs[0]] = _run_op(node, [values[name] if name else None for name in node.inputs])
        else:
            rest.append(node)
    needed = {name for node in rest for name in node.inputs}
    return {name: values[name] for name in needed if name in values}, rest


def erf_error_bound() -> float:
    """The largest error of ``_erf`` against ``math.erf`` on a grid (a test checks it)."""
    grid = np.linspace(-6, 6, 20001)
    exact = np.array([math.erf(x) for x in grid])
    return float(np.abs(_erf(grid) - exact).max())
