"""Charts rendered on the server as PNG, for chat cards (platforms show images, not scripts).

Matplotlib draws with the object API (one ``Figure`` per call, no global pyplot state, so
concurrent requests do not interfere) and labels in Noto Sans CJK SC, a font the project
installs from PyPI (the ``mplfonts`` package ships it under the SIL Open Font License): CJK
labels render as text on any server, never as boxes.
"""

from __future__ import annotations

import importlib.resources
import io
import pathlib
from decimal import Decimal
from functools import lru_cache

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager
from matplotlib.ticker import FuncFormatter

from credit_domain.analytics.report import KpiReport
from credit_domain.analytics.tables import BUCKET_LABELS
from credit_domain.i18n import text_factory

_ = text_factory("bot")
BUCKET_COLOURS = ("#2e7d32", "#f9a825", "#ef6c00", "#d84315", "#b71c1c")


@lru_cache(maxsize=1)
def cjk_font_path() -> pathlib.Path:
    """Noto Sans CJK SC Regular from the ``mplfonts`` package."""
    path = importlib.resources.files("mplfonts").joinpath("fonts", "NotoSansCJKsc-Regular.otf")
    return pathlib.Path(str(path))


@lru_cache(maxsize=1)
def cjk_family() -> str:
    """Register the font with Matplotlib once; its family name (for tick labels)."""
    fontManager.addfont(str(cjk_font_path()))
    return str(FontProperties(fname=cjk_font_path()).get_name())


def aging_labels(report: KpiReport, locale: str) -> tuple[str, list[str]]:
    """The chart's title and bucket labels, as they will be drawn."""
    title = _("Receivables aging · {scope} · {date}", scope=report.label(locale),
              date=report.as_of.isoformat()).render(locale)
    return title, [BUCKET_LABELS[name].render(locale) for name, _a in report.totals.aging()]


def _wan(locale: str) -> FuncFormatter:
    def fmt(value: float, _pos: int) -> str:
        if locale.startswith("zh") and abs(value) >= 10_000:
            return f"{_trim(value / 10_000)}万"
        if abs(value) >= 1000:
            return f"{_trim(value / 1000)}k"
        return _trim(value)

    return FuncFormatter(fmt)


def render_aging_png(report: KpiReport, locale: str) -> bytes:
    """A bar chart of the report's receivables aging (current, 1–30 … over 90 days)."""
    font = FontProperties(fname=cjk_font_path())
    title, labels = aging_labels(report, locale)
    amounts = [amount for _name, amount in report.totals.aging()]
    fig = Figure(figsize=(7.2, 3.8), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    # Matplotlib plots floats; the figures printed on the bars come from the Decimals.
    bars = ax.bar(labels, [float(a) for a in amounts], color=BUCKET_COLOURS)
    ax.set_title(title, fontproperties=font, fontsize=12)
    ax.yaxis.set_major_formatter(_wan(locale))
    ax.tick_params(labelfontfamily=cjk_family())
    ax.spines[["top", "right"]].set_visible(False)
    for bar, amount in zip(bars, amounts, strict=True):
        ax.annotate(_short(amount, locale), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontproperties=font, fontsize=9)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _trim(value: float) -> str:
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def _short(amount: Decimal, locale: str) -> str:
    if locale.startswith("zh") and amount >= 10_000:
        return f"¥{amount / 10_000:,.1f}万"
    return f"¥{amount:,.0f}"
