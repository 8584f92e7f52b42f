"""`/api/providers` built by the app factory against the real PostgreSQL and broker, with
a provider from a separately built package and a local fake of its vendor's API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from ingest_gateway import GatewaySettings, create_app
from starlette.testclient import TestClient

pytestmark = pytest.mark.integration

TOKEN = "good-token"
SIGNING_SECRET = "acme-signing-secret-4711"


@pytest.fixture
def client(
    stack: Any, wait_until: Any, acme_provider_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.syspath_prepend(str(acme_provider_path))
    settings = stack.settings(GatewaySettings, public_url="https://keep.example.com")
    with TestClient(create_app(settings), headers={"X-API-KEY": stack.api_key}) as test_client:
        wait_until(lambda: test_client.get("/readyz").status_code == 200)
        yield test_client


def _install(client: TestClient, acme_api: Any, **overrides: Any) -> Any:
    body = {"type": "acme", "name": "acme-prod", "config": {"url": acme_api.url, "token": TOKEN}, **overrides}
    return client.post("/api/providers", json=body)


def _secrets_absent(text: str) -> bool:
    return TOKEN not in text and SIGNING_SECRET not in text


def test_provider_types_include_every_builtin_and_the_third_party_one_with_config_schemas(client: TestClient) -> None:
    answer = client.get("/api/providers")
    assert answer.status_code == 200
    described = {provider["type"]: provider for provider in answer.json()}
    assert {"prometheus", "keep", "webhook", "acme"} <= set(described)
    acme = described["acme"]
    fields = {field["name"]: field for field in acme["config"]["fields"]}
    assert (fields["url"]["required"], fields["url"]["sensitive"], fields["url"]["hint"]) == (True, False, "url")
    assert (fields["token"]["required"], fields["token"]["sensitive"]) == (True, True)
    assert (fields["signing_secret"]["required"], fields["signing_secret"]["sensitive"]) == (False, True)
    assert [(scope["name"], scope["mandatory"]) for scope in acme["scopes"]] == [
        ("alerts:read", True),
        ("webhooks:write", False),
    ]
    assert {"format", "pull", "setup_webhook", "scopes", "verify_webhook"} <= set(acme["capabilities"])
    assert acme["config"]["json_schema"]["required"] == ["url", "token"]
    for provider in described.values():
        assert all(field["description"] for field in provider["config"]["fields"]), provider["type"]


def test_install_validates_stores_encrypted_and_never_returns_a_secret(
    client: TestClient, acme_api: Any, stack: Any
) -> None:
    answer = _install(client, acme_api, config={"url": acme_api.url, "token": TOKEN, "signing_secret": SIGNING_SECRET})
    assert answer.status_code == 201, answer.text
    installed = answer.json()
    assert installed["config"] == {"url": acme_api.url}
    assert installed["secrets_set"] == ["signing_secret", "token"]
    assert installed["scopes"] == {"alerts:read": True, "webhooks:write": True}
    assert installed["webhook"]["url"] == f"/api/alerts/event/acme?provider_id={installed['id']}"
    assert _secrets_absent(answer.text)
    with psycopg.connect(stack.dsn) as conn:
        (blob,) = conn.execute(
            "SELECT config_encrypted FROM provider_instances WHERE id = %s", (installed["id"],)
        ).fetchone()  # type: ignore[misc]
    assert TOKEN.encode() not in bytes(blob) and acme_api.url.encode() not in bytes(blob)

    listed = client.get("/api/providers/installed")
    assert [item["id"] for item in listed.json()] == [installed["id"]]
    assert _secrets_absent(listed.text)
    single = client.get(f"/api/providers/{installed['id']}")
    assert single.json()["name"] == "acme-prod" and _secrets_absent(single.text)


def test_invalid_config_is_422_naming_the_field_without_echoing_values(client: TestClient) -> None:
    answer = client.post(
        "/api/providers", json={"type": "acme", "name": "x", "config": {"url": "ftp://nope", "token": TOKEN}}
    )
    assert answer.status_code == 422
    assert "url" in answer.json()["detail"] and "ftp://nope" not in answer.text and TOKEN not in answer.text
    missing = client.post("/api/providers", json={"type": "acme", "name": "x", "config": {"url": "https://a.example"}})
    assert missing.status_code == 422 and "token" in missing.json()["detail"]


def test_unknown_type_is_404_and_duplicate_name_is_409(client: TestClient, acme_api: Any) -> None:
    unknown = client.post("/api/providers", json={"type": "nosuch", "name": "x", "config": {}})
    assert unknown.status_code == 404 and "acme" in unknown.json()["detail"]
    assert _install(client, acme_api).status_code == 201
    again = _install(client, acme_api)
    assert again.status_code == 409 and "acme-prod" in again.json()["detail"]


def test_failing_mandatory_scope_refuses_the_install_with_a_report_per_scope(client: TestClient, acme_api: Any) -> None:
    answer = _install(client, acme_api, config={"url": acme_api.url, "token": "revoked"})
    assert answer.status_code == 400
    body = answer.json()
    assert "alerts:read" in body["detail"]
    assert set(body["scopes"]) == {"alerts:read", "webhooks:write"}
    assert all(isinstance(reason, str) and "401" in reason for reason in body["scopes"].values())
    assert client.get("/api/providers/installed").json() == []

    read_only = _install(client, acme_api, config={"url": acme_api.url, "token": "read-only"})
    assert read_only.status_code == 201, "a missing optional scope does not refuse the install"
    assert read_only.json()["scopes"] == {"alerts:read": True, "webhooks:write": "not granted"}

    skipped = _install(
        client, acme_api, name="unchecked", config={"url": acme_api.url, "token": "x"}, validate_scopes=False
    )
    assert skipped.status_code == 201 and skipped.json()["scopes"] == {}


def test_patch_merges_config_keeps_secrets_and_the_next_call_uses_the_new_config(
    client: TestClient, acme_api: Any
) -> None:
    provider_id = _install(client, acme_api).json()["id"]
    acme_api.tokens["rotated-token"] = ["alerts:read"]
    renamed = client.patch(f"/api/providers/{provider_id}", json={"name": "acme-renamed"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "acme-renamed"
    assert renamed.json()["secrets_set"] == ["token"], "a secret left out of the patch keeps its value"

    client.get(f"/api/providers/{provider_id}/health")
    assert acme_api.seen_tokens[-1] == TOKEN
    rotated = client.patch(f"/api/providers/{provider_id}", json={"config": {"token": "rotated-token"}})
    assert rotated.status_code == 200, rotated.text
    assert "rotated-token" not in rotated.text
    health = client.get(f"/api/providers/{provider_id}/health").json()
    assert acme_api.seen_tokens[-1] == "rotated-token", "the cached instance was dropped when its config changed"
    assert health["healthy"] is True

    bad = client.patch(f"/api/providers/{provider_id}", json={"config": {"token": "revoked"}})
    assert bad.status_code == 400
    assert client.patch(f"/api/providers/{provider_id}", json={"config": {"url": "nope"}}).status_code == 422


def test_delete_removes_the_instance_and_its_webhooks_are_refused(client: TestClient, acme_api: Any) -> None:
    provider_id = _install(client, acme_api).json()["id"]
    assert client.delete(f"/api/providers/{provider_id}").status_code == 204
    assert client.get(f"/api/providers/{provider_id}").status_code == 404
    assert client.delete(f"/api/providers/{provider_id}").status_code == 404
    posted = client.post(f"/api/alerts/event/acme?provider_id={provider_id}", json={"incidents": []})
    assert posted.status_code == 404


def test_setup_webhook_registers_a_working_url_and_key_in_the_source(client: TestClient, acme_api: Any) -> None:
    provider_id = _install(client, acme_api).json()["id"]
    answer = client.post(f"/api/providers/{provider_id}/webhook")
    assert answer.status_code == 200, answer.text
    registered = acme_api.webhooks["keep"]
    assert registered["url"] == f"https://keep.example.com/api/alerts/event/acme?provider_id={provider_id}"
    assert registered["api_key"] not in answer.text
    assert answer.json()["result"] == {"webhook": "keep", "url": registered["url"]}
    assert client.get(f"/api/providers/{provider_id}").json()["webhook"]["setup"] == answer.json()["result"]

    assert registered["signing_secret"] not in answer.text
    installed = client.get(f"/api/providers/{provider_id}")
    assert installed.json()["secrets_set"] == ["signing_secret", "token"], "the secret the source generated is kept"
    assert registered["signing_secret"] not in installed.text

    body = json.dumps({"incidents": [{"id": "1", "title": "Disk full", "state": "open"}]}).encode()
    url = f"/api/alerts/event/acme?provider_id={provider_id}"
    as_source = {"X-API-KEY": registered["api_key"], "Content-Type": "application/json"}
    signed = {**as_source, "X-Acme-Signature": _signed(body, registered["signing_secret"])}
    sent = client.post(url, content=body, headers=signed)
    assert sent.status_code == 202, "the key and the secret handed over by setup authenticate the source's webhooks"
    assert client.post(url, content=body, headers=as_source).status_code == 401, "its deliveries must be signed now"

    first_key = registered["api_key"]
    assert client.post(f"/api/providers/{provider_id}/webhook").status_code == 200
    assert acme_api.webhooks["keep"]["api_key"] != first_key
    revoked = client.post(url, content=body, headers={**signed, "X-API-KEY": first_key})
    assert revoked.status_code == 401, "setting the webhook up again revokes the key it replaced"


def test_setup_webhook_failure_in_the_source_is_a_502_naming_the_host_only(client: TestClient, acme_api: Any) -> None:
    provider_id = _install(client, acme_api, config={"url": acme_api.url, "token": "read-only"}).json()["id"]
    answer = client.post(f"/api/providers/{provider_id}/webhook")
    assert answer.status_code == 502 and "403" in answer.json()["detail"]
    assert "/api/webhooks" not in answer.text


def test_health_reports_scopes_and_turns_unhealthy_when_the_token_is_revoked(client: TestClient, acme_api: Any) -> None:
    provider_id = _install(client, acme_api).json()["id"]
    healthy = client.get(f"/api/providers/{provider_id}/health").json()
    assert healthy["healthy"] is True
    assert [check["name"] for check in healthy["checks"]] == ["scopes"]
    assert healthy["alerts"] == {"count": 0, "last_received": None}
    del acme_api.tokens[TOKEN]
    unhealthy = client.get(f"/api/providers/{provider_id}/health").json()
    assert unhealthy["healthy"] is False and "alerts:read" in unhealthy["checks"][0]["detail"]


def _signed(body: bytes, secret: str = SIGNING_SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signed_webhooks_are_verified_with_the_installed_secret(client: TestClient, acme_api: Any) -> None:
    config = {"url": acme_api.url, "token": TOKEN, "signing_secret": SIGNING_SECRET}
    provider_id = _install(client, acme_api, config=config).json()["id"]
    url = f"/api/alerts/event/acme?provider_id={provider_id}"
    body = json.dumps({"incidents": [{"id": "7", "title": "CPU", "state": "open"}]}).encode()
    headers = {"Content-Type": "application/json"}

    good = client.post(url, content=body, headers={**headers, "X-Acme-Signature": _signed(body)})
    assert good.status_code == 202
    for signature in (_signed(body, "wrong-secret"), "", _signed(body + b" ")):
        bad = client.post(url, content=body, headers={**headers, "X-Acme-Signature": signature})
        assert bad.status_code == 401 and "X-Acme-Signature" in bad.json()["detail"]
    missing = client.post(url, content=body, headers=headers)
    assert missing.status_code == 401 and "HMAC-SHA256" in missing.json()["detail"]
    tampered = client.post(
        url, content=body.replace(b"CPU", b"RAM"), headers={**headers, "X-Acme-Signature": _signed(body)}
    )
    assert tampered.status_code == 401
    unsigned_without_instance = client.post("/api/alerts/event/acme", content=body, headers=headers)
    assert unsigned_without_instance.status_code == 202, "no installed secret: the API key alone authenticates"


def test_another_tenants_instance_is_invisible(
    client: TestClient, acme_api: Any, new_stack: Any, wait_until: Any
) -> None:
    provider_id = _install(client, acme_api).json()["id"]
    other = new_stack()
    as_other = {"X-API-KEY": other.api_key}
    # A key created by another process is known to the gateway after its next reload.
    wait_until(lambda: client.get("/api/providers/installed", headers=as_other).status_code == 200)
    assert client.get(f"/api/providers/{provider_id}", headers=as_other).status_code == 404
    assert client.get("/api/providers/installed", headers=as_other).json() == []
    posted = client.post(f"/api/alerts/event/acme?provider_id={provider_id}", json={"incidents": []}, headers=as_other)
    assert posted.status_code == 404


def test_an_instance_of_another_type_is_refused_for_a_webhook(client: TestClient, acme_api: Any) -> None:
    provider_id = _install(client, acme_api).json()["id"]
    answer = client.post(f"/api/alerts/event/prometheus?provider_id={provider_id}", json={"alerts": []})
    assert answer.status_code == 400 and "acme" in answer.json()["detail"]


def test_without_a_secret_key_installing_is_503_and_says_why(
    stack: Any, wait_until: Any, acme_provider_path: Path, monkeypatch: pytest.MonkeyPatch, acme_api: Any
) -> None:
    monkeypatch.syspath_prepend(str(acme_provider_path))
    settings = stack.settings(GatewaySettings, secret_key=None)
    with TestClient(create_app(settings), headers={"X-API-KEY": stack.api_key}) as client:
        answer = _install(client, acme_api)
    assert answer.status_code == 503 and "KEEP_SECRET_KEY" in answer.json()["detail"]


def test_basic_auth_with_the_api_key_works_for_the_providers_api(client: TestClient, stack: Any) -> None:
    basic = "Basic " + base64.b64encode(f"api_key:{stack.api_key}".encode()).decode()
    assert client.get("/api/providers/installed", headers={"X-API-KEY": "", "Authorization": basic}).status_code == 200
