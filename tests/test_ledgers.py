"""Ledgers (台账) as departments keep them: loading, errors, personal data, template, generated ledgers."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from pbgraph.graph import export
from pbgraph.graph.backup import backup
from pbgraph.loaders.ledger_ids import derive_id, pseudonym
from pbgraph.loaders.ledger_writer import write_template
from pbgraph.loaders.rosters import RosterInvalid, load_roster
from pbgraph.loaders.synthetic import generate, write_roster
from pbgraph.maps import build_map, write_map
from pbgraph.queries.runner import list_queries, run_query

from conftest import graph_dump, run_cli, write_csv

# -- a ledger made the way a district's organization department makes it ---------------------------

#: Everything personal the workbook holds: none of it may reach the graph or anything made from it.
PERSONAL = (
    "王五",
    "13912345678",
    "李四",
    "张三",
    "13800001111",
    "李梅",
    "13800002222",
    "赵六",
    "140105199001011234",
    "某某小区3号楼",
    "钱七",
    "140105198502023456",
    "刘书记",
    "13700003333",
)

HOME = "某某小区3号楼"

#: Name paths of the named rows (today's-form id → path): the ledger's ids derive from these.
PATHS = {
    "areas": {
        "XD": ("小店区",),
        "XH": ("小店区", "新华街道"),
        "WC": ("小店区", "坞城街道"),
        "XH-HP": ("小店区", "新华街道", "和平社区"),
        "XH-GM": ("小店区", "新华街道", "光明社区"),
        "WC-HP": ("小店区", "坞城街道", "和平社区"),
        "XH-HP-G1": ("小店区", "新华街道", "和平社区", "第一网格"),
        "XH-HP-G2": ("小店区", "新华街道", "和平社区", "第二网格"),
        "WC-HP-G1": ("小店区", "坞城街道", "和平社区", "第一网格"),
        "XH-GM-G1": ("小店区", "新华街道", "光明社区", "光明社区第1网格"),
    },
    "orgs": {
        "dc": ("小店区", "中共小店区委员会"),
        "swc-xh": ("小店区", "新华街道", "新华街道党工委"),
        "swc-wc": ("小店区", "坞城街道", "坞城街道党工委"),
        "cpo-xh-hp": ("小店区", "新华街道", "和平社区", "和平社区党委"),
        "cpo-wc-hp": ("小店区", "坞城街道", "和平社区", "和平社区党委"),
        "cpo-gm": ("小店区", "新华街道", "光明社区", "光明社区党委"),
        "gpb-1": ("小店区", "新华街道", "和平社区", "第一网格", "第一网格党支部"),
        "cjc-xh-hp": ("小店区", "新华街道", "和平社区", "和平社区大党委"),
        "sjc-xh": ("小店区", "新华街道", "新华街道大工委"),
    },
    "units": {
        "u-ps": ("小店区", "新华街道", "新华派出所"),
        "u-pc": ("小店区", "新华街道", "和平社区", "和美物业公司"),
        "u-oc": ("小店区", "新华街道", "和平社区", "和平小区业委会"),
        "u-school": ("小店区", "新华街道", "和平社区", "太原市第五中学"),
        "u-shop": ("小店区", "坞城街道", "和平社区", "坞城超市"),
    },
    "resources": {
        "r-1": ("小店区", "新华街道", "和平社区", "太原市第五中学", "五中课后托管"),
        "r-2": ("小店区", "新华街道", "和平社区", "和平社区活动室"),
    },
    "demands": {
        "d-1": ("小店区", "新华街道", "和平社区", "青少年课后看护"),
        "d-2": ("小店区", "坞城街道", "和平社区", "居民议事场所"),
    },
}
PREFIX = {"areas": "area", "orgs": "org", "units": "unit", "resources": "res", "demands": "dem"}


def _id_map() -> dict[str, str]:
    """Ledger id → today's-form id."""
    out = {derive_id(PREFIX[t], path): rid for t, paths in PATHS.items() for rid, path in paths.items()}
    out[derive_id("prj", [derive_id("dem", PATHS["demands"]["d-1"]), "课后托管项目"])] = "p-1"
    return out


def department_workbook(path: Path) -> Path:
    """Title rows, merged cells, 序号, Chinese headers and words, names with parents, five date spellings,
    personal columns and signature rows — as a ledger arrives from a department."""
    book = Workbook()
    book.remove(book.active)

    def sheet(name: str, title: str, header: list[str], rows: list[list[object]], merges: tuple[str, ...] = ()):
        ws = book.create_sheet(name)
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws.append(["填报单位：小店区委组织部"])
        ws.append(header)
        for i, row in enumerate(rows, 1):
            ws.append([i, *row])
        ws.append([])
        ws.append(["填表人：李四", None, "填表日期：2025年1月6日"])
        for m in merges:
            ws.merge_cells(m)
        return ws

    sheet(
        "区域台账",
        "小店区区域台账（2025年）",
        ["序号", "区域名称", "级别", "上级区域", "户数", "联系人", "联系电话"],
        [
            ["小店区", "区", None, None, "王五", "13912345678"],
            ["新华街道", "街道", "小店区", None, None, None],
            ["坞城街道", "街道", None, None, None, None],  # 上级 merged from the row above
            ["和平社区", "社区", "新华街道", "８００", None, None],  # full-width digits
            ["光明社区", None, None, "350户", None, None],  # 级别 and 上级 merged from above
            ["和平社区", "社区", "坞城街道", 650, None, None],
            ["第一网格", "网格", "新华街道/和平社区", 400, None, None],
            ["第二网格", "网格", "新华街道 / 和平社区", " 620 ", None, None],
            ["第一网格", "网格", "坞城街道/和平社区", 300, None, None],
            ["光明社区第1网格", "网格", "光明社区", 350, None, None],
        ],
        merges=("D5:D6", "C7:C8", "D7:D8"),
    )
    sheet(
        "党组织台账",
        "党组织台账",
        ["序号", "党组织名称", "党组织类型", "所在区域", "上级党组织", "书记姓名", "手机"],
        [
            ["中共小店区委员会", "区委", "小店区", None, "刘书记", "13700003333"],
            ["新华街道党工委", "街道党工委", "新华街道", "中共小店区委员会", None, None],
            ["坞城街道党工委", "街道党工委", "坞城街道", "中共小店区委员会", None, None],
            ["和平社区党委", "社区党委", "新华街道/和平社区", "新华街道党工委", None, None],
            ["和平社区党委", "社区党委", "坞城街道/和平社区", "坞城街道党工委", None, None],
            ["光明社区党委", "社区党委", "光明社区", "新华街道党工委", None, None],
            ["第一网格党支部", "网格党支部", "新华街道/和平社区/第一网格", "新华街道/和平社区党委", None, None],
            ["和平社区大党委", "社区大党委", "新华街道/和平社区", "新华街道/和平社区党委", None, None],
            ["新华街道大工委", "街道大工委", "新华街道", "新华街道党工委", None, None],
        ],
    )
    coverage = [["第一网格党支部", "新华街道/和平社区/第一网格"]]
    sheet("网格覆盖", "网格覆盖情况", ["序号", "党支部", "覆盖网格"], coverage)
    sheet(
        "驻区单位台账",
        "新华、坞城街道驻区单位台账",
        ["序号", "单位名称", "单位性质", "所属社区", "是否规上", "党员人数", "单位党组织", "联系人", "联系电话"],
        [
            ["新华派出所", "派出所", "新华街道", "√", 25, None, None, None],
            ["和美物业公司", "物业公司", "新华街道/和平社区", None, 3, None, None, None],
            ["和平小区业委会", "业委会", None, None, 0, None, None, None],
            ["太原市第五中学", "学校", None, "√", "４５", None, None, None],
            ["坞城超市", "个体工商户", "坞城街道/和平社区", None, 0, None, "钱七", None],
        ],
        merges=("D5:D7",),  # 所属社区 merged down over the three units of 新华街道's 和平社区
    )
    sheet(
        "大党委成员",
        "社区大党委、街道大工委成员单位",
        ["序号", "单位名称", "所在组织", "职务", "任职时间", "身份证号"],
        [
            ["新华派出所", "和平社区大党委", "兼职副书记", "2024年3月1日", None],
            ["和美物业公司", "和平社区大党委", "委员", "2024/3/1", None],
            ["太原市第五中学", "新华街道大工委", "委员", "2024.3.1", None],
            ["新华派出所", "新华街道大工委", "委员", dt.datetime(2023, 6, 15), None],
        ],
    )
    sheet(
        "共建协议",
        "共驻共建协议台账",
        ["序号", "协议编号", "协议类型", "单位名称", "共建社区", "签订日期", "到期日期"],
        [
            ["GJ-001", "共驻共建", "太原市第五中学", "新华街道/和平社区", "2024-03-01", "2027年3月"],
            ["GJ-002", "共驻共建", "和美物业公司", "新华街道/和平社区", dt.datetime(2022, 1, 1), "2024/12/31"],
            ["GJ-003", "共驻共建", "坞城超市", "坞城街道/和平社区", "2023年5月", None],
        ],
    )
    sheet(
        "网格员",
        "网格员花名册",
        ["序号", "编号", "姓名", "所在网格", "类型", "手机"],
        [
            ["WG001", "张三", "新华街道/和平社区/第一网格", "专职", "13800001111"],
            ["WG002", "李梅", "坞城街道/第一网格", "党建网格员", "13800002222"],
        ],
    )
    sheet(
        "资源清单",
        "资源清单",
        ["序号", "资源名称", "类别", "提供单位", "可服务数量"],
        [["五中课后托管", "课后托管", "太原市第五中学", 3], ["和平社区活动室", "活动场地", "新华街道/和平社区", 2]],
    )
    sheet(
        "需求清单",
        "需求清单",
        ["序号", "需求名称", "类别", "所在社区", "涉及户数", "紧急程度", "提出日期"],
        [
            ["青少年课后看护", "课后托管", "新华街道/和平社区", 40, "紧急", "2024年9月1日"],
            ["居民议事场所", "活动场地", "坞城街道/和平社区", 20, "一般", "2024/10/8"],
        ],
    )
    sheet(
        "项目清单",
        "项目认领清单",
        ["序号", "项目名称", "状态", "对应需求", "使用资源", "认领单位"],
        [["课后托管项目", "已认领", "青少年课后看护", "五中课后托管", "太原市第五中学"]],
    )
    sheet(
        "报到党员",
        "在职党员双报到台账",
        ["序号", "编号", "姓名", "工作单位", "报到社区", "报到日期", "身份证号", "家庭住址"],
        [
            ["DY-01", "赵六", "太原市第五中学", "新华街道/和平社区", "2024年4月1日", "140105199001011234", HOME],
            ["DY-02", "钱七", "坞城超市", "坞城街道/和平社区", "2024/4/2", "140105198502023456", None],
        ],
    )
    book.save(path)
    return path


