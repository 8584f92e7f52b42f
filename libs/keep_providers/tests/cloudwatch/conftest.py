"""Fixtures for the CloudWatch tests: a signing certificate served by a local stand-in
for SNS, messages signed the way AWS signs them, and a fake CloudWatch Query API."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from keep_providers.providers.cloudwatch.sigv4 import AwsCredentials, sign_headers
from keep_providers.providers.cloudwatch.sns import string_to_sign
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:cloudwatch-alarms"
ALARM_ARN = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx-rate"
# What a test instance trusts: the local fake instead of sns.<region>.amazonaws.com.
LOCAL_TRUST = {"sns_certificate_host_pattern": r"127\.0\.0\.1", "allow_insecure_certificate_url": True}


def _key_and_certificate(days: int = 30) -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.eu-west-1.amazonaws.com")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return key, certificate.public_bytes(serialization.Encoding.PEM)


@dataclass
class FakeSns:
    """The SNS side: serves the certificate, records subscription confirmations, and
    signs messages with the certificate's key."""

    key: rsa.RSAPrivateKey
    pem: bytes
    url: str = ""
    certificate_fetches: int = 0
    subscribe_visits: list[str] = field(default_factory=list)

    @property
    def cert_url(self) -> str:
        return f"{self.url}/SimpleNotificationService-{secrets.token_hex(4)}.pem"

    def app(self) -> Starlette:
        async def certificate(request: Request) -> Response:
            self.certificate_fetches += 1
            return Response(self.pem, media_type="application/x-x509-ca-cert")

        async def subscribe(request: Request) -> Response:
            self.subscribe_visits.append(str(request.url))
            body = "<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>"
            body += f"{TOPIC_ARN}:2f1c</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>"
            return Response(body, media_type="text/xml")

        return Starlette(routes=[Route("/{name}.pem", certificate), Route("/subscribe", subscribe)])

    def sign(
        self,
        message: dict[str, Any],
        *,
        version: str = "2",
        key: rsa.RSAPrivateKey | None = None,
        cert_url: str | None = None,
    ) -> dict[str, Any]:
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = (key or self.key).sign(string_to_sign(message), padding.PKCS1v15(), algorithm)
        return {
            **message,
            "SignatureVersion": version,
            "Signature": base64.b64encode(signature).decode("ascii"),
            "SigningCertURL": cert_url or self.cert_url,
        }

    def notification(self, alarm: dict[str, Any], *, subject: str | None = "ALARM", **signing: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "Type": "Notification",
            "MessageId": "a3d1c2b4-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            "TopicArn": TOPIC_ARN,
            "Message": json.dumps(alarm),
            "Timestamp": "2026-11-28T13:05:12.345Z",
            "UnsubscribeURL": f"{self.url}/unsubscribe?SubscriptionArn={TOPIC_ARN}:2f1c",
        }
        if subject is not None:
            message["Subject"] = subject
        return self.sign(message, **signing)

    def confirmation(
        self, kind: str = "SubscriptionConfirmation", *, subscribe_url: str | None = None
    ) -> dict[str, Any]:
        message = {
            "Type": kind,
            "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
            "Token": "2336412f37fb687f5d51e6e2425c464de12884a3b9c2b3d1d0e2e2c2d8a5d3f5",
            "TopicArn": TOPIC_ARN,
            "Message": f"You have chosen to subscribe to the topic {TOPIC_ARN}.",
            "SubscribeURL": subscribe_url or f"{self.url}/subscribe?Action=ConfirmSubscription&Token=2336",
            "Timestamp": "2026-11-28T12:00:00.000Z",
        }
        return self.sign(message)


@pytest.fixture(scope="session")
def signing_material() -> tuple[rsa.RSAPrivateKey, bytes]:
    # RSA key generation is slow enough to do once.
    return _key_and_certificate()


@pytest.fixture
def fake_sns(local_api: Callable[[Any], str], signing_material: tuple[rsa.RSAPrivateKey, bytes]) -> FakeSns:
    fake = FakeSns(*signing_material)
    fake.url = local_api(fake.app())
    return fake


