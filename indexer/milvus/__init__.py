"""The index in Milvus (``--store milvus://HOST:PORT`` or ``milvus-lite:PATH``; extra ``codesearch[milvus]``)."""

from indexer.milvus.rows import StoredDocument, StoreFilters, StoreGeneration
from indexer.milvus.store import MilvusStore

__all__ = ["MilvusStore", "StoreFilters", "StoreGeneration", "StoredDocument"]
