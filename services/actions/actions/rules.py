"""Action rules from a YAML file (`KEEP_ACTIONS_FILE`).

    providers:
      ops-webhook:
        type: webhook
        config: {url: "https://hooks.example.com/keep", headers: {Authorization: "${OPS_HOOK_TOKEN}"}}
        rate_limit: {requests: 5, per_seconds: 1}
    rules:
      - name: notify-ops
        on: [created, resolved]
        provider: ops-webhook
        min_severity: warning

`${NAME}` in a config value is read from the environment, so secrets stay out of the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from keep_core.events import IncidentChange, IncidentEvent
from keep_providers import AlertSeverity
from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, ValidationError, model_validator

__all__ = ["ActionRule", "ActionsConfig", "ProviderInstanceConfig", "RateLimitConfig", "load_actions_config"]

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RateLimitConfig(_Strict):
    requests: PositiveInt
    per_seconds: PositiveFloat


class ProviderInstanceConfig(_Strict):
    type: str
    config: dict[str, Any] = Field(default_factory=dict)
    rate_limit: RateLimitConfig | None = None


class ActionRule(_Strict):
    name: str = Field(min_length=1)
    on: list[IncidentChange] = Field(min_length=1)
    provider: str
    min_severity: AlertSeverity | None = None

    def matches(self, event: IncidentEvent) -> bool:
        if event.change not in self.on:
            return False
        return self.min_severity is None or event.incident.severity >= self.min_severity


class ActionsConfig(_Strict):
    providers: dict[str, ProviderInstanceConfig] = Field(default_factory=dict)
    rules: list[ActionRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> ActionsConfig:
        names = [rule.name for rule in self.rules]
        if len(names) != len(set(names)):
            raise ValueError("rule names must be unique")
        for rule in self.rules:
            if rule.provider not in self.providers:
                raise ValueError(f"rule {rule.name!r} names unknown provider {rule.provider!r}")
        return self


def _expand(value: Any) -> Any:
    if isinstance(value, str):

        def lookup(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ValueError(f"environment variable {name} is referenced but not set")
            return os.environ[name]

        return _ENV_REFERENCE.sub(lookup, value)
    if isinstance(value, dict):
        return {key: _expand(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item) for item in value]
    return value


def load_actions_config(path: Path | None) -> ActionsConfig:
    if path is None:
        return ActionsConfig()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read actions file {path}: {exc}") from None
    if not isinstance(document, dict):
        raise ValueError(f"invalid actions file {path}: the top level must be a mapping")
    rules = document.get("rules")
    for rule in rules if isinstance(rules, list) else ():
        # YAML 1.1 reads a bare `on:` key as the boolean true.
        if isinstance(rule, dict) and True in rule:
            rule["on"] = rule.pop(True)
    try:
        providers = document.get("providers")
        # Anything but a mapping is left for validation to report.
        for provider in providers.values() if isinstance(providers, dict) else ():
            if isinstance(provider, dict) and "config" in provider:
                provider["config"] = _expand(provider["config"])
        return ActionsConfig.model_validate(document)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValueError(f"invalid actions file {path}: {reasons}") from None
