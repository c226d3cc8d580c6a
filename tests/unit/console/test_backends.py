"""The console's client of the services: the user's token goes along, refusals keep the
service's own words, an unreachable service is a 503 that names it."""

from __future__ import annotations

import httpx
import pytest

from services.console.adapters.backends import BackendError, Backends


def _backends(handler) -> Backends:  # type: ignore[no-untyped-def]
    return Backends({"intake": "http://intake", "referral": "http://referral"}, 2.0,
                    httpx.MockTransport(handler))


async def test_the_bearer_token_and_only_set_query_values_are_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": []})

    backends = _backends(handler)
    body = await backends.get("intake", "/v1/complaints", "tok",
                              {"status": "referred", "village": "", "overdue": None})
    assert body == {"items": []}
    assert seen[0].headers["Authorization"] == "Bearer tok"
    assert dict(seen[0].url.params) == {"status": "referred"}
    await backends.aclose()


async def test_a_422_keeps_the_field_issues() -> None:
    issues = [{"loc": ["complainant", "nik"], "rule": "nik.birth_date",
               "message": "NIK digits 7-12 are not a real birth date"}]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json={"detail": issues})

    with pytest.raises(BackendError) as raised:
        await _backends(handler).post("intake", "/v1/complaints", "tok", json={})
    assert raised.value.status == 422
    assert raised.value.field_issues() == issues
    assert "not a real birth date" in raised.value.message


async def test_a_refusal_with_a_plain_message_is_kept_as_is() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(412, json={"detail": "the referral changed (version 3, not 2)"},
                              headers={"ETag": '"3"'})

    with pytest.raises(BackendError) as raised:
        await _backends(handler).post("referral", "/v1/referrals/x/accept", "tok")
    assert (raised.value.status, raised.value.message) == (
        412, "the referral changed (version 3, not 2)")
    assert raised.value.headers["etag"] == '"3"'


async def test_an_unreachable_service_is_a_503_that_names_it() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(BackendError) as raised:
        await _backends(handler).get("referral", "/v1/agencies", "tok")
    assert raised.value.status == 503 and "referral is not reachable" in raised.value.message