def today_form(folder: Path) -> Path:
    """The same ledger in today's form (ids, English headers and words, ISO dates)."""
    a = PATHS["areas"]
    areas = [
        ["XD", "小店区", "district", None, None],
        ["XH", "新华街道", "street", "XD", None],
        ["WC", "坞城街道", "street", "XD", None],
        ["XH-HP", "和平社区", "community", "XH", 800],
        ["XH-GM", "光明社区", "community", "XH", 350],
        ["WC-HP", "和平社区", "community", "WC", 650],
        ["XH-HP-G1", "第一网格", "grid", "XH-HP", 400],
        ["XH-HP-G2", "第二网格", "grid", "XH-HP", 620],
        ["WC-HP-G1", "第一网格", "grid", "WC-HP", 300],
        ["XH-GM-G1", "光明社区第1网格", "grid", "XH-GM", 350],
    ]
    assert [r[0] for r in areas] == list(a)
    write_csv(folder, "areas", ["id", "name", "level", "parent_id", "households"], areas)
    write_csv(
        folder,
        "orgs",
        ["id", "name", "kind", "area_id", "parent_id"],
        [
            ["dc", "中共小店区委员会", "district_committee", "XD", None],
            ["swc-xh", "新华街道党工委", "street_working_committee", "XH", "dc"],
            ["swc-wc", "坞城街道党工委", "street_working_committee", "WC", "dc"],
            ["cpo-xh-hp", "和平社区党委", "community_party_org", "XH-HP", "swc-xh"],
            ["cpo-wc-hp", "和平社区党委", "community_party_org", "WC-HP", "swc-wc"],
            ["cpo-gm", "光明社区党委", "community_party_org", "XH-GM", "swc-xh"],
            ["gpb-1", "第一网格党支部", "grid_party_branch", "XH-HP-G1", "cpo-xh-hp"],
            ["cjc-xh-hp", "和平社区大党委", "community_joint_committee", "XH-HP", "cpo-xh-hp"],
            ["sjc-xh", "新华街道大工委", "street_joint_committee", "XH", "swc-xh"],
        ],
    )
    write_csv(folder, "coverage", ["org_id", "area_id"], [["gpb-1", "XH-HP-G1"]])
    write_csv(
        folder,
        "units",
        ["id", "name", "sector", "area_id", "large", "party_members"],
        [
            ["u-ps", "新华派出所", "police_station", "XH", "true", 25],
            ["u-pc", "和美物业公司", "property_company", "XH-HP", "false", 3],
            ["u-oc", "和平小区业委会", "owners_committee", "XH-HP", "false", 0],
            ["u-school", "太原市第五中学", "school", "XH-HP", "true", 45],
            ["u-shop", "坞城超市", "merchant", "WC-HP", "false", 0],
        ],
    )
    write_csv(
        folder,
        "memberships",
        ["unit_id", "org_id", "role", "since"],
        [
            ["u-ps", "cjc-xh-hp", "deputy_secretary", "2024-03-01"],
            ["u-pc", "cjc-xh-hp", "member", "2024-03-01"],
            ["u-school", "sjc-xh", "member", "2024-03-01"],
            ["u-ps", "sjc-xh", "member", "2023-06-15"],
        ],
    )
    write_csv(
        folder,
        "agreements",
        ["id", "kind", "unit_id", "area_id", "signed", "expires"],
        [
            ["GJ-001", "co_building", "u-school", "XH-HP", "2024-03-01", "2027-03-01"],
            ["GJ-002", "co_building", "u-pc", "XH-HP", "2022-01-01", "2024-12-31"],
            ["GJ-003", "co_building", "u-shop", "WC-HP", "2023-05-01", None],
        ],
    )
    write_csv(
        folder,
        "workers",
        ["id", "grid_id", "role", "name"],
        [
            ["WG001", "XH-HP-G1", "full_time", pseudonym("workers", "张三", derive_id("area", a["XH-HP-G1"]))],
            ["WG002", "WC-HP-G1", "party_building", pseudonym("workers", "李梅", derive_id("area", a["WC-HP-G1"]))],
        ],
    )
    write_csv(
        folder,
        "resources",
        ["id", "name", "category", "owner_id", "capacity"],
        [["r-1", "五中课后托管", "education", "u-school", 3], ["r-2", "和平社区活动室", "venue", "XH-HP", 2]],
    )
    write_csv(
        folder,
        "demands",
        ["id", "name", "category", "area_id", "households", "urgency", "raised"],
        [
            ["d-1", "青少年课后看护", "education", "XH-HP", 40, 4, "2024-09-01"],
            ["d-2", "居民议事场所", "venue", "WC-HP", 20, 2, "2024-10-08"],
        ],
    )
    write_csv(
        folder,
        "projects",
        ["id", "name", "status", "demand_id", "resource_id", "claimed_by"],
        [["p-1", "课后托管项目", "claimed", "d-1", "r-1", "u-school"]],
    )
    write_csv(
        folder,
        "members",
        ["id", "unit_id", "reported_to", "reported_on", "name"],
        [
            ["DY-01", "u-school", "XH-HP", "2024-04-01", pseudonym("members", "赵六", derive_id("area", a["XH-HP"]))],
            ["DY-02", "u-shop", "WC-HP", "2024-04-02", pseudonym("members", "钱七", derive_id("area", a["WC-HP"]))],
        ],
    )
    return folder


def _remap(value, ids):
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):  # collected lists: compared as sets (their order follows node creation)
        return sorted((_remap(v, ids) for v in value), key=repr)
    if isinstance(value, dict):
        return {k: _remap(v, ids) for k, v in value.items()}
    return value


def _dump(db, ids=None):
    nodes, rels = graph_dump(db)
    ids = ids or {}
    nodes = sorted((lbl, sorted((k, _remap(v, ids)) for k, v in p)) for lbl, p in nodes)
    rels = sorted((t, ids.get(a, a), ids.get(b, b), p) for t, a, b, p in rels)
    return nodes, rels


