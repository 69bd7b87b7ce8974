"""Reading saved web pages: the hand-written reader vs trafilatura, on pages made from the dev texts.

Each development text (``../shared/corpus/dev/docs`` or, without it, the
project's sample documents) is wrapped in page chrome of the kind these sites
carry: a header bar and navigation list, a breadcrumb, a byline, share widgets,
a "related news" list whose titles hold place names and numbers, a footer with
an address and phone number, scripts and styles. The pages are written to a
temporary folder and never committed. A reader is scored on how much of the
body it keeps (share of body lines found in its output) and how much chrome
leaks in (share of chrome strings found), and on extraction over its output.
"""

from __future__ import annotations

import html
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import Row

REPO = Path(__file__).resolve().parent.parent

#: chrome lines, each of which must not reach the text (they would give false areas and counts)
CHROME = {
    "header": "网站首页 | 新闻中心 | 党建动态 | 基层治理 | 政务公开 | 互动交流",
    "nav": ["网站首页", "要闻动态", "组织工作", "党员教育", "人才工作", "专题专栏"],
    "crumb": "当前位置：首页 > 党建动态 > 正文",
    "byline": "发布时间：2024-05-08 09:30　来源：本网　浏览次数：1024　【字体：大 中 小】",
    "share": "分享到：微信 微博 QQ空间",
    "related": [
        "青山区12个社区开展“邻里节”活动",
        "东湖街道新建党群服务站8个",
        "西城区3000名党员到社区报到",
        "南湖社区组建志愿服务队5支",
    ],
    "footer": "版权所有：某某市委组织部　地址：某某市人民路88号　联系电话：0371-12345678　ICP备05001234号",
}


def page(title: str, body: str, semantic: bool) -> str:
    """One saved page around ``body``: chrome in <nav>/<footer> tags, or in plain <div>s as many sites do."""
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in body.split("\n") if line.strip())
    nav = "".join(f"<li><a href='/c{i}'>{x}</a></li>" for i, x in enumerate(CHROME["nav"]))
    related = "".join(f"<li><a href='/n{i}.html'>{x}</a></li>" for i, x in enumerate(CHROME["related"]))
    top, bottom = ("nav", "footer") if semantic else ("div", "div")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}_某某党建网</title><style>.nav{{float:left}}</style>"
        "<script>var _hmt = _hmt || []; document.write('统计');</script></head><body>"
        f"<{top} class='header'>{CHROME['header']}</{top}>"
        f"<{top} class='nav'><ul>{nav}</ul></{top}>"
        f"<div class='crumb'>{CHROME['crumb']}</div>"
        f"<div class='article'><h1>{html.escape(title)}</h1><div class='info'>{CHROME['byline']}</div>"
        f"<div class='content'>{paragraphs}</div>"
        f"<div class='share'>{CHROME['share']}</div></div>"
        f"<div class='related'><h3>相关新闻</h3><ul>{related}</ul></div>"
        f"<{bottom} class='footer'>{CHROME['footer']}</{bottom}>"
        "<script>console.log('页面加载完成');</script></body></html>"
    )


def texts() -> list[tuple[str, str]]:
    """(name, body) of each development text, its ``# source:`` line left out."""
    dev = REPO.parent / "shared" / "corpus" / "dev" / "docs"
    folder = dev if dev.is_dir() else REPO / "tests" / "documents"
    out = []
    for p in sorted(folder.glob("*.txt")):
        lines = [x for x in p.read_text(encoding="utf-8", errors="replace").split("\n") if not x.startswith("# source")]
        out.append((p.stem, "\n".join(lines).strip()))
    return out


