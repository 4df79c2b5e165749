"""Charts of the comparison (matplotlib), drawn with a CJK font or refused.

:func:`find_cjk_font` finds a font that covers Chinese (Noto, Source Han,
WenQuanYi …); without one the charts are refused rather than drawn as boxes.
``plot_*`` draw the theme heatmap, concreteness, distinctive terms and the
similarity matrix from the tables of the analysis modules.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UnionNLPError
from .corpus import _require

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "CJK_FAMILIES",
    "FontInfo",
    "find_cjk_font",
    "plot_concreteness",
    "plot_similarity",
    "plot_terms",
    "plot_theme_heatmap",
]


#: CJK font families, in order of preference (matplotlib names)
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Source Han Sans",
    "Noto Serif CJK SC",
    "Noto Serif CJK TC",
    "Noto Serif CJK JP",
    "Source Han Serif SC",
    "Source Han Serif CN",
    "Source Han Serif",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Sarasa Gothic SC",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "SimHei",
)
_CJK_FILE_HINTS = ("notosanscjk", "notoserifcjk", "sourcehan", "wqy", "wenquanyi")
_CJK_PROBE = "工会工作计划主题措施职工帮扶维权"


@dataclass(frozen=True)
class FontInfo:
    """The CJK font the charts use: its family name and file."""

    name: str
    path: str


def _covers(fname: Any, text: str) -> bool:
    from matplotlib import font_manager

    try:
        charmap = font_manager.get_font(fname).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(ch) in charmap for ch in text)


def _find_family(names: Sequence[str]) -> FontInfo | None:
    from matplotlib import font_manager

    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in names:
        if name not in available:
            continue
        try:
            found = font_manager.findfont(
                font_manager.FontProperties(family=name), fallback_to_default=False
            )
        except ValueError:
            continue
        if _covers(found, _CJK_PROBE):
            return FontInfo(name, str(found))
    return None


@lru_cache(maxsize=1)
def find_cjk_font() -> FontInfo:
    """The CJK font matplotlib will use for Chinese labels (Noto, Source Han, WenQuanYi …).

    Looks in matplotlib's font list, then among the system fonts matplotlib
    has not indexed yet (fonts installed after its cache was built), and
    checks that the font covers Chinese characters.

    Raises:
        UnionNLPError: no CJK font is installed (Debian/Ubuntu:
            ``apt-get install fonts-noto-cjk``).
    """
    _require("matplotlib")
    from matplotlib import font_manager

    found = _find_family(CJK_FAMILIES)
    if found is None:
        for fname in font_manager.findSystemFonts():
            if any(h in Path(fname).name.lower().replace("-", "") for h in _CJK_FILE_HINTS):
                try:
                    font_manager.fontManager.addfont(fname)
                except (OSError, RuntimeError, ValueError):  # pragma: no cover - broken files
                    continue
        found = _find_family(CJK_FAMILIES)
    if found is None:
        raise UnionNLPError(
            "charts with Chinese labels need a CJK font, and none was found (looked for "
            + ", ".join(CJK_FAMILIES[:4])
            + ", WenQuanYi …). Install one, for example `apt-get install fonts-noto-cjk`"
            " on Debian/Ubuntu (`fonts-noto-cjk` also on Fedora as google-noto-sans-cjk-fonts),"
            " then run again; unionnlp does not draw Chinese as empty boxes."
        )
    return found


@contextmanager
def _chart_style() -> Iterator[FontInfo]:
    """matplotlib settings for one chart: the CJK font, and missing glyphs as errors."""
    import matplotlib

    font = find_cjk_font()
    with (
        matplotlib.rc_context(
            {
                "font.family": [font.name, "DejaVu Sans"],
                "axes.unicode_minus": False,
                "figure.dpi": 100,
                "savefig.dpi": 110,
                "axes.titlesize": 11,
            }
        ),
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("error", message=r"Glyph .* missing from", category=UserWarning)
        try:
            yield font
        except UserWarning as err:
            raise UnionNLPError(
                f"a chart label has characters the font {font.name} ({font.path}) lacks: {err};"
                " install fonts-noto-cjk"
            ) from err


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finish(fig: Figure) -> Figure:
    # Draw once inside the style so that every text (tick labels are made at draw
    # time) takes the CJK font; later savefig calls keep it.
    fig.canvas.draw()
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    with _chart_style():
        fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def plot_theme_heatmap(
    profile: pd.DataFrame, *, by: str | None = None, title: str | None = None
) -> Figure:
    """A heatmap of theme shares per group (from :func:`theme_profile`).

    Cells show the share and, below it, the adjusted residual when it is
    beyond ±1.96 (a departure from independence at the 5 % level).
    """
    import numpy as np

    by = by or str(profile.columns[0])
    shares = profile.pivot(index=by, columns="theme", values="share")
    resid = profile.pivot(index=by, columns="theme", values="residual")
    names = dict(zip(profile["theme"], profile["name"], strict=False))
    groups = list(dict.fromkeys(profile[by]))
    themes = list(dict.fromkeys(profile["theme"]))
    shares = shares.loc[groups, themes]
    resid = resid.loc[groups, themes]
    with _chart_style():
        fig = _new_figure(max(6.0, 0.75 * len(themes) + 2.5), max(2.5, 0.5 * len(groups) + 2.0))
        ax = fig.add_subplot()
        values = shares.to_numpy(dtype=float)
        residuals = resid.to_numpy(dtype=float)
        image = ax.imshow(
            np.nan_to_num(values),
            cmap="Blues",
            aspect="auto",
            vmin=0,
            vmax=max(0.01, float(np.nanmax(values))),
        )
        ax.set_xticks(
            range(len(themes)),
            labels=[str(names.get(t, t)) for t in themes],
            rotation=40,
            ha="right",
        )
        ax.set_yticks(range(len(groups)), labels=[str(g) for g in groups])
        top = float(np.nanmax(values)) if values.size else 0.0
        for i in range(len(groups)):
            for j in range(len(themes)):
                share, r = values[i, j], float(residuals[i, j])
                if math.isnan(share):
                    continue
                label = f"{share:.0%}"
                if not math.isnan(r) and abs(r) >= 1.96:
                    label += f"\n({r:+.1f})"
                ax.text(j, i, label, ha="center", va="center", fontsize=7,
                        color="white" if share > 0.6 * top else "black")  # fmt: skip
        fig.colorbar(image, ax=ax, label="份额 share", shrink=0.8)
        ax.set_title(title or f"主题份额 theme shares by {by}")
        return _finish(fig)


def plot_concreteness(table: pd.DataFrame, *, by: str | None = None) -> Figure:
    """Bars of the concreteness measures per group (from ``concreteness(by=...)``)."""
    by = by or str(table.columns[0])
    panels = [
        ("measures_per_plan", "每篇措施数\nmeasures per plan", False),
        ("share_deadline", "有时限的措施\nwith deadline", True),
        ("share_party", "有明确责任单位\nexplicit party", True),
        ("share_target", "有量化目标\nquantitative target", True),
        ("depth_mean", "编号层级深度\nnumbering depth", False),
    ]
    groups = [str(g) for g in table[by]]
    with _chart_style():
        fig = _new_figure(max(8.0, 1.0 + 0.45 * len(groups) * len(panels)), 3.6)
        axes = fig.subplots(1, len(panels))
        colors = [f"C{i % 10}" for i in range(len(groups))]
        for ax, (column, label, share) in zip(axes, panels, strict=True):
            values = [float(v) for v in table[column]]
            ax.bar(range(len(groups)), values, color=colors)
            ax.set_xticks(range(len(groups)), labels=groups, rotation=45, ha="right", fontsize=8)
            ax.set_title(label, fontsize=9)
            if share:
                ax.set_ylim(0, 1)
                ax.yaxis.set_major_formatter("{x:.0%}")
        fig.suptitle(f"具体程度 concreteness by {by}")
        return _finish(fig)


def plot_terms(terms: pd.DataFrame, group: str, *, by: str | None = None, top: int = 15) -> Figure:
    """Horizontal bars of a group's most distinctive words (from :func:`distinctive_terms`)."""
    by = by or str(terms.columns[0])
    part = terms[terms[by].astype(str) == str(group)].head(top)
    with _chart_style():
        fig = _new_figure(5.5, max(2.0, 0.28 * len(part) + 1.2))
        ax = fig.add_subplot()
        labels = [str(t) for t in part["term"]][::-1]
        ax.barh(range(len(labels)), [float(s) for s in part["score"]][::-1], color="C0")
        ax.set_yticks(range(len(labels)), labels=labels)
        score = "z (log-odds)" if "z" in part.columns else "G²"
        ax.set_xlabel(score)
        ax.set_title(f"{group}：特征词 distinctive terms")
        if not labels:
            ax.text(0.5, 0.5, "（无 none）", ha="center", va="center", transform=ax.transAxes)
        return _finish(fig)