def _answers(db, ids=None):
    out = {}
    for q in list_queries():
        if any(p.required for p in q.params):
            continue  # a question about one given area: the whole-graph questions cover it
        # a demand's best few candidates break ties by resource id: compare every pair instead
        params = {"per_demand": 0} if any(p.name == "per_demand" for p in q.params) else {}
        rows = run_query(q.name, db=db, **params)
        out[q.name] = sorted(repr(_remap(r, ids or {})) for r in rows)
    return out


def _all_text(db) -> str:
    return repr(graph_dump(db))


# -- the department's ledger --------------------------------------------------------------------------


def test_department_ledger_loads_as_the_same_data_in_todays_form(db, tmp_path):
    load_roster(today_form(tmp_path / "today"), db)
    expected, answers = _dump(db), _answers(db)
    db.reset()
    report = load_roster(department_workbook(tmp_path / "小店区台账.xlsx"), db)
    ids = _id_map()
    assert _dump(db, ids) == expected
    assert _answers(db, ids) == answers
    # the canned questions see the ledger's gaps
    uncovered = {r["grid"] for r in run_query("coverage/uncovered-grids", db=db)}
    assert uncovered == {"第二网格", "第一网格", "光明社区第1网格"}
    assert [r["grid"] for r in run_query("coverage/oversized-grids", db=db)] == ["第二网格"]
    # the report says what was set aside
    assert report.ledger["sheets"]["驻区单位台账"] == "units"
    assert "驻区单位台账: 联系电话" in report.ledger["dropped"]
    assert "党组织台账: 书记姓名" in report.ledger["dropped"]
    assert any(s.startswith("区域台账 row") for s in report.ledger["skipped"])
    assert report.ledger["pseudonymized"] == ["网格员: 姓名", "报到党员: 姓名"]


def test_reload_changes_nothing_and_a_rename_is_a_new_node(db, tmp_path):
    path = department_workbook(tmp_path / "l.xlsx")
    load_roster(path, db)
    first = graph_dump(db)
    report = load_roster(path, db)
    assert graph_dump(db) == first
    assert all(v["created"] == 0 for v in report.nodes.values())
    book = load_workbook(path)
    for ws, cell in (("驻区单位台账", "B8"), ("共建协议", "D6"), ("报到党员", "D5")):
        book[ws][cell] = "坞城便民超市"  # renamed everywhere
    book.save(path)
    report = load_roster(path, db)
    assert report.nodes["Unit"]["created"] == 1
    assert report.ledger["absent"] == ["units: 坞城超市"]
    names = sorted(r[0] for r in db.read("MATCH (u:Unit) WHERE u.name CONTAINS '坞城' RETURN u.name").rows)
    assert names == ["坞城便民超市", "坞城超市"]  # never silently merged


def test_personal_values_reach_nothing(db, tmp_path):
    load_roster(department_workbook(tmp_path / "l.xlsx"), db)
    backup(db, tmp_path / "b.pbgraph")
    export.write_export(export.to_networkx(db), "json", tmp_path / "g.json")
    export.write_export(export.to_networkx(db), "graphml", tmp_path / "g.graphml")
    write_map(build_map(db), tmp_path / "map.html")
    outputs = {
        "graph": _all_text(db),
        "backup": gzip.decompress((tmp_path / "b.pbgraph").read_bytes()).decode("utf-8"),
        **{p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("g.*")},
        "map": (tmp_path / "map.html").read_text(encoding="utf-8"),
    }
    for where, content in outputs.items():
        assert "太原市第五中学" in content, where  # the data is there…
        leaked = [v for v in PERSONAL if v in content]
        assert not leaked, f"{where} holds {leaked}"  # …and nothing personal is
    workers = db.read("MATCH (w:GridWorker) RETURN w.id, w.name ORDER BY w.id").rows
    assert [w[0] for w in workers] == ["WG001", "WG002"]
    assert all(w[1].startswith("网格员-") for w in workers)


def test_derived_ids_are_pinned():
    """Ids already in graphs must not move when the translation is rewritten (a changed id is a new node)."""
    assert derive_id("area", ("山西省", "太原市", "小店区", "坞城街道", "和平社区")) == "area-9bca39c5c87b"
    assert derive_id("org", ["坞城街道", "和平社区", "和平社区党委"]) == "org-75c0a96002ab"


def test_pseudonyms_are_stable_and_keyed(monkeypatch):
    a = pseudonym("workers", "张三", "area-1")
    assert a == pseudonym("workers", "张三", "area-1") != pseudonym("workers", "张三", "area-2")
    monkeypatch.setenv("PBGRAPH_PSEUDONYM_KEY", "another key")
    assert pseudonym("workers", "张三", "area-1") != a


# -- problems, named the department's way -----------------------------------------------------------------


def _ledger(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        ws.append([f"{name}（测试）"])
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


AREAS = [
    ["区域名称", "级别", "上级"],
    ["新华街道", "街道", None],
    ["坞城街道", "街道", None],
    ["和平社区", "社区", "新华街道"],
    ["和平社区", "社区", "坞城街道"],
]


def test_every_problem_names_sheet_row_and_header_and_nothing_is_written(db, tmp_path):
    path = _ledger(
        tmp_path / "bad.xlsx",
        {
            "区域": [*AREAS, ["第一网格", "网格", "和平社区"], ["第二网格", "小组", "新华街道/和平社区"]],
            "驻区单位": [
                ["单位名称", "单位性质", "所属社区", "党员人数"],
                ["和美物业", "物业", "坞城街道/和平社区", "-3"],
                ["新华小学", "学校", "幸福社区", None],
            ],
            "共建协议": [
                ["协议编号", "协议类型", "单位名称", "共建社区", "签订日期"],
                ["X-1", "共驻共建", "和美物业", "坞城街道/和平社区", "2024年13月1日"],
            ],
        },
    )
    with pytest.raises(RosterInvalid) as e:
        load_roster(path, db)
    text = str(e.value)
    assert "区域 row 7, column 上级: '和平社区' is ambiguous: 坞城街道/和平社区; 新华街道/和平社区" in text
    assert "区域 row 8, column 级别: unknown value '小组'" in text and "网格" in text
    assert "驻区单位 row 3, column 党员人数: negative count" in text
    assert "驻区单位 row 4, column 所属社区: no area named '幸福社区'" in text
    assert "共建协议 row 3, column 签订日期: '2024年13月1日' is not a date" in text
    assert len(e.value.problems) == 5
    assert db.read("MATCH (n) RETURN count(n)").rows == [[0]]


def test_names_resolve_against_the_graph_and_today_form_sheets_mix_in(db, tmp_path):
    load_roster(_ledger(tmp_path / "areas.xlsx", {"区域": AREAS}), db)
    # a second ledger names areas loaded by the first; a today's-form sheet sits beside it
    book = Workbook()
    ws = book.active
    ws.title = "驻区单位"
    ws.append(["单位名称", "单位性质", "所在社区"])
    ws.append(["和美物业", "物业公司", "坞城街道/和平社区"])
    ws.append(["x'}) DETACH DELETE n //", "其他", "新华街道"])
    today = book.create_sheet("orgs")
    today.append(["id", "name", "kind", "area_id"])
    wc_hp = derive_id("area", ("坞城街道", "和平社区"))
    today.append(["o1", "和平社区党委", "community_party_org", wc_hp])
    book.save(tmp_path / "mixed.xlsx")
    load_roster(tmp_path / "mixed.xlsx", db)
    rows = db.read(
        "MATCH (u:Unit)-[:LOCATED_IN]->(a:Area)-[:PART_OF]->(s:Area) RETURN u.name, a.name, s.name ORDER BY u.name"
    ).rows
    assert rows == [["和美物业", "和平社区", "坞城街道"]]
    assert db.read("MATCH (u:Unit {name: $n}) RETURN count(u)", {"n": "x'}) DETACH DELETE n //"}).rows == [[1]]
    assert db.read("MATCH (o:PartyOrg {id: 'o1'})-[:SEATED_IN]->(a) RETURN a.id").rows == [[wc_hp]]


def test_csv_ledger_folder_with_title_rows_in_gb18030(db, tmp_path):
    folder = tmp_path / "ledger"
    folder.mkdir()
    with (folder / "区域.csv").open("w", encoding="gb18030", newline="") as f:
        w = csv.writer(f)
        w.writerows([["区域台账"], [], ["序号", "名称", "层级", "所属", "户数"], ["1", "新华街道", "街道", "", ""]])
        w.writerows([["2", "和平社区", "居委会", "新华街道", "1,200"], ["合计", "", "", "", "1200"]])
        w.writerow(["填表人：某某", "", "", "", ""])
    report = load_roster(folder, db)
    assert report.encodings["areas"] == "gb18030"
    assert db.read("MATCH (c:Community)-[:PART_OF]->(s:Street) RETURN c.name, c.households, s.name").rows == [
        ["和平社区", 1200, "新华街道"]
    ]
    assert len(report.ledger["skipped"]) == 2


# -- template ---------------------------------------------------------------------------------------------


def test_template_has_titles_frozen_headers_widths_and_drop_downs(tmp_path):
    path = write_template(tmp_path / "台账模板.xlsx")[0]
    book = load_workbook(path)
    assert book.sheetnames[:4] == ["区域", "党组织", "网格覆盖", "驻区单位"]
    ws = book["驻区单位"]
    assert "驻区单位台账" in ws["A1"].value and "A1:G1" in {str(r) for r in ws.merged_cells.ranges}
    header = ["序号", "单位名称", "单位性质", "所属社区", "规模以上", "党员人数", "单位党组织"]
    assert [c.value for c in ws[2]] == header
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["B"].width >= 2 * len("单位名称")
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert "派出所" in lists["C3"] and "是" in lists["E3"]
    orgs = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in book["党组织"].data_validations.dataValidation}
    assert "社区大党委" in orgs["C3"]


