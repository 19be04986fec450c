"""``/docs`` that works offline: Swagger UI's files served by this server, not loaded from a CDN.

FastAPI's default ``/docs`` page pulls Swagger UI's script and style from a CDN (and ReDoc's from
another), so it is blank on a laptop without network. The files come from ``swagger-ui-bundle``
(Apache-2.0, Swagger UI's own dist files inside a wheel) and are mounted under ``/docs/assets``.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"


def swagger_ui_dir() -> Path:
    """The folder of Swagger UI's dist files shipped by the ``swagger-ui-bundle`` package."""
    from swagger_ui_bundle import swagger_ui_path

    return Path(str(swagger_ui_path))


def add_offline_docs(app: FastAPI) -> None:
    """``GET /docs``: Swagger UI over ``app.openapi_url``, every asset from this server.

    Create ``app`` with ``docs_url=None, redoc_url=None`` so FastAPI's CDN pages are not there too.
    """
    app.mount(ASSETS, StaticFiles(directory=swagger_ui_dir()), name="swagger-ui")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )
