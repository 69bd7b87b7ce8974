"""Generate realistic rosters for demos, tests and benchmarks.

Presets follow the numbers the source documents state (Shenzhen 光明街道, Yibin
翠屏区, 太原市) and a ``province`` about ten times ``taiyuan`` for benchmarks.
Imperfection is planted on purpose at ``gap_rate`` — uncovered grids, missing
joint committees, units without agreements, oversized grids, grids without
workers, committees lacking a required sector, expired agreements, open demands
— and every planted gap is listed in ``truth.json`` so tests can check that the
canned questions find exactly those. The same seed and date give the same files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pbgraph.graph.errors import PbgraphError

from .roster_tables import ORDER, TABLES

# -- name parts ---------------------------------------------------------------------------

PLACE_WORDS = (
    "和平 幸福 光明 建设 文化 朝阳 红旗 解放 胜利 人民 友谊 长青 桃园 柳巷 杏花 府东 迎泽 双塔 "
    "南华 北辰 东岳 西山 青年 新华 团结 安康 育才 锦绣 富民 兴华 永安 康乐 春晖 金桥 银河 "
    "翠屏 白塔 龙泉 凤凰 星火 景福 丰泽 长风 滨河 汾河 晋阳 平安 德胜 振兴 昌盛 前进 东风 "
    "阳光 书香 紫荆 梧桐 松柏 玉泉 清泉 碧水 彩虹 华苑 嘉园 绿洲 花园 怡景 鑫苑 御河 静安 "
    "广场 学府 工农 铁路 电厂 纺织 钢城 矿区 新村 老街 古城 坡头 河畔 湖滨 山水 金沙 宝塔"
).split()
DIRECTIONS = ("", "东", "西", "南", "北", "新", "中")
BUREAUS = (
    "民政局 教育局 卫生健康委员会 人力资源和社会保障局 住房和城乡建设局 市场监督管理局 司法局 财政局 "
    "税务局 城市管理局 生态环境局 交通运输局 文化和旅游局 应急管理局 退役军人事务局 医疗保障局 "
    "统计局 审计局 水务局 商务局 科技局 自然资源局 农业农村局 体育局 信访局 档案馆 图书馆 供电公司"
).split()
INDUSTRIES = "能源 建工 交通 水务 燃气 煤业 钢铁 化工 电力 通信 物流 置业 装备 文旅".split()
TECH = "信息 智能 数据 医药 新材料 电子 软件 环保 食品 服饰".split()
CATEGORIES = (
    "elderly_care",
    "medical",
    "legal_aid",
    "employment",
    "education",
    "culture_sports",
    "volunteer_service",
    "venue",
    "environment",
    "safety",
)
CATEGORY_NAMES = {
    "elderly_care": "助老服务",
    "medical": "医疗义诊",
    "legal_aid": "法律咨询",
    "employment": "就业培训",
    "education": "课后托管",
    "culture_sports": "文体活动",
    "volunteer_service": "志愿服务队",
    "venue": "活动场地",
    "environment": "环境整治",
    "safety": "安全巡防",
}
DEMAND_NAMES = {
    "elderly_care": "老年人助餐",
    "medical": "慢病随访",
    "legal_aid": "邻里纠纷调解",
    "employment": "失业人员再就业",
    "education": "青少年课后看护",
    "culture_sports": "广场文体活动",
    "volunteer_service": "志愿服务",
    "venue": "居民议事场所",
    "environment": "老旧小区环境整治",
    "safety": "夜间治安巡逻",
}
REQUIRED = {"street": ["police_station"], "community": ["police_station", "property_company", "owners_committee"]}


class GeneratorError(PbgraphError):
    """A preset or option the generator cannot use."""


@dataclass(frozen=True)
class Preset:
    """The shape of one generated network."""

    name: str
    #: prefix of every id, so rosters of different presets can share one graph
    tag: str
    description: str
    province: str
    cities: tuple[tuple[str, tuple[str, ...]], ...]  # (city, districts)
    streets: int  # per city
    communities: int  # per city
    grids_per_community: tuple[int, int]
    buildings_per_grid: int
    grid_households: tuple[int, int]
    units_per_community: tuple[int, int]
    grid_branches_per_community: tuple[int, int] | None = None  # None: one branch per grid
    regions: int = 0  # per city; regional party committees spanning streets
    regional_members: int = 0  # per city: unit heads on regional committees
    agencies: int = 0  # per city: agency units with party orgs and co-building agreements
    party_building_workers: int = 0  # per city
    extra_workers: int = 0  # per city, beyond one per covered grid
    resources: int = 0  # per city
    demands: int = 0  # per city
    claimed_share: float = 0.3
    members_per_unit: int = 1
    #: real names to use first (then names built from parts)
    street_names: tuple[str, ...] = ()
    community_names: tuple[str, ...] = ()


SHANXI = (
    (
        "太原市",
        ("迎泽区", "杏花岭区", "小店区", "尖草坪区", "万柏林区", "晋源区", "清徐县", "阳曲县", "娄烦县", "古交市"),
    ),
    ("大同市", ("平城区", "云冈区", "新荣区", "云州区", "阳高县", "天镇县", "广灵县", "灵丘县", "浑源县", "左云县")),
    ("阳泉市", ("城区", "矿区", "郊区", "平定县", "盂县")),
    ("长治市", ("潞州区", "上党区", "屯留区", "潞城区", "襄垣县", "平顺县", "黎城县", "壶关县", "长子县", "武乡县")),
    ("晋城市", ("城区", "沁水县", "阳城县", "陵川县", "泽州县", "高平市")),
    ("朔州市", ("朔城区", "平鲁区", "山阴县", "应县", "右玉县", "怀仁市")),
    ("晋中市", ("榆次区", "太谷区", "榆社县", "左权县", "和顺县", "昔阳县", "寿阳县", "祁县", "平遥县", "介休市")),
    ("运城市", ("盐湖区", "临猗县", "万荣县", "闻喜县", "稷山县", "新绛县", "绛县", "垣曲县", "夏县", "永济市")),
    ("忻州市", ("忻府区", "定襄县", "五台县", "代县", "繁峙县", "宁武县", "静乐县", "神池县", "五寨县", "原平市")),
    ("临汾市", ("尧都区", "曲沃县", "翼城县", "襄汾县", "洪洞县", "古县", "安泽县", "浮山县", "吉县", "侯马市")),
)

TAIYUAN = Preset(
    name="taiyuan",
    tag="TY",
    description="太原市: city scale, 758 communities, 6,084 grid workers (seed 1), the six-level chain",
    province="山西省",
    cities=(SHANXI[0],),
    streets=66,
    communities=758,
    grids_per_community=(6, 10),
    buildings_per_grid=3,
    grid_households=(250, 500),
    units_per_community=(4, 7),
    extra_workers=300,
    resources=5000,
    demands=22000,
    claimed_share=0.09,
)

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="guangming",
            tag="GM",
            description="深圳市光明区光明街道: 1 street working committee, 6 community party "
            "committees, 48 grid branches covering 150 grids, ~270 service teams",
            province="广东省",
            cities=(("深圳市", ("光明区",)),),
            streets=1,
            communities=6,
            grids_per_community=(25, 25),
            buildings_per_grid=0,
            grid_households=(150, 500),
            units_per_community=(6, 9),
            grid_branches_per_community=(8, 8),
            extra_workers=20,
            resources=270,
            demands=240,
            street_names=("光明街道",),
            community_names=("光明社区", "碧眼社区", "白花社区", "东周社区", "迳口社区", "圳美社区"),
        ),
        Preset(
            name="cuiping",
            tag="CP",
            description="宜宾市翠屏区: 9 street joint committees, 41 community joint committees, "
            "5 regional party committees, 79 unit heads on them, 145 agency party orgs with co-building "
            "agreements, 101 party-building grid workers at ~500 households per grid",
            province="四川省",
            cities=(("宜宾市", ("翠屏区",)),),
            streets=9,
            communities=41,
            grids_per_community=(2, 3),
            buildings_per_grid=0,
            grid_households=(400, 500),
            units_per_community=(4, 6),
            regions=5,
            regional_members=79,
            agencies=145,
            party_building_workers=101,
            resources=160,
            demands=300,
        ),
        TAIYUAN,
        Preset(
            name="province",
            tag="SX",
            description="山西省: ten cities of taiyuan's size (~1 million nodes), for benchmarks",
            province="山西省",
            cities=SHANXI,
            streets=66,
            communities=758,
            grids_per_community=(6, 10),
            buildings_per_grid=3,
            grid_households=(250, 500),
            units_per_community=(4, 7),
            extra_workers=300,
            resources=5000,
            demands=22000,
            claimed_share=0.09,
        ),
    )
}


@dataclass
class Roster:
    """Generated rows per table and the planted gaps."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    truth: dict[str, Any] = field(default_factory=dict)