def test_filled_in_template_loads_as_is(db, tmp_path):
    path = write_template(tmp_path / "t.xlsx")[0]
    book = load_workbook(path)
    book["区域"].append([1, "光明街道", "街道", None, None, None])
    book["区域"].append([2, "光明社区", "社区", "光明街道", 900, None])
    book["区域"].append([3, "光明社区第1网格", "网格", "光明社区", 300, None])
    book["党组织"].append([1, "光明社区大党委", "社区大党委", "光明社区", None])
    book["驻区单位"].append([1, "光明派出所", "派出所", "光明街道", "是", 12, None])
    book["大党委成员"].append([1, "光明派出所", "光明社区大党委", "委员", dt.date(2024, 3, 1)])
    book["网格员"].append([1, "W1", "某网格员", "光明社区第1网格", "专职"])
    book.save(path)
    report = load_roster(path, db)
    assert report.rows == {"areas": 3, "orgs": 1, "units": 1, "memberships": 1, "workers": 1}
    rows = run_query("committees/composition", db=db)
    missing = ["owners_committee", "property_company"]
    assert [(r["committee"], r["missing"]) for r in rows] == [("光明社区大党委", missing)]


def test_template_command_xlsx_and_gb18030_csv(tmp_path):
    result = run_cli("template", "--out", str(tmp_path / "台账模板.xlsx"))
    assert result.returncode == 0, result.stderr
    assert load_workbook(tmp_path / "台账模板.xlsx").sheetnames[-1] == "报到党员"
    result = run_cli("template", "--out", str(tmp_path / "csv"), "--format", "csv")
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in (tmp_path / "csv").iterdir())
    assert len(files) == 11 and "区域.csv" in files
    text = (tmp_path / "csv" / "驻区单位.csv").read_bytes().decode("gb18030")
    assert text.splitlines() == ["序号,单位名称,单位性质,所属社区,规模以上,党员人数,单位党组织"]
    bad = run_cli("template", "--out", str(tmp_path / "x.txt"))
    assert bad.returncode != 0 and ".xlsx" in bad.stderr


# -- generated ledgers ---------------------------------------------------------------------------------------


def _generated_ids(rows) -> dict[str, str]:
    from pbgraph.loaders.ledger_writer import _Names

    names = _Names(rows)
    out = {}
    for t, prefix in PREFIX.items():
        for row in rows.get(t, []):
            out[derive_id(prefix, names.path(t, row["id"]))] = row["id"]
    back = {v: k for k, v in out.items()}
    for row in rows.get("projects", []):
        out[derive_id("prj", [back[row["demand_id"]], row["name"]])] = row["id"]
    return out


@pytest.mark.parametrize(("preset", "fmt"), [("guangming", "xlsx"), ("cuiping", "csv")])
def test_generated_ledger_is_the_same_graph_as_todays_form(db, tmp_path, preset, fmt):
    roster = generate(preset, seed=11, as_of=dt.date(2025, 6, 1))
    write_roster(roster, tmp_path / "today")
    load_roster(tmp_path / "today", db)
    expected, answers = _dump(db), _answers(db)
    db.reset()
    write_roster(roster, tmp_path / "ledger", fmt=fmt, form="ledger")
    target = tmp_path / "ledger" / "台账.xlsx" if fmt == "xlsx" else tmp_path / "ledger"
    report = load_roster(target, db)
    ids = _generated_ids(roster.rows)
    assert _dump(db, ids) == expected
    assert _answers(db, ids) == answers
    assert any("联系电话" in d for d in report.ledger["dropped"])
    assert "138000" not in _all_text(db)


def test_generate_command_writes_a_ledger(tmp_path):
    result = run_cli("generate", "--preset", "guangming", "--out", str(tmp_path / "g"), "--form", "ledger")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "g" / "驻区单位.csv").exists()
    head = (tmp_path / "g" / "驻区单位.csv").read_bytes().decode("gb18030").splitlines()[:3]
    assert head[0].startswith("驻区单位台账") and head[2].startswith("序号,单位名称,单位性质")


def test_unchanged_ledger_folder_is_not_read_again(db, tmp_path):
    """A department resubmits the same ledger folder: nothing is parsed, translated or written."""
    write_roster(generate("cuiping", seed=5), tmp_path / "ledger", form="ledger")
    load_roster(tmp_path / "ledger", db)
    first = graph_dump(db)
    report = load_roster(tmp_path / "ledger", db)
    assert graph_dump(db) == first
    assert set(report.unchanged) >= {"areas", "orgs", "units", "coverage"}, report.unchanged
    assert all(v["created"] == v["updated"] == v["removed"] == 0 for v in report.nodes.values())
    sheet = tmp_path / "ledger" / "驻区单位.csv"  # one cell changed: everything is read and compared again
    text = sheet.read_bytes().decode("gb18030")
    name = text.splitlines()[3].split(",")[1]
    sheet.write_bytes(text.replace(name, name + "（新址）", 1).encode("gb18030"))
    report = load_roster(tmp_path / "ledger", db)
    assert report.unchanged == []
    assert report.nodes["Unit"]["created"] == 1
    # only the changed row is checked and compared again: the others translate as before
    assert report.settled["units"] == report.rows["units"] - 1, report.settled
    assert report.settled["areas"] == report.rows["areas"], report.settled
    assert report.ledger["absent"] == [f"units: {name}"]  # the old name, kept (a rename is a new node)


# -- acceptance audit: what a department's own workbooks also hold ------------------------------------


def test_names_of_people_and_birth_dates_in_any_column_are_dropped(db, tmp_path):
    """A 书记 or 网格长 column holds a person's name, 出生年月 and 性别 describe one: none is stored."""
    path = _ledger(
        tmp_path / "people.xlsx",
        {
            "区域": [
                ["名称", "层级", "上级", "网格长"],
                ["新华街道", "街道", None, None],
                ["和平社区", "社区", "新华街道", "周网格长"],
            ],
            "党组织": [
                ["名称", "类型", "所在区域", "书记", "党组织书记", "联络员"],
                ["新华街道党工委", "街道党工委", "新华街道", "孙书记", "孙书记二", "吴联络"],
            ],
            "双报到": [
                ["编号", "姓名", "报到社区", "出生年月", "性别", "民族", "籍贯"],
                ["D1", "许四", "和平社区", "1980年1月", "男", "汉族", "山西太原"],
            ],
        },
    )
    report = load_roster(path, db)
    text = _all_text(db)
    for value in ("周网格长", "孙书记", "吴联络", "许四", "1980", "汉族", "山西太原"):
        assert value not in text, value
    assert "党组织: 书记" in report.ledger["dropped"] and "双报到: 出生年月" in report.ledger["dropped"]
    assert "新华街道党工委" in text


