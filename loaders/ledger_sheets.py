"""Read one ledger-form sheet (台账) as a department keeps it.

Finds the header row below any title rows, spreads merged cells over the
cells they span, drops the 序号 column and the personal columns, and sets
aside blank, total and signature rows — keeping, for every value, the
spreadsheet row and the header it came from so errors can point at the cell.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, compress, count, repeat, zip_longest
from operator import add, eq, itemgetter
from typing import Any

from pbgraph.graph import gc_paused

from .ledger_vocab import (
    CLOSING_WORDS,
    LEDGER_TABLES,
    SERIAL_HEADERS,
    SHEET_TABLES,
    TOTAL_WORDS,
    LedgerField,
    header_key,
    is_personal,
)

#: How far down a header row may sit (title rows, notes, blank rows above it).
HEADER_SEARCH_ROWS = 12


@dataclass
class LedgerSheet:
    """A ledger sheet: which table it holds and its rows as raw cell values by field."""

    sheet: str  # the sheet or file name as the department wrote it
    source: str
    table: str
    encoding: str
    header_row: int
    #: field → the header as written
    headers: dict[str, str]
    #: extra (non-personal, non-serial) headers kept as properties
    extras: list[str]
    #: personal headers dropped before anything else happens
    dropped: list[str]
    #: (spreadsheet row, {field or extra header: raw value})
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    #: rows set aside (signature, totals, notes), said in the report
    skipped: list[str] = field(default_factory=list)
    #: sheet-level problems: (row, header or None, reason)
    problems: list[tuple[int, str | None, str]] = field(default_factory=list)
    #: rows whose seat (parent, area, owner) was written with the name: 新华街道/和平社区
    seat_in_name: set[int] = field(default_factory=set)
    #: kept columns some of whose cells held a mobile or ID number (removed): "header (n cells)"
    masked: list[str] = field(default_factory=list)


def sheet_table(name: str) -> str | None:
    """The table a sheet or file name holds: an exact ledger name, else the longest one it contains."""
    key = header_key(name)
    if key in SHEET_TABLES:
        return SHEET_TABLES[key]
    hits = [s for s in SHEET_TABLES if s in key]
    return SHEET_TABLES[max(hits, key=len)] if hits else None


def _synonyms(table: str) -> dict[str, LedgerField]:
    return {h: f for f in LEDGER_TABLES[table].fields for h in f.headers}


def _text(value: Any) -> str:
    if value.__class__ is str:
        return value.strip()
    return "" if value is None else str(value).strip()


def _score(row: list[Any], table: str) -> int:
    syn = _synonyms(table)
    return len({syn[k].field for k in (header_key(_text(v)) for v in row) if k in syn})


def find_header(name: str, records: list[list[Any]]) -> tuple[str, int] | None:
    """(table, 0-based header row) of a ledger sheet, or None when it is not one."""
    by_name = sheet_table(name)
    top = records[:HEADER_SEARCH_ROWS]
    best: tuple[int, str, int] | None = None
    for table in [by_name] if by_name else list(LEDGER_TABLES):
        for i, row in enumerate(top):
            score = _score(row, table)
            if score and (best is None or score > best[0]):
                best = (score, table, i)
    if best is None and by_name is not None:  # the name misleads (非公企业党组织覆盖 holding units): headers decide
        return find_header("", records)
    if best is None:
        return None
    score, table, i = best
    if by_name is None and score < 2:
        return None
    return table, i


def apply_merges(records: list[list[Any]], merges: list[tuple[int, int, int, int]]) -> None:
    """Copy each merged range's value (its top-left cell) into every cell it spans (1-based ranges)."""
    for r0, c0, r1, c1 in merges:
        if r0 > len(records):
            continue
        top = records[r0 - 1]
        value = top[c0 - 1] if c0 - 1 < len(top) else None
        for r in range(r0, min(r1, len(records)) + 1):
            row = records[r - 1]
            if len(row) < c1:
                row.extend([None] * (c1 - len(row)))
            for c in range(c0, c1 + 1):
                row[c - 1] = value


