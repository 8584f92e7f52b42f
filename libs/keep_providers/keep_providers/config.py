"""Provider configs: pydantic models whose fields describe themselves to the API.

A field's description, default and whether it is required come from pydantic; whether
it is sensitive comes from its type (`SecretStr`); the validation hint (url, port, ...)
comes from the annotated types below, so that a UI can render and check the field
without knowing the provider.
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined, to_jsonable_python

__all__ = [
    "ConfigField",
    "HttpUrl",
    "HttpsUrl",
    "Port",
    "ProviderConfig",
    "describe_config",
    "public_config",
    "revealed_config",
    "secret_field_names",
]

HINT_KEY = "x-hint"


class ProviderConfig(BaseModel):
    """Base of every provider's auth config; secrets are `SecretStr` fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _http_url(value: str, *, https_only: bool = False) -> str:
    parts = urlsplit(value)
    allowed = ("https",) if https_only else ("http", "https")
    if parts.scheme not in allowed or not parts.hostname:
        raise ValueError(f"must be an {' or '.join(allowed)} URL with a host")
    return value.rstrip("/")


def _https_url(value: str) -> str:
    return _http_url(value, https_only=True)


HttpUrl = Annotated[str, AfterValidator(_http_url), Field(json_schema_extra={HINT_KEY: "url"})]
HttpsUrl = Annotated[str, AfterValidator(_https_url), Field(json_schema_extra={HINT_KEY: "https_url"})]
Port = Annotated[int, Field(ge=1, le=65535, json_schema_extra={HINT_KEY: "port"})]


@dataclass(frozen=True, slots=True)
class ConfigField:
    name: str
    type: str
    description: str
    required: bool
    sensitive: bool
    hint: str | None
    default: Any
    options: tuple[Any, ...] | None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "required": self.required,
            "sensitive": self.sensitive,
            "hint": self.hint,
            "default": self.default,
            "options": list(self.options) if self.options is not None else None,
        }


def _contains_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    return any(_contains_secret(arg) for arg in typing.get_args(annotation))


def _options(annotation: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return tuple(member.value for member in annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if (found := _options(arg)) is not None:
                return found
    return None


def _json_type(schema: dict[str, Any]) -> str:
    if "type" in schema:
        return str(schema["type"])
    for variant in schema.get("anyOf", []):
        if variant.get("type") not in (None, "null"):
            return str(variant["type"])
    return "string"


def _hint(info: FieldInfo, schema: dict[str, Any]) -> str | None:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    hint = extra.get(HINT_KEY) or schema.get(HINT_KEY)
    for variant in schema.get("anyOf", []):
        hint = hint or variant.get(HINT_KEY)
    return str(hint) if hint else None


def describe_config(model: type[ProviderConfig]) -> list[ConfigField]:
    properties = model.model_json_schema(mode="validation").get("properties", {})
    described = []
    for name, info in model.model_fields.items():
        schema = properties.get(info.alias or name, {})
        sensitive = _contains_secret(info.annotation)
        default = None if info.default is PydanticUndefined or sensitive else info.default
        described.append(
            ConfigField(
                name=name,
                type=_json_type(schema),
                description=info.description or "",
                required=info.is_required(),
                sensitive=sensitive,
                hint=_hint(info, schema),
                default=default if isinstance(default, str | int | float | bool | type(None)) else None,
                options=_options(info.annotation),
            )
        )
    return described


def secret_field_names(model: type[ProviderConfig]) -> frozenset[str]:
    return frozenset(name for name, info in model.model_fields.items() if _contains_secret(info.annotation))


def public_config(config: ProviderConfig) -> dict[str, Any]:
    """The config without its sensitive fields: not masked, absent, so not even a length shows."""
    secret = secret_field_names(type(config))
    return config.model_dump(mode="json", exclude=set(secret))


def revealed_config(config: ProviderConfig) -> dict[str, Any]:
    """Every value in clear, secrets included: only for encrypting at rest."""
    revealed: dict[str, Any] = to_jsonable_python(_reveal(config.model_dump(mode="python")))
    return revealed


def _reveal(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {key: _reveal(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_reveal(item) for item in value]
    return value