def test_a_name_written_with_its_parents_in_its_own_column_places_the_row(db, tmp_path):
    """`坞城街道/和平社区` in the 名称 column (instead of the 上级 column) names the row and its parent."""
    sheets = {
        "区域": [
            ["名称", "层级", "上级"],
            ["新华街道", "街道", None],
            ["坞城街道", "街道", None],
            ["新华街道/和平社区", "社区", None],
            ["坞城街道 ／ 和平社区", "社区", None],
            ["第一网格", "网格", "坞城街道/和平社区"],
        ],
        "驻区单位": [["单位名称", "单位性质"], ["坞城街道/和平社区/和美物业", "物业"]],
    }
    load_roster(_ledger(tmp_path / "paths.xlsx", sheets), db)
    rows = db.read(
        "MATCH (a:Area)-[:PART_OF]->(p:Area) OPTIONAL MATCH (u:Unit)-[:LOCATED_IN]->(a) RETURN a.name, p.name, u.name"
    ).rows
    expected = [["和平社区", "坞城街道", "和美物业"], ["和平社区", "新华街道", None], ["第一网格", "和平社区", None]]
    assert sorted(rows, key=repr) == sorted(expected, key=repr)
    wc_hp = derive_id("area", ("坞城街道", "和平社区"))  # the id of the path, as if written with 上级
    assert db.read("MATCH (a:Area {id: $id}) RETURN a.name", {"id": wc_hp}).rows == [["和平社区"]]
    sheets["区域"].append(["幸福街道/光明社区", "社区", None])
    with pytest.raises(RosterInvalid) as e:
        load_roster(_ledger(tmp_path / "bad.xlsx", sheets), db)
    assert "区域 row 8, column 名称: no area named '幸福街道'" in str(e.value)


def test_a_reference_to_a_row_with_a_problem_points_at_that_row(db, tmp_path):
    """Not 'unknown id … not in the roster': the unit is in the workbook, its own row has the problem."""
    path = _ledger(
        tmp_path / "cascade.xlsx",
        {
            "区域": [["名称", "层级", "上级"], ["新华街道", "街道", None], ["和平社区", "社区", "新华街道"]],
            "驻区单位": [["单位名称", "单位性质", "所属社区"], ["和美物业", "物业", None]],
            "党组织": [["名称", "类型", "所在区域"], ["和平社区大党委", "社区大党委", "和平社区"]],
            "大党委成员": [["单位名称", "大党委", "职务"], ["和美物业", "和平社区大党委", "委员"]],
        },
    )
    with pytest.raises(RosterInvalid) as e:
        load_roster(path, db)
    lines = str(e.value).splitlines()[1:]
    assert lines == [
        "  驻区单位 row 3, column 所属社区: missing required value",
        "  大党委成员 row 3, column 单位名称: '和美物业' is on 驻区单位 row 3, which has a problem of its own",
    ]


def test_template_drop_downs_take_every_word_pbgraph_reads_and_name_columns_fit_paths(tmp_path):
    """A drop-down that refused 居委会 or 社区党总支 would stop a department typing what loads."""
    book = load_workbook(write_template(tmp_path / "t.xlsx")[0])
    lists = {
        (ws.title, str(dv.sqref).split(":")[0]): dv.formula1.strip('"').split(",")
        for ws in book
        for dv in ws.data_validations.dataValidation
    }
    assert {"居委会", "街道办事处", "网格"} <= set(lists[("区域", "C3")])
    assert {"社区党总支", "楼院党小组"} <= set(lists[("党组织", "C3")])
    assert {"国有企业", "物业公司", "个体工商户", "派出所"} <= set(lists[("驻区单位", "C3")])
    assert {"是", "否", "√"} <= set(lists[("驻区单位", "E3")])
    assert {"兼职委员", "兼职副书记"} <= set(lists[("大党委成员", "D3")])
    assert {"3", "紧急", "特急"} <= set(lists[("需求清单", "F3")])
    assert {"实施中"} <= set(lists[("项目清单", "C3")])
    assert all(len(",".join(words)) <= 255 for words in lists.values())  # Excel's limit for a list
    ws = book["驻区单位"]
    assert ws.column_dimensions["D"].width >= 2.1 * len("新华街道/和平社区")  # 所属社区, with its parent
    assert ws.column_dimensions["B"].width >= 2.1 * len("太原市第五中学")


def test_questions_take_an_area_by_its_name_path(db, db_dir, tmp_path):
    """A ledger's ids are digests: an analyst names the area as the 台账 does, 新华街道/和平社区."""
    sheets = {
        "区域": [*AREAS, ["第一网格", "网格", "坞城街道/和平社区"], ["第一网格", "网格", "新华街道/和平社区"]],
    }
    load_roster(_ledger(tmp_path / "areas.xlsx", sheets), db)
    rows = run_query("coverage/uncovered-grids", db=db, area="坞城街道/和平社区")
    assert [r["grid_id"] for r in rows] == [derive_id("area", ("坞城街道", "和平社区", "第一网格"))]
    assert len(run_query("coverage/uncovered-grids", db=db, area="新华街道 ／ 和平社区")) == 1
    result = run_cli("query", "run", "coverage/uncovered-grids", "--area", "和平社区", db=db_dir)
    assert result.returncode != 0 and "新华街道/和平社区" in result.stderr and "坞城街道/和平社区" in result.stderr
    result = run_cli("query", "run", "coverage/uncovered-grids", "--area", "幸福街道/和平社区", db=db_dir)
    assert result.returncode != 0 and "幸福街道/和平社区" in result.stderr


def test_help_teaches_the_ledger_form():
    template = run_cli("template", "--help").stdout
    assert "新华街道/和平社区" in template and "pbgraph load roster" in template and "驻区单位" in template
    load = run_cli("load", "roster", "--help").stdout
    assert all(word in load for word in ("台账", "新华街道/和平社区", "身份证号", "填表人", "pseudonym"))
    assert "--form ledger" in run_cli("generate", "--help").stdout


def test_dates_as_typed_and_as_exported():
    """The spec's five spellings, Excel cells and serials — and a date with its time, as a CSV export writes it."""
    from pbgraph.loaders.ledger_vocab import parse_date

    typed = [
        "2024-03-01",
        "2024/3/1",
        "2024.3.1",
        "2024年3月1日",
        "２０２４年３月１日",
        "2024年3月",
        45352,
        "45352",
        45352.0,
        "45352.0",
    ]
    exported = ["2024-03-01 00:00:00", "2024/3/1 0:00", "2024-03-01T00:00:00", dt.datetime(2024, 3, 1, 9, 30)]
    assert {parse_date(v) for v in typed + exported} == {"2024-03-01"}
    assert parse_date("2024/3/1 25:99") is None and parse_date("2024年13月1日") is None


def test_a_two_row_header_with_grouped_columns(db, tmp_path):
    """联系人 over 姓名 | 电话, 其他情况 over 备注 | 单位地址, the rest merged down both rows."""
    book = Workbook()
    ws = book.active
    ws.title = "驻区单位台账"
    ws.append(["新华街道驻区单位台账"])
    ws.append(["序号", "单位名称", "单位性质", "所属社区", "联系人", None, "其他情况", None])
    ws.append([None, None, None, None, "姓名", "电话", "备注", "单位地址"])
    ws.append([1, "新华派出所", "派出所", "新华街道", "王五", "13912345678", "共建先进", "新华路1号"])
    for cols in ("A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2", "G2:H2"):
        ws.merge_cells(cols)
    areas = book.create_sheet("区域")
    areas.append(["名称", "级别"])
    areas.append(["新华街道", "街道"])
    book.save(tmp_path / "two.xlsx")
    report = load_roster(tmp_path / "two.xlsx", db)
    assert report.rows["units"] == 1
    unit = db.read("MATCH (u:Unit) RETURN properties(u)").rows[0][0]
    assert unit["name"] == "新华派出所" and unit["备注"] == "共建先进" and unit["单位地址"] == "新华路1号"
    text = _all_text(db)
    assert "王五" not in text and "13912345678" not in text
    assert {"驻区单位台账: 姓名", "驻区单位台账: 电话"} <= set(report.ledger["dropped"])


def test_a_workbook_with_no_sheet_pbgraph_knows_says_so(db, tmp_path):
    """The issue's new user: not just 'the areas table is required', but which sheets were not read, and what to do."""
    book = Workbook()
    book.active.title = "Sheet1"
    book.active.append(["单位", "地址"])
    book.active.append(["和美物业", "新华路1号"])
    book.save(tmp_path / "mine.xlsx")
    with pytest.raises(RosterInvalid) as e:
        load_roster(tmp_path / "mine.xlsx", db)
    assert "'Sheet1'" in str(e.value) and "pbgraph template" in str(e.value) and "区域" in str(e.value)


