"""Write workbooks in ledger form (台账): the empty template, and generated rosters as a department keeps them.

The template (:func:`write_template`) has every sheet of ``spec/ledgers.md``
with a title row, a frozen header, widths that fit Chinese text and drop-down
lists for every vocabulary column. :func:`write_ledger` turns today's-form rows
(ids) into ledger rows (names, qualified by their parents where a name is not
unique), Chinese words, dates in several spellings, title rows, merged cells
and a signature row, as a department's ledger looks.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import roster_tables
from .ledger_ids import derive_id
from .ledger_vocab import CATEGORY_CHINESE, CHOICES, LEDGER_TABLES, VOCAB, LedgerField

#: The sheets in template order: the roster's load order, less pbgraph's own ``spans`` (no ledger sheet).
ORDER = tuple(t for t in roster_tables.ORDER if t != "spans")
SERIAL = "序号"
#: Spare rows of the template that carry drop-down lists.
TEMPLATE_ROWS = 2000


def _header(f: LedgerField) -> str:
    return f.headers[0]


def _width(text: str) -> float:
    """Excel column width for text: a Chinese character is about two Latin ones wide."""
    return sum(2.1 if ord(ch) > 0x2E80 else 1.1 for ch in text) + 2


def _letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def _choices(f: LedgerField) -> list[str] | None:
    """Every word pbgraph reads for the column (居委会 as well as 社区): a list never refuses what loads."""
    if f.kind == "enum" and f.vocab:
        return list(VOCAB[f.vocab])
    if f.kind == "bool":
        return [*CHOICES["bool"], "√"]
    if f.kind == "category":  # the words matching pairs resources with demands by (others are kept)
        return list(CATEGORY_CHINESE.values())
    return None


def _column_width(f: LedgerField) -> float:
    """Wide enough for the header, every drop-down word, a name with its parents (新华街道/和平社区), a code."""
    if f.kind in ("name", "ref", "person"):
        return _width("新华街道/和平社区/第一")
    if f.kind == "date":
        return _width("2024-03-01  ")
    return max([_width(w) for w in _choices(f) or ()], default=14 if f.kind == "str" else 10)  # codes: 12 digits


def template_columns(table: str) -> list[str]:
    return [SERIAL] + [_header(f) for f in LEDGER_TABLES[table].fields]


#: The note on a header cell of the template, by the column's kind: how to fill it in.
_NOTES = {
    "name": "填写名称。同一上级下名称不能重复；重名时可写上级：新华街道/和平社区",
    "ref": "填写名称，不填编号。重名时写上上级，用“/”分隔：新华街道/和平社区",
    "date": "日期：2024-03-01、2024/3/1、2024.3.1、2024年3月1日 或 2024年3月 均可",
    "int": "填写数字（如 800，可带“户”“人”）",
    "person": "姓名只用于区分人员，不会存入图数据库（换成化名）；也可只填编号",
    "id": "编号：本台账内不重复；不填则按名称自动生成",
}


def template_paths(out: Path, fmt: str = "xlsx") -> list[Path]:
    """The files :func:`write_template` writes."""
    if fmt == "csv":
        return [out / f"{LEDGER_TABLES[table].sheets[0]}.csv" for table in ORDER]
    return [out]


def write_template(out: Path, fmt: str = "xlsx") -> list[Path]:
    """An empty ledger-form workbook (or a folder of GB18030 CSVs with headers only) at ``out``."""
    if fmt == "csv":
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for table, path in zip(ORDER, template_paths(out, fmt), strict=True):
            with path.open("w", encoding="gb18030", newline="") as f:
                csv.writer(f).writerow(template_columns(table))
            paths.append(path)
        return paths
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    for table in ORDER:
        spec = LEDGER_TABLES[table]
        sheet = book.create_sheet(spec.sheets[0])
        headers = template_columns(table)
        sheet.append([f"{spec.sheets[0]}台账（填表单位：        填表日期：    年  月  日）"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        sheet.cell(1, 1).font = Font(bold=True, size=14)
        sheet.cell(1, 1).alignment = Alignment(horizontal="center")
        sheet.append(headers)
        widths = [6.0] + [_column_width(f) for f in spec.fields]
        for i, (h, width) in enumerate(zip(headers, widths, strict=True), 1):
            cell = sheet.cell(2, i)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            sheet.column_dimensions[_letter(i)].width = max(_width(h), width)
        sheet.freeze_panes = "A3"
        for i, f in enumerate(spec.fields, 2):
            choices = _choices(f)
            column = _letter(i)
            note = _NOTES.get(f.kind)
            if note:
                sheet.cell(2, i).comment = Comment(note, "pbgraph", width=260, height=110)
            if choices:
                dv = DataValidation(
                    type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True, showDropDown=False
                )
                dv.error = f"请从下拉列表中选择{_header(f)}"
                dv.showErrorMessage = f.kind != "category"  # a category of the department's own is fine
                dv.add(f"{column}3:{column}{TEMPLATE_ROWS + 2}")
                sheet.add_data_validation(dv)
            elif f.kind == "date":
                sheet.column_dimensions[column].number_format = "yyyy-mm-dd"
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return [out]


# -- generated rosters in ledger form --------------------------------------------------------------

#: English word → the Chinese word a ledger writes.
_CHINESE = {name: {str(v): w for w, v in reversed(list(words.items()))} for name, words in VOCAB.items()}
_CHINESE["urgency"] = {"2": "一般", "3": "较急", "4": "紧急", "5": "特急"}

_SEATS = {"areas": "parent_id", "orgs": "area_id", "units": "area_id", "resources": "owner_id", "demands": "area_id"}


class _Names:
    """Each row's name path, and the shortest qualified name that points at it alone."""

    def __init__(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        self.by_id: dict[str, dict[str, tuple[str, ...]]] = {}
        for table in _SEATS:
            self.by_id[table] = {}
        ids = {t: {r["id"]: r for r in rows.get(t, [])} for t in _SEATS}
        self.rows = ids
        self.memo: dict[tuple[str, str], str] = {}
        self.counts: dict[tuple[str, int], dict[tuple[str, ...], int]] = {}
        self.groups: dict[str, tuple[str, ...]] = {"resources": ("units", "areas"), "units": ("units",)}

    def path(self, table: str, rid: str) -> tuple[str, ...]:
        known = self.by_id[table].get(rid)
        if known is not None:
            return known
        row = self.rows[table][rid]
        seat = row.get(_SEATS[table])
        if seat is None:
            parent: tuple[str, ...] = ()
        elif table == "resources":
            parent = self.path("units", seat) if seat in self.rows["units"] else self.path("areas", seat)
        elif table == "units" or table == "orgs" or table == "demands":
            parent = self.path("areas", seat)
        else:
            parent = self.path("areas", seat)
        out = (*parent, row["name"])
        self.by_id[table][rid] = out
        return out

    def _count(self, tables: tuple[str, ...], k: int) -> dict[tuple[str, ...], int]:
        key = ("+".join(tables), k)
        if key not in self.counts:
            counts: dict[tuple[str, ...], int] = defaultdict(int)
            for t in tables:
                for rid in self.rows[t]:
                    counts[self.path(t, rid)[-k - 1 :]] += 1
            self.counts[key] = counts
        return self.counts[key]

    def ref(self, table: str, rid: str | None, targets: tuple[str, ...]) -> str | None:
        """The name to write for ``rid``: bare, or with as many parents as make it unique."""
        if rid is None:
            return None
        if rid not in self.rows[table]:
            table = next(t for t in targets if rid in self.rows[t])
        memo = (table, rid)
        if memo in self.memo:
            return self.memo[memo]
        path = self.path(table, rid)
        text = "/".join(path)
        for k in range(len(path)):
            if self._count(targets, k)[path[-k - 1 :]] == 1:
                text = "/".join(path[-k - 1 :])
                break
        self.memo[memo] = text
        return text


def _date(value: str | None, i: int, xlsx: bool) -> Any:
    if not value:
        return None
    d = dt.date.fromisoformat(value)
    spelling = i % 5
    if spelling == 0:
        return d if xlsx else value
    if spelling == 1:
        return f"{d.year}/{d.month}/{d.day}"
    if spelling == 2:
        return f"{d.year}.{d.month}.{d.day}"
    if spelling == 3:
        return f"{d.year}年{d.month}月{d.day}日"
    return value


def ledger_rows(table: str, rows: list[dict[str, Any]], names: _Names, xlsx: bool) -> Iterator[list[Any]]:
    """The ledger cells of each today's-form row (序号 first)."""
    spec = LEDGER_TABLES[table]
    for i, row in enumerate(rows):
        cells: list[Any] = [i + 1]
        for f in spec.fields:
            value = row.get(f.canonical)
            if f.kind == "ref":
                targets = f.targets
                value = names.ref(targets[0], value, targets)
            elif f.kind == "enum" and value is not None:
                value = _CHINESE[f.vocab or ""].get(str(value), str(value))
            elif f.kind == "bool" and value is not None:
                value = "是" if str(value) == "true" else "否"
            elif f.kind == "date":
                value = _date(value, i, xlsx)
            elif f.kind == "category" and value is not None:
                value = CATEGORY_CHINESE.get(value, value)
            elif f.kind == "int" and value is not None and not xlsx:
                value = str(value)
            elif f.kind == "name":
                value = row.get("name")
            elif f.kind == "person":
                value = None
            cells.append(value)
        yield cells


def ledger_headers(table: str) -> list[str]:
    spec = LEDGER_TABLES[table]
    return [SERIAL] + [_header(f) for f in spec.fields] + ["联系电话"]


def write_ledger(rows: dict[str, list[dict[str, Any]]], out: Path, fmt: str = "xlsx", title: str = "") -> list[Path]:
    """Today's-form ``rows`` written as a department's ledger: one .xlsx (or a folder of GB18030 CSVs)."""
    names = _Names(rows)
    tables = [t for t in ORDER if rows.get(t)]
    xlsx = fmt == "xlsx"
    phone = 13800000000
    # the ledger form has no sheet for the streets a region spans: a today's-form sheet carries them,
    # with the ids the ledger's names derive (a mixed workbook)
    spans = [
        [derive_id("area", names.path("areas", r["region_id"])), derive_id("area", names.path("areas", r["area_id"]))]
        for r in rows.get("spans", [])
    ]
    if not xlsx:
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        if spans:
            with (out / "spans.csv").open("w", encoding="utf-8", newline="") as f:
                csv.writer(f).writerows([["region_id", "area_id"], *spans])
            paths.append(out / "spans.csv")
        for table in tables:
            path = out / f"{LEDGER_TABLES[table].sheets[0]}.csv"
            with path.open("w", encoding="gb18030", newline="") as f:
                w = csv.writer(f)
                w.writerow([f"{title}{LEDGER_TABLES[table].sheets[0]}台账"])
                w.writerow([])
                w.writerow(ledger_headers(table))
                for cells in ledger_rows(table, rows[table], names, False):
                    phone += 7
                    w.writerow(["" if v is None else v for v in cells] + [str(phone)])
                w.writerow(["填表人：某某", "", "填表日期：2025年1月"])
            paths.append(path)
        return paths
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for table in tables:
        spec = LEDGER_TABLES[table]
        sheet = book.create_sheet(spec.sheets[-1] if len(spec.sheets) > 1 else spec.sheets[0])
        headers = ledger_headers(table)
        sheet.append([f"{title}{spec.sheets[0]}台账（{dt.date.today().year}年）"])
        sheet.merged_cells.add(f"A1:{_letter(len(headers))}1")
        sheet.append(["单位：（盖章）"])
        sheet.append(headers)
        sheet.freeze_panes = "A4"
        # cells merged down the first reference column over runs of the same value, as ledgers do
        ref_col = next((i for i, f in enumerate(spec.fields, 2) if f.kind == "ref"), None)
        run_start, run_value, r = 4, object(), 3
        for cells in ledger_rows(table, rows[table], names, True):
            r += 1
            phone += 7
            value = cells[ref_col - 1] if ref_col else None
            if ref_col and value != run_value:
                if r - 1 > run_start and run_value is not None:
                    sheet.merged_cells.add(f"{_letter(ref_col)}{run_start}:{_letter(ref_col)}{r - 1}")
                run_start, run_value = r, value
            elif ref_col and value is not None:
                cells[ref_col - 1] = None  # covered by the merge
            sheet.append([*cells, str(phone)])
        if ref_col and r > run_start and run_value is not None:
            sheet.merged_cells.add(f"{_letter(ref_col)}{run_start}:{_letter(ref_col)}{r}")
        sheet.append([])
        sheet.append(["填表人：某某", None, "审核人：某某", None, "填表日期：2025年1月"])
    if spans:
        sheet = book.create_sheet("spans")
        for cells in [["region_id", "area_id"], *spans]:
            sheet.append(cells)
    path = out / "台账.xlsx"
    out.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return [path]
