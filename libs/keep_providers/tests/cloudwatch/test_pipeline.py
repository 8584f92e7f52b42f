"""A signed SNS alarm through the whole pipeline: an installed CloudWatch instance that
trusts the local SNS stand-in, the gateway verifying each message's signature and
answering the subscription handshake, the normalizer formatting the alarm."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

TEXT_PLAIN = {"Content-Type": "text/plain; charset=UTF-8"}


def test_signed_sns_alarm_is_accepted_and_a_tampered_one_refused(
    stack: Any,
    services: Any,
    fake_sns: Any,
    make_alarm: Callable[..., dict[str, Any]],
    local_trust: dict[str, Any],
    wait_until: Callable[..., Any],
) -> None:
    services.start("normalizer", stack.env)
    services.start("correlator", stack.env)
    gateway = services.start("gateway", stack.env)
    client = httpx.Client(base_url=gateway, headers={"X-API-KEY": stack.api_key}, timeout=20.0)
    alarm = make_alarm()
    signed = fake_sns.notification(alarm)
    topic = signed["TopicArn"]

    installed = client.post(
        "/api/providers",
        json={
            "type": "cloudwatch",
            "name": "aws-alarms",
            "config": {**local_trust, "topic_arns": [topic]},
            "pull_enabled": False,
            "validate_scopes": False,
        },
    )
    assert installed.status_code == 201, installed.text
    endpoint = f"/api/alerts/event/cloudwatch?provider_id={installed.json()['id']}"

    confirmed = client.post(endpoint, content=json.dumps(fake_sns.confirmation()), headers=TEXT_PLAIN)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["detail"] == f"subscribed to {topic}"
    assert len(fake_sns.subscribe_visits) == 1

    tampered = fake_sns.notification(alarm)
    tampered["Message"] = json.dumps(make_alarm(description="[low] nothing to see"))
    refused = client.post(endpoint, content=json.dumps(tampered), headers=TEXT_PLAIN)
    assert refused.status_code == 401, refused.text
    assert "does not verify" in refused.json()["detail"]

    accepted = client.post(endpoint, content=json.dumps(signed), headers=TEXT_PLAIN)
    assert accepted.status_code == 202, accepted.text

    alerts = wait_until(lambda: client.get("/api/alerts").json())
    assert [(a["name"], a["status"], a["severity"], a["fingerprint"]) for a in alerts] == [
        ("checkout-5xx-rate", "firing", "critical", alarm["AlarmArn"])
    ]
