"""HTTP routes: the Bot Framework endpoint and the health check."""

from __future__ import annotations

import logging
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import text

from bot.components import COMPONENTS
from bot.domain.signed_links import verify
from bot.logging_setup import new_request_id, request_id_var
from bot.teams.adapter import process_activity_request
from bot.web.calendar_routes import setup_calendar_routes
from bot.web.dashboard.routes import setup_dashboard_routes

log = logging.getLogger(__name__)


def setup_routes(app: web.Application) -> None:
    """Register every route on ``app``."""
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/files/{token}", download)
    setup_calendar_routes(app)
    setup_dashboard_routes(app)


async def messages(request: web.Request) -> web.Response:
    """``POST /api/messages``: one activity from Teams (or the Playground)."""
    components = request.app[COMPONENTS]
    return await process_activity_request(
        request, adapter=components.adapter, bot=components.bot,
        max_body_bytes=components.settings.max_body_bytes,
        allowed_channels=components.settings.allowed_channels,
    )


async def healthz(request: web.Request) -> web.Response:
    """``GET /healthz``: 200 when the database answers, 503 otherwise."""
    components = request.app[COMPONENTS]
    try:
        async with components.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        log.warning("health check: database unavailable (%s)", type(error).__name__)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


async def download(request: web.Request) -> web.StreamResponse:
    """``GET /files/{token}``: a shared document behind a signed link that expires."""
    components = request.app[COMPONENTS]
    subject = verify(request.match_info["token"], components.clock.now(), components.settings.link_secret) or ""
    if subject.startswith("export-"):
        # export-<what>-<format>[-<language>]: links signed before the language was added open in Dutch.
        _, what, fmt, *language = subject.split("-")
        try:
            name, content_type, data = await components.exports.build(what, fmt, language[0] if language else "nl")
        except ValueError:
            return web.json_response({"error": "link unknown or expired"}, status=404)
        return web.Response(body=data, headers={
            "Content-Type": content_type, "Content-Disposition": f"attachment; filename={name}",
            "X-Content-Type-Options": "nosniff"})
    document_id = int(subject[4:]) if subject.startswith("doc-") and subject[4:].isdigit() else None
    document = await components.documents.readable(document_id, None) if document_id is not None else None
    if document is None:
        return web.json_response({"error": "link unknown or expired"}, status=404)
    path = await components.documents.path_of(document)
    return web.FileResponse(path, headers={
        "Content-Type": document.content_type,
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.file_name)}",
        "X-Content-Type-Options": "nosniff",
    })


@web.middleware
async def request_id_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """Tag every log line of this request with one id, echoed in the response header."""
    request_id = new_request_id(request.headers.get("X-Request-Id"))
    token = request_id_var.set(request_id)
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers["X-Request-Id"] = request_id
        raise
    finally:
        request_id_var.reset(token)
    response.headers["X-Request-Id"] = request_id
    return response
