from __future__ import annotations

from keep_core.postgres import postgres_problem
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = ["healthz", "metrics", "readyz"]


async def healthz(request: Request) -> Response:
    """Liveness: the process answers; dependencies are readiness' business."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    problems = []
    if not request.app.state.publisher.connected:
        problems.append("kafka: not connected")
    if problem := await postgres_problem(request.app.state.pool):
        problems.append(problem)
    if problems:
        return JSONResponse({"status": "not ready", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


async def metrics(request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