def _continues(header: list[str], below: list[str], syn: dict[str, LedgerField]) -> bool:
    """Whether the row below the header is its second row: every header the table knows repeats
    there (merged down both rows), and a group's sub-headers fill the rest."""
    known = [i for i, h in enumerate(header) if header_key(h) in syn]
    return bool(known) and all(i < len(below) and below[i] == header[i] for i in known)


def _closing(cells: list[str]) -> bool:
    """A signature row (填表人：… 填表日期：…), a lone note (注：…), or a footer of labelled cells only
    (联系人：… 联系电话：…, 审核：…, 单位负责人：…)."""
    joined = "".join(cells)
    if _CLOSING_HINT.search(joined) or _NOTE.match(joined):
        filled = [c for c in cells if c]
        first = filled[0]
        if first.startswith(CLOSING_WORDS) or "填表人" in joined or "填表日期" in joined:
            return True
        if _NOTE.match(first) and len(filled) == 1:
            return True
    if "：" not in joined and ":" not in joined:
        return False  # the usual data row
    return all(_FOOTER.match(c) for c in cells if c)


_NOTE = re.compile(r"^(注|说明|备注)[:：]")
#: A footer cell: who filled in, checked or answers for the sheet, when, and how to reach them.
_FOOTER = re.compile(r"^[\u4e00-\u9fff]{0,6}(人|日期|时间|电话|手机|签字|盖章|审核|制表|单位|签名)\s*[:：]")
#: Any word a closing row has (one search per row instead of one per word).
_CLOSING_HINT = re.compile("|".join(re.escape(w) for w in ("填表", *CLOSING_WORDS[2:])))


def read_sheet(
    name: str,
    source: str,
    records: list[list[Any]],
    merges: list[tuple[int, int, int, int]] | None = None,
    encoding: str = "",
) -> LedgerSheet | None:
    """The ledger sheet in ``records`` (rows of raw cell values), or None when it is not in ledger form."""
    if merges:
        records = [list(r) for r in records]
        apply_merges(records, merges)
    found = find_header(name, records)
    if found is None:
        return None
    table, hi = found
    syn = _synonyms(table)
    header_cells = [_text(v) for v in records[hi]]
    grouped: set[int] = set()  # columns under a group header (联系人 over 姓名 | 电话)
    below = [_text(v) for v in records[hi + 1]] if hi + 1 < len(records) else []
    two_rows = _continues(header_cells, below, syn)
    if two_rows:  # a two-row header: sub-headers under groups
        tops, header_cells = header_cells, [b or t for t, b in zip_longest(header_cells, below, fillvalue="")]
        grouped = {i for i, t in enumerate(tops) if t and header_cells[i] != t and is_personal(header_key(t))}
    sheet = LedgerSheet(name, source, table, encoding, hi + 1, {}, [], [])
    columns: list[tuple[int, str]] = []  # (index, field or extra header)
    for i, raw in enumerate(header_cells):
        key = header_key(raw)
        if not key:
            continue
        if key in SERIAL_HEADERS:
            continue
        f = syn.get(key)
        if f is not None:
            if f.field in sheet.headers:
                sheet.problems.append(
                    (hi + 1, raw, f"two columns give {f.field}: {sheet.headers[f.field]!r} and {raw!r}; keep one")
                )
                continue
            sheet.headers[f.field] = raw
            columns.append((i, f.field))
        elif (
            is_personal(key)
            or i in grouped
            or (key.endswith("姓名") and not any(x.kind == "person" for x in syn.values()))
        ):
            sheet.dropped.append(raw)
        elif key in sheet.extras:
            sheet.problems.append((hi + 1, raw, "column appears twice in the header"))
        else:
            sheet.extras.append(key)
            columns.append((i, key))
    serial = next((i for i, h in enumerate(header_cells) if header_key(h) in SERIAL_HEADERS), None)
    with gc_paused():  # a row dict per row, none in a cycle: no collector passes over them
        _read_rows(sheet, records, hi + 1 if two_rows else hi, columns, serial)
    _split_paths(sheet)
    _mask_numbers(sheet)
    return sheet


