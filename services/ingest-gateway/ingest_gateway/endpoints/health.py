from __future__ import annotations

import asyncio

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = ["healthz", "metrics", "readyz"]

_CHECK_TIMEOUT = 2.0


async def healthz(request: Request) -> Response:
    """Liveness: the process answers; dependencies are readiness' business."""
    return JSONResponse({"status": "ok"})


async def _postgres_problem(request: Request) -> str | None:
    try:
        async with asyncio.timeout(_CHECK_TIMEOUT):
            async with request.app.state.pool.connection() as conn:
                await conn.execute("SELECT 1")
    except Exception as exc:
        return f"postgres: {type(exc).__name__}"
    return None


async def readyz(request: Request) -> Response:
    problems = []
    if not request.app.state.publisher.connected:
        problems.append("kafka: not connected")
    if problem := await _postgres_problem(request):
        problems.append(problem)
    if problems:
        return JSONResponse({"status": "not ready", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


async def metrics(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
