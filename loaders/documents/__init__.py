"""Documents → facts → graph: normalization, extraction, scoring, loading (``pbgraph.loaders.documents``)."""

from .extract import extract
from .normalize import DocumentError, Normalized, normalize_file, normalize_text

__all__ = ["DocumentError", "Normalized", "extract", "normalize_file", "normalize_text"]
