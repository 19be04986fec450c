"""The collection a generation lives in: its schema, and the vector index its size calls for.

One collection per generation (``NAME_gN``) behind the alias ``NAME``; ``repo`` is the partition key (one
collection for thousands of repositories: Milvus caps collections at 65,536 and advises far fewer);
language, path and kind are filter fields; the display fields are stored so a hit needs no other lookup.
"""

from __future__ import annotations

from typing import Any

from indexer.milvus.rows import StoredDocument

# Under this many vectors a search scans them all (exact, like the local store); past it an ANN index.
ANN_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 128
IVF_NPROBE = 32  # a lite collection committed with IVF_FLAT before it stayed FLAT (vector_index)
PARTITIONS = 64  # partition-key buckets: repositories hash into them
# Milvus VARCHAR limits are bytes; longer text is cut (a hit's snippet shows 12 lines anyway)
MAX_TEXT_BYTES = 65_535
MAX_NAME_BYTES = 2_048
MAX_PATH_BYTES = 4_096
TEXT_FIELDS = ("signature", "doc", "code", "lexical")
NAME_FIELDS = ("repo", "language", "kind", "name", "name_lower", "qualified_name", "content_hash")
DISPLAY_FIELDS = (
    "repo", "root", "path", "language", "kind", "name", "qualified_name", "signature", "doc", "code",
    "start_line", "end_line", "content_hash", "size", "mtime_ns",
)  # fmt: skip


def collection_schema(dim: int, bm25: bool, partition_key: bool = True) -> Any:
    """Every field of a document; with ``bm25`` also Milvus's BM25 function over the lexical text.
    ``partition_key``: ``repo`` picks the partition (milvus-lite 2.5 cannot filter a partition-key field:
    every expression on it is refused, so there ``repo`` is a plain field)."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("repo", DataType.VARCHAR, max_length=MAX_NAME_BYTES, is_partition_key=partition_key)
    schema.add_field("root", DataType.VARCHAR, max_length=MAX_PATH_BYTES)
    schema.add_field("path", DataType.VARCHAR, max_length=MAX_PATH_BYTES)
    for name in NAME_FIELDS[1:]:
        schema.add_field(name, DataType.VARCHAR, max_length=MAX_NAME_BYTES)
    for name in TEXT_FIELDS:
        if name == "lexical" and bm25:
            # the terms are ours already (``indexer.lexical``): split them on whitespace and nothing else
            schema.add_field(
                name,
                DataType.VARCHAR,
                max_length=MAX_TEXT_BYTES,
                enable_analyzer=True,
                analyzer_params={"tokenizer": "whitespace"},
            )
        else:
            schema.add_field(name, DataType.VARCHAR, max_length=MAX_TEXT_BYTES)
    for name in ("start_line", "end_line", "size", "mtime_ns"):
        schema.add_field(name, DataType.INT64)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    if bm25:
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name="lexical_bm25",
                function_type=FunctionType.BM25,
                input_field_names=["lexical"],
                output_field_names=["sparse"],
            )
        )
    return schema


def meta_schema() -> Any:
    """``NAME_meta``: the generation pointer, one JSON row under the key ``state``."""
    from pymilvus import DataType, MilvusClient

    meta = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    meta.add_field("key", DataType.VARCHAR, is_primary=True, max_length=64)
    meta.add_field("value", DataType.VARCHAR, max_length=MAX_TEXT_BYTES)
    meta.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector in every collection
    return meta


def vector_index(count: int, embedded: bool) -> tuple[str, dict[str, Any]]:
    """(index type, build params) for ``count`` vectors: exact while small; HNSW on a server past
    ``ANN_THRESHOLD``. milvus-lite stays exact (FLAT) at every size: its IVF_FLAT at 100k x 512 found 40% of
    the true top 10 whatever the nprobe (1, 32 or all 1,264 lists; 24% under a repository filter) where FLAT
    finds all of it in 24.5 ms a query (benchmarks/results/2026-12-06-milvus-store-scale-100k.md). A store
    committed with IVF_FLAT before is rebuilt FLAT at its next commit (``MilvusStore._fit_index``)."""
    if count < ANN_THRESHOLD or embedded:
        return "FLAT", {}
    return "HNSW", {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION}


def search_params(index_type: str, k: int) -> dict[str, Any]:
    if index_type == "HNSW":
        return {"metric_type": "IP", "params": {"ef": max(HNSW_EF_SEARCH, k)}}
    if index_type == "IVF_FLAT":
        return {"metric_type": "IP", "params": {"nprobe": IVF_NPROBE}}
    return {"metric_type": "IP", "params": {}}


def _cut(text: str, limit: int) -> str:
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def fold_diacritics(text: str) -> str:
    """What FTS5's unicode61 tokenizer (remove_diacritics 2) indexes: accents stripped (réponse -> reponse)."""
    import unicodedata

    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def bm25_text(lexical: str) -> str:
    """One field for Milvus's BM25: the name's terms count three times (FTS5 weighs the name column 8x,
    the code column 1x; one field cannot weigh columns), then path, doc and code terms."""
    name, _, rest = lexical.partition("\t")
    return fold_diacritics(" ".join([name, name, name, rest.replace("\t", " ")]))


def entity(row: StoredDocument, vector: Any, bm25: bool) -> dict[str, Any]:
    """One Milvus entity of a document."""
    out: dict[str, Any] = {"id": row.id, "vector": vector, "path": _cut(row.path, MAX_PATH_BYTES)}
    out["root"] = _cut(row.root, MAX_PATH_BYTES)
    for name in NAME_FIELDS:
        value = row.name.lower() if name == "name_lower" else getattr(row, name)
        out[name] = _cut(value, MAX_NAME_BYTES)
    for name in TEXT_FIELDS:
        value = bm25_text(row.lexical) if name == "lexical" and bm25 else getattr(row, name)
        out[name] = _cut(value, MAX_TEXT_BYTES)
    for name in ("start_line", "end_line", "size", "mtime_ns"):
        out[name] = int(getattr(row, name))
    return out
