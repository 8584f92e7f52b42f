"""PagerDuty provider: webhook signatures, pull, incidents, scopes and webhook setup
against a fake PagerDuty API."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from keep_providers.exceptions import OutboundError, ProviderConfigError, WebhookAuthError
from keep_providers.http import RetryPolicy
from keep_providers.models import AlertSeverity, AlertStatus
from keep_providers.providers.pagerduty.provider import PagerDutyProvider
from keep_providers.webhooks import InboundWebhook

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

SECRET = "ChangeMe-subscription-secret-1"
OLD_SECRET = "ChangeMe-subscription-secret-0"
FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02)
HEADER = "x-pagerduty-signature"


def v1(body: bytes, secret: str = SECRET) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def config(**values: Any) -> Any:
    return PagerDutyProvider.parse_config(values)


@pytest.fixture
def body(payload: Callable[[str], dict[str, Any]]) -> bytes:
    return json.dumps(payload("firing"), ensure_ascii=False).encode()


async def test_valid_signature_is_accepted(body: bytes) -> None:
    webhook = InboundWebhook(body=body, headers={HEADER: v1(body)})
    await PagerDutyProvider.verify_webhook(webhook, config(webhook_secret=SECRET))


@pytest.mark.parametrize("order", ["new_first", "old_first"])
async def test_during_rotation_any_signature_may_match(body: bytes, order: str) -> None:
    signatures = [v1(body, SECRET), v1(body, OLD_SECRET)]
    header = ",".join(signatures if order == "new_first" else reversed(signatures))
    await PagerDutyProvider.verify_webhook(
        InboundWebhook(body=body, headers={HEADER: header}), config(webhook_secret=SECRET)
    )
    await PagerDutyProvider.verify_webhook(
        InboundWebhook(body=body, headers={HEADER: header}), config(webhook_secret=OLD_SECRET)
    )


async def test_wrong_signature_is_refused(body: bytes) -> None:
    header = f"{v1(body, 'not-the-secret')},{v1(body, OLD_SECRET)}"
    with pytest.raises(WebhookAuthError, match="X-PagerDuty-Signature does not match") as caught:
        await PagerDutyProvider.verify_webhook(
            InboundWebhook(body=body, headers={HEADER: header}), config(webhook_secret=SECRET)
        )
    assert SECRET not in str(caught.value)


async def test_a_signature_of_another_version_does_not_count(body: bytes) -> None:
    header = v1(body).replace("v1=", "v0=")
    with pytest.raises(WebhookAuthError, match="X-PagerDuty-Signature does not match"):
        await PagerDutyProvider.verify_webhook(
            InboundWebhook(body=body, headers={HEADER: header}), config(webhook_secret=SECRET)
        )


async def test_missing_signature_is_refused(body: bytes) -> None:
    with pytest.raises(WebhookAuthError, match="missing X-PagerDuty-Signature header"):
        await PagerDutyProvider.verify_webhook(InboundWebhook(body=body), config(webhook_secret=SECRET))


async def test_tampered_body_is_refused(body: bytes) -> None:
    tampered = body.replace(b'"status": "triggered"', b'"status": "resolved"')
    assert tampered != body
    with pytest.raises(WebhookAuthError):
        await PagerDutyProvider.verify_webhook(
            InboundWebhook(body=tampered, headers={HEADER: v1(body)}), config(webhook_secret=SECRET)
        )


async def test_without_a_secret_any_webhook_is_accepted(body: bytes) -> None:
    await PagerDutyProvider.verify_webhook(InboundWebhook(body=body), None)
    await PagerDutyProvider.verify_webhook(InboundWebhook(body=body), config(api_key="k"))


def test_capabilities() -> None:
    assert PagerDutyProvider.capabilities() == frozenset(
        {"format", "pull", "incidents", "scopes", "setup_webhook", "verify_webhook"}
    )


def provider(fake: Any, key: str | None = None) -> PagerDutyProvider:
    return PagerDutyProvider("test-id", {"api_key": key or fake.good_key, "api_url": fake.url}, retry=FAST_RETRY)


async def test_pull_pages_through_open_incidents(
    fake_pagerduty: Any, make_incident: Callable[..., Any], disposing: Disposing
) -> None:
    fake_pagerduty.incidents = [make_incident(f"PINC{n:03d}") for n in range(1, 251)]
    fake_pagerduty.incidents.append(make_incident("PINC999", status="resolved"))
    async with disposing(provider(fake_pagerduty)) as pagerduty:
        alerts = await pagerduty.pull_alerts()
    assert len(alerts) == 250
    assert alerts[0].fingerprint == "queue/PINC001"
    assert alerts[-1].fingerprint == "queue/PINC250"
    assert all(alert.pushed is False for alert in alerts)
    offsets = [dict(params)["offset"] for _, _, params in fake_pagerduty.requests]
    assert offsets == ["0", "100", "200"]
    statuses = [value for key, value in fake_pagerduty.requests[0][2] if key == "statuses[]"]
    assert statuses == ["triggered", "acknowledged"]


async def test_pull_retries_after_rate_limit_and_server_error(
    fake_pagerduty: Any, make_incident: Callable[..., Any], disposing: Disposing
) -> None:
    fake_pagerduty.incidents = [make_incident("PINC001")]
    fake_pagerduty.failures = [429, 502]
    async with disposing(provider(fake_pagerduty)) as pagerduty:
        alerts = await pagerduty.get_alerts()
    assert [alert.fingerprint for alert in alerts] == ["queue/PINC001"]
    assert len(fake_pagerduty.requests) == 3


async def test_pull_with_an_invalid_key_raises_without_it(fake_pagerduty: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_pagerduty, key="u+wrong-key")) as pagerduty:
        with pytest.raises(OutboundError) as caught:
            await pagerduty.get_alerts()
    assert caught.value.status_code == 401
    assert "u+wrong-key" not in str(caught.value)


async def test_pull_without_an_api_key_is_a_config_error(disposing: Disposing) -> None:
    async with disposing(PagerDutyProvider("test-id", {"webhook_secret": SECRET})) as pagerduty:
        with pytest.raises(ProviderConfigError, match="api_key is needed"):
            await pagerduty.get_alerts()


async def test_get_incidents(fake_pagerduty: Any, make_incident: Callable[..., Any], disposing: Disposing) -> None:
    fake_pagerduty.incidents = [make_incident("PINC001"), make_incident("PINC002", status="acknowledged", key="")]
    async with disposing(provider(fake_pagerduty)) as pagerduty:
        incidents = await pagerduty.get_incidents()
    assert [(i.id, i.status, i.alert_fingerprints) for i in incidents] == [
        ("PINC001", AlertStatus.FIRING, ["queue/PINC001"]),
        ("PINC002", AlertStatus.ACKNOWLEDGED, ["PINC002"]),
    ]
    first = incidents[0]
    assert first.title == "Queue depth high on worker PINC001"
    assert first.severity == AlertSeverity.HIGH
    assert first.url == "https://acme.pagerduty.com/incidents/PINC001"
    assert first.service == "Workers"
    assert first.created_at is not None and first.created_at.isoformat() == "2024-05-14T08:00:00+00:00"
    assert first.model_dump()["number"] == "1"


@pytest.mark.parametrize(
    ("key_kind", "expected"),
    [
        ("good", {"incidents:read": True, "webhook_subscriptions:write": True}),
        ("read_only", {"incidents:read": True, "webhook_subscriptions:write": True}),
        (
            "wrong",
            {
                "incidents:read": "PagerDuty rejected the API key (401)",
                "webhook_subscriptions:write": "PagerDuty rejected the API key (401)",
            },
        ),
    ],
)
async def test_validate_scopes(
    fake_pagerduty: Any, key_kind: str, expected: dict[str, Any], disposing: Disposing
) -> None:
    key = {"good": fake_pagerduty.good_key, "read_only": fake_pagerduty.read_only_key, "wrong": "nope"}[key_kind]
    async with disposing(provider(fake_pagerduty, key=key)) as pagerduty:
        assert await pagerduty.validate_scopes() == expected
    assert all(dict(params)["limit"] == "1" for _, _, params in fake_pagerduty.requests)


async def test_validate_scopes_without_a_key_says_why(disposing: Disposing) -> None:
    async with disposing(PagerDutyProvider("test-id", {})) as pagerduty:
        scopes = await pagerduty.validate_scopes()
    assert set(scopes) == {"incidents:read", "webhook_subscriptions:write"}
    assert all("api_key is needed" in str(reason) for reason in scopes.values())


async def test_setup_webhook_creates_then_replaces_and_hands_over_the_signing_secret(
    fake_pagerduty: Any, disposing: Disposing
) -> None:
    async with disposing(provider(fake_pagerduty)) as pagerduty:
        created = await pagerduty.setup_webhook("tenant-a", "https://keep.example.com/", "keep-api-key-1")
        replaced = await pagerduty.setup_webhook("tenant-a", "https://keep.example.com", "keep-api-key-2")
    assert created.summary["action"] == "created"
    assert replaced.summary["action"] == "replaced"
    assert replaced.summary["replaced_subscription_ids"] == [created.summary["subscription_id"]]
    assert created.config_updates == {"webhook_secret": fake_pagerduty.subscription_secret}
    assert replaced.summary["signature_verification"] == "on"
    (only,) = fake_pagerduty.subscriptions
    assert only["id"] == replaced.summary["subscription_id"] != created.summary["subscription_id"]
    assert [method for method, _, _ in fake_pagerduty.writes] == ["POST", "DELETE", "POST"]
    first_post, second_post = (body for method, _, body in fake_pagerduty.writes if method == "POST")
    assert first_post["delivery_method"] == {
        "type": "http_delivery_method",
        "url": "https://keep.example.com/api/alerts/event/pagerduty?provider_id=test-id",
        "custom_headers": [{"name": "X-API-KEY", "value": "keep-api-key-1"}],
    }
    assert second_post["delivery_method"]["custom_headers"] == [{"name": "X-API-KEY", "value": "keep-api-key-2"}]
    assert first_post["filter"] == {"type": "account_reference"}
    assert "incident.triggered" in first_post["events"] and "incident.annotated" not in first_post["events"]
    for result in (created, replaced):
        text = json.dumps(result.summary)
        assert fake_pagerduty.subscription_secret not in text
        assert "keep-api-key" not in text


async def test_setup_webhook_leaves_other_subscriptions_alone(fake_pagerduty: Any, disposing: Disposing) -> None:
    fake_pagerduty.subscriptions = [
        {
            "id": "POTHER1",
            "type": "webhook_subscription",
            "delivery_method": {"type": "http_delivery_method", "url": "https://elsewhere.example.com/hook"},
            "events": ["incident.triggered"],
        }
    ]
    async with disposing(provider(fake_pagerduty)) as pagerduty:
        result = await pagerduty.setup_webhook("tenant-a", "https://keep.example.com", "k")
    assert result.summary["action"] == "created"
    assert [sub["id"] for sub in fake_pagerduty.subscriptions] == ["POTHER1", "PSUB001"]
    assert fake_pagerduty.subscriptions[0]["events"] == ["incident.triggered"]


async def test_setup_webhook_with_a_read_only_key_is_refused(fake_pagerduty: Any, disposing: Disposing) -> None:
    async with disposing(provider(fake_pagerduty, key=fake_pagerduty.read_only_key)) as pagerduty:
        with pytest.raises(OutboundError) as caught:
            await pagerduty.setup_webhook("tenant-a", "https://keep.example.com", "k")
    assert caught.value.status_code == 403
    assert fake_pagerduty.subscriptions == []
