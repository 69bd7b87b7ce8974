"""Documents → facts → graph: normalization, extraction, scoring, loading (``pbgraph.loaders.documents``)."""

from pathlib import Path
from typing import Any

from .extract import extract
from .normalize import DocumentError, Normalized, normalize_file, normalize_text


def extract_file(path: str | Path) -> dict[str, Any]:
    """The extraction object of one file (``source`` is the path as given)."""
    return extract(normalize_file(Path(path), source=str(path)))


__all__ = ["DocumentError", "Normalized", "extract", "extract_file", "normalize_file", "normalize_text"]