#: The spec's sheet names and header synonyms (spec/ledgers.md), written out here rather than read from
#: the code: a synonym the code forgot fails this test. (field → synonyms; a sheet's names first)
SPEC_SHEETS = {
    "areas": (("区域", "区域台账"), {"name": "名称 区域名称", "level": "级别 层级", "parent": "上级 上级区域 所属"}),
    "orgs": (
        ("党组织", "党组织台账"),
        {
            "name": "党组织名称 名称",
            "kind": "类型 党组织类型",
            "area": "所在区域 所属区域 所属社区",
            "parent": "上级党组织",
        },
    ),
    "coverage": (("网格覆盖",), {"org": "党组织名称 党支部", "area": "覆盖网格 网格 覆盖区域"}),
    "units": (
        ("驻区单位", "驻区单位台账"),
        {
            "name": "单位名称",
            "sector": "单位性质 类别",
            "area": "所属社区 所在区域 所在社区",
            "large": "规模以上 是否规上",
        },
    ),
    "memberships": (
        ("大党委成员", "兼职委员", "成员单位"),
        {"unit": "单位名称", "org": "所在组织 大党委 大工委 区域党委", "role": "职务", "since": "任职时间 加入时间"},
    ),
    "agreements": (
        ("共建协议", "共驻共建协议"),
        {
            "id": "协议编号",
            "kind": "协议类型",
            "unit": "单位名称",
            "area": "社区 共建社区 签约社区 街道",
            "signed": "签订日期 签订时间",
            "expires": "到期日期 有效期至",
        },
    ),
    "workers": (("网格员",), {"id": "编号 网格员编号", "grid": "所在网格 网格", "role": "类型 职责"}),
    "resources": (
        ("资源清单",),
        {"name": "资源名称 名称", "category": "类别", "owner": "提供单位 提供方", "capacity": "可服务数量 容量"},
    ),
    "demands": (
        ("需求清单",),
        {
            "name": "需求名称 需求内容",
            "category": "类别",
            "area": "所在社区 提出社区",
            "households": "涉及户数 户数",
            "urgency": "紧急程度",
            "raised": "提出日期 提出时间",
        },
    ),
    "projects": (
        ("项目清单",),
        {
            "name": "项目名称",
            "status": "状态",
            "demand": "对应需求",
            "resource": "使用资源 资源",
            "claimed_by": "认领单位",
        },
    ),
    "members": (
        ("报到党员", "双报到"),
        {"id": "编号", "unit": "工作单位", "reported_to": "报到社区", "reported_on": "报到日期 报到时间"},
    ),
}

#: One small district's rows by field (the same data under every spelling of the headers).
SPEC_ROWS = {
    "areas": [
        {"name": "新华街道", "level": "街道"},
        {"name": "和平社区", "level": "社区", "parent": "新华街道"},
        {"name": "第一网格", "level": "网格", "parent": "和平社区"},
    ],
    "orgs": [
        {"name": "新华街道党工委", "kind": "街道党工委", "area": "新华街道"},
        {"name": "和平社区党委", "kind": "社区党委", "area": "和平社区", "parent": "新华街道党工委"},
        {"name": "第一网格党支部", "kind": "网格党支部", "area": "第一网格", "parent": "和平社区党委"},
        {"name": "新华街道大工委", "kind": "街道大工委", "area": "新华街道", "parent": "新华街道党工委"},
    ],
    "coverage": [{"org": "第一网格党支部", "area": "第一网格"}],
    "units": [
        {"name": "新华派出所", "sector": "派出所", "area": "新华街道", "large": "是"},
        {"name": "太原市第五中学", "sector": "学校", "area": "和平社区", "large": "否"},
    ],
    "memberships": [{"unit": "新华派出所", "org": "新华街道大工委", "role": "委员", "since": "2024年3月1日"}],
    "agreements": [
        {
            "id": "X-1",
            "kind": "共驻共建",
            "unit": "太原市第五中学",
            "area": "和平社区",
            "signed": "2024/3/1",
            "expires": "2027年3月",
        }
    ],
    "workers": [{"id": "W-1", "grid": "第一网格", "role": "专职"}],
    "resources": [{"name": "五中课后托管", "category": "课后托管", "owner": "太原市第五中学", "capacity": 3}],
    "demands": [
        {
            "name": "青少年课后看护",
            "category": "课后托管",
            "area": "和平社区",
            "households": 40,
            "urgency": "紧急",
            "raised": "2024.9.1",
        }
    ],
    "projects": [
        {
            "name": "课后托管项目",
            "status": "已认领",
            "demand": "青少年课后看护",
            "resource": "五中课后托管",
            "claimed_by": "太原市第五中学",
        }
    ],
    "members": [{"id": "D-1", "unit": "太原市第五中学", "reported_to": "和平社区", "reported_on": "2024-04-01"}],
}


def _spelled(path: Path, k: int) -> Path:
    """SPEC_ROWS with the k-th spelling of every sheet name and header (the last where fewer)."""
    book = Workbook()
    book.remove(book.active)
    for table, (sheets, headers) in SPEC_SHEETS.items():
        fields = list(headers)
        ws = book.create_sheet(sheets[min(k, len(sheets) - 1)])
        ws.append([f"{sheets[0]}台账"])
        ws.append(["序号"] + [headers[f].split()[min(k, len(headers[f].split()) - 1)] for f in fields])
        for i, row in enumerate(SPEC_ROWS[table], 1):
            ws.append([i] + [row.get(f) for f in fields])
    book.save(path)
    return path


def test_every_sheet_name_and_header_synonym_of_the_spec_reads_alike(db, tmp_path):
    dumps = []
    for k in range(4):  # 4: the most spellings a field has
        db.reset()
        report = load_roster(_spelled(tmp_path / f"k{k}.xlsx", k), db)
        assert report.rows == {t: len(rows) for t, rows in SPEC_ROWS.items()}, k
        dumps.append(graph_dump(db))
    assert all(d == dumps[0] for d in dumps)
    assert run_query("coverage/uncovered-grids", db=db) == []
    assert [r["demand"] for r in run_query("matching/open-demands", db=db)] == []


#: The spec's Chinese vocabulary (spec/ledgers.md), written out: a word the code forgot fails the test.
SPEC_WORDS = {
    "level": "市 地级市=city 区 县 县级市 旗=district 街道 街道办事处=street 镇 乡=town 社区 居委会=community "
    "村=village 网格=grid 楼栋 楼院=building 小区 片区=neighborhood 区域=region",
    "kind": "区委 县委=district_committee 街道党工委=street_working_committee "
    "社区党委 社区党总支 社区党支部=community_party_org 网格党支部=grid_party_branch "
    "楼栋党小组 楼院党小组=building_party_group 党员中心户=member_household 区域党委=regional_party_committee "
    "街道大工委=street_joint_committee 社区大党委=community_joint_committee 网格大支部=grid_joint_branch "
    "单位党组织=unit_party_org 临时党支部=temporary_branch",
    "sector": "机关 事业单位=agency 国企 国有企业=soe 非公企业 民营企业=private_enterprise 学校=school "
    "医院 卫生院=hospital 社会组织=social_org 物业 物业公司=property_company 业委会 业主委员会=owners_committee "
    "派出所=police_station 商户 个体工商户=merchant 其他=other",
    "agreement_kind": "共驻共建=co_building 双报到=dual_report 目标责任书=responsibility",
    "membership_role": "委员 兼职委员=member 副书记 兼职副书记=deputy_secretary",
    "worker_role": "专职=full_time 兼职=part_time 党建网格员=party_building",
    "status": "待认领=open 已认领 实施中=claimed 已完成=done",
    "urgency": "1=1 5=5 一般=2 较急=3 紧急=4 特急=5",
}


def test_every_chinese_word_of_the_spec_and_the_english_ones_read():
    from pbgraph.loaders.ledger_vocab import boolean, word

    for vocab, spec in SPEC_WORDS.items():
        words: list[str] = []
        for token in spec.split():
            if "=" not in token:
                words.append(token)
                continue
            last, value = token.split("=")
            for w in [*words, last]:
                assert word(vocab, w) == value, (vocab, w)
                if not value.isdigit():
                    assert word(vocab, value) == value  # English words are accepted too
            words = []
    assert [boolean(w) for w in ("是", "√", "true", "1")] == [True] * 4
    assert [boolean(w) for w in ("否", "false", "0")] == [False] * 3


