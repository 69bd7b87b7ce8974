"""Read a roster from disk: a folder of CSV files or one ``.xlsx`` workbook.

Cells come back as stripped text (empty → ``None``) with the row number a
spreadsheet shows (the header is row 1), so every later error can point at the
cell. Excel cells typed as numbers, dates or booleans are turned into the text
the roster contract expects (``2024-03-01``, ``42``, ``true``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

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
    width = len(header)
    padding = [None] * width
    rows: list[tuple[int, dict[str, str | None]]] = []
    for number, record in enumerate(records[1:], start=2):
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
    return RawTable(name, source, header, rows, encoding)


def _csv_records(path: Path) -> tuple[list[list[object]], str]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise RosterFileError(f"cannot read {path}: {e.strerror}") from e
    text, encoding = decode(data, str(path))
    if "\0" in text:
        raise RosterFileError(f"{path}: contains NUL bytes; is it really a CSV file?")
    records: list[list[object]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for record in reader:  # row by row, so that a runaway row is refused before it costs memory
            _check_width(path, len(records) + 1, len(record))
            records.append(record)  # type: ignore[arg-type]
    except csv.Error as e:
        row = len(records) + 1
        if "field larger than field limit" in str(e):
            raise RosterFileError(
                f"{path} row {row}: a cell holds more than {csv.field_size_limit():,} characters, the most a "
                "roster cell may hold; shorten it (is a whole document pasted into one cell?)"
            ) from e
        raise RosterFileError(f"{path} row {row}: not readable as CSV ({e})") from e
    return records, encoding


#: The most columns a roster table may have (the contract's tables have at most 7, plus extra columns).
MAX_COLUMNS = 1000


def _check_width(source: object, row: int, width: int) -> None:
    if width > MAX_COLUMNS:
        raise RosterFileError(
            f"{source} row {row}: {width:,} columns, more than the {MAX_COLUMNS:,} a roster table may have; "
            "is it the right file, saved with commas between cells?"
        )


def read_csv(path: Path) -> RawTable:
    records, encoding = _csv_records(path)
    return _table(path.stem, str(path), records, encoding, text=True)


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
            if name not in TABLES:
                ledger = read_sheet(sheet.title, f"{path}[{sheet.title}]", records, xlsx_merges(sheet), "xlsx")
                if ledger is not None:
                    roster.ledger.append(ledger)
                else:
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
    A folder with other CSV files (ledger-form files are translated together) gets none.
    """
    p = Path(path)
    try:
        if p.is_file():
            return {"*": hashlib.sha256(p.read_bytes()).hexdigest()}
        files = [f for f in sorted(p.iterdir()) if f.suffix.lower() == ".csv"]
        if any(f.stem not in TABLES for f in files):
            return {}
        return {f.stem: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    except OSError:
        return {}  # read_roster says what is wrong


def read_roster(path: str | Path, skip: Collection[str] = ()) -> RawRoster:
    """Every roster table at ``path`` (a folder of ``<table>.csv`` or an ``.xlsx`` workbook).

    Tables named in ``skip`` are not read (CSV folders only).
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
        if file.stem not in TABLES:
            records, encoding = _csv_records(file)
            ledger = read_sheet(file.stem, str(file), records, None, encoding)
            if ledger is not None:
                roster.ledger.append(ledger)
            else:
                roster.ignored.append(file.name)
            continue
        if file.stem not in skip:
            roster.tables[file.stem] = read_csv(file)
    if not roster.tables and not roster.ledger and not skip:
        known = ", ".join(f"{t}.csv" for t in TABLES)
        raise RosterFileError(
            f"{p} holds no roster tables (expected {known}, or ledger files such as 区域.csv, 驻区单位.csv)"
        )
    return roster
