from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from keep_providers.base import BaseProvider, ProviderConfig, ProviderScope
from keep_providers.exceptions import OutboundError, ProviderConfigError, ProviderError, WebhookAuthError
from keep_providers.models import AlertDto
from keep_providers.providers.cloudwatch import api, sns
from keep_providers.providers.cloudwatch.config import CloudWatchConfig
from keep_providers.providers.cloudwatch.formatter import alert_from_facts, format_cloudwatch_payload
from keep_providers.providers.cloudwatch.sigv4 import AwsCredentials, sign_headers
from keep_providers.webhooks import InboundWebhook

__all__ = ["PROVIDER", "CloudWatchProvider"]

_DESCRIBE_ALARMS = "cloudwatch:DescribeAlarms"
_FORM = "application/x-www-form-urlencoded; charset=utf-8"


def _settings(config: ProviderConfig | None) -> CloudWatchConfig:
    # No installed instance: AWS's defaults, signatures verified against AWS's hosts.
    return config if isinstance(config, CloudWatchConfig) else CloudWatchConfig()


def _trust(settings: CloudWatchConfig) -> sns.SnsTrust:
    return sns.SnsTrust(settings.sns_certificate_host_pattern, settings.allow_insecure_certificate_url)


class CloudWatchProvider(BaseProvider):
    """Amazon CloudWatch: alarms delivered by SNS (signature verified, subscriptions
    confirmed) or EventBridge, and pulled with DescribeAlarms."""

    PROVIDER_TYPE: ClassVar[str] = "cloudwatch"
    PROVIDER_DISPLAY_NAME: ClassVar[str] = "Amazon CloudWatch"
    PROVIDER_CATEGORY: ClassVar[tuple[str, ...]] = ("Monitoring", "Cloud Infrastructure")
    PROVIDER_TAGS: ClassVar[tuple[str, ...]] = ("alert",)
    CONFIG_MODEL: ClassVar[type[ProviderConfig]] = CloudWatchConfig
    PROVIDER_SCOPES: ClassVar[tuple[ProviderScope, ...]] = (
        ProviderScope(
            name=_DESCRIBE_ALARMS,
            description="Read alarms and their state (pull)",
            mandatory=False,
            documentation_url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html",
        ),
    )
    # Alarm names are unique per account and region; used only when no ARN came along.
    FINGERPRINT_FIELDS: ClassVar[tuple[str, ...]] = ("name", "awsAccountId", "region")
    WEBHOOK_SIGNATURE: ClassVar[str | None] = (
        "an Amazon SNS message signed by AWS (SignatureVersion 1 or 2, SigningCertURL on an SNS host)"
    )

    @property
    def _config(self) -> CloudWatchConfig:
        assert isinstance(self.config, CloudWatchConfig)
        return self.config

    def validate_config(self) -> None:
        settings = self._config
        if settings.pulls and not (settings.access_key_id and settings.secret_access_key and settings.region):
            raise ProviderConfigError("cloudwatch pull needs region, access_key_id and secret_access_key together")

    # --- inbound ---------------------------------------------------------------

    @staticmethod
    def format_alert(payload: Any, headers: Mapping[str, str]) -> list[AlertDto]:
        return format_cloudwatch_payload(payload)

    @classmethod
    async def verify_webhook(cls, webhook: InboundWebhook, config: ProviderConfig | None) -> None:
        settings = _settings(config)
        message = sns.sns_message(sns.parse_body(webhook.body))
        if message is None:
            if settings.verify_signatures:
                raise WebhookAuthError(
                    f"expected {cls.WEBHOOK_SIGNATURE}; unsigned bodies (EventBridge) need an instance "
                    "with verify_signatures false"
                )
            return
        if settings.topic_arns and message.get("TopicArn") not in settings.topic_arns:
            raise WebhookAuthError(f"SNS topic {message.get('TopicArn')!r} is not in this instance's topic_arns")
        if settings.verify_signatures:
            await sns.verify_signature(message, _trust(settings))

    @classmethod
    async def answer_handshake(cls, webhook: InboundWebhook, config: ProviderConfig | None) -> str | None:
        message = sns.sns_message(sns.parse_body(webhook.body))
        if message is None or message["Type"] == sns.NOTIFICATION:
            return None
        if message["Type"] == sns.UNSUBSCRIBE_CONFIRMATION:
            # Confirming would subscribe us again to a topic someone chose to leave.
            return "unsubscribe confirmation ignored"
        return await sns.confirm_subscription(message, _trust(_settings(config)))

    # --- pull ------------------------------------------------------------------

    def _endpoint(self) -> str:
        settings = self._config
        return settings.endpoint_url or f"https://monitoring.{settings.region}.amazonaws.com"

    async def _describe_alarms(self, *, state: str | None, next_token: str | None, max_records: int) -> api.AlarmsPage:
        settings = self._config
        if not (settings.access_key_id and settings.secret_access_key and settings.region):
            raise ProviderConfigError("cloudwatch pull needs region, access_key_id and secret_access_key")
        credentials = AwsCredentials(
            settings.access_key_id.get_secret_value(),
            settings.secret_access_key.get_secret_value(),
            settings.session_token.get_secret_value() if settings.session_token else None,
        )
        url = self._endpoint() + "/"
        body = api.describe_alarms_body(state=state, next_token=next_token, max_records=max_records)
        headers = {"Content-Type": _FORM}
        signed = sign_headers(
            "POST",
            url,
            headers=headers,
            body=body,
            credentials=credentials,
            region=settings.region,
            service=api.SERVICE,
            now=datetime.now(UTC),
        )
        response = await self.request("POST", url, content=body, headers={**headers, **signed})
        return api.parse_describe_alarms(response.content, settings.region)

    async def get_alerts(self) -> list[AlertDto]:
        alerts: list[AlertDto] = []
        next_token: str | None = None
        seen_tokens: set[str] = set()
        while True:
            page = await self._describe_alarms(state="ALARM", next_token=next_token, max_records=api.MAX_RECORDS)
            alerts.extend(alert_from_facts(facts) for facts in page.alarms)
            if page.next_token is None or page.next_token in seen_tokens:
                return alerts
            seen_tokens.add(page.next_token)
            next_token = page.next_token

    async def validate_scopes(self) -> dict[str, bool | str]:
        try:
            await self._describe_alarms(state=None, next_token=None, max_records=1)
        except (OutboundError, ProviderError) as exc:
            return {_DESCRIBE_ALARMS: str(exc)}
        return {_DESCRIBE_ALARMS: True}


PROVIDER = CloudWatchProvider
