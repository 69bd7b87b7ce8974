"""Render rows for people (aligned tables) and scripts (JSON, CSV).

JSON is an array of objects keyed by column, in column order, with Chinese
kept readable (``ensure_ascii=False``). Tables measure CJK characters as two
terminal columns so Chinese names line up, and show numbers for reading
(``6,138,142``, never ``6.13814e+06``); CSV keeps them exact.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

FORMATS = ("table", "json", "csv")


def cell(value: Any) -> str:
    """One value as text: null → empty, lists and maps as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else str(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=False)
    return str(value)


def readable(value: Any) -> str:
    """One value for people: large numbers grouped (6,138,142), decimals without exponents."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return cell(value)
    if isinstance(value, float) and not value.is_integer():
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    number = int(value)
    return f"{number:,}" if abs(number) >= 10_000 else str(number)


def width(text: str) -> int:
    """Terminal columns ``text`` takes (wide and full-width characters count two)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, cols: int) -> str:
    return text + " " * (cols - width(text))


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", " ")


def to_table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    if not columns:
        return "(no columns)"
    texts = [[_one_line(readable(r.get(c))) for c in columns] for r in rows]
    widths = [max([width(c)] + [width(t[i]) for t in texts]) for i, c in enumerate(columns)]
    lines = [
        "  ".join(_pad(c, w) for c, w in zip(columns, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(_pad(t, w) for t, w in zip(row, widths, strict=True)).rstrip() for row in texts]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def to_json(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    ordered = [{c: r.get(c) for c in columns} for r in rows]
    return json.dumps(ordered, ensure_ascii=False, indent=2)


def to_csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([cell(r.get(c)) for c in columns])
    return buf.getvalue().rstrip("\n")


def render(fmt: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows in one of :data:`FORMATS`."""
    if fmt == "json":
        return to_json(columns, rows)
    if fmt == "csv":
        return to_csv(columns, rows)
    return to_table(columns, rows)
