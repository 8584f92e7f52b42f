from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import ValidationError

from keep_providers.base import BaseProvider
from keep_providers.exceptions import FormatterError
from keep_providers.models import AlertDto

__all__ = ["PROVIDER", "KeepProvider", "parse_alert_payload"]


def parse_alert_payload(payload: Any) -> list[AlertDto]:
    """One alert or a list of alerts in AlertDto form (`POST /api/alerts/event`)."""
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise FormatterError("the body holds no alert")
    alerts: list[AlertDto] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise FormatterError(f"alert [{index}] is not a JSON object")
        try:
            alerts.append(AlertDto.model_validate(item))
        except ValidationError as exc:
            reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'alert'}: {e['msg']}" for e in exc.errors())
            raise FormatterError(f"alert [{index}] is invalid: {reasons}") from None
    return alerts


class KeepProvider(BaseProvider):
    """Alerts already in our own form, from the generic endpoint."""

    PROVIDER_TYPE: ClassVar[str] = "keep"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Keep alert format"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Generic",)
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    # Name alone would merge unrelated alerts; the label set tells them apart.
    FINGERPRINT_FIELDS: ClassVar[tuple[str, ...]] = ("name", "service", "environment", "labels")

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return parse_alert_payload(payload)


PROVIDER = KeepProvider
