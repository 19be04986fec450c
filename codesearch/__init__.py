"""codesearch: cross-lingual semantic code search."""
