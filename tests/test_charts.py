"""Charts draw Chinese with a real CJK font: no glyph is missing (pytest turns matplotlib's warning into an error)."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
import pytest
from matplotlib.figure import Figure

from pbgraph import charts
from pbgraph.charts import fonts


@pytest.fixture
def cjk():
    """The CJK font selected for one test, matplotlib's settings restored afterwards."""
    with matplotlib.rc_context():
        yield charts.use_cjk_font()


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _texts(fig: Figure) -> str:
    """Every piece of text the figure draws (titles, tick labels, legends, annotations)."""
    return "".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


def test_each_chart_renders_its_chinese_labels(cjk):
    figures = [
        charts.gaps_by_street({"玉泉中街道": {"无网格党支部覆盖的网格": 3, "无网格员的网格": 1}, "新华街道": {}}),
        charts.coverage_share([("育才新社区（玉泉中街道）", 1, 2), *[(f"第{i}社区", 3, 3) for i in range(5)]]),
        charts.allocation_by_street({"工农中街道": (120.5, 3)}, {"工农中街道": (100.0, 3)}, {"工农中街道": 4}),
        charts.stated_vs_actual([("翠屏区 · 社区大党委", 41, 39), ("光明街道 · 网格", 150, 150)]),
    ]
    for fig in figures:
        assert _png(fig).startswith(b"\x89PNG")  # drawing every glyph; a missing one raises here
        drawn = _texts(fig)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in drawn), drawn  # the chart did label in Chinese
    assert "其余5个社区（全覆盖）" in _texts(figures[1])  # fully covered communities collapse into one bar
    chosen = matplotlib.font_manager.findfont(matplotlib.font_manager.FontProperties(family=["sans-serif"]))
    assert Path(chosen) == charts.find_cjk_font(), (cjk, chosen)


def test_without_the_cjk_font_a_chinese_label_fails_instead_of_drawing_boxes(cjk):
    fig = Figure()
    fig.text(0.5, 0.5, "区域化党建")
    with matplotlib.rc_context({"font.sans-serif": ["DejaVu Sans"]}), pytest.raises(UserWarning, match="missing from"):
        _png(fig)


def test_a_character_the_font_lacks_is_an_error_not_a_box(cjk):
    fig = Figure()
    fig.text(0.5, 0.5, "\U00020bb7")  # 𠮷, outside the basic CJK block
    with pytest.raises(UserWarning, match="missing from"):
        _png(fig)


def test_a_font_without_chinese_is_refused_with_a_clear_message(monkeypatch):
    latin = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    monkeypatch.setenv(fonts.ENV_VAR, str(latin))
    with pytest.raises(charts.CjkFontMissing, match="no Chinese glyphs"):
        charts.find_cjk_font()
    monkeypatch.setenv(fonts.ENV_VAR, str(latin.with_name("nowhere.ttf")))
    with pytest.raises(charts.CjkFontMissing, match="no such font file"):
        charts.find_cjk_font()


def test_no_cjk_font_anywhere_says_how_to_install_one(monkeypatch):
    monkeypatch.delenv(fonts.ENV_VAR, raising=False)
    monkeypatch.setattr(fonts, "FONT_FILES", ())
    monkeypatch.setattr(fonts, "FONT_NAMES", ())
    with pytest.raises(charts.CjkFontMissing, match=r"make fonts.*PBGRAPH_CJK_FONT"):
        charts.find_cjk_font()


def test_the_installed_font_is_found_by_path():
    path = charts.find_cjk_font()
    assert path.is_file() and fonts._has_glyphs(path)


def test_markdown_table_escapes_and_says_what_it_left_out():
    table = charts.markdown_table([{"a": "x|y", "b": 1.5}, {"a": None, "b": 2.0}, {"a": "z", "b": 3}], limit=2)
    lines = table.splitlines()
    assert lines[:4] == ["| a | b |", "|---|---|", "| x\\|y | 1.5 |", "|  | 2 |"]
    assert "1 more row" in table
    assert charts.markdown_table([]) == "*(no rows)*"


def test_a_note_reads_as_markdown_html_and_plain_text():
    note = charts.table([{"社区": "<b>西吴社区</b>", "缺口": 2}])
    assert note._repr_markdown_() == repr(note) == "| 社区 | 缺口 |\n|---|---|\n| <b>西吴社区</b> | 2 |"
    html = note._repr_html_()
    assert "<table>" in html and "<td>&lt;b&gt;西吴社区&lt;/b&gt;</td>" in html  # a name is shown, not interpreted
    assert "<strong>3</strong>" in charts.note("**3** gaps")._repr_html_()