def revise(roster: Roster, share: float, seed: int = 1) -> tuple[Roster, list[tuple[str, str]]]:
    """A copy of ``roster`` with ``share`` of the rows of every table that has names renamed
    (what a department's monthly resubmission changes), and the (table, id) pairs renamed."""
    rng = random.Random(seed)
    revised = Roster(rows={name: [dict(r) for r in rows] for name, rows in roster.rows.items()}, truth=roster.truth)
    renamed: list[tuple[str, str]] = []
    for name, rows in sorted(revised.rows.items()):
        if not rows or "name" not in rows[0]:
            continue
        for row in rng.sample(rows, max(1, round(len(rows) * share))):
            row["name"] = f"{row['name']}（更名）"
            renamed.append((name, row["id"]))
    return revised, renamed


class _Names:
    """Unique names within a scope, built from parts."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: dict[str, set[str]] = defaultdict(set)

    def place(self, scope: str, suffix: str) -> str:
        for _ in range(200):
            name = self.rng.choice(PLACE_WORDS) + self.rng.choice(DIRECTIONS) + suffix
            if name not in self.used[scope]:
                self.used[scope].add(name)
                return name
        n = len(self.used[scope]) + 1
        name = f"{self.rng.choice(PLACE_WORDS)}{n}{suffix}"
        self.used[scope].add(name)
        return name


def generate(preset_name: str, seed: int = 1, gap_rate: float = 0.05, as_of: dt.date | None = None) -> Roster:
    """Rows for every roster table, and ``truth`` listing each planted gap."""
    if preset_name not in PRESETS:
        raise GeneratorError(f"unknown preset {preset_name!r}; choose one of {', '.join(PRESETS)}")
    if not 0 <= gap_rate <= 0.5:
        raise GeneratorError(f"--gap-rate must be between 0 and 0.5, not {gap_rate}")
    return _Generator(PRESETS[preset_name], seed, gap_rate, as_of or dt.date.today()).run()


class _Generator:
    def __init__(self, preset: Preset, seed: int, gap_rate: float, as_of: dt.date) -> None:
        self.p = preset
        self.rng = random.Random(seed)
        self.gap = gap_rate
        self.as_of = as_of
        self.names = _Names(self.rng)
        self.out = Roster()
        self.t: dict[str, Any] = {
            "uncovered_grids": [],
            "communities_without_joint_committee": [],
            "streets_without_joint_committee": [],
            "oversized_grids": [],
            "grids_without_worker": [],
            "committee_missing": {},
            "units_without_agreement": [],
            "expiring_agreements": [],
            "expired_agreements": [],
            "open_demands": [],
        }
        self.counters: dict[str, int] = defaultdict(int)

    # helpers
    def _id(self, prefix: str) -> str:
        self.counters[prefix] += 1
        return f"{self.p.tag}-{prefix}{self.counters[prefix]:06d}"

    def _hit(self) -> bool:
        return self.rng.random() < self.gap

    def _date(self, lo_days: int, hi_days: int) -> str:
        return (self.as_of + dt.timedelta(days=self.rng.randint(lo_days, hi_days))).isoformat()

    def add(self, table: str, **row: Any) -> dict[str, Any]:
        self.out.rows[table].append(row)
        return row

    def run(self) -> Roster:
        p = self.p
        self.add("areas", id=p.tag, name=p.province, level="province", parent_id=None)
        for ci, (city, districts) in enumerate(p.cities, 1):
            self.city(f"{p.tag}C{ci:02d}", city, districts)
        self.t["as_of"] = self.as_of.isoformat()
        self.t["expiring_before"] = (self.as_of + dt.timedelta(days=90)).isoformat()
        self.t["max_households"] = 500
        self.t["required"] = REQUIRED
        for value in self.t.values():
            if isinstance(value, list):
                value.sort()
        self.t["committee_missing"] = dict(sorted(self.t["committee_missing"].items()))
        _distinct_names(self.out.rows)
        self.t["counts"] = {name: len(rows) for name, rows in self.out.rows.items()}
        self.out.truth = {"preset": p.name, "gap_rate": self.gap, **self.t}
        return self.out

    def city(self, cid: str, city: str, districts: tuple[str, ...]) -> None:
        p = self.p
        self.cid = cid  # per-city quotas (extra and party-building workers) count under it
        self.add("areas", id=cid, name=city, level="city", parent_id=self.p.tag)
        dids = []
        for di, district in enumerate(districts, 1):
            did = f"{cid}D{di:02d}"
            dids.append(did)
            self.add("areas", id=did, name=district, level="district", parent_id=cid)
            self.add(
                "orgs",
                id=f"dc-{did}",
                name=f"中共{district}委员会",
                kind="district_committee",
                area_id=did,
                parent_id=None,
            )
        # spread streets and communities over districts, every district at least one street
        street_district = [dids[i % len(dids)] for i in range(p.streets)]
        streets: list[tuple[str, str, str]] = []  # (id, name, district id)
        for si, did in enumerate(street_district, 1):
            sid = f"{did}S{si:02d}"
            name = self.names.place(cid, "街道")
            if si <= len(p.street_names):
                name = p.street_names[si - 1]
            streets.append((sid, name, did))
            self.add("areas", id=sid, name=name, level="street", parent_id=did)
        community_street = [streets[i % len(streets)] for i in range(p.communities)]
        units_by_street: dict[str, list[dict[str, Any]]] = defaultdict(list)
        communities_by_street: dict[str, list[str]] = defaultdict(list)
        for ki, (sid, _, _) in enumerate(community_street, 1):
            communities_by_street[sid].append(f"{sid}K{ki:03d}")
        police: dict[str, dict[str, Any]] = {}
        for sid, sname, did in streets:
            police[sid] = self.street(sid, sname, did, communities_by_street[sid], units_by_street)
        for sid, sname, _ in streets:
            for kid in communities_by_street[sid]:
                self.community(kid, sid, sname, police[sid], units_by_street)
        for sid, sname, _ in streets:
            self.street_committee(sid, sname, police[sid], units_by_street[sid])
        if p.regions:
            self.regions(cid, streets, units_by_street)
        if p.agencies:
            self.agencies(cid, city, streets)
        self.lists(cid)

    def street(
        self, sid: str, sname: str, did: str, communities: list[str], units_by_street: dict[str, list[dict[str, Any]]]
    ) -> dict[str, Any]:
        self.add(
            "orgs",
            id=f"swc-{sid}",
            name=f"{sname}党工委",
            kind="street_working_committee",
            area_id=sid,
            parent_id=f"dc-{did}",
        )
        # the police station sits in the street itself (in no community)
        unit = self.add(
            "units",
            id=f"u-{sid}-ps",
            name=f"{sname[:-2]}派出所",
            sector="police_station",
            area_id=sid,
            large="false",
            party_members=self.rng.randint(10, 40),
            party_org_id=None,
        )
        units_by_street[sid].append(unit)
        return unit

    def street_committee(self, sid: str, sname: str, police: dict[str, Any], units: list[dict[str, Any]]) -> None:
        if self._hit():
            self.t["streets_without_joint_committee"].append(sid)
            return
        oid = f"sjc-{sid}"
        self.add(
            "orgs", id=oid, name=f"{sname}大工委", kind="street_joint_committee", area_id=sid, parent_id=f"swc-{sid}"
        )
        big = [u for u in units if u["large"] == "true" and u["sector"] != "police_station"]
        members = self.rng.sample(big, min(len(big), self.rng.randint(3, 8)))
        if self._hit():
            self.t["committee_missing"][oid] = ["police_station"]
        else:
            members.append(police)
        for i, u in enumerate(members):
            self.add(
                "memberships",
                unit_id=u["id"],
                org_id=oid,
                role="deputy_secretary" if i == 0 else "member",
                since=self._date(-1500, -30),
            )

    def community(
        self, kid: str, sid: str, sname: str, police: dict[str, Any], units_by_street: dict[str, list[dict[str, Any]]]
    ) -> None:
        p = self.p
        name = self.names.place(sid, "社区")
        taken = self.counters["community-names"]
        if taken < len(p.community_names):
            name = p.community_names[taken]
            self.counters["community-names"] += 1
        grids = []
        total_households = 0
        n_grids = self.rng.randint(*p.grids_per_community)
        for gi in range(1, n_grids + 1):
            gid = f"{kid}G{gi:02d}"
            households = self.rng.randint(*p.grid_households)
            if self._hit():
                households = self.rng.randint(501, 1200)
                self.t["oversized_grids"].append(gid)
            total_households += households
            grids.append(gid)
            self.add("areas", id=gid, name=f"{name}第{gi}网格", level="grid", parent_id=kid, households=households)
        self.add("areas", id=kid, name=name, level="community", parent_id=sid, households=total_households)
        cpo = f"cpo-{kid}"
        self.add("orgs", id=cpo, name=f"{name}党委", kind="community_party_org", area_id=kid, parent_id=f"swc-{sid}")
        self.grid_branches(kid, name, cpo, grids)
        self.workers(grids)
        units = self.units(kid, sid, name)
        units_by_street[sid].extend(units)
        self.community_committee(kid, name, sid, police, units)
        self.agreements(kid, sid, units)

    def grid_branches(self, kid: str, name: str, cpo: str, grids: list[str]) -> None:
        covered = [g for g in grids if not self._hit()]
        self.t["uncovered_grids"].extend(g for g in grids if g not in covered)
        if not covered:
            return
        if self.p.grid_branches_per_community:
            n = min(len(covered), self.rng.randint(*self.p.grid_branches_per_community))
        else:
            n = len(covered)
        for bi in range(n):
            bid = f"gpb-{kid}-{bi + 1:02d}"
            mine = covered[bi::n]
            self.add(
                "orgs",
                id=bid,
                name=f"{name}第{bi + 1}网格党支部",
                kind="grid_party_branch",
                area_id=mine[0],
                parent_id=cpo,
            )
            for g in mine:
                self.add("coverage", org_id=bid, area_id=g)
                self.buildings(g, bid)

    def buildings(self, gid: str, branch: str) -> None:
        for b in range(1, self.p.buildings_per_grid + 1):
            bid = f"{gid}B{b}"
            self.add(
                "areas", id=bid, name=f"{b}号楼", level="building", parent_id=gid, households=self.rng.randint(40, 160)
            )
            group = f"bpg-{bid}"
            self.add(
                "orgs", id=group, name=f"{b}号楼党小组", kind="building_party_group", area_id=bid, parent_id=branch
            )
            self.add("coverage", org_id=group, area_id=bid)
            self.add(
                "orgs", id=f"mh-{bid}", name=f"{b}号楼党员中心户", kind="member_household", area_id=bid, parent_id=group
            )

    def workers(self, grids: list[str]) -> None:
        p = self.p
        for g in grids:
            if self._hit():
                self.t["grids_without_worker"].append(g)
                continue
            pbw, extra = f"pbw-{self.cid}", f"extra-{self.cid}"
            role = "party_building" if self.counters[pbw] < p.party_building_workers else "full_time"
            if role == "party_building":
                self.counters[pbw] += 1
            self.add("workers", id=self._id("w"), grid_id=g, role=role)
            if self.counters[extra] < p.extra_workers and self.rng.random() < 0.15:
                self.counters[extra] += 1
                self.add("workers", id=self._id("w"), grid_id=g, role="part_time")

    def units(self, kid: str, sid: str, cname: str) -> list[dict[str, Any]]:
        base = cname[:-2]
        made = [
            self.add(
                "units",
                id=f"u-{kid}-pc",
                name=f"{self.rng.choice(PLACE_WORDS)}物业服务有限公司",
                sector="property_company",
                area_id=kid,
                large="false",
                party_members=self.rng.randint(0, 8),
                party_org_id=None,
            ),
            self.add(
                "units",
                id=f"u-{kid}-oc",
                name=f"{base}小区业主委员会",
                sector="owners_committee",
                area_id=kid,
                large="false",
                party_members=self.rng.randint(0, 5),
                party_org_id=None,
            ),
        ]
        kinds = [
            ("school", lambda: f"{self.rng.choice(PLACE_WORDS)}{self.rng.choice(['小学', '中学', '幼儿园'])}"),
            ("hospital", lambda: f"{base}社区卫生服务中心"),
            ("soe", lambda: f"{self.rng.choice(PLACE_WORDS)}{self.rng.choice(INDUSTRIES)}集团有限公司"),
            ("private_enterprise", lambda: f"{self.rng.choice(PLACE_WORDS)}{self.rng.choice(TECH)}科技有限公司"),
            ("social_org", lambda: f"{self.rng.choice(PLACE_WORDS)}社会工作服务中心"),
            ("merchant", lambda: f"{self.rng.choice(PLACE_WORDS)}超市"),
        ]
        for k in range(self.rng.randint(*self.p.units_per_community)):
            sector, name = kinds[k % len(kinds)]
            uid = f"u-{kid}-{k + 1:02d}"
            large = sector in ("school", "hospital", "soe") or self.rng.random() < 0.2
            # a unit may sit in one of the community's grids: it still belongs to the community
            area = kid
            made.append(
                self.add(
                    "units",
                    id=uid,
                    name=name(),
                    sector=sector,
                    area_id=area,
                    large="true" if large else "false",
                    party_members=self.rng.randint(3, 120),
                    party_org_id=None,
                )
            )
        for u in made:
            if int(u["party_members"]) >= 3 and u["sector"] not in ("owners_committee",):
                oid = f"upo-{u['id']}"
                self.add(
                    "orgs",
                    id=oid,
                    name=f"{u['name']}党支部",
                    kind="unit_party_org",
                    area_id=u["area_id"],
                    parent_id=None,
                )
                u["party_org_id"] = oid
            for _ in range(self.p.members_per_unit):
                self.add(
                    "members", id=self._id("m"), unit_id=u["id"], reported_to=kid, reported_on=self._date(-900, -1)
                )
        return made

    def community_committee(
        self, kid: str, name: str, sid: str, police: dict[str, Any], units: list[dict[str, Any]]
    ) -> None:
        if self._hit():
            self.t["communities_without_joint_committee"].append(kid)
            return
        oid = f"cjc-{kid}"
        self.add(
            "orgs", id=oid, name=f"{name}大党委", kind="community_joint_committee", area_id=kid, parent_id=f"cpo-{kid}"
        )
        required = {
            "police_station": police,
            "property_company": next(u for u in units if u["sector"] == "property_company"),
            "owners_committee": next(u for u in units if u["sector"] == "owners_committee"),
        }
        missing: list[str] = []
        if self._hit():
            missing = [self.rng.choice(sorted(required))]
            self.t["committee_missing"][oid] = missing
        members = [u for s, u in required.items() if s not in missing]
        others = [u for u in units if u["sector"] not in required]
        members += self.rng.sample(others, min(len(others), self.rng.randint(1, 3)))
        for i, u in enumerate(members):
            self.add(
                "memberships",
                unit_id=u["id"],
                org_id=oid,
                role="deputy_secretary" if i == 0 else "member",
                since=self._date(-1500, -30),
            )

    def agreements(self, kid: str, sid: str, units: list[dict[str, Any]]) -> None:
        for u in units:
            roll = self.rng.random()
            if roll < self.gap:  # none at all
                self.t["units_without_agreement"].append(u["id"])
                continue
            aid = self._id("ag-")
            if roll < 2 * self.gap:  # expired before as_of
                signed, expires = self._date(-1800, -800), self._date(-700, -1)
                self.t["units_without_agreement"].append(u["id"])
                self.t["expired_agreements"].append(aid)
            elif roll < 2.5 * self.gap:  # with another kind: not a co-building agreement
                self.add(
                    "agreements",
                    id=aid,
                    kind="responsibility",
                    unit_id=u["id"],
                    area_id=kid,
                    signed=self._date(-700, -10),
                    expires=None,
                )
                self.t["units_without_agreement"].append(u["id"])
                continue
            elif roll < 3 * self.gap:  # in force, expiring within 90 days
                signed, expires = self._date(-1000, -10), self._date(1, 89)
                self.t["expiring_agreements"].append(aid)
            else:
                signed = self._date(-1400, -1)
                expires = None if self.rng.random() < 0.4 else self._date(120, 1500)
            # a fifth sign with the street rather than the community: they count too
            party = sid if self.rng.random() < 0.2 else kid
            self.add(
                "agreements", id=aid, kind="co_building", unit_id=u["id"], area_id=party, signed=signed, expires=expires
            )

    def regions(
        self, cid: str, streets: list[tuple[str, str, str]], units_by_street: dict[str, list[dict[str, Any]]]
    ) -> None:
        p = self.p
        groups = [streets[i :: p.regions] for i in range(p.regions)]
        quota = [
            p.regional_members // p.regions + (1 if i < p.regional_members % p.regions else 0) for i in range(p.regions)
        ]
        for ri, group in enumerate(groups, 1):
            rid = f"{cid}R{ri:02d}"
            name = f"{group[0][1][:-2]}区域"
            self.add("areas", id=rid, name=name, level="region", parent_id=group[0][2])
            oid = f"rpc-{rid}"
            self.add(
                "orgs",
                id=oid,
                name=f"{name}党委",
                kind="regional_party_committee",
                area_id=rid,
                parent_id=f"dc-{group[0][2]}",
            )
            pool = [u for sid, _, _ in group for u in units_by_street[sid]]
            for sid, _, _ in group:
                self.add("spans", region_id=rid, area_id=sid)
            for i, u in enumerate(self.rng.sample(pool, min(len(pool), quota[ri - 1]))):
                self.add(
                    "memberships",
                    unit_id=u["id"],
                    org_id=oid,
                    role="deputy_secretary" if i < 2 else "member",
                    since=self._date(-1200, -30),
                )

    def agencies(self, cid: str, city: str, streets: list[tuple[str, str, str]]) -> None:
        """Agency units (机关) with their own party orgs, each signed up with a community or street."""
        communities = [r for r in self.out.rows["areas"] if r["level"] == "community" and r["id"].startswith(cid)]
        for i in range(self.p.agencies):
            bureau = BUREAUS[i % len(BUREAUS)]
            level = i // len(BUREAUS)
            name = f"{city}{bureau}" if level == 0 else f"{city}{bureau}第{level}分局"
            home = communities[i % len(communities)]
            uid = f"u-{cid}-ag{i + 1:03d}"
            unit = self.add(
                "units",
                id=uid,
                name=name,
                sector="agency",
                area_id=home["id"],
                large="true",
                party_members=self.rng.randint(20, 200),
                party_org_id=f"upo-{uid}",
            )
            self.add(
                "orgs",
                id=f"upo-{uid}",
                name=f"{name}机关党支部",
                kind="unit_party_org",
                area_id=home["id"],
                parent_id=None,
            )
            self.agreements(home["id"], home["parent_id"], [unit])

    def lists(self, cid: str) -> None:
        """The resource, demand and project lists."""
        p = self.p
        units = [u for u in self.out.rows["units"] if u["area_id"].startswith(cid)]
        communities = [r["id"] for r in self.out.rows["areas"] if r["level"] == "community" and r["id"].startswith(cid)]
        grids = [r["id"] for r in self.out.rows["areas"] if r["level"] == "grid" and r["id"].startswith(cid)]
        resources = []
        for _ in range(p.resources):
            cat = self.rng.choice(CATEGORIES)
            owner = self.rng.choice(units)["id"] if self.rng.random() < 0.8 else self.rng.choice(communities)
            resources.append(
                self.add(
                    "resources",
                    id=self._id("r-"),
                    name=CATEGORY_NAMES[cat],
                    category=cat,
                    owner_id=owner,
                    capacity=self.rng.randint(1, 10),
                )
            )
        by_cat: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in resources:
            by_cat[r["category"]].append(r)
        for _ in range(p.demands):
            cat = self.rng.choice(CATEGORIES)
            area = self.rng.choice(grids) if self.rng.random() < 0.5 else self.rng.choice(communities)
            did = self._id("d-")
            self.add(
                "demands",
                id=did,
                name=DEMAND_NAMES[cat],
                category=cat,
                area_id=area,
                households=self.rng.randint(1, 300) if self.rng.random() > 0.05 else None,
                urgency=self.rng.randint(1, 5) if self.rng.random() > 0.05 else None,
                raised=self._date(-400, -1),
            )
            roll = self.rng.random()
            if roll < p.claimed_share and by_cat[cat]:
                resource = self.rng.choice(by_cat[cat])
                self.add(
                    "projects",
                    id=self._id("p-"),
                    name=f"{DEMAND_NAMES[cat]}项目",
                    status=self.rng.choice(["claimed", "done"]),
                    demand_id=did,
                    resource_id=resource["id"],
                    claimed_by=self.rng.choice(units)["id"],
                )
                continue
            self.t["open_demands"].append(did)
            if roll < p.claimed_share + 0.05:  # an open project does not close its demand
                self.add(
                    "projects",
                    id=self._id("p-"),
                    name=f"{DEMAND_NAMES[cat]}项目",
                    status="open",
                    demand_id=did,
                    resource_id=None,
                    claimed_by=None,
                )


def _distinct_names(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Number repeated names within one place (和平小学（2）), as a ledger must tell them apart by name."""
    places = ("parent_id", "area_id", "area_id", "owner_id", "area_id")
    for table, seat in zip(("areas", "orgs", "units", "resources", "demands"), places, strict=True):
        seen: dict[tuple[Any, str], int] = defaultdict(int)
        for row in rows.get(table, []):
            key = (row.get(seat), row["name"])
            seen[key] += 1
            if seen[key] > 1:
                row["name"] = f"{row['name']}（{seen[key]}）"


