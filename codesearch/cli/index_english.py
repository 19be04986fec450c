"""The line ``codesearch index`` prints when a build left the English vectors for later."""

from __future__ import annotations


def english_fill_line(how: str, missing: int, *, searchable: bool = False) -> str:
    """What happens to the ``missing`` English vectors, ``how`` being the ``english_fill`` setting (or what
    ``assembly.after_index`` did)."""
    head = "the index is searchable now; " if searchable else ""
    if how == "now":
        return f"{head}embedding the English vectors of {missing:,} documents before returning"
    if how == "filled":
        return f"the English vectors of {missing:,} documents are embedded"
    if how == "off":
        return (
            f"{head}English vectors of {missing:,} documents are left out (--english-fill off): "
            "English queries rank with the multilingual model until `codesearch fill` runs"
        )
    return (
        f"{head}the English vectors of {missing:,} documents are being filled in the background "
        "(`codesearch status` shows how far; log: fill.log in the index)"
    )
