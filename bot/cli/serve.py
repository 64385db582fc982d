"""``creditbot serve``: the one ASGI server carrying every endpoint."""

from __future__ import annotations

import typer
import uvicorn

from bot.bootstrap import build_runtime
from bot.cli.base import app, console, err_console
from bot.observability import configure_logging
from bot.settings import get_settings
from bot.web.app import create_app


@app.command("serve")
def serve(
    host: str = typer.Option(None, help="Bind address (CREDITBOT_HOST, default 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (CREDITBOT_PORT, default 8000)."),
    demo: bool = typer.Option(False, "--demo", help=(
        "Turn the web emulator on unless CREDITBOT_EMULATOR is set (environment or .env) or "
        "a chat platform is configured (what `make run` uses).")),
) -> None:
    """Start the web server: health checks, platform callbacks, emulator, dashboards, API."""
    settings = get_settings()
    if demo:
        settings = settings.for_demo()
    configure_logging(settings.log_format, settings.log_level, settings.secret_values())
    refusal = settings.unsafe_emulator()
    if refusal:
        err_console.print(f"[red]{refusal}[/red]", highlight=False)
        raise typer.Exit(2)
    rt = build_runtime(settings)
    host = host or settings.host
    port = port or settings.port
    console.print(f"creditbot serving on http://{host}:{port}/ (database: "
                  f"{rt.domain.engine.url.render_as_string(hide_password=True)})")
    try:
        uvicorn.run(create_app(rt), host=host, port=port, log_config=None,
                    log_level=settings.log_level.lower())
    finally:
        rt.close()
