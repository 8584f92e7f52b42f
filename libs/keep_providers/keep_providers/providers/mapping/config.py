"""The config of a mapping instance: how to turn any JSON body into alerts.

Everything is checked and compiled when the instance is installed, so a typo in a
path, a template that does not compile, a status target that does not exist or a
fingerprint that would merge unrelated alerts is refused then, with the field named,
instead of failing on the first alert.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonpath_ng import JSONPath
from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from keep_providers.config import ProviderConfig
from keep_providers.models import AlertDto, AlertSeverity, AlertStatus
from keep_providers.providers.mapping.expressions import Expression, compile_expression, compile_jsonpath

__all__ = [
    "DEFAULT_FINGERPRINT_FIELDS",
    "PAYLOAD_FIELD",
    "UNMAPPED_SEVERITY_FIELD",
    "UNMAPPED_STATUS_FIELD",
    "CompiledMapping",
    "MappingConfig",
]

DEFAULT_FINGERPRINT_FIELDS = ("name", "service", "environment", "labels")
MAX_FIELDS = 60

# Extra fields the formatter itself writes.
PAYLOAD_FIELD = "payload"
UNMAPPED_STATUS_FIELD = "unmappedStatus"
UNMAPPED_SEVERITY_FIELD = "unmappedSeverity"

# Set by the pipeline, not by the sender.
_RESERVED_FIELDS = frozenset(
    {"providerId", "providerType", "pushed", "formatWarnings"}
    | {PAYLOAD_FIELD, UNMAPPED_STATUS_FIELD, UNMAPPED_SEVERITY_FIELD}
)
# Fields whose value changes while the alert stays the same one.
_UNSTABLE_FINGERPRINT_FIELDS: Mapping[str, str] = {
    "status": "a status change would make a new alert instead of updating it",
    "lastReceived": "it changes on every repeat",
    "fingerprint": "it is what is being computed",
    UNMAPPED_STATUS_FIELD: "it changes with the status",
}
_EXTRA_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


@dataclass(frozen=True, slots=True)
class CompiledMapping:
    alerts_path: JSONPath | None
    fields: tuple[tuple[str, Expression], ...]


class MappingConfig(ProviderConfig):
    fields: dict[str, str | dict[str, str]] = Field(
        description=(
            "Alert field name -> expression. `name` is required. An expression is a JSONPath on the entry "
            "(`$.host`), a JSONPath on the whole body (`$$.receiver`), a Jinja2 template with `entry`, `body` "
            "and `headers` (`{{ entry.host }}: {{ entry.check }}`), an object of expressions (for labels), "
            "or a literal. Names other than the alert's own fields become extra fields."
        )
    )
    alerts_path: str | None = Field(
        default=None,
        description=(
            "JSONPath selecting the alert entries in the body, e.g. `$.alerts[*]`; by default an object "
            "body is one alert and a list body one alert per element"
        ),
    )
    status_map: dict[str, AlertStatus] = Field(
        default_factory=dict,
        description="Source status value -> alert status (firing, resolved, acknowledged, ...); case-insensitive",
    )
    severity_map: dict[str, AlertSeverity] = Field(
        default_factory=dict,
        description="Source severity value -> alert severity (critical, high, warning, info, low); case-insensitive",
    )
    default_status: AlertStatus = Field(
        default=AlertStatus.FIRING, description="Status when the status value is missing or not mapped"
    )
    default_severity: AlertSeverity = Field(
        default=AlertSeverity.INFO, description="Severity when the severity value is missing or not mapped"
    )
    fingerprint_fields: list[str] = Field(
        default_factory=lambda: list(DEFAULT_FINGERPRINT_FIELDS),
        description=(
            "Alert fields that identify an alert across repeats, used when `fields` has no `fingerprint`; "
            "never `name` alone"
        ),
    )
    keep_payload: bool = Field(
        default=True, description="Keep each entry as received under the alert's extra field `payload`"
    )

    _compiled: CompiledMapping = PrivateAttr()

    @field_validator("fields")
    @classmethod
    def _check_fields(cls, fields: dict[str, str | dict[str, str]]) -> dict[str, str | dict[str, str]]:
        if "name" not in fields:
            raise ValueError("`name` is required: every alert needs a name")
        if len(fields) > MAX_FIELDS:
            raise ValueError(f"at most {MAX_FIELDS} fields, not {len(fields)}")
        for name, source in fields.items():
            if name in _RESERVED_FIELDS:
                raise ValueError(f"{name!r} is set by the pipeline and cannot be mapped")
            if name not in AlertDto.model_fields and not _EXTRA_FIELD_NAME.fullmatch(name):
                raise ValueError(f"{name!r}: an extra field name is letters, digits and '_', starting with a letter")
            try:
                compile_expression(source)
            except ValueError as exc:
                raise ValueError(f"{name!r}: {exc}") from None
        return fields

    @field_validator("alerts_path")
    @classmethod
    def _check_alerts_path(cls, path: str | None) -> str | None:
        if path is not None:
            if not path.startswith("$"):
                raise ValueError(f"{path!r} is not a JSONPath: it starts with '$'")
            compile_jsonpath(path)
        return path

    @field_validator("status_map", "severity_map")
    @classmethod
    def _fold_keys(cls, table: dict[str, Any]) -> dict[str, Any]:
        # Values are looked up case-insensitively and without surrounding blanks.
        folded: dict[str, Any] = {}
        for key, target in table.items():
            normal = key.strip().lower()
            if not normal:
                raise ValueError("an empty key never matches a value")
            if normal in folded:
                raise ValueError(f"{key!r} repeats a key: keys are matched case-insensitively")
            folded[normal] = target
        return folded

    @field_validator("fingerprint_fields")
    @classmethod
    def _check_fingerprint_fields(cls, names: list[str], info: ValidationInfo) -> list[str]:
        if not names:
            raise ValueError("at least one field is needed")
        if len(set(names)) != len(names):
            raise ValueError("a field is listed twice")
        if set(names) == {"name"}:
            raise ValueError("`name` alone would merge unrelated alerts that share a name; add e.g. service or labels")
        mapped = info.data.get("fields")
        for name in names:
            if name in _UNSTABLE_FINGERPRINT_FIELDS:
                raise ValueError(f"{name!r} cannot identify an alert: {_UNSTABLE_FINGERPRINT_FIELDS[name]}")
            if name in _RESERVED_FIELDS:
                raise ValueError(f"{name!r} is set by the pipeline and cannot identify an alert")
            if name not in AlertDto.model_fields and mapped is not None and name not in mapped:
                raise ValueError(f"{name!r} is neither an alert field nor one of `fields`")
        return names

    @model_validator(mode="after")
    def _compile(self) -> MappingConfig:
        # The field validators compiled every expression already; these are cache hits.
        self._compiled = CompiledMapping(
            alerts_path=compile_jsonpath(self.alerts_path) if self.alerts_path is not None else None,
            fields=tuple((name, compile_expression(source)) for name, source in self.fields.items()),
        )
        return self

    @property
    def compiled(self) -> CompiledMapping:
        return self._compiled