def test_the_report_names_columns_kept_as_they_are(db, tmp_path):
    """A header pbgraph does not know (所属街道 for 上级) is kept as a property: the report says so, to be checked.
    A serial column (No.) is not kept."""
    path = _ledger(
        tmp_path / "extra.xlsx",
        {"区域": [["No.", "名称", "层级", "所属街道", "备注"], [1, "新华街道", "街道", None, "示范街道"]]},
    )
    report = load_roster(path, db)
    assert report.ledger["kept"] == ["区域: 所属街道", "区域: 备注"]
    from pbgraph.api import roster_lines

    lines = [line for line in roster_lines(report) if line.startswith("columns kept as they are")]
    assert len(lines) == 1 and "区域: 所属街道" in lines[0]


def test_phone_and_id_numbers_inside_a_kept_column_are_removed(db, tmp_path):
    """备注: 联系人王五13912345678 — a column kept as it is still never carries a mobile or an ID number."""
    path = _ledger(
        tmp_path / "notes.xlsx",
        {
            "区域": [["名称", "层级", "区划代码", "备注"], ["新华街道", "街道", "140105001000", "示范街道"]],
            "驻区单位": [
                ["单位名称", "单位性质", "所属社区", "备注", "统一社会信用代码"],
                [
                    "新华派出所",
                    "派出所",
                    "新华街道",
                    "联系王五13912345678，身份证140105199001011234",
                    "12140000405870047X",
                ],
            ],
        },
    )
    report = load_roster(path, db)
    text = _all_text(db)
    assert "13912345678" not in text and "140105199001011234" not in text
    assert "12140000405870047X" in text and "140105001000" in text and "示范街道" in text  # codes are not people
    assert any("驻区单位: 备注" in m for m in report.ledger["masked"])


def test_two_people_of_one_name_in_one_grid_ask_for_a_number(db, tmp_path):
    """Not 'duplicate id wkr-…' under a 网格员编号 column the sheet does not have."""
    path = _ledger(
        tmp_path / "twins.xlsx",
        {
            "区域": [["名称", "层级", "上级"], ["和平社区", "社区", None], ["第一网格", "网格", "和平社区"]],
            "网格员": [
                ["序号", "姓名", "所在网格", "类型"],
                [1, "张三", "第一网格", "专职"],
                [2, "张三", "第一网格", "兼职"],
                [3, None, "第一网格", "兼职"],
            ],
        },
    )
    with pytest.raises(RosterInvalid) as e:
        load_roster(path, db)
    problem, blank = e.value.problems
    assert (problem.table, problem.row, problem.column) == ("网格员", 4, "姓名")
    assert (blank.row, blank.column) == (5, "姓名")  # the blank cell, not a 网格员编号 column the sheet lacks
    assert "first on row 3" in problem.reason and "编号" in problem.reason and "wkr-" not in problem.reason
    assert "张三" not in problem.reason  # a person's name is not repeated, even in a message


def test_closing_rows_with_contacts_or_a_reviewer_are_set_aside(db, tmp_path):
    """Footers departments write besides 填表人: 联系人/联系电话, 审核, 单位负责人 — never data, never stored."""
    path = _ledger(
        tmp_path / "footer.xlsx",
        {
            "区域": [["名称", "层级"], ["新华街道", "街道"]],
            "驻区单位": [
                ["序号", "单位名称", "单位性质", "所属社区"],
                [1, "新华派出所", "派出所", "新华街道"],
                ["联系人：王五", None, "联系电话：13912345678"],
                ["审核：赵六", None, "单位负责人：孙七", "报送日期：2025.1.6"],
            ],
        },
    )
    report = load_roster(path, db)
    assert report.rows["units"] == 1
    assert report.ledger["skipped"] == ["驻区单位 row 4 (signature)", "驻区单位 row 5 (signature)"]
    assert not any(v in _all_text(db) for v in ("王五", "13912345678", "赵六", "孙七"))


def test_sheets_with_table_names_and_chinese_headers_are_ledgers(db, tmp_path):
    """'in ledger form when its sheet/file names or headers are the Chinese ones': units.csv with 单位名称 … too."""
    folder = tmp_path / "named"
    folder.mkdir()
    (folder / "areas.csv").write_text(
        "区域台账\n名称,级别,上级\n新华街道,街道,\n和平社区,社区,新华街道\n", encoding="gb18030"
    )
    (folder / "units.csv").write_text("单位名称,单位性质,所属社区\n和美物业,物业,和平社区\n", encoding="utf-8")
    load_roster(folder, db)
    book = Workbook()
    book.active.title = "units"
    book.active.append(["驻区单位台账"])
    book.active.append(["序号", "单位名称", "单位性质", "所属社区"])
    book.active.append([1, "新华派出所", "派出所", "新华街道"])
    book.save(tmp_path / "units.xlsx")
    load_roster(tmp_path / "units.xlsx", db)
    rows = db.read("MATCH (u:Unit)-[:LOCATED_IN]->(a:Area) RETURN u.name, a.name ORDER BY u.name").rows
    assert sorted(rows) == [["和美物业", "和平社区"], ["新华派出所", "新华街道"]]


def test_a_sheet_name_that_misleads_falls_back_to_its_headers(db, tmp_path):
    """'非公企业党组织覆盖' names 党组织, but its headers are a units sheet's: read as units, not ignored."""
    path = _ledger(
        tmp_path / "named.xlsx",
        {
            "区域": [["名称", "级别"], ["新华街道", "街道"]],
            "非公企业党组织覆盖": [["单位名称", "单位性质", "所在社区"], ["晋阳科技公司", "非公企业", "新华街道"]],
        },
    )
    report = load_roster(path, db)
    assert report.ledger["sheets"]["非公企业党组织覆盖"] == "units" and report.rows["units"] == 1


def test_template_never_overwrites_a_ledger_without_force(tmp_path):
    """Running the template command again on the workbook a department filled in must not empty it."""
    path = tmp_path / "台账模板.xlsx"
    assert run_cli("template", "--out", str(path)).returncode == 0
    book = load_workbook(path)
    book["区域"].append([1, "光明街道", "街道"])
    book.save(path)
    again = run_cli("template", "--out", str(path))
    assert again.returncode != 0 and "--force" in again.stderr
    assert load_workbook(path)["区域"]["B3"].value == "光明街道"
    assert run_cli("template", "--out", str(path), "--force").returncode == 0
    assert load_workbook(path)["区域"]["B3"].value is None
    folder = tmp_path / "csv"
    assert run_cli("template", "--out", str(folder), "--format", "csv").returncode == 0
    again = run_cli("template", "--out", str(folder), "--format", "csv")
    assert again.returncode != 0 and "区域.csv" in again.stderr


def test_template_offers_the_usual_categories_and_accepts_others(tmp_path):
    """Resources and demands match by category: the 类别 list offers the words that match, and takes any other."""
    book = load_workbook(write_template(tmp_path / "t.xlsx")[0])
    for sheet in ("资源清单", "需求清单"):
        (dv,) = [dv for dv in book[sheet].data_validations.dataValidation if str(dv.sqref).startswith("C3")]
        assert {"课后托管", "助老服务", "活动场地"} <= set(dv.formula1.strip('"').split(","))
        assert not dv.showErrorMessage  # a category of the department's own is still accepted


def test_section_rows_between_groups_are_set_aside(db, tmp_path):
    """一、新华街道 merged across the sheet, or （二）坞城街道 alone in its first cell, heads a group of rows."""
    book = Workbook()
    areas = book.active
    areas.title = "区域"
    for row in (["名称", "级别"], ["新华街道", "街道"], ["坞城街道", "街道"]):
        areas.append(row)
    ws = book.create_sheet("驻区单位")
    ws.append(["驻区单位台账"])
    ws.append(["序号", "单位名称", "单位性质", "所在社区"])
    ws.append(["一、新华街道"])
    ws.merge_cells("A3:D3")
    ws.append([1, "新华派出所", "派出所", "新华街道"])
    ws.append(["（二）坞城街道"])
    ws.append([2, "坞城超市", "商户", "坞城街道"])
    book.save(tmp_path / "sections.xlsx")
    report = load_roster(tmp_path / "sections.xlsx", db)
    assert report.rows["units"] == 2
    assert report.ledger["skipped"] == [
        "驻区单位 row 3 (section: 一、新华街道)",
        "驻区单位 row 5 (section: （二）坞城街道)",
    ]


