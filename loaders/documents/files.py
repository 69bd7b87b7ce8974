"""Which files a document command reads: paths as given, folders recursively, in input order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx")


def expand(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files first as given; a folder yields its documents (by suffix), sorted, recursively."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
        else:
            yield p