@pytest.fixture
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sns_alarm(
    *,
    state: str = "ALARM",
    old_state: str = "OK",
    name: str = "checkout-5xx-rate",
    arn: str | None = ALARM_ARN,
    description: str | None = "[critical] 5xx rate of the checkout load balancer",
    changed_at: str = "2026-11-28T13:05:10.510+0000",
) -> dict[str, Any]:
    """An alarm as CloudWatch publishes it to SNS (the `Message` of a Notification)."""
    alarm: dict[str, Any] = {
        "AlarmName": name,
        "AlarmDescription": description,
        "AWSAccountId": "123456789012",
        "AlarmConfigurationUpdatedTimestamp": "2026-10-01T08:00:00.000+0000",
        "NewStateValue": state,
        "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints [42.0 (28/11/26 13:04:00)] was "
        "greater than the threshold (10.0) (minimum 1 datapoint for OK -> ALARM transition).",
        "StateChangeTime": changed_at,
        "Region": "EU (Ireland)",
        "AlarmArn": arn,
        "OldStateValue": old_state,
        "OKActions": [],
        "AlarmActions": [TOPIC_ARN],
        "InsufficientDataActions": [],
        "Trigger": {
            "MetricName": "HTTPCode_Target_5XX_Count",
            "Namespace": "AWS/ApplicationELB",
            "StatisticType": "Statistic",
            "Statistic": "SUM",
            "Unit": None,
            "Dimensions": [{"value": "app/checkout/50dc6c495c0c9188", "name": "LoadBalancer"}],
            "Period": 60,
            "EvaluationPeriods": 1,
            "DatapointsToAlarm": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 10.0,
            "TreatMissingData": "missing",
            "EvaluateLowSampleCountPercentile": "",
        },
    }
    if arn is None:
        del alarm["AlarmArn"]
    return alarm


@pytest.fixture
def make_alarm() -> Callable[..., dict[str, Any]]:
    return sns_alarm


@pytest.fixture
def local_trust() -> dict[str, Any]:
    return dict(LOCAL_TRUST)


# --- fake CloudWatch Query API -------------------------------------------------

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
_NS = "http://monitoring.amazonaws.com/doc/2010-08-01/"


def _member(name: str, state: str = "ALARM") -> str:
    return (
        f"<member><AlarmName>{name}</AlarmName>"
        f"<AlarmArn>arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}</AlarmArn>"
        "<AlarmDescription>severity=warning queue backlog</AlarmDescription>"
        f"<StateValue>{state}</StateValue><StateReason>Threshold Crossed</StateReason>"
        "<StateUpdatedTimestamp>2026-11-28T12:59:00.123Z</StateUpdatedTimestamp>"
        "<MetricName>ApproximateNumberOfMessagesVisible</MetricName><Namespace>AWS/SQS</Namespace>"
        "<Statistic>Average</Statistic><Period>300</Period><Threshold>1000.0</Threshold>"
        "<ComparisonOperator>GreaterThanThreshold</ComparisonOperator>"
        f"<Dimensions><member><Name>QueueName</Name><Value>{name}-queue</Value></member></Dimensions>"
        "</member>"
    )


def _describe_alarms_xml(members: list[str], next_token: str | None) -> str:
    token = f"<NextToken>{next_token}</NextToken>" if next_token else ""
    return (
        f'<DescribeAlarmsResponse xmlns="{_NS}"><DescribeAlarmsResult>'
        f"<MetricAlarms>{''.join(members)}</MetricAlarms><CompositeAlarms/>{token}"
        "</DescribeAlarmsResult><ResponseMetadata><RequestId>f00d</RequestId></ResponseMetadata>"
        "</DescribeAlarmsResponse>"
    )


def _error_xml(code: str, message: str) -> str:
    return (
        f'<ErrorResponse xmlns="{_NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>bad1</RequestId></ErrorResponse>"
    )


@dataclass
class FakeCloudWatch:
    """Checks each request's SigV4 signature the way AWS does (recomputed from what
    arrived), pages alarms 2 at a time, and can fail the first calls."""

    alarms: list[str] = field(default_factory=lambda: [_member(f"queue-{i}") for i in range(5)])
    fail_first: list[int] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def handle(request: Request) -> Response:
            body = await request.body()
            form = dict(parse_qsl(body.decode()))
            self.requests.append(form)
            if self.fail_first:
                return Response(_error_xml("ServiceUnavailable", "try later"), status_code=self.fail_first.pop(0))
            amz_date = request.headers.get("x-amz-date", "")
            try:
                now = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            except ValueError:
                return Response(_error_xml("MissingAuthenticationToken", "no date"), status_code=403)
            expected = sign_headers(
                request.method,
                str(request.url),
                headers={"Content-Type": request.headers["content-type"]},
                body=body,
                credentials=AwsCredentials(ACCESS_KEY, SECRET_KEY),
                region="us-east-1",
                service="monitoring",
                now=now,
            )
            if request.headers.get("authorization") != expected["Authorization"]:
                return Response(
                    _error_xml("SignatureDoesNotMatch", "The request signature we calculated does not match"),
                    status_code=403,
                )
            if form.get("Action") != "DescribeAlarms" or form.get("Version") != "2010-08-01":
                return Response(_error_xml("InvalidAction", "unknown action"), status_code=400)
            start = int(form.get("NextToken") or "0")
            size = min(2, int(form.get("MaxRecords") or "100"))
            page = self.alarms[start : start + size]
            token = str(start + size) if start + size < len(self.alarms) else None
            return Response(_describe_alarms_xml(page, token), media_type="text/xml")

        return Starlette(routes=[Route("/", handle, methods=["POST"])])


@pytest.fixture
def fake_cloudwatch(local_api: Callable[[Any], str]) -> tuple[FakeCloudWatch, str]:
    fake = FakeCloudWatch()
    return fake, local_api(fake.app())
