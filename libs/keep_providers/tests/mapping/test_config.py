"""Install-time validation of a mapping config: every mistake is refused with the
field named, before the first alert arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from keep_providers import AlertSeverity, AlertStatus, ProvidersFactory
from keep_providers.exceptions import ProviderConfigError
from keep_providers.providers.mapping.config import DEFAULT_FINGERPRINT_FIELDS, MappingConfig
from keep_providers.providers.mapping.expressions import JsonPathExpression, ObjectExpression, TemplateExpression
from keep_providers.providers.mapping.provider import MappingProvider


def refusal(raw: dict[str, Any]) -> str:
    with pytest.raises(ProviderConfigError) as caught:
        MappingProvider.parse_config(raw)
    return str(caught.value)


def test_minimal_config_gets_the_documented_defaults(make_config: Callable[..., MappingConfig]) -> None:
    config = make_config(fields={"name": "$.title"})
    assert config.alerts_path is None
    assert config.default_status is AlertStatus.FIRING
    assert config.default_severity is AlertSeverity.INFO
    assert (
        tuple(config.fingerprint_fields) == DEFAULT_FINGERPRINT_FIELDS == ("name", "service", "environment", "labels")
    )
    assert config.keep_payload is True
    assert config.status_map == {} and config.severity_map == {}


def test_every_example_config_is_valid_and_compiled(
    make_config: Callable[..., MappingConfig],
    checkmk_config: dict[str, Any],
    cron_config: dict[str, Any],
    uptime_config: dict[str, Any],
    observer_config: dict[str, Any],
) -> None:
    for raw in (checkmk_config, cron_config, uptime_config, observer_config):
        config = make_config(raw)
        assert [name for name, _ in config.compiled.fields] == list(raw["fields"])
    compiled = dict(make_config(observer_config).compiled.fields)
    assert isinstance(compiled["name"], JsonPathExpression) and not compiled["name"].on_body
    assert isinstance(compiled["labels"], ObjectExpression)
    assert isinstance(dict(make_config(cron_config).compiled.fields)["name"], TemplateExpression)


def test_compiled_expressions_are_shared_not_recompiled(make_config: Callable[..., MappingConfig]) -> None:
    first = make_config(fields={"name": "{{ entry.check }} on {{ entry.host }}", "service": "$.host"})
    second = make_config(fields={"name": "{{ entry.check }} on {{ entry.host }}", "service": "$.host"})
    assert first.compiled.fields[0][1] is second.compiled.fields[0][1]
    assert first.compiled.fields[1][1] is second.compiled.fields[1][1]


def test_the_compiled_form_stays_out_of_the_stored_config(make_config: Callable[..., MappingConfig]) -> None:
    raw = {"fields": {"name": "$.title"}, "status_map": {"ok": "resolved"}}
    dumped = make_config(raw).model_dump(mode="json")
    assert dumped["fields"] == {"name": "$.title"}
    assert dumped["status_map"] == {"ok": "resolved"}
    assert "compiled" not in dumped and "_compiled" not in dumped


def test_status_and_severity_map_keys_are_folded_to_lower_case(make_config: Callable[..., MappingConfig]) -> None:
    config = make_config(fields={"name": "x"}, status_map={" OK ": "resolved"}, severity_map={"CRIT": "critical"})
    assert config.status_map == {"ok": AlertStatus.RESOLVED}
    assert config.severity_map == {"crit": AlertSeverity.CRITICAL}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            {"fields": {"service": "$.host"}},
            "invalid mapping config: fields: Value error, `name` is required: every alert needs a name",
            id="name-missing",
        ),
        pytest.param(
            {"fields": {"name": "$.title", "service": "$.host["}},
            "invalid mapping config: fields: Value error, 'service': '$.host[' is not a valid JSONPath",
            id="bad-jsonpath",
        ),
        pytest.param(
            {"fields": {"name": "$$.[x"}},
            "fields: Value error, 'name': '$.[x' is not a valid JSONPath",
            id="bad-body-jsonpath",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "alerts_path": "$.alerts[*"},
            "alerts_path: Value error, '$.alerts[*' is not a valid JSONPath",
            id="bad-alerts-path",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "alerts_path": "alerts"},
            "alerts_path: Value error, 'alerts' is not a JSONPath: it starts with '$'",
            id="alerts-path-without-dollar",
        ),
        pytest.param(
            {"fields": {"name": "{{ entry.check "}},
            "fields: Value error, 'name': template syntax error: unexpected end of template",
            id="template-syntax",
        ),
        pytest.param(
            {"fields": {"name": "x", "message": "{% if entry.a %}yes"}},
            "fields: Value error, 'message': template syntax error: Unexpected end of template",
            id="template-unclosed-block",
        ),
        pytest.param(
            {"fields": {"name": "{{ entry.check | center(80) }}"}},
            "fields: Value error, 'name': template syntax error: No filter named 'center'.",
            id="filter-not-allowed",
        ),
        pytest.param(
            {"fields": {"name": "x", "labels": {"team": "$.owner", "host": "{{ entry.host"}}},
            "fields: Value error, 'labels': 'host': template syntax error",
            id="bad-template-inside-object",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "status_map": {"ok": "closed"}},
            "status_map.ok: Input should be 'firing', 'resolved', 'acknowledged', 'suppressed', 'pending' or "
            "'maintenance'",
            id="unknown-status-target",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "severity_map": {"P1": "urgent"}},
            "severity_map.P1: Input should be 'critical', 'high', 'warning', 'info' or 'low'",
            id="unknown-severity-target",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "default_status": "open"},
            "default_status: Input should be 'firing'",
            id="unknown-default-status",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "status_map": {"OK": "resolved", "ok": "resolved"}},
            "status_map: Value error, 'ok' repeats a key: keys are matched case-insensitively",
            id="repeated-key",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "status_map": {" ": "resolved"}},
            "status_map: Value error, an empty key never matches a value",
            id="empty-key",
        ),
        pytest.param(
            {"fields": {"name": "$.title"}, "fingerprint_fields": ["name"]},
            "fingerprint_fields: Value error, `name` alone would merge unrelated alerts that share a name",
            id="name-only-fingerprint",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "fingerprint_fields": []},
            "fingerprint_fields: Value error, at least one field is needed",
            id="empty-fingerprint-fields",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "fingerprint_fields": ["name", "status"]},
            "fingerprint_fields: Value error, 'status' cannot identify an alert: a status change would make a new "
            "alert instead of updating it",
            id="status-in-fingerprint",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "fingerprint_fields": ["name", "lastReceived"]},
            "'lastReceived' cannot identify an alert: it changes on every repeat",
            id="last-received-in-fingerprint",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "fingerprint_fields": ["name", "hostname"]},
            "fingerprint_fields: Value error, 'hostname' is neither an alert field nor one of `fields`",
            id="unknown-fingerprint-field",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "fingerprint_fields": ["name", "service", "name"]},
            "fingerprint_fields: Value error, a field is listed twice",
            id="repeated-fingerprint-field",
        ),
        pytest.param(
            {"fields": {"name": "x", "providerType": "prometheus"}},
            "fields: Value error, 'providerType' is set by the pipeline and cannot be mapped",
            id="reserved-field",
        ),
        pytest.param(
            {"fields": {"name": "x", "payload": "$"}},
            "fields: Value error, 'payload' is set by the pipeline and cannot be mapped",
            id="payload-field",
        ),
        pytest.param(
            {"fields": {"name": "x", "host-name": "$.host"}},
            "fields: Value error, 'host-name': an extra field name is letters, digits and '_'",
            id="bad-extra-field-name",
        ),
        pytest.param(
            {"fields": {"name": "$.events[?(@.text =~ '(a+)+$')].text"}},
            "regular expressions are not available in mapping JSONPaths",
            id="jsonpath-regex-filter",
        ),
        pytest.param(
            {"fields": {"name": "$.title.`sub(/(a+)+$/, x)`"}},
            "regular expressions are not available in mapping JSONPaths",
            id="jsonpath-regex-sub",
        ),
        pytest.param(
            {"fields": {"name": "$.title * 1000000"}},
            "arithmetic is not available in mapping JSONPaths",
            id="jsonpath-arithmetic",
        ),
        pytest.param(
            {"fields": {"name": "x"}, "field_map": {}},
            "field_map: Extra inputs are not permitted",
            id="unknown-config-key",
        ),
        pytest.param(
            {"fields": {"name": "{{ entry.a }}" + " " * 2_000}},
            "fields: Value error, 'name': template is 2013 characters, over the 2000 limit",
            id="template-too-long",
        ),
    ],
)
def test_mistakes_are_refused_at_install_naming_the_field(raw: dict[str, Any], expected: str) -> None:
    assert expected in refusal(raw)


@pytest.mark.parametrize(
    ("template", "refused"),
    [
        pytest.param("{{ ''.__class__.__mro__ }}", "'__mro__'", id="class-mro"),
        pytest.param("{{ entry.__class__ }}", "'__class__'", id="dunder-attribute"),
        pytest.param("{{ entry['__init__'] }}", "'__init__'", id="dunder-item"),
        pytest.param("{{ _private }}", "'_private'", id="underscore-name"),
        pytest.param("{{ body._secret }}", "'_secret'", id="underscore-attribute"),
        pytest.param("{{ self._TemplateReference__context }}", "'_TemplateReference__context'", id="template-ref"),
    ],
)
def test_sandbox_escapes_are_refused_at_install(template: str, refused: str) -> None:
    assert (
        f"fields: Value error, 'name': {refused}: names starting with '_' are not available in mapping templates"
        in refusal({"fields": {"name": template}})
    )


@pytest.mark.parametrize(
    ("template", "tag"),
    [
        pytest.param("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "macro", id="macro"),
        pytest.param("{% include 'other' %}", "include", id="include"),
        pytest.param("{% import 'other' as o %}", "import", id="import"),
        pytest.param("{% extends 'base' %}", "extends", id="extends"),
        pytest.param("{% set x %}{{ entry }}{% endset %}{{ x }}", "set ... endset", id="block-set"),
        pytest.param("{% filter upper %}{{ entry.a }}{% endfilter %}", "filter", id="filter-block"),
    ],
)
def test_statements_that_can_recurse_or_load_templates_are_refused(template: str, tag: str) -> None:
    assert f"'{{% {tag} %}}' is not available in mapping templates" in refusal({"fields": {"name": template}})


def test_recursive_loops_are_refused() -> None:
    template = "{% for x in entry.tree recursive %}{{ loop(x.children) }}{% endfor %}"
    assert "recursive loops are not available" in refusal({"fields": {"name": template}})


def test_an_extra_field_may_identify_alerts(make_config: Callable[..., MappingConfig]) -> None:
    config = make_config(fields={"name": "$.check", "hostname": "$.host"}, fingerprint_fields=["name", "hostname"])
    assert config.fingerprint_fields == ["name", "hostname"]


def test_a_literal_starting_with_dollar_says_how_to_write_it() -> None:
    assert "a literal starting with '$' is written as a template: {{ '$...' }}" in refusal(
        {"fields": {"name": "$5 budget exceeded"}}
    )


def test_the_error_never_echoes_config_values_beyond_the_expression() -> None:
    # Status targets are refused by name; the message does not repeat unrelated values.
    message = refusal({"fields": {"name": "x", "description": "confidential-text"}, "status_map": {"ok": "nope"}})
    assert "confidential-text" not in message


def test_the_instance_is_created_from_a_raw_config_and_described_for_the_api() -> None:
    provider = MappingProvider("acme-observer", {"fields": {"name": "$.title"}})
    assert isinstance(provider.config, MappingConfig)
    described = ProvidersFactory().describe("mapping")
    assert described["capabilities"] == ["format"]
    assert described["webhook"] == {"path": "/api/alerts/event/mapping", "signature": None}
    fields = {field["name"]: field for field in described["config"]["fields"]}
    assert fields["fields"]["required"] is True
    assert fields["fields"]["type"] == "object"
    assert fields["alerts_path"]["required"] is False
    assert (fields["default_status"]["default"], fields["default_severity"]["default"]) == ("firing", "info")
    assert fields["keep_payload"]["default"] is True
    assert all(field["description"] for field in fields.values())
