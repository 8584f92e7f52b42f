"""Pull through DescribeAlarms against a fake CloudWatch Query API that checks each
request's SigV4 signature, pages two alarms at a time and answers AWS's XML errors."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus
from keep_providers.exceptions import ProviderConfigError
from keep_providers.http import RetryPolicy
from keep_providers.providers.cloudwatch.provider import CloudWatchProvider

Disposing = Callable[[Any], AbstractAsyncContextManager[Any]]

FAST_RETRY = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02)


def provider(endpoint: str, secret: str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY") -> CloudWatchProvider:
    return CloudWatchProvider(
        "cw-pull",
        {
            "region": "us-east-1",
            "access_key_id": "AKIDEXAMPLE",
            "secret_access_key": secret,
            "endpoint_url": endpoint,
        },
        retry=FAST_RETRY,
    )


async def test_pull_pages_through_every_alarm(fake_cloudwatch: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_cloudwatch
    async with disposing(provider(url)) as cloudwatch:
        alerts = await cloudwatch.pull_alerts()
    assert [a.name for a in alerts] == [f"queue-{i}" for i in range(5)]
    first = alerts[0]
    assert first.status is AlertStatus.FIRING
    assert first.severity is AlertSeverity.WARNING
    assert first.fingerprint == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:queue-0"
    assert first.service == "queue-0-queue"
    assert first.labels["namespace"] == "AWS/SQS"
    assert first.pushed is False
    assert first.providerId == "cw-pull"
    assert [r.get("NextToken") for r in fake.requests] == [None, "2", "4"]
    assert {r["StateValue"] for r in fake.requests} == {"ALARM"}


async def test_pull_retries_a_server_error(fake_cloudwatch: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_cloudwatch
    fake.fail_first = [503]
    async with disposing(provider(url)) as cloudwatch:
        alerts = await cloudwatch.get_alerts()
    assert len(alerts) == 5
    assert len(fake.requests) == 4


async def test_scopes_report_a_bad_signature_as_a_reason(
    fake_cloudwatch: tuple[Any, str], disposing: Disposing
) -> None:
    _, url = fake_cloudwatch
    async with disposing(provider(url, secret="not-the-secret")) as cloudwatch:
        scopes = await cloudwatch.validate_scopes()
    reason = scopes["cloudwatch:DescribeAlarms"]
    assert isinstance(reason, str) and "403" in reason
    assert "not-the-secret" not in reason


async def test_scopes_pass_with_the_right_credentials(fake_cloudwatch: tuple[Any, str], disposing: Disposing) -> None:
    fake, url = fake_cloudwatch
    async with disposing(provider(url)) as cloudwatch:
        assert await cloudwatch.validate_scopes() == {"cloudwatch:DescribeAlarms": True}
    assert fake.requests[0]["MaxRecords"] == "1"


def test_pull_config_needs_all_of_region_and_keys() -> None:
    with pytest.raises(ProviderConfigError, match="region, access_key_id and secret_access_key"):
        CloudWatchProvider("cw", {"access_key_id": "AKIDEXAMPLE"})


def test_webhook_only_config_is_valid_and_secrets_are_hidden() -> None:
    cloudwatch = CloudWatchProvider("cw", {"topic_arns": ["arn:aws:sns:eu-west-1:1:t"]})
    assert cloudwatch.config.model_dump()["verify_signatures"] is True
    with pytest.raises(ProviderConfigError, match="sns_certificate_host_pattern"):
        CloudWatchProvider("cw", {"sns_certificate_host_pattern": "(unclosed"})
