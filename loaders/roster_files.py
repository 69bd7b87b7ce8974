"""Read a roster from disk: a folder of CSV files or one ``.xlsx`` workbook.

Cells come back as stripped text (empty → ``None``) with the row number a
spreadsheet shows (the header is row 1), so every later error can point at the
cell. Excel cells typed as numbers, dates or booleans are turned into the text
the roster contract expects (``2024-03-01``, ``42``, ``true``).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import zipfile
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pbgraph.graph.errors import PbgraphError

from .ledger_sheets import LedgerSheet, read_sheet, xlsx_merges
from .roster_tables import TABLES


class RosterFileError(PbgraphError):
    """The roster cannot be read at all (missing path, wrong file type, undecodable bytes)."""


@dataclass
class RawTable:
    name: str
    source: str
    header: list[str]
    #: (spreadsheet row number, cells keyed by header name)
    rows: list[tuple[int, dict[str, str | None]]]
    encoding: str = ""
    #: CSV: each row's digest (:func:`row_digest` of its text in the file), by row number, the
    #: rows left unread included
    digests: dict[int, str] = field(default_factory=dict)
    #: rows left unread because the last load held them exactly (see :class:`KnownRows`): their
    #: keys (the key column's text, a tuple of texts for a pair of key columns) → row number
    settled: dict[Any, int] = field(default_factory=dict)


@dataclass(frozen=True)
class KnownRows:
    """What the graph's last load read of a table: its header's digest and its rows' digests.

    While nothing else has written since, a row with one of these digests (under the same
    header) is one the graph holds exactly: it need not be parsed, checked or compared again.
    """

    header: str
    digests: frozenset[str]


def row_digest(text: str) -> str:
    """A 64-bit digest of a row's (or a header's) text, as 16 hex digits."""
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def header_digest(header: list[str]) -> str:
    return row_digest("\x1f".join(header))


@dataclass
class RawRoster:
    path: str
    tables: dict[str, RawTable] = field(default_factory=dict)
    #: Files or sheets that are not roster tables (reported, not loaded).
    ignored: list[str] = field(default_factory=list)
    #: Sheets in ledger form (台账), translated by :mod:`.ledgers` before validation.
    ledger: list[LedgerSheet] = field(default_factory=list)


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Text and the encoding read: UTF-8 (BOM or not), else GB18030 (covers GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as e:
        raise RosterFileError(
            f"{source}: not UTF-8 or GB18030 (byte {e.start}); save it as CSV UTF-8 from Excel"
        ) from e


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _table(name: str, source: str, records: list[list[object]], encoding: str = "", text: bool = False) -> RawTable:
    """The table of ``records`` (the header first); ``text``: every value is a string (CSV)."""
    if not records:
        return RawTable(name, source, [], [], encoding)
    header = [(_cell(h) or "") for h in records[0]]
    return RawTable(name, source, header, _rows(header, enumerate(records[1:], start=2), text), encoding)


def _rows(
    header: list[str], records: Iterable[tuple[int, list[object]]], text: bool = False
) -> list[tuple[int, dict[str, str | None]]]:
    """(row number, cells by header name) of the numbered records that are not blank; ``text``: CSV cells."""
    width = len(header)
    padding = [None] * width
    rows: list[tuple[int, dict[str, str | None]]] = []
    for number, record in records:
        if text or all(type(v) is str for v in record):  # text only, the fast path
            cells = [v.strip() or None for v in record]  # type: ignore[union-attr]
        else:
            cells = [_cell(v) for v in record]
        if not any(cells):
            continue  # blank line
        # the value under an empty header name stays, for the validator to report
        row = dict(zip(header, cells + padding[len(cells) :] if len(cells) < width else cells, strict=False))
        if len(cells) > width and any(cells[width:]):
            row["\0overflow"] = "1"  # more cells than headers: reported by the validator
        rows.append((number, row))
    return rows


def _csv_text(path: Path) -> tuple[str, str]:
    """A CSV file's text and the encoding read."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RosterFileError(f"cannot read {path}: {e.strerror}") from e
    text, encoding = decode(data, str(path))
    if "\0" in text:
        raise RosterFileError(f"{path}: contains NUL bytes; is it really a CSV file?")
    return text, encoding


