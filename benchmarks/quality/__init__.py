"""Search quality: the pinned corpus, the query sets and their split, scoring, and the harness."""