# -- writing ------------------------------------------------------------------------------------


def write_roster(
    roster: Roster, out: Path, fmt: str = "csv", encoding: str = "utf-8", form: str = "today"
) -> list[Path]:
    """Write the tables (CSV folder or one .xlsx) and ``truth.json`` into ``out``; return the paths.

    ``form="ledger"`` writes them as a department's ledger (台账: Chinese sheets, headers and words,
    names instead of ids, title rows, merged cells); CSV ledgers are GB18030.
    """
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    tables = [name for name in ORDER if roster.rows.get(name)]
    if form == "ledger":
        from .ledger_writer import write_ledger

        written += write_ledger(roster.rows, out, fmt)
    elif fmt == "csv":
        for name in tables:
            path = out / f"{name}.csv"
            header = [c.name for c in TABLES[name].columns]
            with path.open("w", encoding=encoding, newline="") as f:
                w = csv.writer(f)
                w.writerow(header)
                for row in roster.rows[name]:
                    w.writerow(["" if row.get(h) is None else row[h] for h in header])
            written.append(path)
    elif fmt == "xlsx":
        written.append(_write_xlsx(roster, out / "roster.xlsx", tables))
    else:
        raise GeneratorError(f"unknown format {fmt!r}: csv or xlsx")
    truth = out / "truth.json"
    truth.write_text(json.dumps(roster.truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    written.append(truth)
    return written


def _write_xlsx(roster: Roster, path: Path, tables: list[str]) -> Path:
    """A workbook with one sheet per table; numbers and dates as real Excel cells."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name in tables:
        sheet = book.create_sheet(name)
        columns = TABLES[name].columns
        sheet.append([c.name for c in columns])
        for row in roster.rows[name]:
            cells: list[Any] = []
            for c in columns:
                v = row.get(c.name)
                if v is not None and c.kind == "int":
                    v = int(v)
                elif v is not None and c.kind == "date":
                    v = dt.date.fromisoformat(v)
                cells.append(v)
            sheet.append(cells)
    book.save(path)
    return path
