"""Documents → one normalized Simplified-Chinese text (``shared/spec/extraction.md``, "Normalization").

Steps, in the spec's order: decode (UTF-8 with or without BOM, else GB18030),
remove romanization that sites inject after characters (``黨(dang)`` → ``黨``),
Traditional → Simplified (OpenCC, offline), drop page furniture (navigation,
share and font widgets, copyright and editor lines) only where it is clearly
furniture, and join characters split by spaces (``社 区 大 党 委``). Every
extracted span is an offset into the text this module returns.
"""

from __future__ import annotations

import html
import html.parser
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pbgraph.graph.errors import PbgraphError

CJK = "\u4e00-\u9fff"


class DocumentError(PbgraphError):
    """A document that cannot be read: empty, binary, truncated or undecodable."""


@dataclass(frozen=True)
class Normalized:
    source: str
    text: str
    title: str
    encoding: str


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Text and the encoding read: UTF-8 (BOM or not), else GB18030 (covers GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise DocumentError(f"{source}: UTF-8 with a BOM, but byte {e.start + 3} is not UTF-8") from e
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as e:
        raise DocumentError(f"{source}: neither UTF-8 nor GB18030 (byte {e.start}); is it a text file?") from e


# -- reading each format ------------------------------------------------------------------


class _Body(html.parser.HTMLParser):
    """The visible text of a saved page, without scripts, styles and the page chrome around the body."""

    SKIP = frozenset(
        {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "select", "iframe"}
    )
    BLOCK = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "tr",
            "section",
            "article",
            "title",
            "table",
            "ul",
            "ol",
            "blockquote",
            "dd",
            "dt",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text_handwritten(markup: str) -> str:
    """The visible text of a page, without scripts, styles and the tags that mark chrome (nav, footer…)."""
    parser = _Body()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def docx_text_handwritten(data: bytes, source: str) -> str:
    """Paragraph text of a .docx (WordprocessingML), read with the standard library; table cells come out
    one per line, their rows lost."""
    import io
    from xml.etree import ElementTree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            root = ElementTree.fromstring(z.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as e:
        raise DocumentError(f"{source}: not a readable .docx ({e})") from e
    paragraphs = []
    for p in root.iter(f"{w}p"):
        paragraphs.append("".join(t.text or "" for t in p.iter(f"{w}t")))
    return "\n".join(paragraphs)


_HEADING = re.compile(r"<h1[^>]*>(.*?)</h1>", re.I | re.S)


def html_text(markup: str) -> str:
    """The main text of a saved page, read with trafilatura (navigation, share widgets, related-news lists
    and footers left out, tables kept), its <h1> heading first; the hand-written reader where trafilatura
    finds no main text. On pages made from the development texts trafilatura keeps every body line and no
    chrome, where the hand-written reader lets most chrome through (``bench/document_readers.py``)."""
    import logging

    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    text = trafilatura.extract(markup, include_tables=True, include_comments=False, favor_recall=True)
    if not text:
        return html_text_handwritten(markup)
    heading = _HEADING.search(markup)
    if heading:
        title = re.sub(r"<[^>]+>|\s+", " ", html.unescape(heading.group(1))).strip()
        if title and title not in text[: len(title) + 200]:
            text = title + "\n" + text
    return text


def docx_text(data: bytes, source: str) -> str:
    """The text of a .docx in reading order, read with python-docx: paragraphs, and each table row as one
    sentence of "header：cell" pairs under a first row of headers, so a row's numbers stay with its place."""
    import io

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        return docx_text_handwritten(data, source)  # a bare package python-docx refuses, or not a .docx
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, docx.table.Table):
            rows = [[" ".join(c.text.split()) for c in row.cells] for row in block.rows]
            if len(rows) < 2:
                lines += ["，".join(c for c in row if c) for row in rows]
                continue
            header = rows[0]
            for row in rows[1:]:
                cells = [f"{h}：{c}" if h else c for h, c in zip(header, row, strict=False) if c]
                lines.append("，".join(cells) + "。")
        else:
            lines.append(block.text)
    return "\n".join(lines)


def read_document(path: Path) -> tuple[str, str]:
    """Raw text of a .txt/.md/.html/.docx file and how it was decoded."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(f"{path}: cannot read ({e.strerror})") from e
    if not data.strip():
        raise DocumentError(f"{path}: empty file")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return docx_text(data, str(path)), "docx"
    if b"\x00" in data[:4096]:
        raise DocumentError(f"{path}: binary data (NUL bytes), not a text document")
    text, encoding = decode(data, str(path))
    if suffix in (".html", ".htm") or re.match(r"\s*(<!doctype html|<html)", text[:200], re.I):
        text = html_text(text)
    return text, encoding


# -- the normalization steps ------------------------------------------------------------------

_ROMANIZATION = re.compile(rf"(?<=[{CJK}])\s?[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹ]{{1,8}}[)）] ?")
_SPACED = re.compile(rf"(?:[{CJK}][ \u3000]){{2,}}[{CJK}]")
_FURNITURE = re.compile(
    r"(网站首页|网站地图|首页\s*[>＞]|当前位置|您的位置|字体\s*[:：]|字号\s*[:：]|【\s*大\s*中\s*小\s*】|分享\s*[:：到]|"
    r"浏览次数|阅读次数|点击数|来源\s*[:：]|发布时间|时间\s*[:：]\s*\d|作者\s*[:：]|责任编辑|编辑\s*[:：]|审核\s*[:：]|"
    r"版权所有|copyright|©|icp备|打印本页|关闭窗口|扫一扫|上一篇|下一篇|相关阅读|相关新闻|返回顶部|用手机看)",
    re.I,
)


_NOTICE = re.compile(r"(版权声明|版权所有|免责声明|copyright|©|\(c\) ?\d{4})", re.I)


def strip_romanization(text: str) -> str:
    """Remove pinyin some sites inject after characters: ``黨(dang) 建`` → ``黨建``."""
    return _ROMANIZATION.sub("", text)


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text)


def join_spaced(text: str) -> str:
    """``社 区 大 党 委`` → ``社区大党委`` (only runs of single characters split by single spaces)."""
    return _SPACED.sub(lambda m: re.sub(r"[ \u3000]", "", m.group(0)), text)


def _is_furniture(line: str) -> bool:
    s = line.strip().lstrip("•·●◆■*-").strip()
    if not s:
        return False
    if len(s) <= 60 and _FURNITURE.search(s):
        return True
    if _NOTICE.match(s):
        return True  # a copyright or disclaimer notice, however long
    # navigation bars: short items separated by | or >
    return len(s) <= 60 and (s.count("|") >= 1 or s.count(">") >= 2) and not re.search(r"[，。；,;]", s)


def drop_furniture(text: str) -> str:
    """Drop navigation, widgets, copyright and editor lines, and the short site labels above the title."""
    lines = text.split("\n")
    kept: list[str] = []
    seen_body = False
    for line in lines:
        s = line.strip()
        if _is_furniture(line):
            continue
        cjk = len(re.findall(f"[{CJK}]", s))
        numbered = re.match(r"^[一二三四五六七八九十\d]+[、.．)）]", s)
        if not seen_body and 0 < cjk < 6 and not numbered and not re.search(r"[，。；,;:：]", s):
            continue  # a site name or section label above the title (e.g. a portal's name)
        if cjk >= 6:
            seen_body = True
        kept.append(line.rstrip())
    return "\n".join(kept)


def collapse_blank_lines(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def title_of(text: str) -> str:
    for line in text.split("\n"):
        s = line.strip()
        if len(re.findall(f"[{CJK}]", s)) >= 4:
            s = re.sub(r"\s+", " ", s)
            return s if len(s) <= 80 else re.split(r"[，。,;；]", s)[0][:80]
    return ""


def normalize_text(raw: str, source: str = "<text>", encoding: str = "utf-8") -> Normalized:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = strip_romanization(text)
    text = to_simplified(text)
    text = drop_furniture(text)
    text = join_spaced(text)
    text = collapse_blank_lines(text)
    return Normalized(source=source, text=text, title=title_of(text), encoding=encoding)


def normalize_file(path: Path, source: str | None = None) -> Normalized:
    raw, encoding = read_document(path)
    if not raw.strip():
        raise DocumentError(f"{path}: no text in it")
    if raw.count("\ufffd") > max(20, len(raw) // 5):
        raise DocumentError(f"{path}: mostly undecodable characters (truncated or binary?)")
    return normalize_text(raw, source or str(path), encoding)
