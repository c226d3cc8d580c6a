"""The four services' public HTTP APIs, called with the signed-in user's bearer token.

One pooled client per service. A refused call raises `BackendError` carrying the service's own
message (the services already say what is wrong in words an operator understands), so pages
show it as it is instead of a generic failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

ServiceName = Literal["intake", "registry", "referral", "notification"]


@dataclass
class BackendError(Exception):
    """A service answered 4xx/5xx, or could not be reached (status 503)."""

    service: str
    status: int
    message: str
    detail: Any = None  # the service's `detail` as sent (e.g. a list of field issues on 422)
    headers: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.service} {self.status}: {self.message}"

    def field_issues(self) -> list[dict[str, Any]]:
        """The per-field issues of a 422 (`loc`, `rule`, `message`), else an empty list."""
        if isinstance(self.detail, list):
            return [i for i in self.detail if isinstance(i, dict)]
        return []


def _message(detail: Any, fallback: str) -> str:
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        return "; ".join(str(i.get("message") or i.get("msg") or i) for i in detail)
    if isinstance(detail, dict):
        return str(detail.get("message") or detail)
    return fallback


@dataclass
class Answer:
    """A successful answer: its JSON (or raw bytes) and headers (ETag, content type)."""

    status: int
    body: Any
    headers: Mapping[str, str]
    content: bytes = b""


class Backends:
    """Pooled clients for intake, registry, referral and notification."""

    def __init__(self, urls: Mapping[str, str], timeout_s: float,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.clients = {
            name: httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout_s,
                                    transport=transport)
            for name, url in urls.items()
        }

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def call(self, service: ServiceName, method: str, path: str, token: str, *,
                   params: Mapping[str, Any] | None = None, json: Any = None,
                   headers: Mapping[str, str] | None = None, raw: bool = False) -> Answer:
        sent = {"Authorization": f"Bearer {token}", **(headers or {})}
        query = {k: v for k, v in (params or {}).items() if v not in (None, "", [])}
        try:
            response = await self.clients[service].request(method, path, params=query,
                                                            json=json, headers=sent)
        except httpx.HTTPError as exc:
            raise BackendError(service, 503, f"{service} is not reachable ({type(exc).__name__})"
                               ) from exc
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except (ValueError, AttributeError):
                detail = response.text[:500]
            raise BackendError(service, response.status_code,
                               _message(detail, f"{service} answered {response.status_code}"),
                               detail, dict(response.headers))
        if raw:
            return Answer(response.status_code, None, dict(response.headers), response.content)
        body = response.json() if response.content else None
        return Answer(response.status_code, body, dict(response.headers))

    async def get(self, service: ServiceName, path: str, token: str,
                  params: Mapping[str, Any] | None = None) -> Any:
        return (await self.call(service, "GET", path, token, params=params)).body

    async def post(self, service: ServiceName, path: str, token: str, json: Any = None,
                   headers: Mapping[str, str] | None = None) -> Any:
        return (await self.call(service, "POST", path, token, json=json, headers=headers)).body