def test_everyday_variants_of_the_vocabulary_read():
    """Words departments write besides the spec's: 街道办, 社区居委会, 村委会, 私营企业, 党政机关, 小学 …"""
    from pbgraph.loaders.ledger_vocab import word

    said = {
        ("level", "街道办"): "street",
        ("level", "社区居委会"): "community",
        ("level", "村委会"): "village",
        ("level", "行政村"): "village",
        ("sector", "私营企业"): "private_enterprise",
        ("sector", "党政机关"): "agency",
        ("sector", "小学"): "school",
        ("sector", "中学"): "school",
        ("sector", "幼儿园"): "school",
        ("sector", "社区卫生服务中心"): "hospital",
        ("sector", "物业服务企业"): "property_company",
        ("status", "进行中"): "claimed",
    }
    assert {key: word(*key) for key in said} == said


def test_replace_says_the_rows_of_earlier_ledgers_are_removed_not_kept(db, tmp_path):
    path = _ledger(tmp_path / "a.xlsx", {"区域": [["名称", "级别"], ["新华街道", "街道"], ["坞城街道", "街道"]]})
    load_roster(path, db)
    path = _ledger(tmp_path / "b.xlsx", {"区域": [["名称", "级别"], ["新华街道", "街道"]]})
    assert load_roster(path, db).ledger["absent"] == ["areas: 坞城街道"]  # kept
    report = load_roster(path, db, replace=True)
    assert report.nodes["Area"]["removed"] == 1
    assert report.ledger["replaced"] == ["areas: 坞城街道"] and "absent" not in report.ledger


def test_a_row_without_its_place_when_others_write_it_in_the_name(db, tmp_path):
    """No 所属社区 column, places written with the names: a row without one is told what is missing, not that
    its 单位名称 is."""
    path = _ledger(
        tmp_path / "mixed.xlsx",
        {
            "区域": [["名称", "级别"], ["新华街道", "街道"]],
            "驻区单位": [["单位名称", "单位性质"], ["新华街道/和美物业", "物业"], ["坞城超市", "商户"]],
        },
    )
    with pytest.raises(RosterInvalid) as e:
        load_roster(path, db)
    (problem,) = e.value.problems
    assert (problem.table, problem.row, problem.column) == ("驻区单位", 4, "所属社区")


def test_an_unchanged_reload_says_so_in_its_last_line(db, tmp_path):
    from pbgraph.api import roster_lines

    path = _ledger(tmp_path / "a.xlsx", {"区域": [["名称", "级别"], ["新华街道", "街道"]]})
    load_roster(path, db)
    last = roster_lines(load_roster(path, db))[-1]
    assert last.startswith("loaded ") and not last.endswith(": ") and "unchanged" in last


def test_template_headers_carry_a_note_on_how_to_fill_them(tmp_path):
    """Where a department fills in, not in a manual: names with their parent, dates, numbers, what is dropped."""
    book = load_workbook(write_template(tmp_path / "t.xlsx")[0])
    units = book["驻区单位"]
    assert "新华街道/和平社区" in units["D2"].comment.text  # 所属社区: a name, with its parent where it repeats
    assert "2024年3月1日" in book["共建协议"]["F2"].comment.text  # 签订日期
    assert "不会存入" in book["网格员"]["C2"].comment.text  # 姓名: replaced by a pseudonym
    assert units["B2"].comment is not None  # 单位名称


def test_odd_rows_of_a_csv_sheet_read_as_in_a_workbook(tmp_path):
    """A CSV sheet's rows are taken in bulk unless some mark says they may not be data: every odd
    row (section, banner, total, signature, footer, blank, serial only, short, spaces) is still set
    aside or kept exactly as the same rows of a workbook are, cell by cell."""
    from pbgraph.loaders.roster_files import read_roster

    sheets = {
        "驻区单位": [
            ["驻区单位台账"],
            ["序号", "单位名称", "单位性质", "所在社区", "备注"],
            ["1", "新华派出所", "派出所", "新华街道", ""],
            ["一、新华街道", "一、新华街道", "一、新华街道", "一、新华街道", "一、新华街道"],
            ["2", " 和美物业 ", "物业", "新华街道", "  "],
            ["（二）坞城街道", "", "", "", ""],
            ["3", "坞城超市", "商户", "坞城街道", "时间：周一"],
            ["", "", "", "", ""],
            ["4", "", "", "", ""],
            [" ", "\u3000", " ", "", ""],
            ["5", "一中", "学校", "坞城街道", ""],
            ["6", "同名", "同名", "坞城街道", ""],
            ["坞城街道"] * 5,
            ["7", "晋阳小计算机公司", "非公企业", "坞城街道"],
            ["合 计", "", "共7家", "", ""],
            ["", "填表人 某某", "", "审核人 某某", ""],
            ["联系人：王五", "", "联系电话：13912345678", "", ""],
        ],
        "区域": [
            ["名称", "级别", "上级"],
            ["新华街道", "街道", ""],
            ["三、坞城", "", ""],
            ["坞城街道", "街道", ""],
        ],
    }
    folder = tmp_path / "csv"
    folder.mkdir()
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        with (folder / f"{name}.csv").open("w", encoding="gb18030", newline="") as f:
            csv.writer(f).writerows(rows)
        ws = book.create_sheet(name)
        for row in rows:
            ws.append([None if c == "" else c for c in row])
    book.save(tmp_path / "book.xlsx")
    from_csv = {s.sheet: s for s in read_roster(folder).ledger}
    from_book = {s.sheet: s for s in read_roster(tmp_path / "book.xlsx").ledger}
    for name in sheets:  # (a workbook's blank cell is None, a CSV file's empty text)
        kept = [(n, {k: (v or "").strip() for k, v in cells.items()}) for n, cells in from_csv[name].rows]
        assert kept == [(n, {k: (v or "").strip() for k, v in c.items()}) for n, c in from_book[name].rows]
        assert from_csv[name].skipped == from_book[name].skipped
    assert [n for n, _ in from_csv["驻区单位"].rows] == [3, 5, 7, 11, 12, 14]
    assert [s.split(" (")[1] for s in from_csv["驻区单位"].skipped] == [
        "section: 一、新华街道)",
        "section: （二）坞城街道)",
        "section: 坞城街道)",
        "合计)",
        "signature)",
        "signature)",
    ]
    assert from_csv["区域"].skipped == ["row 3 (section: 三、坞城)"]


def test_parents_written_before_their_rows_resolve_once_every_namesake_is_placed(db, tmp_path):
    """Rows that name a parent listed further down wait until every row of that name is placed:
    the grids come first, their communities (three 和平社区 in three streets) next, the streets
    and districts last. Each grid lands under the community its written path names, and a bare
    和平社区 is refused with its three candidates, not guessed."""
    rows = [["区域名称", "级别", "上级"]]
    for street in ("新华街道", "坞城街道", "柳巷街道"):
        rows.append([f"{street[:2]}第1网格", "网格", f"{street}/和平社区"])
    rows.append(["孤网格", "网格", "和平社区"])  # ambiguous: which 和平社区?
    rows += [["和平社区", "社区", s] for s in ("迎泽区/新华街道", "小店区/坞城街道", "迎泽区/柳巷街道")]
    rows += [["新华街道", "街道", "迎泽区"], ["坞城街道", "街道", "小店区"], ["柳巷街道", "街道", "迎泽区"]]
    rows += [["迎泽区", "区", "太原市"], ["小店区", "区", "太原市"], ["太原市", "市", None]]
    path = _ledger(tmp_path / "order.xlsx", {"区域": rows})
    with pytest.raises(RosterInvalid) as e:
        load_roster(path, db)
    (problem,) = e.value.problems
    assert (problem.row, problem.column) == (6, "上级") and "ambiguous" in problem.reason
    assert all(p in problem.reason for p in ("新华街道/和平社区", "坞城街道/和平社区", "柳巷街道/和平社区"))
    rows.pop(4)  # the ambiguous grid
    load_roster(_ledger(tmp_path / "order2.xlsx", {"区域": rows}), db)
    placed = db.read(
        "MATCH (g:Area {level: 'grid'})-[:PART_OF]->(c:Area)-[:PART_OF]->(s:Area) RETURN g.name, c.name, s.name"
    ).rows
    assert sorted(placed) == [
        ["坞城第1网格", "和平社区", "坞城街道"],
        ["新华第1网格", "和平社区", "新华街道"],
        ["柳巷第1网格", "和平社区", "柳巷街道"],
    ]
