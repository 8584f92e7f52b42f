from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse

__all__ = ["json_error"]


def json_error(status_code: int, detail: str, *, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """Every error answer has the same shape: `{"detail": ...}`."""
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)
