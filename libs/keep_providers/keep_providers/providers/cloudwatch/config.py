from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator

from keep_providers.config import HttpUrl, ProviderConfig

__all__ = ["AWS_SNS_HOST_PATTERN", "CloudWatchConfig"]

# Where AWS serves SNS signing certificates and subscription confirmations.
AWS_SNS_HOST_PATTERN = r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$"


class CloudWatchConfig(ProviderConfig):
    region: str | None = Field(
        default=None,
        pattern=r"^[a-z]{2}(-[a-z]+)+-\d+$",
        description="AWS region whose alarms are pulled, e.g. eu-west-1 (pull only)",
    )
    access_key_id: SecretStr | None = Field(default=None, description="IAM access key id (pull only)")
    secret_access_key: SecretStr | None = Field(default=None, description="IAM secret access key (pull only)")
    session_token: SecretStr | None = Field(
        default=None, description="Session token, for temporary credentials from STS (pull only)"
    )
    endpoint_url: HttpUrl | None = Field(
        default=None, description="CloudWatch endpoint; default https://monitoring.<region>.amazonaws.com"
    )
    topic_arns: tuple[str, ...] = Field(
        default=(), description="Accept SNS messages only from these topic ARNs; empty accepts any topic"
    )
    verify_signatures: bool = Field(
        default=True, description="Verify the AWS signature of every SNS message (turn off only for EventBridge)"
    )
    sns_certificate_host_pattern: str = Field(
        default=AWS_SNS_HOST_PATTERN,
        description="Regex a SigningCertURL or SubscribeURL host must match; the default is AWS's SNS hosts",
    )
    allow_insecure_certificate_url: bool = Field(
        default=False, description="Accept http:// certificate and subscribe URLs (local test fakes only)"
    )

    @field_validator("sns_certificate_host_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @property
    def pulls(self) -> bool:
        """True when credentials are set, so the instance can pull alarms."""
        return self.access_key_id is not None or self.secret_access_key is not None