#: A mainland mobile number, or an ID number (region, birth date, sequence, check): a person's, in free text.
PERSONAL_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])(?:1[3-9]\d{9}|\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx])(?![0-9A-Za-z])"
)


def _mask_numbers(sheet: LedgerSheet) -> None:
    """Mobile and ID numbers in the columns kept as they are (备注: 联系王五139…) become ***."""
    for x in sheet.extras:
        cells = [v.get(x) for _, v in sheet.rows]
        if not PERSONAL_NUMBER.search("\n".join(str(c) for c in cells if c is not None)):
            continue  # the usual column: one look at all of it
        n = 0
        for _, values in sheet.rows:
            value = values.get(x)
            if value is not None and PERSONAL_NUMBER.search(str(value)):
                values[x] = PERSONAL_NUMBER.sub("***", str(value))
                n += 1
        sheet.masked.append(f"{x} ({n} cells)")


#: Per named table, the field that places a row (its parent in a name path).
SEAT_FIELD = {"areas": "parent", "orgs": "area", "units": "area", "resources": "owner", "demands": "area"}
_SLASH = re.compile(r"\s*[/／]\s*")


def _split_paths(sheet: LedgerSheet) -> None:
    """A name written with its parents in the row's own column (新华街道/和平社区): the name, and its seat.

    The seat column, when filled too, keeps its own spelling unless the path says more
    (上级 迎泽区, 名称 柳巷街道/和平社区 → 上级 迎泽区/柳巷街道); errors of such a seat name the
    name column.
    """
    seat = SEAT_FIELD.get(sheet.table)
    if seat is None or "name" not in sheet.headers:
        return
    names = list(map(itemgetter("name"), map(itemgetter(1), sheet.rows)))  # (every row has every column)
    try:
        texts = "".join(names)
    except TypeError:  # a blank or numeric name
        texts = "".join(n for n in names if n.__class__ is str)
    if "/" not in texts and "／" not in texts:
        return  # the usual sheet: one look at the whole column
    for (number, values), name in zip(sheet.rows, names, strict=True):
        if name.__class__ is not str:
            continue
        parts = [p for p in _SLASH.split(name.strip()) if p]
        if len(parts) < 2:
            continue
        values["name"], quals = parts[-1], parts[:-1]
        written = _text(values.get(seat))
        if not written:
            values[seat] = "/".join(quals)
        elif [p for p in _SLASH.split(written) if p][-1] != quals[-1]:
            values[seat] = "/".join([written, *quals])
        sheet.seat_in_name.add(number)
    if sheet.seat_in_name and seat not in sheet.headers:
        sheet.headers[seat] = sheet.headers["name"]


def _read_rows(
    sheet: LedgerSheet, records: list[list[Any]], hi: int, columns: list[tuple[int, str]], serial: int | None
) -> None:
    """The data rows below the header: blank, closing and total rows set aside."""
    fields = [col for _, col in columns]
    width = max((i for i, _ in columns), default=-1) + 1
    pick = itemgetter(*(i for i, _ in columns)) if len(columns) > 1 else None
    c0, c1 = (columns[0][0], columns[1][0]) if len(columns) > 1 else (-1, -1)  # a banner fills both alike
    body = records[hi + 1 :]
    usual = _usual_rows(body, width, serial, c0, c1) if pick is not None else []
    if usual:  # data rows for sure: taken as they are, all at once, without looking at each cell
        # (each has a value: its first two columns differ, so one is filled)
        found = map(dict, map(partial(zip, fields), map(pick, map(body.__getitem__, usual))))  # type: ignore[arg-type]
        sheet.rows += zip(map(add, usual, repeat(hi + 2)), found, strict=True)
    taken = set(usual)
    for r, record in enumerate(body, start=hi + 2):
        if r - hi - 2 in taken:
            continue
        try:
            cells = [v.strip() for v in record]  # a CSV row: text only
        except AttributeError:
            cells = [_text(v) for v in record]
        if not any(cells):
            continue
        if _closing(cells):
            sheet.skipped.append(f"row {r} (signature)")  # its text may name people: not repeated
            continue
        first = cells[serial] if serial is not None and serial < len(cells) else next(c for c in cells if c)
        if first.replace(" ", "") in TOTAL_WORDS:
            sheet.skipped.append(f"row {r} ({first.replace(' ', '')})")
            continue
        n = len(record)
        if (first[:1] in _SECTION_START or (c1 < n and cells[c0] and cells[c0] == cells[c1])) and _section(cells):
            sheet.skipped.append(f"row {r} (section: {next(c for c in cells if c)[:20]})")
            continue
        if pick is not None and n >= width:  # the usual full row: picked in one call
            if not any(pick(cells)):
                continue  # only a serial number or a dropped column
            sheet.rows.append((r, dict(zip(fields, pick(record), strict=True))))
            continue
        values = {col: record[i] if i < n else None for i, col in columns}
        if not any(cells[i] for i, _ in columns if i < n):
            continue  # only a serial number or a dropped column
        sheet.rows.append((r, values))
    if usual and len(sheet.rows) > len(usual):  # rows looked at cell by cell come in between
        sheet.rows.sort(key=itemgetter(0))


