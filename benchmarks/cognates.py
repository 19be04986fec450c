"""Experiment, not shipped: words of a German/Spanish/French/Italian/Portuguese query spelled like code words.

    python benchmarks/cognates.py

Many words of these languages share a stem with the English word code uses ("temperatura", "Prozess",
"configuración"). Each query word the index does not know (accents folded) is mapped to the index word
spelled most alike (difflib's ratio at or above a cutoff, among index words with the same first two
letters), and the words found are appended to the lexical side's query; the dense side is unchanged. Prints
the words found at the middle cutoff and MRR@10 of the 93 Latin-script non-English hand-written queries,
on the benchmark index (experiment.py).
"""

from __future__ import annotations

import difflib
import unicodedata

from experiment import Variant, open_benchmark

from indexer.lexical import query_terms

LANGS = ("de", "es", "fr", "it", "pt")
CUTOFFS = (0.85, 0.75, 0.65)


def fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def main() -> None:
    searcher, queries = open_benchmark("use")
    db = searcher._db
    db.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.cognate_vocabulary USING fts5vocab(main, documents_fts, row)"
    )
    vocabulary = [
        term
        for term, docs in db.execute("SELECT term, doc FROM temp.cognate_vocabulary")
        if docs >= 3 and term.isascii() and term.isalpha() and 4 <= len(term) <= 20
    ]
    known = set(vocabulary)
    by_prefix: dict[str, list[str]] = {}
    for word in vocabulary:
        by_prefix.setdefault(word[:2], []).append(word)

    def cognates(query: str, cutoff: float) -> list[str]:
        found = []
        for word in query_terms(query):
            folded = fold(word)
            if word.isalpha() and len(word) > 3 and folded not in known:
                found += difflib.get_close_matches(folded, by_prefix.get(folded[:2], []), n=1, cutoff=cutoff)
        return found

    records = {"handwritten": [r for r in queries["handwritten"] if r["lang"] in LANGS]}
    for record in records["handwritten"]:
        found = cognates(record["query"], CUTOFFS[1])
        if found:
            print(f"  {record['query']} -> {', '.join(found)}")
    print(f"\n{len(records['handwritten'])} queries in {', '.join(LANGS)}; column 'hw' is all of them\n")
    print("| variant | mode | hw | hw en | hw not en | hw ja/ko/ru/zh | hw C |\n" + "| --- " * 7 + "|")
    print(Variant(searcher).row("shipped", records), flush=True)
    for cutoff in CUTOFFS:
        variant = Variant(searcher, lexical_query=lambda q, c=cutoff: " ".join([q, *cognates(q, c)]))
        print(variant.row(f"cognates at {cutoff}", records), flush=True)


if __name__ == "__main__":
    main()