def _csv_records(path: Path, text: str | None = None) -> tuple[list[list[object]], str]:
    encoding = ""
    if text is None:
        text, encoding = _csv_text(path)
    records: list[list[object]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for record in reader:  # row by row, so that a runaway row is refused before it costs memory
            _check_width(path, len(records) + 1, len(record))
            records.append(record)  # type: ignore[arg-type]
    except csv.Error as e:
        raise _unreadable(path, len(records) + 1, e) from e
    return records, encoding


def _unreadable(path: Path, row: int, e: csv.Error) -> RosterFileError:
    if "field larger than field limit" in str(e):
        return RosterFileError(
            f"{path} row {row}: a cell holds more than {csv.field_size_limit():,} characters, the most a "
            "roster cell may hold; shorten it (is a whole document pasted into one cell?)"
        )
    return RosterFileError(f"{path} row {row}: not readable as CSV ({e})")


#: The most columns a roster table may have (the contract's tables have at most 7, plus extra columns).
MAX_COLUMNS = 1000


def _check_width(source: object, row: int, width: int) -> None:
    if width > MAX_COLUMNS:
        raise RosterFileError(
            f"{source} row {row}: {width:,} columns, more than the {MAX_COLUMNS:,} a roster table may have; "
            "is it the right file, saved with commas between cells?"
        )


def read_csv(path: Path, known: KnownRows | None = None) -> RawTable:
    """One table; with ``known`` (see :class:`KnownRows`), only the rows the last load did not hold
    are parsed, the others counted in :attr:`RawTable.settled`."""
    text, encoding = _csv_text(path)
    lines, digests = _record_digests(text)
    if known is not None:
        table = _read_changed(path, text, lines, digests, known)
        if table is not None:
            table.encoding = encoding
            return table
    records, _ = _csv_records(path, text)
    table = _table(path.stem, str(path), records, encoding, text=True)
    table.digests = {number: digests[number - 1] for number, _ in table.rows}
    return table


def _record_digests(text: str) -> tuple[list[str], list[str]]:
    """The text of each CSV record (the header first) without its line end, and its :func:`row_digest`.

    A record is one line unless a quoted cell holds a line break: text without quotes and
    with one kind of line end is split without parsing.
    """
    blake = hashlib.blake2b
    if '"' not in text:
        end = None
        if "\r" not in text:
            end = "\n"
        elif text.count("\r\n") == text.count("\r") == text.count("\n"):
            end = "\r\n"
        if end is not None:
            lines = text.split(end)
            encoded = text.encode().split(end.encode())  # (UTF-8 line ends are single bytes)
            if lines and not lines[-1]:
                lines.pop()  # the end of the last line
                encoded.pop()
            return lines, [blake(line, digest_size=8).hexdigest() for line in encoded]
    physical = io.StringIO(text, newline="").readlines()
    reader = csv.reader(physical)
    lines = []
    start = 0
    with contextlib.suppress(csv.Error):  # the full parse names the problem
        for _ in reader:
            lines.append("".join(physical[start : reader.line_num]).rstrip("\r\n"))
            start = reader.line_num
    return lines, [row_digest(line) for line in lines]


#: Parse only the rows that changed when at least this share of a table's rows is unchanged.
SETTLED_SHARE = 0.5


def _read_changed(path: Path, text: str, lines: list[str], digests: list[str], known: KnownRows) -> RawTable | None:
    """The table with only the rows the last load did not hold (None: too few to be worth it, or the
    header changed). A row whose text appears twice is read, so that the check sees the duplicate."""
    if not lines:
        return None
    header = [(_cell(h) or "") for h in next(csv.reader([lines[0]]), [])]
    if header_digest(header) != known.header:
        return None
    try:
        position = [header.index(k) for k in TABLES[path.stem].key]
    except ValueError:
        return None  # a key column missing: the full check reports it
    held = known.digests
    changed = [i for i, d in enumerate(digests) if d not in held]
    if changed and changed[0] == 0:
        changed.pop(0)  # the header
    if len(set(digests)) < len(digests):  # the same row twice: both are checked (a duplicate key)
        twice = {d for d, n in Counter(digests).items() if n > 1}
        changed = sorted({*changed, *(i for i, d in enumerate(digests) if i and d in twice)})
    if len(changed) > (1 - SETTLED_SHARE) * (len(lines) - 1):
        return None
    table = RawTable(path.stem, str(path), header, [])
    unread = {0, *changed}
    numbers = [i for i in range(len(lines)) if i not in unread]
    keys: list[Any]
    try:
        if '"' not in text and position == [0]:  # the usual layout: the id first
            keys = [lines[i].partition(",")[0].strip() for i in numbers]
        else:
            if '"' in text:
                split = [next(csv.reader(io.StringIO(lines[i], newline="")), []) for i in numbers]
            else:
                last = max(position) + 1
                split = [lines[i].split(",", last) for i in numbers]
            if len(position) == 1:
                p = position[0]
                keys = [row[p].strip() for row in split]
            else:
                keys = [tuple([row[p].strip() for p in position]) for row in split]
    except IndexError:
        return None  # a short row (the last load would have refused it): the full check says what is wrong
    table.settled = dict(zip(keys, [i + 1 for i in numbers], strict=True))
    table.digests = {i + 1: digests[i] for i in numbers}
    records = []
    for i in sorted(changed):
        try:
            record = next(csv.reader(io.StringIO(lines[i], newline="")), [])
        except csv.Error as e:
            raise _unreadable(path, i + 1, e) from e
        _check_width(path, i + 1, len(record))
        records.append((i + 1, record))
    table.rows = _rows(header, records, text=True)
    for number, _ in table.rows:
        table.digests[number] = digests[number - 1]
    return table


def read_xlsx(path: Path) -> RawRoster:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    roster = RawRoster(str(path))
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile as e:
        raise RosterFileError(
            f"{path}: not an .xlsx workbook (it is no zip archive: a CSV or text file renamed?); "
            "save it from Excel as .xlsx, or put CSV files in a folder"
        ) from e
    except (InvalidFileException, OSError, KeyError, ValueError) as e:
        raise RosterFileError(f"{path}: not a readable .xlsx workbook ({e})") from e
    try:
        for sheet in book.worksheets:
            name = sheet.title.strip()
            if name.endswith(".csv"):
                name = name[:-4]
            _check_width(f"{path}[{sheet.title}]", 1, sheet.max_column or 0)
            records = [list(r) for r in sheet.iter_rows(values_only=True)]
            if name not in TABLES or _not_contract(name, records[0] if records else []):
                ledger = read_sheet(sheet.title, f"{path}[{sheet.title}]", records, xlsx_merges(sheet), "xlsx")
                if ledger is not None:
                    roster.ledger.append(ledger)
                    continue
                if name not in TABLES:
                    roster.ignored.append(f"sheet {sheet.title!r}")
                    continue
            roster.tables[name] = _table(name, f"{path}[{sheet.title}]", records, "xlsx")
    finally:
        book.close()
    return roster


def fingerprints(path: str | Path) -> dict[str, str]:
    """A digest of each roster table file's bytes at ``path``, by table; a workbook is one entry, ``*``.

    Cheap (the files are hashed, not parsed): a table whose digest the graph's last load
    recorded need not be read again (see :func:`pbgraph.loaders.rosters.load_roster`).
    A folder with other CSV files (ledger-form sheets, whose names resolve across sheets and are
    translated together) is one entry too, over every CSV file's name and bytes.
    """
    p = Path(path)
    try:
        if p.is_file():
            return {"*": hashlib.sha256(p.read_bytes()).hexdigest()}
        files = [f for f in sorted(p.iterdir()) if f.suffix.lower() == ".csv"]
        if any(f.stem not in TABLES for f in files):
            whole = hashlib.sha256()
            for f in files:
                name = f.name.encode("utf-8")
                whole.update(len(name).to_bytes(4, "big") + name)
                whole.update(hashlib.sha256(f.read_bytes()).digest())
            return {"*": whole.hexdigest()}
        return {f.stem: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    except OSError:
        return {}  # read_roster says what is wrong


def _not_contract(table: str, first: list[Any]) -> bool:
    """Whether a sheet named like a contract table has none of its columns in its first row
    (then it may be a ledger: 单位名称, 所属社区 … under a title, in a file named units.csv)."""
    columns = TABLES[table].by_name
    return bool(first) and not any(isinstance(h, str) and h.strip() in columns for h in first)


def _first_line(path: Path) -> list[str]:
    """The first CSV record's cells, read cheaply (contract headers are ASCII in any encoding)."""
    try:
        with path.open("rb") as f:
            line = f.readline(1 << 16).decode("utf-8-sig", errors="ignore")
    except OSError:
        return []  # read_csv says what is wrong
    return next(csv.reader([line]), [])


def read_roster(
    path: str | Path, skip: Collection[str] = (), known: Mapping[str, KnownRows] | None = None
) -> RawRoster:
    """Every roster table at ``path`` (a folder of ``<table>.csv`` or an ``.xlsx`` workbook).

    Tables named in ``skip`` are not read, and of those in ``known`` only the rows the last load
    did not hold (CSV folders only; see :func:`read_csv`).
    """
    p = Path(path)
    if not p.exists():
        raise RosterFileError(f"roster {p} does not exist")
    if p.is_file():
        if p.suffix.lower() != ".xlsx":
            raise RosterFileError(f"{p}: a roster is a folder of CSV files or one .xlsx workbook")
        return read_xlsx(p)
    roster = RawRoster(str(p))
    for file in sorted(p.iterdir()):
        if file.suffix.lower() != ".csv":
            continue
        if file.stem not in TABLES or (file.stem not in skip and _not_contract(file.stem, _first_line(file))):
            records, encoding = _csv_records(file)
            ledger = read_sheet(file.stem, str(file), records, None, encoding)
            if ledger is not None:
                roster.ledger.append(ledger)
                continue
            if file.stem not in TABLES:
                roster.ignored.append(file.name)
                continue
        if file.stem not in skip:
            roster.tables[file.stem] = read_csv(file, (known or {}).get(file.stem))
    if not roster.tables and not roster.ledger and not skip:
        known = ", ".join(f"{t}.csv" for t in TABLES)
        raise RosterFileError(
            f"{p} holds no roster tables (expected {known}, or ledger files such as 区域.csv, 驻区单位.csv)"
        )
    return roster