_SECTION_START = frozenset("一二三四五六七八九十（(")
#: A character of every closing row (its colon or one of its words), and of every total row (计).
_MARKS = ":：填审制签盖计"


def _usual_rows(body: list[list[Any]], width: int, serial: int | None, c0: int, c1: int) -> list[int]:
    """Indexes in a CSV sheet's ``body`` (its rows below the header) of the rows that can only be
    data rows: as wide as the header, no closing or total mark anywhere in them, no section numeral
    starting them, no banner (the first two columns alike). No row of a workbook's sheet: its numbers
    and dates are looked at cell by cell, as is every row the marks single out.

    Found with a few searches of the whole sheet's text rather than cell by cell (most sheets
    hold a mark only in their signature row).
    """
    try:
        joined = list(map("".join, body))
    except TypeError:
        return []
    whole = "\n".join(joined)
    ends = list(accumulate(len(j) + 1 for j in joined))  # row k ends before ends[k]
    odd: set[int] = set()
    for mark in _MARKS:
        at = whole.find(mark)
        while at >= 0:
            odd.add(bisect_right(ends, at))
            at = whole.find(mark, at + 1)
    if min(map(len, body), default=width) < width:  # short rows (a signature, no trailing commas)
        short = [k for k, r in enumerate(body) if len(r) < width]
        odd.update(short)
        body = list(body)
        for k in short:
            body[k] = [""] * width  # (in odd already: looked at cell by cell)
    # a section numeral starts the serial cell, else the first filled cell (where the joined text starts)
    leads = joined if serial is None else map(itemgetter(serial), body)
    odd |= set(compress(count(), map(_SECTION_START.__contains__, map(_FIRST, map(str.lstrip, leads)))))
    # a banner's text fills the first two columns alike
    pair = (map(str.strip, map(itemgetter(c), body)) for c in (c0, c1))
    odd |= set(compress(count(), map(eq, *pair)))
    return [k for k in range(len(body)) if k not in odd]


_FIRST = itemgetter(slice(0, 1))
_SECTION = re.compile(r"^([一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)])")


def _section(cells: list[str]) -> bool:
    """A row heading a group (一、新华街道 merged across the sheet, or （二）坞城街道 alone in its first cell)."""
    filled = [c for c in cells if c]
    if len(filled) > 1:
        return all(c == filled[0] for c in filled)
    return bool(_SECTION.match(filled[0]))


_REF = re.compile(rb'<mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def xlsx_merges(worksheet: Any) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a read-only openpyxl worksheet, read from its XML (read-only sheets do not keep them)."""
    src = worksheet._get_source()
    try:
        data = src.read()
    finally:
        src.close()
    at = data.rfind(b"<mergeCells")
    if at < 0:
        return []
    return [(int(r0), _col(c0), int(r1), _col(c1)) for c0, r0, c1, r1 in _REF.findall(data, at)]
