"""The CJK font the project installs, served to browsers that have none of their own.

Phones and desktops in China carry a Chinese font, and the style sheet names them first; a
browser without one (a bare Linux thin client, a headless browser in CI) would draw tofu boxes.
``app.css`` declares the font served here as the last resort, limited to CJK code points, so
only such a browser downloads it, once (it is cached for a year). It is the same Noto Sans
CJK SC (SIL Open Font License) the server-side charts use, shipped by a PyPI package: no CDN.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from bot.web.charts import cjk_font_path

FONT_PATH = "/static/fonts/cjk-sans.otf"

router = APIRouter()


@router.get(FONT_PATH, include_in_schema=False)
def cjk_font() -> FileResponse:
    return FileResponse(cjk_font_path(), media_type="font/otf",
                        headers={"Cache-Control": "public, max-age=31536000, immutable"})
