"""A fake Google token endpoint and Cloud Monitoring Alerts API, answering like the real
ones: the token endpoint checks the JWT's RS256 signature against the test key's
public half and its claims (RFC 7523), errors are {"error": "invalid_grant",
"error_description": ...}; API errors are {"error": {"code", "message", "status"}};
alert lists page with pageToken/nextPageToken and omit `alerts` when empty.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

PROJECT = "shop-prod-4711"
CLIENT_EMAIL = "keep-aiops@shop-prod-4711.iam.gserviceaccount.com"
READ_SCOPE = "https://www.googleapis.com/auth/monitoring.read"


@pytest.fixture(scope="session")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def api_alert(alert_id: str = "0.nr4hk2p7m1qa", *, state: str = "OPEN", severity: str = "CRITICAL") -> dict[str, Any]:
    """An alert as `GET /v3/projects/<p>/alerts` lists it."""
    return {
        "name": f"projects/{PROJECT}/alerts/{alert_id}",
        "state": state,
        "openTime": "2026-11-28T13:00:00Z",
        "resource": {
            "type": "k8s_container",
            "labels": {
                "project_id": PROJECT,
                "location": "europe-west1",
                "cluster_name": "shop",
                "namespace_name": "checkout",
                "container_name": "checkout-api",
                "pod_name": "checkout-api-7d9f",
            },
        },
        "metric": {"type": "kubernetes.io/container/cpu/limit_utilization", "labels": {}},
        "metadata": {"systemLabels": {}, "userLabels": {}},
        "policy": {
            "name": f"projects/{PROJECT}/alertPolicies/1234567890123456789",
            "displayName": "Checkout CPU near limit",
            "severity": severity,
            "userLabels": {"environment": "production", "team": "payments"},
        },
    }


@dataclass
class FakeGoogle:
    public_key: rsa.RSAPublicKey
    url: str = ""
    token_lifetime: int = 3599
    can_list_alerts: bool = True
    alerts: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    unavailable_times: int = 0
    assertions: list[dict[str, Any]] = field(default_factory=list)
    api_calls: list[dict[str, str]] = field(default_factory=list)
    issued: int = 0

    def _check_assertion(self, assertion: str) -> str | None:
        """Why the assertion is refused, or None."""
        try:
            header_part, claims_part, signature_part = assertion.split(".")
            self.public_key.verify(
                _unb64(signature_part),
                f"{header_part}.{claims_part}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (ValueError, InvalidSignature):
            return "Invalid JWT Signature."
        header, claims = json.loads(_unb64(header_part)), json.loads(_unb64(claims_part))
        self.assertions.append({"header": header, "claims": claims})
        if header.get("alg") != "RS256":
            return "Invalid JWT: alg"
        if claims.get("aud") != f"{self.url}/token" or claims.get("iss") != CLIENT_EMAIL:
            return "Invalid JWT: aud or iss"
        if not claims["iat"] <= time.time() + 60 < claims["exp"] + 60 or claims["exp"] - claims["iat"] > 3600:
            return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."
        return None

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            form = dict(parse_qsl((await request.body()).decode()))
            if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
                return JSONResponse({"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}, 400)
            if reason := self._check_assertion(form.get("assertion", "")):
                return JSONResponse({"error": "invalid_grant", "error_description": reason}, 400)
            self.issued += 1
            return JSONResponse(
                {"access_token": f"ya29.token-{self.issued}", "expires_in": self.token_lifetime, "token_type": "Bearer"}
            )

        def api_error(code: int, status: str, message: str) -> Response:
            return JSONResponse({"error": {"code": code, "message": message, "status": status}}, code)

        async def alerts(request: Request) -> Response:
            query = dict(request.query_params)
            self.api_calls.append(query)
            if self.unavailable_times > 0:
                self.unavailable_times -= 1
                return api_error(503, "UNAVAILABLE", "The service is currently unavailable.")
            if not request.headers.get("authorization", "").startswith("Bearer ya29.token-"):
                return api_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
            if not self.can_list_alerts:
                return api_error(403, "PERMISSION_DENIED", "Permission monitoring.alerts.list denied.")
            if request.path_params["project"] != PROJECT:
                return api_error(404, "NOT_FOUND", "Project not found.")
            matching = [a for a in self.alerts if query.get("filter") != 'state="OPEN"' or a["state"] == "OPEN"]
            size = int(query.get("pageSize", self.page_size))
            start = int(query.get("pageToken", "0"))
            body: dict[str, Any] = {}
            if page := matching[start : start + size]:
                body["alerts"] = page
            if start + size < len(matching):
                body["nextPageToken"] = str(start + size)
            return JSONResponse(body)

        return Starlette(
            routes=[
                Route("/token", token, methods=["POST"]),
                Route("/v3/projects/{project}/alerts", alerts),
            ]
        )

    def key_json(self, private_key: rsa.RSAPrivateKey, **changes: Any) -> str:
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        key = {
            "type": "service_account",
            "project_id": PROJECT,
            "private_key_id": "0123456789abcdef",
            "private_key": pem,
            "client_email": CLIENT_EMAIL,
            "client_id": "109876543210987654321",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": f"{self.url}/token",
            **changes,
        }
        return json.dumps({k: v for k, v in key.items() if v is not None})


@pytest.fixture
def fake_google(local_api: Callable[[Any], str], signing_key: rsa.RSAPrivateKey) -> FakeGoogle:
    fake = FakeGoogle(public_key=signing_key.public_key())
    fake.url = local_api(fake.app())
    return fake


@pytest.fixture
def make_api_alert() -> Callable[..., dict[str, Any]]:
    return api_alert
