"""A CJK font for matplotlib, found by file path or by name, or a clear error.

Without one, every Chinese label renders as a row of empty boxes and matplotlib
only warns. :func:`use_cjk_font` selects a font that has the glyphs and turns
matplotlib's missing-glyph warning into an error, so a chart never fails silently.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from matplotlib import font_manager, rcParams
from matplotlib.ft2font import FT2Font

from pbgraph.graph.errors import PbgraphError

#: Set to a font file (.ttf/.otf/.ttc) to use it instead of the ones searched for.
ENV_VAR = "PBGRAPH_CJK_FONT"

#: Where Debian's packages (``make fonts`` installs fonts-wqy-microhei), macOS and Windows keep one.
FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)

#: Family names matplotlib may already know (fonts installed elsewhere).
FONT_NAMES = (
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
)

#: Characters a font must have to count as CJK here.
PROBE = "区域化党建网格社区街道大工委"

#: The warning matplotlib gives for a character no selected font has.
MISSING_GLYPH = r"Glyph \d+ .*missing from"


class CjkFontMissing(PbgraphError):
    """No font with Chinese glyphs is installed where pbgraph looks."""


def _has_glyphs(path: str | Path) -> bool:
    try:
        font = FT2Font(str(path))
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) for ch in PROBE)


def find_cjk_font() -> Path:
    """The file of a font with Chinese glyphs: ``$PBGRAPH_CJK_FONT``, a known path, or a known family name."""
    chosen = os.environ.get(ENV_VAR)
    if chosen:
        if not Path(chosen).is_file():
            raise CjkFontMissing(f"{ENV_VAR}={chosen}: no such font file; point it at a .ttf/.otf/.ttc file")
        if not _has_glyphs(chosen):
            raise CjkFontMissing(f"{ENV_VAR}={chosen}: this font has no Chinese glyphs; choose a CJK font")
        return Path(chosen)
    for path in FONT_FILES:
        if Path(path).is_file() and _has_glyphs(path):
            return Path(path)
    for entry in font_manager.fontManager.ttflist:
        if entry.name in FONT_NAMES and _has_glyphs(entry.fname):
            return Path(entry.fname)
    raise CjkFontMissing(
        "no CJK font found, Chinese labels would render as empty boxes: run `make fonts` "
        f"(Debian fonts-wqy-microhei) or set {ENV_VAR}=/path/to/a/CJK/font.ttc"
    )


def use_cjk_font() -> str:
    """Make matplotlib draw Chinese with a CJK font (Latin falls back to DejaVu Sans); returns the family name.

    Also makes a missing glyph an error instead of a warning, in this process.
    """
    path = find_cjk_font()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    rcParams["font.family"] = "sans-serif"
    rest = [f for f in rcParams["font.sans-serif"] if f not in (family, "DejaVu Sans")]
    rcParams["font.sans-serif"] = [family, "DejaVu Sans", *rest]
    warnings.filterwarnings("error", message=MISSING_GLYPH, category=UserWarning)
    return family
