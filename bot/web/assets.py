"""Assets served from installed packages, so that nothing a page needs comes from a CDN
(creditbot runs inside closed company networks).

- The CJK font, for browsers that have none of their own. Phones and desktops in China carry
  a Chinese font, and the style sheet names them first; a browser without one (a bare Linux
  thin client, a headless browser in CI) would draw tofu boxes. ``app.css`` declares the font
  served here as the last resort, limited to CJK code points, so only such a browser
  downloads it, once (cached for a year). It is the Noto Sans CJK SC (SIL Open Font License)
  the server-side charts use, shipped by a PyPI package.
- The API documentation at ``/docs``: Swagger UI from the ``swagger-ui-bundle-v2`` package
  (Apache-2.0) over the app's own OpenAPI schema.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from bot.web.charts import cjk_font_path

FONT_PATH = "/static/fonts/cjk-sans.otf"
SWAGGER = "/static/swagger-ui"
CACHED = {"Cache-Control": "public, max-age=31536000, immutable"}


def install_assets(app: FastAPI) -> None:
    """Mount the font and the API docs; call before the ``/static`` mount, which would
    shadow them. The app must be created with ``docs_url=None`` (FastAPI's page uses a CDN)."""
    router = APIRouter()

    @router.get(FONT_PATH, include_in_schema=False)
    def cjk_font() -> FileResponse:
        return FileResponse(cjk_font_path(), media_type="font/otf", headers=CACHED)

    @router.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title="creditbot API",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png")

    app.include_router(router)
    app.mount(SWAGGER, StaticFiles(directory=swagger_ui_path), name="swagger-ui")
