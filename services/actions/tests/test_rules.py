"""actions.rules (the YAML rules file) and actions.agents.plan_requests."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from actions.agents import plan_requests
from actions.rules import ActionRule, ActionsConfig, load_actions_config
from keep_core.events import IncidentChange, IncidentEvent, IncidentSnapshot, IncidentStatus
from keep_providers import AlertSeverity

VALID = """\
providers:
  ops-webhook:
    type: webhook
    config:
      url: "https://hooks.example.com/keep"
      headers: {Authorization: "Bearer static"}
    rate_limit: {requests: 5, per_seconds: 1}
  audit:
    type: webhook
    config: {url: "https://audit.example.com/in"}
rules:
  - name: notify-ops
    "on": [created, resolved]
    provider: ops-webhook
    min_severity: warning
  - name: audit-everything
    "on": [created, alert_added, status_changed, resolved]
    provider: audit
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "actions.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- load_actions_config -----------------------------------------------------------


def test_valid_file_loads(tmp_path: Path) -> None:
    config = load_actions_config(write(tmp_path, VALID))
    assert set(config.providers) == {"ops-webhook", "audit"}
    webhook = config.providers["ops-webhook"]
    assert webhook.type == "webhook"
    assert webhook.config["url"] == "https://hooks.example.com/keep"
    assert webhook.rate_limit is not None
    assert (webhook.rate_limit.requests, webhook.rate_limit.per_seconds) == (5, 1.0)
    assert config.providers["audit"].rate_limit is None
    assert [rule.name for rule in config.rules] == ["notify-ops", "audit-everything"]
    first = config.rules[0]
    assert first.on == [IncidentChange.CREATED, IncidentChange.RESOLVED]
    assert first.provider == "ops-webhook"
    assert first.min_severity is AlertSeverity.WARNING
    assert config.rules[1].min_severity is None


def test_no_file_means_no_rules() -> None:
    config = load_actions_config(None)
    assert config.rules == []
    assert config.providers == {}


def test_empty_file_means_no_rules(tmp_path: Path) -> None:
    config = load_actions_config(write(tmp_path, ""))
    assert config.rules == []


def test_bare_on_key_works_despite_yaml_1_1_booleans(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        providers:
          hook: {type: webhook, config: {url: "https://hooks.example.com/x"}}
        rules:
          - name: notify
            on: [created]
            provider: hook
        """,
    )
    (rule,) = load_actions_config(path).rules
    assert rule.on == [IncidentChange.CREATED]


def test_unknown_provider_reference_is_an_error_naming_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        providers:
          hook: {type: webhook, config: {url: "https://hooks.example.com/x"}}
        rules:
          - {name: notify, "on": [created], provider: slack-prod}
        """,
    )
    with pytest.raises(ValueError, match=r"rule 'notify' names unknown provider 'slack-prod'"):
        load_actions_config(path)


def test_duplicate_rule_names_are_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        providers:
          hook: {type: webhook, config: {url: "https://hooks.example.com/x"}}
        rules:
          - {name: notify, "on": [created], provider: hook}
          - {name: notify, "on": [resolved], provider: hook}
        """,
    )
    with pytest.raises(ValueError, match="rule names must be unique"):
        load_actions_config(path)


def test_unknown_change_name_is_an_error_naming_the_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        providers:
          hook: {type: webhook, config: {url: "https://hooks.example.com/x"}}
        rules:
          - {name: notify, on: [created, exploded], provider: hook}
        """,
    )
    with pytest.raises(ValueError) as caught:
        load_actions_config(path)
    message = str(caught.value)
    assert "rules.0.on.1" in message
    assert "alert_added" in message  # the allowed names are listed
    assert str(path) in message


def test_unknown_min_severity_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        providers:
          hook: {type: webhook}
        rules:
          - {name: notify, on: [created], provider: hook, min_severity: apocalyptic}
        """,
    )
    with pytest.raises(ValueError, match=r"rules\.0\.min_severity"):
        load_actions_config(path)


def test_unknown_keys_are_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        providers:
          hook: {type: webhook}
        rules:
          - {name: notify, on: [created], provider: hook, min_severiy: high}
        """,
    )
    with pytest.raises(ValueError, match="min_severiy"):
        load_actions_config(path)


def test_rule_without_changes_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        providers:
          hook: {type: webhook}
        rules:
          - {name: notify, on: [], provider: hook}
        """,
    )
    with pytest.raises(ValueError, match=r"rules\.0\.on"):
        load_actions_config(path)


def test_malformed_yaml_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read actions file"):
        load_actions_config(write(tmp_path, "rules: [unclosed\n"))


def test_missing_file_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read actions file"):
        load_actions_config(tmp_path / "nope.yaml")


def test_top_level_that_is_not_a_mapping_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mapping"):
        load_actions_config(write(tmp_path, "- name: notify\n"))


def test_providers_that_are_not_a_mapping_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="providers"):
        load_actions_config(write(tmp_path, "providers:\n  - {type: webhook}\n"))


def test_rules_that_are_not_a_list_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rules"):
        load_actions_config(write(tmp_path, "rules: 5\n"))


def test_env_references_in_provider_config_are_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPS_HOOK_TOKEN", "Bearer xoxb-123")
    monkeypatch.setenv("HOOK_HOST", "hooks.example.com")
    path = write(
        tmp_path,
        """\
        providers:
          hook:
            type: webhook
            config:
              url: "https://${HOOK_HOST}/keep/${HOOK_HOST}"
              headers: {Authorization: "${OPS_HOOK_TOKEN}"}
              tags: ["${HOOK_HOST}", "literal"]
        rules: []
        """,
    )
    config = load_actions_config(path).providers["hook"].config
    assert config["url"] == "https://hooks.example.com/keep/hooks.example.com"
    assert config["headers"] == {"Authorization": "Bearer xoxb-123"}
    assert config["tags"] == ["hooks.example.com", "literal"]


def test_missing_env_var_is_an_error_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEEP_TEST_UNSET_TOKEN", raising=False)
    path = write(
        tmp_path,
        """\
        providers:
          hook:
            type: webhook
            config: {url: "https://hooks.example.com/x", headers: {Authorization: "${KEEP_TEST_UNSET_TOKEN}"}}
        """,
    )
    with pytest.raises(ValueError, match="KEEP_TEST_UNSET_TOKEN"):
        load_actions_config(path)


# --- matching and planning ---------------------------------------------------------


def incident_event(
    *,
    change: IncidentChange = IncidentChange.CREATED,
    severity: AlertSeverity = AlertSeverity.HIGH,
    version: int = 3,
    incident_id: str = "inc-42",
) -> IncidentEvent:
    now = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    return IncidentEvent(
        event_id=f"evt-{version}",
        tenant_id="acme",
        change=change,
        version=version,
        incident=IncidentSnapshot(
            id=incident_id,
            tenant_id="acme",
            name="checkout degraded",
            status=IncidentStatus.RESOLVED if change is IncidentChange.RESOLVED else IncidentStatus.FIRING,
            severity=severity,
            rule="by-service",
            group_key="service=checkout",
            created_at=now,
            updated_at=now,
            alert_count=2,
            firing_alert_count=2,
            alert_fingerprints=["f1", "f2"],
        ),
    )


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        (AlertSeverity.LOW, False),
        (AlertSeverity.INFO, False),
        (AlertSeverity.WARNING, True),
        (AlertSeverity.HIGH, True),
        (AlertSeverity.CRITICAL, True),
    ],
)
def test_rule_matches_at_or_above_min_severity(severity: AlertSeverity, expected: bool) -> None:
    rule = ActionRule(name="r", on=[IncidentChange.CREATED], provider="p", min_severity=AlertSeverity.WARNING)
    assert rule.matches(incident_event(severity=severity)) is expected


def test_rule_without_min_severity_matches_any_severity() -> None:
    rule = ActionRule(name="r", on=[IncidentChange.CREATED], provider="p")
    assert rule.matches(incident_event(severity=AlertSeverity.LOW))


def test_rule_matches_only_its_changes() -> None:
    rule = ActionRule(name="r", on=[IncidentChange.CREATED, IncidentChange.RESOLVED], provider="p")
    assert rule.matches(incident_event(change=IncidentChange.RESOLVED))
    assert not rule.matches(incident_event(change=IncidentChange.ALERT_ADDED))


@pytest.fixture
def config(tmp_path: Path) -> ActionsConfig:
    return load_actions_config(write(tmp_path, VALID))


def test_plan_requests_builds_one_request_per_matching_rule(config: ActionsConfig) -> None:
    event = incident_event(change=IncidentChange.CREATED, severity=AlertSeverity.CRITICAL, version=3)
    requests = plan_requests(event, config)
    assert [(r.rule, r.provider_instance, r.provider_type) for r in requests] == [
        ("notify-ops", "ops-webhook", "webhook"),
        ("audit-everything", "audit", "webhook"),
    ]
    assert [r.idempotency_key for r in requests] == ["notify-ops:inc-42:3", "audit-everything:inc-42:3"]
    for request in requests:
        assert request.tenant_id == "acme"
        assert request.incident_id == "inc-42"
        body = request.params["body"]
        assert body["event"] == "created"
        assert body["rule"] == request.rule
        assert body["incident"]["id"] == "inc-42"
        assert body["incident"]["severity"] == "critical"
    assert len({r.request_id for r in requests}) == 2


def test_plan_requests_skips_rules_below_their_min_severity(config: ActionsConfig) -> None:
    requests = plan_requests(incident_event(severity=AlertSeverity.INFO), config)
    assert [r.rule for r in requests] == ["audit-everything"]


def test_plan_requests_skips_rules_for_other_changes(config: ActionsConfig) -> None:
    requests = plan_requests(incident_event(change=IncidentChange.ALERT_ADDED, version=4), config)
    assert [(r.rule, r.idempotency_key) for r in requests] == [("audit-everything", "audit-everything:inc-42:4")]


def test_plan_requests_is_stable_under_redelivery(config: ActionsConfig) -> None:
    event = incident_event(version=7)
    first = plan_requests(event, config)
    again = plan_requests(event, config)
    assert [r.idempotency_key for r in first] == [r.idempotency_key for r in again]
    assert [r.params for r in first] == [r.params for r in again]


def test_plan_requests_with_no_rules_plans_nothing() -> None:
    assert plan_requests(incident_event(), ActionsConfig()) == []
