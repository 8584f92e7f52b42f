from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

__all__ = ["MAX_PAGE", "page_params"]

MAX_PAGE = 1000


def page_params(request: Request) -> tuple[int, int]:
    """`limit` (1..MAX_PAGE, default 100) and `offset` from the query string."""
    try:
        limit = int(request.query_params.get("limit", 100))
        offset = int(request.query_params.get("offset", 0))
    except ValueError:
        raise HTTPException(400, "limit and offset are integers") from None
    return min(MAX_PAGE, max(1, limit)), max(0, offset)