def make_pages(folder: Path) -> list[tuple[Path, str]]:
    """Write one page per text in each form; (page, body) pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, body in texts():
        title = next((x for x in body.split("\n") if len(x.strip()) >= 4), name)[:40]
        for semantic in (True, False):
            path = folder / f"{name}-{'tags' if semantic else 'divs'}.html"
            path.write_text(page(title, body, semantic), encoding="utf-8")
            out.append((path, body))
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", html.unescape(text))


def judge(read: Callable[[str], str], pages: list[tuple[Path, str]]) -> dict[str, float]:
    """Body lines kept and chrome strings leaked, as shares, and the time taken per page."""
    kept = total = leaked = chrome_total = 0
    chrome = [CHROME["header"], CHROME["crumb"], CHROME["share"], CHROME["footer"], *CHROME["related"]]
    started = time.perf_counter()
    for path, body in pages:
        out = _squash(read(path.read_text(encoding="utf-8")))
        for line in body.split("\n"):
            if len(_squash(line)) >= 8:
                total += 1
                kept += _squash(line)[:40] in out
        for c in chrome:
            chrome_total += 1
            leaked += _squash(c)[:12] in out
    return {
        "body_kept": kept / max(total, 1),
        "chrome_leaked": leaked / max(chrome_total, 1),
        "ms_per_page": (time.perf_counter() - started) * 1000 / max(len(pages), 1),
    }


def extraction_f1(read: Callable[[str], str], pages: list[tuple[Path, str]]) -> float | None:
    """Areas and counts F1 (summed) of extraction over what ``read`` makes of each page, against dev gold."""
    from pbgraph.loaders.documents import extract, normalize_text
    from pbgraph.loaders.documents.score import load_gold, score

    gold_dir = REPO.parent / "shared" / "corpus" / "dev" / "gold"
    if not gold_dir.is_dir():
        return None
    gold = load_gold(gold_dir)
    pairs = []
    for path, _ in pages:
        facts = extract(normalize_text(read(path.read_text(encoding="utf-8")), str(path)))
        pairs.append((facts, gold[path.stem.split("-")[0]]))
    summary = score(pairs).summary()
    return (summary["areas_f1"] + summary["counts_f1"]) / 2


def run() -> list[Row]:
    from pbgraph.loaders.documents.normalize import html_text, html_text_handwritten

    with tempfile.TemporaryDirectory(prefix="pbgraph-pages-") as tmp:
        pages = make_pages(Path(tmp))
        ours = judge(html_text, pages)
        base = judge(html_text_handwritten, pages)
        f1_ours, f1_base = extraction_f1(html_text, pages), extraction_f1(html_text_handwritten, pages)
    rows = (
        []
        if f1_ours is None or f1_base is None
        else [
            Row(
                benchmark="saved pages: extraction F1 (mean of areas and counts)",
                scale=f"{len(pages)} pages",
                pbgraph=f1_ours,
                baseline=f1_base,
                unit="F1",
                ratio=f1_ours / f1_base if f1_base else None,
                target="as on the .txt texts",
                passed=None,
                peak_rss_mb=None,
                runs=1,
                note="the dev texts inside page chrome, scored against dev gold",
            )
        ]
    )
    return [
        *rows,
        Row(
            benchmark="saved pages: body lines kept (share)",
            scale=f"{len(pages)} pages",
            pbgraph=ours["body_kept"],
            baseline=base["body_kept"],
            unit="share",
            ratio=ours["body_kept"] / base["body_kept"] if base["body_kept"] else None,
            target="≥ 0.99",
            passed=ours["body_kept"] >= 0.99,
            peak_rss_mb=None,
            runs=1,
            note="pbgraph = the reader in use; baseline = the hand-written HTML reader",
        ),
        Row(
            benchmark="saved pages: chrome leaked (share)",
            scale=f"{len(pages)} pages",
            pbgraph=ours["chrome_leaked"],
            baseline=base["chrome_leaked"],
            unit="share",
            ratio=None,
            target="0",
            passed=ours["chrome_leaked"] == 0,
            peak_rss_mb=None,
            runs=1,
            note=f"{ours['ms_per_page']:.1f} vs {base['ms_per_page']:.1f} ms per page",
        ),
    ]
