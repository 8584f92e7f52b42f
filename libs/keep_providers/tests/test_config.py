"""Provider configs describe themselves, and never show their secrets."""

from __future__ import annotations

from typing import Literal

import pytest
from keep_providers.config import (
    HttpsUrl,
    HttpUrl,
    Port,
    ProviderConfig,
    describe_config,
    public_config,
    revealed_config,
    secret_field_names,
)
from pydantic import Field, SecretStr, ValidationError


class SampleConfig(ProviderConfig):
    url: HttpUrl = Field(description="Base URL")
    callback: HttpsUrl | None = Field(default=None, description="HTTPS only")
    port: Port = Field(default=443, description="Port")
    token: SecretStr = Field(description="API token")
    headers: dict[str, SecretStr] = Field(default_factory=dict, description="Extra headers")
    region: Literal["us", "eu"] = Field(default="us", description="Region")


def test_fields_carry_description_requirement_sensitivity_hint_and_options() -> None:
    fields = {field.name: field for field in describe_config(SampleConfig)}
    assert (fields["url"].required, fields["url"].sensitive, fields["url"].hint) == (True, False, "url")
    assert (fields["callback"].required, fields["callback"].hint) == (False, "https_url")
    assert (fields["port"].type, fields["port"].hint, fields["port"].default) == ("integer", "port", 443)
    assert (fields["token"].required, fields["token"].sensitive, fields["token"].default) == (True, True, None)
    assert fields["headers"].sensitive is True
    assert fields["region"].options == ("us", "eu")
    assert secret_field_names(SampleConfig) == {"token", "headers"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"url": "ftp://x", "token": "t"}, "url"),
        ({"url": "https://", "token": "t"}, "url"),
        ({"url": "https://a", "token": "t", "callback": "http://b"}, "callback"),
        ({"url": "https://a", "token": "t", "port": 70000}, "port"),
        ({"url": "https://a", "token": "t", "region": "apac"}, "region"),
    ],
)
def test_hints_validate(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SampleConfig.model_validate(values)
    assert {error["loc"][0] for error in caught.value.errors()} == {field}


def test_public_config_leaves_secrets_out_and_revealed_config_keeps_them_for_encryption() -> None:
    config = SampleConfig(url="https://a.example/", token=SecretStr("tok-1"), headers={"X-Key": SecretStr("h-1")})
    public = public_config(config)
    assert public == {"url": "https://a.example", "callback": None, "port": 443, "region": "us"}
    revealed = revealed_config(config)
    assert revealed["token"] == "tok-1" and revealed["headers"] == {"X-Key": "h-1"}
    assert SampleConfig.model_validate(revealed) == config
