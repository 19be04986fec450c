"""Tree-sitter symbol extraction: languages as data (one query file each), one generic extractor.

Public API: ``language_for_path``, ``language_for_source``, ``has_grammar``, ``supported_languages``, ``extract_symbols``,
``languages_table_markdown``.
"""

from parsers.extractor import extract_symbols
from parsers.grammars import has_grammar, supported_languages
from parsers.languages import language_for_path, language_for_source
from parsers.table import languages_table_markdown

__all__ = [
    "extract_symbols",
    "has_grammar",
    "language_for_path",
    "language_for_source",
    "languages_table_markdown",
    "supported_languages",
]
