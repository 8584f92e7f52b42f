"""Settings every service shares. Each service subclasses `Settings` with its own fields;
all read `KEEP_`-prefixed environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEEP_", frozen=True, extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", description="Comma-separated Kafka bootstrap servers"
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = Field(default=None, description="CA bundle to verify the brokers")
    kafka_ssl_certfile: str | None = Field(default=None, description="Client certificate for mutual TLS")
    kafka_ssl_keyfile: str | None = Field(default=None, description="Client key for mutual TLS")
    kafka_request_timeout_seconds: float = Field(default=10.0, gt=0)

    postgres_dsn: SecretStr = Field(
        default=SecretStr("postgresql://postgres@127.0.0.1:5432/keep"), description="PostgreSQL connection string"
    )
    postgres_pool_max_size: int = Field(default=10, ge=1)

    topic_prefix: str = Field(default="keep", pattern=r"^[A-Za-z0-9._-]+$")
    topic_partitions: int = Field(default=6, ge=1, description="Partitions of each topic created by `topics`")
    topic_replication_factor: int = Field(default=1, ge=1)

    default_tenant: str = Field(default="keep", description="Tenant that seeded API keys belong to")
    api_keys: SecretStr | None = Field(
        default=None,
        description="API keys to seed at `migrate`, comma-separated, each `key` or `tenant:key`; stored hashed",
    )

    secret_key: SecretStr | None = Field(
        default=None,
        description="Encrypts installed providers' configs at rest; any long random string. "
        "Changing it makes stored configs unreadable",
    )

    provider_cache_seconds: float = Field(
        default=10.0, gt=0, description="How long an installed provider is cached (webhook checks, formatting)"
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
