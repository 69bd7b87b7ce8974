"""The ledger form (台账) of ``shared/spec/ledgers.md`` as data: sheets, headers, words, dates.

Each :class:`LedgerField` says which header synonyms fill it, how its cells are
read (``kind``) and which column of the canonical table (``roster_tables``) it
becomes. The reader, the translator, the template and the generator all work
from :data:`LEDGER_TABLES`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pbgraph.graph.schema import (
    AgreementKind,
    Level,
    MembershipRole,
    OrgKind,
    ProjectStatus,
    Sector,
    WorkerRole,
)


@dataclass(frozen=True)
class LedgerField:
    """One ledger column.

    ``kind``: ``name`` (the row's own name), ``ref`` (a name of a row in ``targets``),
    ``enum`` (a word of ``vocab``), ``date``, ``int``, ``bool``, ``str``, ``id`` (an
    id the department assigns), ``person`` (a person's name: becomes a pseudonym).
    """

    field: str
    headers: tuple[str, ...]
    kind: str = "str"
    column: str | None = None  # canonical column it fills (default: field)
    targets: tuple[str, ...] = ()
    vocab: str | None = None

    @property
    def canonical(self) -> str:
        return self.column or self.field


@dataclass(frozen=True)
class LedgerTable:
    table: str
    #: sheet names, the first is the template's
    sheets: tuple[str, ...]
    fields: tuple[LedgerField, ...]
    #: id prefix of derived ids
    prefix: str = ""


def _f(field: str, headers: str, kind: str = "str", **kw: object) -> LedgerField:
    return LedgerField(field, tuple(headers.split()), kind, **kw)  # type: ignore[arg-type]


LEDGER_TABLES: dict[str, LedgerTable] = {
    t.table: t
    for t in (
        LedgerTable(
            "areas",
            ("区域", "区域台账"),
            (
                _f("name", "区域名称 名称", "name"),
                _f("level", "级别 层级", "enum", vocab="level"),
                _f("parent", "上级区域 上级 所属", "ref", column="parent_id", targets=("areas",)),
                _f("households", "户数", "int"),
                _f("code", "区划代码 编码"),
            ),
            prefix="area",
        ),
        LedgerTable(
            "orgs",
            ("党组织", "党组织台账"),
            (
                _f("name", "党组织名称 名称", "name"),
                _f("kind", "党组织类型 类型", "enum", vocab="kind"),
                _f("area", "所在区域 所属区域 所属社区", "ref", column="area_id", targets=("areas",)),
                _f("parent", "上级党组织", "ref", column="parent_id", targets=("orgs",)),
            ),
            prefix="org",
        ),
        LedgerTable(
            "coverage",
            ("网格覆盖",),
            (
                _f("org", "党组织名称 党支部", "ref", column="org_id", targets=("orgs",)),
                _f("area", "覆盖网格 网格 覆盖区域", "ref", column="area_id", targets=("areas",)),
            ),
        ),
        LedgerTable(
            "units",
            ("驻区单位", "驻区单位台账"),
            (
                _f("name", "单位名称", "name"),
                _f("sector", "单位性质 类别", "enum", vocab="sector"),
                _f("area", "所属社区 所在区域 所在社区", "ref", column="area_id", targets=("areas",)),
                _f("large", "规模以上 是否规上", "bool"),
                _f("party_members", "党员人数", "int"),
                _f("party_org", "单位党组织", "ref", column="party_org_id", targets=("orgs",)),
            ),
            prefix="unit",
        ),
        LedgerTable(
            "memberships",
            ("大党委成员", "兼职委员", "成员单位"),
            (
                _f("unit", "单位名称", "ref", column="unit_id", targets=("units",)),
                _f("org", "所在组织 大党委 大工委 区域党委", "ref", column="org_id", targets=("orgs",)),
                _f("role", "职务", "enum", vocab="membership_role"),
                _f("since", "任职时间 加入时间", "date"),
            ),
        ),
        LedgerTable(
            "agreements",
            ("共建协议", "共驻共建协议"),
            (
                _f("id", "协议编号", "id"),
                _f("kind", "协议类型", "enum", vocab="agreement_kind"),
                _f("unit", "单位名称", "ref", column="unit_id", targets=("units",)),
                _f("area", "共建社区 签约社区 社区 街道", "ref", column="area_id", targets=("areas",)),
                _f("signed", "签订日期 签订时间", "date"),
                _f("expires", "到期日期 有效期至", "date"),
            ),
            prefix="agr",
        ),
        LedgerTable(
            "workers",
            ("网格员",),
            (
                _f("id", "网格员编号 编号", "id"),
                _f("name", "姓名", "person"),
                _f("grid", "所在网格 网格", "ref", column="grid_id", targets=("areas",)),
                _f("role", "类型 职责", "enum", vocab="worker_role"),
            ),
            prefix="wkr",
        ),
        LedgerTable(
            "resources",
            ("资源清单",),
            (
                _f("name", "资源名称 名称", "name"),
                _f("category", "类别", "category"),
                _f("owner", "提供单位 提供方", "ref", column="owner_id", targets=("units", "areas")),
                _f("capacity", "可服务数量 容量", "int"),
            ),
            prefix="res",
        ),
        LedgerTable(
            "demands",
            ("需求清单",),
            (
                _f("name", "需求名称 需求内容", "name"),
                _f("category", "类别", "category"),
                _f("area", "所在社区 提出社区", "ref", column="area_id", targets=("areas",)),
                _f("households", "涉及户数 户数", "int"),
                _f("urgency", "紧急程度", "enum", vocab="urgency"),
                _f("raised", "提出日期 提出时间", "date"),
            ),
            prefix="dem",
        ),
        LedgerTable(
            "projects",
            ("项目清单",),
            (
                _f("name", "项目名称", "name"),
                _f("status", "状态", "enum", vocab="status"),
                _f("demand", "对应需求", "ref", column="demand_id", targets=("demands",)),
                _f("resource", "使用资源 资源", "ref", column="resource_id", targets=("resources",)),
                _f("claimed_by", "认领单位", "ref", targets=("units",)),
            ),
            prefix="prj",
        ),
        LedgerTable(
            "members",
            ("报到党员", "双报到"),
            (
                _f("id", "编号", "id"),
                _f("name", "姓名", "person"),
                _f("unit", "工作单位", "ref", column="unit_id", targets=("units",)),
                _f("reported_to", "报到社区", "ref", targets=("areas",)),
                _f("reported_on", "报到日期 报到时间", "date"),
            ),
            prefix="mem",
        ),
    )
}

#: Sheet (or CSV file) name → table.
SHEET_TABLES: dict[str, str] = {s: t.table for t in LEDGER_TABLES.values() for s in t.sheets}

#: Columns ignored outright (the row number a department keeps).
SERIAL_HEADERS = frozenset({"序号", "编号序号", "No", "NO", "no", "No.", "NO.", "no.", "行号"})

#: Headers of personal identifiers, contacts, people's names and descriptions: dropped before anything is written.
PERSONAL_HEADERS = (
    "身份证",
    "证件号",
    "手机",
    "电话",
    "联系方式",
    "联系人",
    "住址",
    "家庭地址",
    "微信",
    "邮箱",
    "QQ",
    "负责人",
    # a person's name under the post it names, and what describes a person
    "书记",
    "主任",
    "网格长",
    "楼长",
    "联络员",
    "出生",
    "性别",
    "民族",
    "籍贯",
    "年龄",
)

#: Words that open a closing (signature) row or a total row.
CLOSING_WORDS = ("填表人", "填表日期", "填报人", "填报日期", "审核人", "制表人", "制表日期", "负责人签字", "单位盖章")
TOTAL_WORDS = frozenset({"合计", "小计", "总计"})


def _words(pairs: dict[str, str]) -> dict[str, str]:
    return {k: v for keys, v in pairs.items() for k in keys.split()}


VOCAB: dict[str, dict[str, str]] = {
    "level": _words(
        {
            "市 地级市": Level.CITY,
            "区 县 县级市 旗": Level.DISTRICT,
            "街道 街道办事处 街道办": Level.STREET,
            "镇 乡": Level.TOWN,
            "社区 居委会 社区居委会": Level.COMMUNITY,
            "村 村委会 行政村": Level.VILLAGE,
            "网格": Level.GRID,
            "楼栋 楼院": Level.BUILDING,
            "小区 片区": Level.NEIGHBORHOOD,
            "区域": Level.REGION,
            "省 自治区 直辖市": Level.PROVINCE,
        }
    ),
    "kind": _words(
        {
            "区委 县委": OrgKind.DISTRICT_COMMITTEE,
            "街道党工委": OrgKind.STREET_WORKING_COMMITTEE,
            "社区党委 社区党总支 社区党支部": OrgKind.COMMUNITY_PARTY_ORG,
            "网格党支部": OrgKind.GRID_PARTY_BRANCH,
            "楼栋党小组 楼院党小组": OrgKind.BUILDING_PARTY_GROUP,
            "党员中心户": OrgKind.MEMBER_HOUSEHOLD,
            "区域党委": OrgKind.REGIONAL_PARTY_COMMITTEE,
            "街道大工委": OrgKind.STREET_JOINT_COMMITTEE,
            "社区大党委": OrgKind.COMMUNITY_JOINT_COMMITTEE,
            "网格大支部": OrgKind.GRID_JOINT_BRANCH,
            "单位党组织": OrgKind.UNIT_PARTY_ORG,
            "临时党支部": OrgKind.TEMPORARY_BRANCH,
        }
    ),
    "sector": _words(
        {
            "机关 事业单位 党政机关": Sector.AGENCY,
            "国企 国有企业": Sector.SOE,
            "非公企业 民营企业 私营企业": Sector.PRIVATE_ENTERPRISE,
            "学校 小学 中学 幼儿园": Sector.SCHOOL,
            "医院 卫生院 社区卫生服务中心": Sector.HOSPITAL,
            "社会组织": Sector.SOCIAL_ORG,
            "物业 物业公司 物业服务企业": Sector.PROPERTY_COMPANY,
            "业委会 业主委员会": Sector.OWNERS_COMMITTEE,
            "派出所": Sector.POLICE_STATION,
            "商户 个体工商户": Sector.MERCHANT,
            "其他": Sector.OTHER,
        }
    ),
    "agreement_kind": _words(
        {
            "共驻共建": AgreementKind.CO_BUILDING,
            "双报到": AgreementKind.DUAL_REPORT,
            "目标责任书": AgreementKind.RESPONSIBILITY,
        }
    ),
    "membership_role": _words(
        {"委员 兼职委员": MembershipRole.MEMBER, "副书记 兼职副书记": MembershipRole.DEPUTY_SECRETARY}
    ),
    "worker_role": _words(
        {"专职": WorkerRole.FULL_TIME, "兼职": WorkerRole.PART_TIME, "党建网格员": WorkerRole.PARTY_BUILDING}
    ),
    "status": _words(
        {"待认领": ProjectStatus.OPEN, "已认领 实施中 进行中": ProjectStatus.CLAIMED, "已完成": ProjectStatus.DONE}
    ),
    "urgency": {"1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "一般": "2", "较急": "3", "紧急": "4", "特急": "5"},
}

#: English words of each vocabulary (accepted as they are).
ENGLISH: dict[str, frozenset[str]] = {
    "level": frozenset(v.value for v in Level),
    "kind": frozenset(v.value for v in OrgKind),
    "sector": frozenset(v.value for v in Sector),
    "agreement_kind": frozenset(v.value for v in AgreementKind),
    "membership_role": frozenset(v.value for v in MembershipRole),
    "worker_role": frozenset(v.value for v in WorkerRole),
    "status": frozenset(v.value for v in ProjectStatus),
    "urgency": frozenset(),
}

#: The one Chinese word per value the template's drop-down lists offer (the first synonym).
CHOICES: dict[str, list[str]] = {}
for _name, _words_map in VOCAB.items():
    _seen: dict[str, str] = {}
    for _word, _value in _words_map.items():
        _seen.setdefault(str(_value), _word)
    CHOICES[_name] = list(_seen.values())
CHOICES["urgency"] = ["1", "2", "3", "4", "5"]
CHOICES["bool"] = ["是", "否"]

#: Resource and demand categories: the Chinese words departments use → the words matching compares.
CATEGORY_WORDS = _words(
    {
        "助老服务 养老服务 助老": "elderly_care",
        "医疗义诊 医疗服务 医疗": "medical",
        "法律咨询 法律援助 法律服务": "legal_aid",
        "就业培训 就业服务 就业": "employment",
        "课后托管 教育服务 教育": "education",
        "文体活动 文化体育": "culture_sports",
        "志愿服务 志愿服务队": "volunteer_service",
        "活动场地 场地": "venue",
        "环境整治 环境": "environment",
        "安全巡防 平安建设 安全": "safety",
    }
)
CATEGORY_CHINESE: dict[str, str] = {}
for _word, _value in CATEGORY_WORDS.items():
    CATEGORY_CHINESE.setdefault(_value, _word)

TRUE_WORDS = frozenset({"是", "√", "✓", "true", "1", "yes", "y", "规上"})
FALSE_WORDS = frozenset({"否", "×", "false", "0", "no", "n", "规下"})


def normalize(text: str) -> str:
    """Every full-width form folded (NFKC), spaces trimmed: for numbers, dates and vocabulary words."""
    return unicodedata.normalize("NFKC", text).strip()


_FOLD = {0xFF10 + i: 0x30 + i for i in range(10)}
_FOLD.update({0xFF21 + i: 0x41 + i for i in range(26)})
_FOLD.update({0xFF41 + i: 0x61 + i for i in range(26)})
_FOLD[0x3000] = 0x20


_FULL_WIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]")


def fold(text: str) -> str:
    """Names: full-width digits, Latin letters and spaces folded, trimmed; Chinese punctuation kept."""
    if _FULL_WIDTH.search(text):
        text = text.translate(_FOLD)
    return text.strip()


_PAREN = re.compile(r"[（(][^）)]*[）)]")


def header_key(text: str) -> str:
    """A header as compared with the synonyms: no spaces, no required marks, no notes in brackets."""
    text = _PAREN.sub("", normalize(text))
    return re.sub(r"\s+", "", text).strip("*＊:：")


def is_personal(header: str) -> bool:
    return any(word in header for word in PERSONAL_HEADERS)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_TIME = re.compile(r"(?<=[\d日])(?:\s+|T)(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$")


def parse_date(value: object) -> str | None:
    """ISO text of a date cell (an Excel date, a serial number, or one of the spellings); None if unreadable."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466 and float(value).is_integer():
            return (_EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat()
        return None
    text = normalize(str(value))
    time = _TIME.search(text)  # a date exported with its time (2024-03-01 00:00:00): the date
    if time:
        if int(time.group(1)) > 23 or int(time.group(2)) > 59:
            return None
        text = text[: time.start()]
    text = text.replace(" ", "")
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            day = int(m.group(3)) if m.lastindex and m.lastindex >= 3 else 1
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                return None
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # an Excel serial number stored as text (45352, 45352.0)
        return parse_date(int(float(text)))
    return None


@lru_cache(maxsize=4096)
def word(vocab: str, text: str) -> str | None:
    """The English word for a Chinese (or English) vocabulary word; None if unknown."""
    key = normalize(text).replace(" ", "")
    if key in VOCAB[vocab]:
        return str(VOCAB[vocab][key])
    lowered = key.lower()
    if lowered in ENGLISH[vocab]:
        return lowered
    return None


@lru_cache(maxsize=256)
def boolean(text: str) -> bool | None:
    key = normalize(text).lower()
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    return None
