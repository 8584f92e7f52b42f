"""SNS signature verification and the subscription handshake, against a local
stand-in for SNS that serves a self-signed certificate (trusted through the instance's
`sns_certificate_host_pattern`, as the real one is through AWS's SNS hosts)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from keep_providers.exceptions import WebhookAuthError
from keep_providers.providers.cloudwatch.provider import CloudWatchProvider
from keep_providers.providers.cloudwatch.sns import string_to_sign
from keep_providers.webhooks import InboundWebhook

Alarm = Callable[..., dict[str, Any]]


def webhook(message: dict[str, Any]) -> InboundWebhook:
    return InboundWebhook(body=json.dumps(message).encode(), headers={"content-type": "text/plain; charset=UTF-8"})


def config(**fields: Any) -> Any:
    return CloudWatchProvider.parse_config(fields)


@pytest.mark.parametrize("version", ["1", "2"])
async def test_valid_signature_passes(
    fake_sns: Any, make_alarm: Alarm, local_trust: dict[str, Any], version: str
) -> None:
    message = fake_sns.notification(make_alarm(), version=version)
    await CloudWatchProvider.verify_webhook(webhook(message), config(**local_trust))
    assert fake_sns.certificate_fetches == 1


async def test_notification_without_subject_passes(
    fake_sns: Any, make_alarm: Alarm, local_trust: dict[str, Any]
) -> None:
    message = fake_sns.notification(make_alarm(), subject=None)
    assert "Subject" not in message
    await CloudWatchProvider.verify_webhook(webhook(message), config(**local_trust))


async def test_tampered_message_is_refused(fake_sns: Any, make_alarm: Alarm, local_trust: dict[str, Any]) -> None:
    message = fake_sns.notification(make_alarm())
    message["Message"] = json.dumps(make_alarm(state="OK"))
    with pytest.raises(WebhookAuthError, match="does not verify"):
        await CloudWatchProvider.verify_webhook(webhook(message), config(**local_trust))


async def test_signature_by_another_key_is_refused(
    fake_sns: Any, make_alarm: Alarm, local_trust: dict[str, Any], other_key: rsa.RSAPrivateKey
) -> None:
    message = fake_sns.notification(make_alarm(), key=other_key)
    with pytest.raises(WebhookAuthError, match="does not verify"):
        await CloudWatchProvider.verify_webhook(webhook(message), config(**local_trust))


async def test_wrong_signature_version_for_the_hash_is_refused(
    fake_sns: Any, make_alarm: Alarm, local_trust: dict[str, Any]
) -> None:
    message = fake_sns.notification(make_alarm(), version="1")
    message["SignatureVersion"] = "2"
    with pytest.raises(WebhookAuthError, match="does not verify"):
        await CloudWatchProvider.verify_webhook(webhook(message), config(**local_trust))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"Signature": None}, "no Signature"),
        ({"Signature": "%%%not base64%%%"}, "not base64"),
        ({"SignatureVersion": None}, "SignatureVersion"),
        ({"SignatureVersion": "3"}, "SignatureVersion '3'"),
        ({"SigningCertURL": None}, "no SigningCertURL"),
    ],
)
async def test_missing_or_malformed_signature_fields_are_refused(
    fake_sns: Any, make_alarm: Alarm, local_trust: dict[str, Any], change: dict[str, Any], reason: str
) -> None:
    message = {**fake_sns.notification(make_alarm()), **change}
    message = {key: value for key, value in message.items() if value is not None}
    with pytest.raises(WebhookAuthError, match=reason):
        await CloudWatchProvider.verify_webhook(webhook(message), config(**local_trust))
    assert fake_sns.certificate_fetches == 0


async def test_certificate_from_an_unknown_host_is_never_fetched(
    fake_sns: Any, make_alarm: Alarm, local_trust: dict[str, Any]
) -> None:
    # `localhost` reaches the same fake, but is not a trusted host.
    cert_url = fake_sns.cert_url.replace("127.0.0.1", "localhost")
    message = fake_sns.notification(make_alarm(), cert_url=cert_url)
    with pytest.raises(WebhookAuthError, match="'localhost' is not an SNS host"):
        await CloudWatchProvider.verify_webhook(webhook(message), config(**local_trust))
    assert fake_sns.certificate_fetches == 0


@pytest.mark.parametrize(
    "cert_url",
    [
        "https://sns.us-east-1.amazonaws.com.attacker.example/cert.pem",
        "https://attacker.example/sns.us-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com@attacker.example/cert.pem",
    ],
)
async def test_default_trust_refuses_hosts_that_only_look_like_sns(
    fake_sns: Any, make_alarm: Alarm, cert_url: str
) -> None:
    message = fake_sns.notification(make_alarm(), cert_url=cert_url)
    with pytest.raises(WebhookAuthError, match="is not an SNS host"):
        await CloudWatchProvider.verify_webhook(webhook(message), None)


async def test_default_trust_refuses_the_local_fake(fake_sns: Any, make_alarm: Alarm) -> None:
    # No installed instance: only https on AWS's SNS hosts.
    with pytest.raises(WebhookAuthError, match="must use https"):
        await CloudWatchProvider.verify_webhook(webhook(fake_sns.notification(make_alarm())), None)
    assert fake_sns.certificate_fetches == 0


async def test_http_certificate_url_needs_the_insecure_flag(fake_sns: Any, make_alarm: Alarm) -> None:
    strict = config(sns_certificate_host_pattern=r"127\.0\.0\.1")
    with pytest.raises(WebhookAuthError, match="must use https"):
        await CloudWatchProvider.verify_webhook(webhook(fake_sns.notification(make_alarm())), strict)
    assert fake_sns.certificate_fetches == 0


async def test_certificates_are_cached_by_url(fake_sns: Any, make_alarm: Alarm, local_trust: dict[str, Any]) -> None:
    cert_url = fake_sns.cert_url
    for state in ("ALARM", "OK", "ALARM"):
        message = fake_sns.notification(make_alarm(state=state), cert_url=cert_url)
        await CloudWatchProvider.verify_webhook(webhook(message), config(**local_trust))
    assert fake_sns.certificate_fetches == 1


async def test_topic_not_in_the_allow_list_is_refused(
    fake_sns: Any, make_alarm: Alarm, local_trust: dict[str, Any]
) -> None:
    message = fake_sns.notification(make_alarm())
    allowed = config(**local_trust, topic_arns=["arn:aws:sns:eu-west-1:123456789012:other"])
    with pytest.raises(WebhookAuthError, match="not in this instance's topic_arns"):
        await CloudWatchProvider.verify_webhook(webhook(message), allowed)
    listed = config(**local_trust, topic_arns=[message["TopicArn"]])
    await CloudWatchProvider.verify_webhook(webhook(message), listed)


async def test_topic_allow_list_holds_without_signature_checks(fake_sns: Any, make_alarm: Alarm) -> None:
    unsigned = config(verify_signatures=False, topic_arns=["arn:aws:sns:eu-west-1:123456789012:other"])
    with pytest.raises(WebhookAuthError, match="topic_arns"):
        await CloudWatchProvider.verify_webhook(webhook(fake_sns.notification(make_alarm())), unsigned)


async def test_unsigned_bodies_need_verification_turned_off(make_alarm: Alarm) -> None:
    raw = InboundWebhook(body=json.dumps(make_alarm()).encode())
    with pytest.raises(WebhookAuthError, match="verify_signatures false"):
        await CloudWatchProvider.verify_webhook(raw, None)
    await CloudWatchProvider.verify_webhook(raw, config(verify_signatures=False))


async def test_garbage_body_is_refused() -> None:
    with pytest.raises(WebhookAuthError, match="Amazon SNS message"):
        await CloudWatchProvider.verify_webhook(InboundWebhook(body=b"\xff\xfe not json"), None)


async def test_subscription_confirmation_is_verified_and_confirmed(fake_sns: Any, local_trust: dict[str, Any]) -> None:
    message = fake_sns.confirmation()
    await CloudWatchProvider.verify_webhook(webhook(message), config(**local_trust))
    answer = await CloudWatchProvider.answer_handshake(webhook(message), config(**local_trust))
    assert answer == f"subscribed to {message['TopicArn']}"
    assert len(fake_sns.subscribe_visits) == 1
    assert "Action=ConfirmSubscription" in fake_sns.subscribe_visits[0]


async def test_tampered_subscribe_url_fails_verification(fake_sns: Any, local_trust: dict[str, Any]) -> None:
    message = fake_sns.confirmation()
    message["SubscribeURL"] = message["SubscribeURL"] + "&extra=1"
    with pytest.raises(WebhookAuthError, match="does not verify"):
        await CloudWatchProvider.verify_webhook(webhook(message), config(**local_trust))


async def test_subscribe_url_on_a_foreign_host_is_never_visited(fake_sns: Any, local_trust: dict[str, Any]) -> None:
    foreign = f"{fake_sns.url.replace('127.0.0.1', 'localhost')}/subscribe?Action=ConfirmSubscription"
    message = fake_sns.confirmation(subscribe_url=foreign)
    with pytest.raises(WebhookAuthError, match="SubscribeURL host 'localhost'"):
        await CloudWatchProvider.answer_handshake(webhook(message), config(**local_trust))
    with pytest.raises(WebhookAuthError, match="SubscribeURL must use https"):
        await CloudWatchProvider.answer_handshake(webhook(fake_sns.confirmation()), None)
    assert fake_sns.subscribe_visits == []


async def test_unsubscribe_confirmation_is_not_answered(fake_sns: Any, local_trust: dict[str, Any]) -> None:
    message = fake_sns.confirmation("UnsubscribeConfirmation")
    await CloudWatchProvider.verify_webhook(webhook(message), config(**local_trust))
    answer = await CloudWatchProvider.answer_handshake(webhook(message), config(**local_trust))
    assert answer == "unsubscribe confirmation ignored"
    assert fake_sns.subscribe_visits == []


async def test_notifications_need_no_handshake(fake_sns: Any, make_alarm: Alarm, local_trust: dict[str, Any]) -> None:
    message = fake_sns.notification(make_alarm())
    assert await CloudWatchProvider.answer_handshake(webhook(message), config(**local_trust)) is None
    assert fake_sns.subscribe_visits == []


def test_string_to_sign_follows_the_documented_key_order() -> None:
    notification = {
        "Type": "Notification",
        "MessageId": "m-1",
        "TopicArn": "arn:t",
        "Subject": "s",
        "Message": "hello\nworld",
        "Timestamp": "2026-11-28T00:00:00.000Z",
        "UnsubscribeURL": "https://x",
    }
    assert string_to_sign(notification) == (
        b"Message\nhello\nworld\nMessageId\nm-1\nSubject\ns\nTimestamp\n2026-11-28T00:00:00.000Z\n"
        b"TopicArn\narn:t\nType\nNotification\n"
    )
    confirmation = {
        "Type": "SubscriptionConfirmation",
        "MessageId": "m-2",
        "Token": "tok",
        "TopicArn": "arn:t",
        "Message": "confirm",
        "SubscribeURL": "https://sns/x",
        "Timestamp": "2026-11-28T00:00:00.000Z",
    }
    assert string_to_sign(confirmation) == (
        b"Message\nconfirm\nMessageId\nm-2\nSubscribeURL\nhttps://sns/x\nTimestamp\n2026-11-28T00:00:00.000Z\n"
        b"Token\ntok\nTopicArn\narn:t\nType\nSubscriptionConfirmation\n"
    )


def test_string_to_sign_requires_the_signed_keys() -> None:
    with pytest.raises(WebhookAuthError, match="lacks the signed key SubscribeURL"):
        string_to_sign({"Type": "SubscriptionConfirmation", "Message": "m", "MessageId": "i"})


async def test_certificate_url_that_serves_no_certificate_is_refused(
    fake_sns: Any, make_alarm: Alarm, local_trust: dict[str, Any]
) -> None:
    fake_sns.pem = b"<html>not a certificate</html>"
    with pytest.raises(WebhookAuthError, match="not a PEM certificate"):
        await CloudWatchProvider.verify_webhook(webhook(fake_sns.notification(make_alarm())), config(**local_trust))
