"""The aging chart PNG draws Chinese labels with a real CJK font (installed from PyPI by the
project's own dependencies), never boxes of tofu."""

import io
import pathlib
import warnings

import matplotlib
from matplotlib.ft2font import FT2Font
from PIL import Image as PILImage

from bot.web.charts import aging_labels, cjk_font_path, render_aging_png
from credit_domain.access import Actor
from credit_domain.analytics.services import KpiQuery, run_kpis
from credit_domain.bootstrap import Domain
from tests.analytics_book import build_book

SHOTS = pathlib.Path("/tmp/creditbot-shots")


def missing_glyphs(font_path: pathlib.Path, text: str) -> set[str]:
    charmap = FT2Font(str(font_path)).get_charmap()
    return {c for c in text if not c.isspace() and ord(c) not in charmap}


def test_the_font_comes_from_the_installed_package() -> None:
    path = cjk_font_path()
    assert path.is_file() and "mplfonts" in str(path)
    # A check that can fail: Matplotlib's own DejaVu Sans has no Chinese glyphs.
    dejavu = pathlib.Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf"
    assert missing_glyphs(dejavu, "应收账龄") == set("应收账龄")


def test_aging_chart_has_every_glyph_it_draws(domain: Domain) -> None:
    build_book(domain)
    report = run_kpis(domain, Actor.system(), KpiQuery("bu:IND"))
    for locale in ("zh_CN", "en"):
        title, labels = aging_labels(report, locale)
        drawn = title + "".join(labels) + "¥万0123456789,.k"
        assert missing_glyphs(cjk_font_path(), drawn) == set(), locale
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph … missing from font(s)" would fail here
            png = render_aging_png(report, locale)
        image = PILImage.open(io.BytesIO(png))
        assert image.format == "PNG" and image.size[0] > 600
        if locale == "zh_CN":
            assert "工业品事业部" in title and "逾期90天以上" in labels
            SHOTS.mkdir(parents=True, exist_ok=True)
            (SHOTS / "aging-chart-book-zh.png").write_bytes(png)
