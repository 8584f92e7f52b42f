"""Calls to Zabbix's JSON-RPC API (POST <zabbix_url>/api_jsonrpc.php).

Zabbix answers HTTP 200 even when it refuses a call: the refusal is an `error` object
({code, message, data}) in the body, turned here into ZabbixApiError.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from keep_providers.exceptions import OutboundError

__all__ = ["ZabbixApiError", "ZabbixRpc"]

Send = Callable[..., Awaitable[httpx.Response]]

# Texts Zabbix puts in `error.data` when the token is wrong, expired or lacks a right.
_AUTH_REFUSALS = ("not authorized", "session terminated", "no permissions", "permission")


class ZabbixApiError(OutboundError):
    """Zabbix answered the call with a JSON-RPC error object."""

    def __init__(self, method: str, host: str, error: Mapping[str, Any]) -> None:
        self.method = method
        self.host = host
        self.code = error.get("code")
        self.reason = " ".join(str(part) for part in (error.get("message"), error.get("data")) if part)
        super().__init__(f"{method} on {host} refused ({self.code}): {self.reason}", status_code=200)

    @property
    def is_auth_failure(self) -> bool:
        return any(marker in self.reason.lower() for marker in _AUTH_REFUSALS)


class ZabbixRpc:
    def __init__(self, send: Send, zabbix_url: str, token: SecretStr, *, auth_in_body: bool) -> None:
        self._send = send
        self._endpoint = f"{zabbix_url}/api_jsonrpc.php"
        self._host = httpx.URL(zabbix_url).host
        self._token = token
        self._auth_in_body = auth_in_body
        self._ids = itertools.count(1)

    async def call(self, method: str, params: Mapping[str, Any]) -> Any:
        """The call's `result`; ZabbixApiError when Zabbix refused it."""
        body: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": dict(params), "id": next(self._ids)}
        headers = {"Content-Type": "application/json-rpc"}
        if self._auth_in_body:
            body["auth"] = self._token.get_secret_value()
        else:
            headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        response = await self._send("POST", self._endpoint, json=body, headers=headers)
        try:
            answer = response.json()
        except ValueError:
            raise OutboundError(f"{method} on {self._host} answered without JSON") from None
        if not isinstance(answer, Mapping):
            raise OutboundError(f"{method} on {self._host} answered no JSON-RPC object")
        if isinstance(answer.get("error"), Mapping):
            raise ZabbixApiError(method, self._host, answer["error"])
        if "result" not in answer:
            raise OutboundError(f"{method} on {self._host} answered neither result nor error")
        return answer["result"]
