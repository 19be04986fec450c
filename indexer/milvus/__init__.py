"""The index in Milvus (``--store milvus://HOST:PORT`` or ``milvus-lite:PATH``; extra ``codesearch[milvus]``)."""

from indexer.milvus.reader import MilvusGeneration, MilvusReader
from indexer.milvus.rows import StoredDocument
from indexer.milvus.store import MilvusStore

__all__ = ["MilvusGeneration", "MilvusReader", "MilvusStore", "StoredDocument"]
