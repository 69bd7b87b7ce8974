"""Documents: normalization, extraction quality, bad files, and loading with provenance."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from pbgraph.loaders.documents import extract_file, normalize_text
from pbgraph.loaders.documents.load import load_documents
from pbgraph.loaders.documents.normalize import DocumentError, normalize_file
from pbgraph.loaders.documents.score import load_gold, score
from pbgraph.loaders.rosters import load_roster
from pbgraph.loaders.synthetic import generate, write_roster
from pbgraph.queries.runner import run_query

from conftest import SHARED, graph_dump, run_cli, write_csv

HERE = Path(__file__).parent / "documents"
CORPUS = SHARED / "corpus"
needs_corpus = pytest.mark.skipif(
    not (CORPUS / "seeds").is_dir(), reason="the development corpus ../shared/corpus is not beside this checkout"
)


def counts(facts):
    return {(c["category"], c["value"], c["approx"]) for c in facts["counts"]}


# -- normalization ----------------------------------------------------------------------------


def test_normalization_cases():
    raw = (
        "網站首頁 | 新聞中心\n當前位置：首頁 > 黨建\n\n黨(dang)建引領新實踐\n來源：日報　時間：2024-05-01\n"
        "兩(liang) 新組織融合，社 區 大 黨 委 持續發力。\n責任編輯：王某\n"
    )
    text = normalize_text(raw).text
    assert "网站首页" not in text and "当前位置" not in text and "责任编辑" not in text and "来源" not in text
    assert "党建引领新实践" in text and "两新组织" in text and "社区大党委" in text
    assert "(dang)" not in text and "(liang)" not in text
    assert normalize_text(raw).title == "党建引领新实践"


def test_gb18030_and_html_and_docx(tmp_path):
    assert normalize_file(HERE / "chengdu_traditional.txt").encoding == "gb18030"
    page = normalize_file(HERE / "nanjing_page.html")
    assert "var views" not in page.text and "版权所有" not in page.text and "关于我们" not in page.text
    assert "南京市鼓楼区宁海路街道现有8个社区" in page.text
    docx = tmp_path / "report.docx"
    body = "".join(
        f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in ("宁海路街道工作报告", "全街道建立网格党支部24个。")
    )
    xml = (
        '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", xml)
    docx.write_bytes(buf.getvalue())
    facts = extract_file(docx)
    assert facts["title"] == "宁海路街道工作报告" and ("grid_party_branch", 24, False) in counts(facts)


# -- extraction on documents written for these tests -------------------------------------------------


def test_report_categories_and_numbers():
    facts = extract_file(HERE / "report_wuhan.txt")
    assert {(a["name"], a["level"], a["parent"]) for a in facts["areas"]} == {
        ("武汉市", "city", None),
        ("江汉区", "district", "武汉市"),
        ("向阳街道", "street", "江汉区"),
    }
    assert counts(facts) == {
        ("street", 12, False),
        ("town", 3, False),
        ("community", 86, False),
        ("grid", 420, False),
        ("street_joint_committee", 12, False),
        ("community_joint_committee", 86, False),
        ("regional_party_committee", 4, False),
        ("joint_committee_member", 136, False),
        ("co_building_agreement", 1200, True),
        ("resident_unit", 1200, True),
        ("reporting_member", 35000, False),
        ("party_member", 35000, False),
        ("service_team", 215, False),
        ("volunteer", 8000, True),
        ("service_center", 98, False),
        ("funding_yuan", 120000000, False),
        ("issues_resolved", 2600, True),
        ("community_worker", 1050, False),
        ("grid_worker", 460, False),
        ("cadre_sent_down", 32, False),
    }  # and not 2023 (a year) nor 300 (a per-grid standard)
    cadre = next(c for c in facts["counts"] if c["category"] == "cadre_sent_down")
    assert cadre["area"] == "向阳街道"
    text = normalize_file(HERE / "report_wuhan.txt").text
    for c in facts["counts"]:
        assert c["text"] in text and text[c["span"][0] : c["span"][1]].strip()


def test_traditional_page_and_saved_html():
    chengdu = extract_file(HERE / "chengdu_traditional.txt")
    assert {(a["name"], a["parent"]) for a in chengdu["areas"]} == {
        ("成都市", None),
        ("武侯区", "成都市"),
        ("红牌楼街道", "武侯区"),
    }
    assert counts(chengdu) == {
        ("grid_party_branch", 36, False),
        ("building_party_group", 210, False),
        ("member_household", 380, False),
        ("community_party_org", 9, False),
    }
    nanjing = extract_file(HERE / "nanjing_page.html")
    assert {(a["name"], a["level"], a["parent"]) for a in nanjing["areas"]} == {
        ("南京市", "city", None),
        ("鼓楼区", "district", "南京市"),
        ("宁海路街道", "street", "鼓楼区"),
    }
    assert counts(nanjing) == {("community", 8, False), ("reporting_unit_org", 52, False)}


def test_numbers_in_words():
    facts = extract(normalize_text("光明街道下辖六个社区，近两年新建十二个党群服务中心，约3千名志愿者参与。"))
    assert {("community", 6, False), ("service_center", 12, False)} <= counts(facts)


def extract(doc):
    from pbgraph.loaders.documents import extract as run

    return run(doc)


# -- failure classes seen on documents from elsewhere (invented text, same shapes) ---------------------


def facts_of(text):
    return extract(normalize_text(text))


def area_set(facts):
    return {(a["name"], a["level"]) for a in facts["areas"]}


def test_verbs_glued_to_a_suffix_are_not_places():
    facts = facts_of(
        "青山区持续深化街道体制改革，着力打造社区服务综合体，探索出社区治理新路径，织密社区网格，"
        "紧紧围绕社区需求，把广大社区居民凝聚起来，配合街道、社区做好防控。"
    )
    assert area_set(facts) == {("青山区", "district")}


def test_names_after_verbs_and_in_lists_are_places():
    facts = facts_of(
        "西工区机关党员包保临江街道金桂社区，协助望湖街道做好服务。"
        "金桂社区与胜利社区、解放社区、团结社区相邻，西以郭家寨村为界。"
    )
    assert {
        ("西工区", "district"),
        ("临江街道", "street"),
        ("金桂社区", "community"),
        ("望湖街道", "street"),
        ("胜利社区", "community"),
        ("解放社区", "community"),
        ("团结社区", "community"),
        ("郭家寨村", "village"),
    } == area_set(facts)
    parents = {a["name"]: a["parent"] for a in facts["areas"]}
    assert parents["金桂社区"] == "临江街道" and parents["临江街道"] == "西工区"


def test_neighbours_are_places_but_not_children():
    facts = facts_of(
        "花园社区隶属于新华街道，有党员256名。社区与阳光社区、和平社区、幸福里社区相邻，南以红旗渠为界，西与郭家寨村接壤。"
    )
    parents = {a["name"]: a["parent"] for a in facts["areas"]}
    assert parents == {
        "花园社区": "新华街道",
        "新华街道": None,
        "阳光社区": None,
        "和平社区": None,
        "幸福里社区": None,
        "郭家寨村": None,
    }


def test_titles_and_slogans_are_not_places():
    facts = facts_of("金桂社区先后获评“西工区十佳文明社区”、“五好社区”，推行“三进社区”活动，是一个典型的混合型社区。")
    assert area_set(facts) == {("金桂社区", "community"), ("西工区", "district")}


def test_counts_go_to_the_smallest_area_their_clause_is_about():
    facts = facts_of(
        "洛阳市西工区党建工作综述\n"
        "西工区共有7个街道。其中，临江街道9个社区全部成立“大党委”；望湖街道建成网格党支部36个。\n"
        "金桂社区位于临江街道中部。社区下设5个党支部，有党员318名。\n"
        "全市1539个社区党组织参与。"
    )
    got = {(c["category"], c["value"], c["area"]) for c in facts["counts"]}
    assert {
        ("street", 7, "西工区"),
        ("community", 9, "临江街道"),
        ("community_joint_committee", 9, "临江街道"),
        ("grid_party_branch", 36, "望湖街道"),
        ("party_org", 5, "金桂社区"),
        ("party_member", 318, "金桂社区"),
        ("community_party_org", 1539, "洛阳市"),
    } == got


def test_a_digest_attributes_each_number_to_its_own_place():
    facts = facts_of(
        "【各地动态】\n临江街道：建成网格党支部36个，吸纳党员210名。\n望湖街道：组建志愿服务队12支，招募志愿者300余名。"
    )
    got = {(c["category"], c["value"], c["area"]) for c in facts["counts"]}
    assert got == {
        ("grid_party_branch", 36, "临江街道"),
        ("party_member", 210, "临江街道"),
        ("service_team", 12, "望湖街道"),
        ("volunteer", 300, "望湖街道"),
    }


def test_every_item_of_an_enumeration_is_a_count():
    facts = facts_of("西工区建立楼栋党小组719个、党员中心户392个、党群服务站85个，组建网格党支部46个、志愿服务队28支。")
    assert counts(facts) == {
        ("building_party_group", 719, False),
        ("member_household", 392, False),
        ("service_center", 85, False),
        ("grid_party_branch", 46, False),
        ("service_team", 28, False),
    }


def test_counts_with_less_common_measure_words_and_units():
    facts = facts_of(
        "青山区下辖16个街道、1个镇，辖区单位与社区签订共驻共建协议156份，开展活动1500余场、服务2.3万人次。"
    )
    assert counts(facts) == {("street", 16, False), ("town", 1, False), ("co_building_agreement", 156, False)}


def test_web_spacing_full_width_digits_and_odd_quotes():
    facts = facts_of("全市1539 个社区党组织、3 万余名党员参与，１２０个网格全覆盖，成立″大工委″5个、「大党委」18个。")
    assert counts(facts) == {
        ("community_party_org", 1539, False),
        ("party_member", 30000, True),
        ("grid", 120, False),
        ("street_joint_committee", 5, False),
        ("community_joint_committee", 18, False),
    }


def test_look_alikes_are_not_counts():
    facts = facts_of(
        "金桂社区43名在职党员到社区报到，建立微信群20余个。网格覆盖率达到98%，2023年5月起每个网格配备2名网格员，"
        "按照300户标准划分网格，网格员平均年龄45岁，联系电话：0379-12345678，人均补贴800元/月。"
    )
    assert counts(facts) == {("reporting_member", 43, False), ("party_member", 43, False)}


# -- the development set ----------------------------------------------------------------------------

needs_dev = pytest.mark.skipif(
    not (CORPUS / "dev" / "docs").is_dir(),
    reason="the development set ../shared/corpus/dev is not beside this checkout",
)


def development_pairs():
    gold = load_gold(CORPUS / "gold", CORPUS / "dev" / "gold")
    paths = sorted((CORPUS / "seeds").glob("*.txt")) + sorted((CORPUS / "dev" / "docs").glob("*.txt"))
    return [(extract_file(p), gold[p.stem]) for p in paths]


@needs_corpus
@needs_dev
def test_development_set_meets_the_targets():
    result = score(development_pairs()).summary()
    assert result["areas_f1"] >= 0.92, result
    assert result["counts_f1"] >= 0.88, result
    assert result["count_area_accuracy"] >= 0.85, result
    assert result["parent_accuracy"] >= 0.95, result


@needs_corpus
@needs_dev
def test_extract_eval_command_scores_every_document_and_the_total():
    out = run_cli(
        "extract-eval",
        "--gold",
        str(CORPUS / "gold"),
        "--gold",
        str(CORPUS / "dev" / "gold"),
        str(CORPUS / "seeds"),
        str(CORPUS / "dev" / "docs"),
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["documents"] == 21 and len(result["per_document"]) == 21
    assert result["areas_f1"] >= 0.92 and result["counts_f1"] >= 0.88
    table = run_cli("extract-eval", "--gold", str(CORPUS / "dev" / "gold"), str(CORPUS / "dev" / "docs"))
    assert "d16.txt" in table.stdout and "TOTAL (16)" in table.stdout


# -- bad input ------------------------------------------------------------------------------------------


def test_bad_files_are_named_and_the_rest_processed(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "latin.txt").write_bytes("caf\xe9 \xff\xfe".encode("latin-1"))
    good = HERE / "report_wuhan.txt"
    out = run_cli(
        "extract",
        str(tmp_path / "empty.txt"),
        str(good),
        str(tmp_path / "binary.txt"),
        str(tmp_path / "broken.docx"),
        str(tmp_path / "latin.txt"),
    )
    assert out.returncode == 1
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [facts["source"] for facts in lines] == [str(good)]
    for name in ("empty.txt", "binary.txt", "broken.docx", "latin.txt"):
        assert name in out.stderr
    assert "Traceback" not in out.stderr
    with pytest.raises(DocumentError, match="empty"):
        normalize_file(tmp_path / "empty.txt")


def test_jsonl_in_input_order():
    out = run_cli("extract", str(HERE / "nanjing_page.html"), str(HERE / "chengdu_traditional.txt"))
    sources = [json.loads(line)["source"] for line in out.stdout.splitlines()]
    assert sources == [str(HERE / "nanjing_page.html"), str(HERE / "chengdu_traditional.txt")]


# -- loading into the graph -----------------------------------------------------------------------------


def test_load_docs_with_provenance_and_twice_changes_nothing(db):
    report = load_documents([HERE], db)
    assert len(report.documents_new) == 3 and report.statements == 26
    stated = db.read(
        "MATCH (s:Statement {category: 'cadre_sent_down'})-[:ABOUT]->(a:Area), (s)-[:FROM]->(d) "
        "RETURN s.value, a.name, d.source, s.span_start < s.span_end"
    ).rows
    assert stated == [[32, "向阳街道", str(HERE / "report_wuhan.txt"), True]]
    assert db.read("MATCH (:Area {name: '武侯区'})-[:PART_OF]->(c:Area) RETURN c.name").rows == [["成都市"]]
    before = graph_dump(db)
    again = load_documents([HERE], db)
    assert again.documents_new == [] and len(again.documents_unchanged) == 3
    assert graph_dump(db) == before


def test_documents_and_rosters_reconcile(db, tmp_path):
    """Areas a document names join the roster's areas; stated numbers sit next to the roster's counts."""
    areas = ["id", "name", "level", "parent_id"]
    write_csv(
        tmp_path / "r",
        "areas",
        areas,
        [
            ["CD", "成都市", "city", None],
            ["WH", "武侯区", "district", "CD"],
            ["HPL", "红牌楼街道", "street", "WH"],
            ["k1", "佳灵社区", "community", "HPL"],
            ["k2", "太平园社区", "community", "HPL"],
            ["g1", "佳灵社区一网格", "grid", "k1"],
        ],
    )
    write_csv(
        tmp_path / "r",
        "orgs",
        ["id", "name", "kind", "area_id"],
        [
            ["cpo1", "佳灵社区党委", "community_party_org", "k1"],
            ["cpo2", "太平园社区党委", "community_party_org", "k2"],
            ["gpb1", "一网格党支部", "grid_party_branch", "g1"],
        ],
    )
    load_roster(tmp_path / "r", db)
    report = load_documents([HERE / "chengdu_traditional.txt"], db)
    assert {(n, i) for n, _, i in report.areas_merged} == {("成都市", "CD"), ("武侯区", "WH"), ("红牌楼街道", "HPL")}
    assert report.areas_new == []
    rows = run_query("reconciliation/stated-vs-actual", db)
    got = {(r["area"], r["category"], r["stated"], r["actual"]) for r in rows}
    assert got == {
        ("红牌楼街道", "community_party_org", 9, 2),
        ("红牌楼街道", "grid_party_branch", 36, 1),
        ("红牌楼街道", "building_party_group", 210, 0),
        ("红牌楼街道", "member_household", 380, 0),
    }
    assert {r["source"] for r in rows} == {str(HERE / "chengdu_traditional.txt")}


@needs_corpus
@pytest.mark.parametrize("roster_first", [False, True], ids=["documents-then-roster", "roster-then-documents"])
def test_seed_documents_reconcile_with_a_generated_roster_of_their_place(db, tmp_path, roster_first):
    write_roster(generate("guangming", seed=3, gap_rate=0), tmp_path / "roster")
    if roster_first:
        load_roster(tmp_path / "roster", db)
    load_documents(sorted((CORPUS / "seeds").glob("*.txt")), db)
    if not roster_first:
        load_roster(tmp_path / "roster", db)
        assert db.read("MATCH (a:Area {name: '光明街道'}) RETURN count(a)").rows == [[1]]
    rows = run_query("reconciliation/stated-vs-actual", db, area="光明街道")
    got = {(r["category"], r["stated"], r["actual"]) for r in rows}
    assert {
        ("community", 6, 6),
        ("grid", 150, 150),
        ("grid_party_branch", 48, 48),
        ("community_party_org", 6, 6),
        ("street_working_committee", 1, 1),
    } <= got
    out = run_cli("load", "docs", str(CORPUS / "seeds"), "--format", "json", db=db.location)
    assert out.returncode == 0 and len(json.loads(out.stdout)["documents_unchanged"]) == 5


def test_every_mention_carries_its_span(db):
    load_documents([HERE / "nanjing_page.html", HERE / "report_wuhan.txt"], db)
    rows = db.read("MATCH (x)-[m:MENTIONED_IN]->(d:Document) RETURN labels(x), m.span_start, m.span_end").rows
    assert rows and all(start is not None and end > start for _, start, end in rows)
    assert {lbl for labels, _, _ in rows for lbl in labels} >= {"Area", "Mechanism"}


def test_reconciliation_counts_roster_nodes_only_and_each_stated_number_once(db, tmp_path):
    """Areas a document made are not evidence of themselves; a number stated twice is one row with its sources."""
    from fixture_district import write_district

    load_roster(write_district(tmp_path / "roster"), db)
    first = tmp_path / "report.txt"
    first.write_text(
        "太原市共有5个社区\n太原市社区工作综述\n太原市共有5个社区，迎泽区共有2个街道。"
        "迎泽区柳巷街道新建东风社区、春晖社区、晓光社区。\n",
        encoding="utf-8",
    )
    second = tmp_path / "digest.txt"
    second.write_text("一周要闻\n太原市共有5个社区，基层治理持续加强。\n", encoding="utf-8")
    report = load_documents([first, second], db)
    assert {name for name, _, _ in report.areas_new} == {"东风社区", "春晖社区", "晓光社区"}
    assert db.read("MATCH (:Area {name: '东风社区'})-[:PART_OF]->(p) RETURN p.id").rows == [["S1"]]
    rows = run_query("reconciliation/stated-vs-actual", db)
    got = [(r["area"], r["category"], r["stated"], r["actual"]) for r in rows]
    assert got == [("太原市", "community", 5, 5), ("迎泽区", "street", 2, 2)]
    assert rows[0]["source"] == f"{second}; {first}" or rows[0]["source"] == f"{first}; {second}"
    assert rows[1]["source"] == str(first)
    scoped = run_query("reconciliation/stated-vs-actual", db, area="迎泽区")
    assert [(r["area"], r["actual"]) for r in scoped] == [("迎泽区", 2)]


# -- web pages and Word files -----------------------------------------------------------------------------

CHROME = ["网站首页", "当前位置", "分享到", "相关新闻", "东湖街道新建党群服务站8个", "版权所有", "联系电话"]


def test_a_saved_page_is_read_for_its_main_text(tmp_path):
    body = "".join(
        f"<p>{line}</p>"
        for line in (
            "近年来，西工区临江街道以党建引领基层治理，辖区9个社区全部成立“大党委”。",
            "街道建成网格党支部36个，组建志愿服务队12支，招募志愿者300余名，常态化开展便民服务。",
            "下一步，临江街道将继续深化共驻共建，推动服务资源向网格延伸，让居民办事更方便。",
        )
    )
    related = "".join(f"<li><a href='/n{i}'>{t}</a></li>" for i, t in enumerate(["东湖街道新建党群服务站8个"] * 3))
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>临江街道_某某网</title><script>var hits = 99;</script></head><body>"
        "<div class='top'>网站首页 | 新闻中心 | 党建动态 | 基层治理</div>"
        "<div class='crumb'>当前位置：首页 > 党建 > 正文</div>"
        f"<div class='article'><h1>临江街道党建引领基层治理</h1><div class='content'>{body}</div>"
        "<div class='share'>分享到：微信 微博</div></div>"
        f"<div class='related'><h3>相关新闻</h3><ul>{related}</ul></div>"
        "<div class='foot'>版权所有：某某网 地址：人民路88号 联系电话：0379-12345678</div></body></html>",
        encoding="utf-8",
    )
    doc = normalize_file(page)
    assert doc.title == "临江街道党建引领基层治理"
    assert "常态化开展便民服务" in doc.text and "让居民办事更方便" in doc.text
    assert not [c for c in CHROME if c in doc.text]
    facts = extract_file(page)
    assert counts(facts) == {
        ("community", 9, False),
        ("community_joint_committee", 9, False),
        ("grid_party_branch", 36, False),
        ("service_team", 12, False),
        ("volunteer", 300, True),
    }


def test_a_word_file_is_read_with_its_tables(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("西工区各街道党建工作统计")
    document.add_paragraph("全区街道党建工作情况如下。")
    table = document.add_table(rows=3, cols=3)
    cells_by_row = [("街道", "社区", "网格党支部"), ("临江街道", "9个", "36个"), ("望湖街道", "7个", "28个")]
    for row, cells in zip(table.rows, cells_by_row, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("各街道组建志愿服务队共计20支。")
    path = tmp_path / "stats.docx"
    document.save(path)
    facts = extract_file(path)
    got = {(c["category"], c["value"], c["area"]) for c in facts["counts"]}
    assert {
        ("community", 9, "临江街道"),
        ("grid_party_branch", 36, "临江街道"),
        ("community", 7, "望湖街道"),
        ("grid_party_branch", 28, "望湖街道"),
        ("service_team", 20, "西工区"),
    } == got
