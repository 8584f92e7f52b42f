"""The one place topic payloads become bytes and back."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from keep_core.exceptions import BadPayload

__all__ = ["decode", "encode", "encode_key"]

EventT = TypeVar("EventT", bound=BaseModel)


def encode(event: BaseModel) -> bytes:
    return event.model_dump_json(by_alias=True, exclude_none=False).encode("utf-8")


def decode(model: type[EventT], data: bytes | str | None) -> EventT:
    if data is None:
        raise BadPayload(f"empty {model.__name__} payload")
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        raise BadPayload(
            f"not a valid {model.__name__}: {exc.error_count()} error(s), first: {exc.errors()[0]['msg']}"
        ) from None


def encode_key(*parts: str) -> bytes:
    return ":".join(parts).encode("utf-8")
