"""ProvidersFactory: discovery of the built-in providers."""

from __future__ import annotations

import pytest
from keep_providers import BaseProvider, ProvidersFactory
from keep_providers.exceptions import FormatterError, ProviderError, UnknownProviderType
from keep_providers.providers.keep.provider import KeepProvider
from keep_providers.providers.prometheus.provider import PrometheusProvider
from keep_providers.providers.webhook.provider import WebhookProvider


@pytest.fixture(scope="module")
def factory() -> ProvidersFactory:
    return ProvidersFactory()


@pytest.mark.parametrize(
    ("provider_type", "cls"),
    [("prometheus", PrometheusProvider), ("keep", KeepProvider), ("webhook", WebhookProvider)],
)
def test_builtin_providers_are_found(factory: ProvidersFactory, provider_type: str, cls: type[BaseProvider]) -> None:
    assert provider_type in factory.provider_types()
    assert factory.get_class(provider_type) is cls
    assert cls.PROVIDER_TYPE == provider_type


def test_provider_types_are_sorted_and_registered_under_their_own_name(factory: ProvidersFactory) -> None:
    types = factory.provider_types()
    assert types == sorted(types)
    for name in types:
        assert factory.get_class(name).PROVIDER_TYPE == name


@pytest.mark.parametrize("name", ["nagios-9000", "", "Prometheus"])
def test_unknown_provider_type_raises(factory: ProvidersFactory, name: str) -> None:
    with pytest.raises(UnknownProviderType) as caught:
        factory.get_class(name)
    assert repr(name) in str(caught.value)
    assert isinstance(caught.value, ProviderError)


@pytest.mark.parametrize(
    ("provider_type", "expected"),
    [("prometheus", True), ("keep", True), ("webhook", False), ("no-such-provider", False)],
)
def test_has_formatter(factory: ProvidersFactory, provider_type: str, expected: bool) -> None:
    assert factory.has_formatter(provider_type) is expected


def test_capabilities_reflect_what_a_provider_implements() -> None:
    assert WebhookProvider.capabilities() == frozenset({"notify"})
    assert PrometheusProvider.capabilities() == frozenset({"format", "pull", "scopes", "health"})


def test_format_alerts_on_a_provider_without_formatter_raises_formatter_error() -> None:
    with pytest.raises(FormatterError, match="webhook provider does not receive alerts"):
        WebhookProvider.format_alerts({"name": "x"}, {})


async def test_instances_are_cached_per_id_and_rebuilt_when_the_config_version_changes() -> None:
    factory = ProvidersFactory()
    config = {"url": "https://hooks.example.com/a"}
    first = await factory.instance("hook-1", "webhook", config, version="webhook:1")
    assert await factory.instance("hook-1", "webhook", config, version="webhook:1") is first
    first.http  # noqa: B018 - builds the client the instance owns
    changed = await factory.instance("hook-1", "webhook", {"url": "https://hooks.example.com/b"}, version="webhook:2")
    assert changed is not first
    assert first._http is None, "the replaced instance was disposed"
    assert str(changed.config.model_dump()["url"]).startswith("https://hooks.example.com/b")
    other = await factory.instance("hook-2", "webhook", config, version="webhook:1")
    assert other is not changed
    await factory.drop_instance("hook-1")
    rebuilt = await factory.instance("hook-1", "webhook", config, version="webhook:2")
    assert rebuilt is not changed
    await factory.retain({"hook-2"})
    assert await factory.instance("hook-2", "webhook", config, version="webhook:1") is other
    assert await factory.instance("hook-1", "webhook", config, version="webhook:2") is not rebuilt
    await factory.dispose()


def test_describe_lists_config_fields_scopes_and_capabilities_for_every_provider(factory: ProvidersFactory) -> None:
    described = {provider["type"]: provider for provider in factory.describe_all()}
    assert set(described) == set(factory.provider_types())
    for provider in described.values():
        assert provider["display_name"] and provider["capabilities"], provider["type"]
        for field in provider["config"]["fields"]:
            assert field["description"], f"{provider['type']}.{field['name']} has no description"
            if field["sensitive"]:
                assert field["default"] is None, "a secret's default is never shown"
        if "format" in provider["capabilities"]:
            assert provider["webhook"]["path"] == f"/api/alerts/event/{provider['type']}"
    webhook_fields = {field["name"]: field for field in described["webhook"]["config"]["fields"]}
    assert webhook_fields["headers"]["sensitive"] is True
    assert webhook_fields["method"]["options"] == ["POST", "PUT"]
    assert described["webhook"]["rate_limit"] == {"requests": 10, "per_seconds": 1.0}