def plot_similarity(sims: pd.DataFrame, *, order: Sequence[str] | None = None) -> Figure:
    """A heatmap of plan-to-plan similarity (from :func:`similarity`), in ``order``."""
    import numpy as np

    ids = list(order) if order is not None else [str(i) for i in sims.index]
    matrix = sims.loc[ids, ids].to_numpy(dtype=float)
    size = min(14.0, max(4.5, 0.22 * len(ids) + 2.5))
    with _chart_style():
        fig = _new_figure(size + 1.0, size)
        ax = fig.add_subplot()
        # Scale colours to the plan-to-plan values: the diagonal (1) would wash them out.
        off = matrix[~np.eye(len(ids), dtype=bool)]
        top = min(1.0, max(0.2, float(off.max()) if off.size else 1.0))
        image = ax.imshow(matrix, cmap="viridis", vmin=0, vmax=top)
        if len(ids) <= 80:
            fontsize = 7 if len(ids) <= 40 else 5
            ax.set_xticks(range(len(ids)), labels=ids, rotation=90, fontsize=fontsize)
            ax.set_yticks(range(len(ids)), labels=ids, fontsize=fontsize)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
        fig.colorbar(image, ax=ax, label="余弦相似度 cosine (TF-IDF)", shrink=0.8)
        ax.set_title("文本相似度 similarity between plans")
        return _finish(fig)
