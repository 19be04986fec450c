"""The writer rows of several indexing machines merged into what readers see (no Milvus needed: plain data)."""

from __future__ import annotations

from indexer.milvus.writers import ID_SPAN, Writer, committed_expr, merged_state, writer_row


def test_readers_see_every_writers_commits_and_only_their_committed_ids() -> None:
    pointer = {"collection": "c_g1", "generation": 0, "repos": {}, "committed": [[0, 1]]}  # a stale copy
    a, b = Writer(0, "ta"), Writer(1, "tb")
    row_a = writer_row(a, None, {"repos": {"x": "/x"}, "languages": {"python": [2, 5]}}, "c_g1", next_id=11)
    row_b = writer_row(
        b, None, {"repos": {"y": "/y"}, "languages": {"python": [1, 1]}}, "c_g1", next_id=b.first_id + 4
    )
    row_b = writer_row(
        b, row_b, {"repos": {"y": "/y"}, "languages": {"python": [1, 1]}}, "c_g1", next_id=b.first_id + 9
    )
    merged = merged_state(pointer, {a.key: row_a, b.key: row_b})
    assert merged is not None
    assert merged["generation"] == 3 and merged["repos"] == {"x": "/x", "y": "/y"}
    assert merged["languages"] == {"python": [3, 6]}
    assert merged["committed"] == [[0, 11], [ID_SPAN, ID_SPAN + 10]]
    assert committed_expr(merged) == f"(id >= 0 and id < 11) or (id >= {ID_SPAN} and id < {ID_SPAN + 10})"
    old_row = {k: v for k, v in row_a.items() if k != "next_id"}  # written before next_id was kept
    assert merged_state(pointer, {a.key: old_row})["committed"] == [[0, ID_SPAN]]  # type: ignore[index]
    alone = merged_state(pointer, {})  # one machine, no writer rows: no range filter, the stale copy ignored
    assert alone is not None and committed_expr(alone) == "" and alone["generation"] == 0
