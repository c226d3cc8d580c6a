"""Monitoring narrowed to a region inside the caller's (`region=`, as the dashboard filters by
kecamatan): figures of that region only; a wider region keeps the caller's own, one beside it
is refused; the period and `by` still apply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from slrt.auth import Role

from .referral_env import ReferralEnv, referral_env

pytestmark = pytest.mark.integration
PATHS = ("/v1/monitoring/counts", "/v1/monitoring/overdue", "/v1/monitoring/durations",
         "/v1/monitoring/resolution-rates")


@pytest_asyncio.fixture(scope="module")
async def env(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ReferralEnv]:
    async for running in referral_env("sqlite", tmp_path_factory.mktemp("monitoring")):
        yield running


async def _get(env: ReferralEnv, path: str, region: str | None = None,
               scope: str = "3402", **params: Any) -> Any:
    if region:
        params["region"] = region
    return await env.client.get(path, params=params, headers=env.headers(Role.MANAGER, scope))


async def test_figures_of_a_kecamatan_inside_the_district(env: ReferralEnv) -> None:
    bambanglipuro = [await env.opened("3402052001") for _ in range(2)]
    pandak = await env.opened("3402062003")
    first = bambanglipuro[0]["referrals"][0]["referral_id"]
    officer = env.officer("disdik-3402")
    assert (await env.client.post(f"/v1/referrals/{first}/accept",
                                  headers=officer)).status_code == 200

    whole = (await _get(env, PATHS[0])).json()
    assert whole["total"] == 3 and whole["region"] == "3402"
    narrow = (await _get(env, PATHS[0], "340205")).json()
    assert narrow["total"] == 2 and narrow["region"] == "340205"
    village = (await _get(env, PATHS[0], "3402062003")).json()
    assert village["total"] == 1
    assert (await _get(env, PATHS[2], "340206")).json()["time_to_accept"]["count"] == 0
    assert (await _get(env, PATHS[2], "340205")).json()["time_to_accept"]["count"] == 1
    rates = (await _get(env, PATHS[3], "340206", by="district")).json()
    assert rates["items"]["3402"]["referred"] == 1 and rates["region"] == "340206"
    assert pandak["referrals"]

    env.clock.advance(days=60)  # past every deadline
    try:
        late = (await _get(env, PATHS[1], "340206")).json()
        assert {i["district_code"] for i in late["items"]} == {"3402"}
        assert len({i["referral_id"] for i in late["items"]}) == 1
    finally:
        env.clock.advance(days=-60)


async def test_a_wider_region_keeps_ones_own_and_one_beside_is_refused(
        env: ReferralEnv) -> None:
    for path in PATHS:
        wider = await _get(env, path, "34")
        assert wider.status_code == 200, (path, wider.text)
        beside = await _get(env, path, "3404")
        assert beside.status_code == 403, path
        assert "3404" in beside.json()["detail"]
        assert (await _get(env, path, "340")).status_code == 422, path
    national = await _get(env, PATHS[0], "3404", scope="")
    assert national.status_code == 200 and national.json()["region"] == "3404"
