"""Referral's HTTP API on a real broker and database (SQLite and PostgreSQL): agency scope,
answers with versions (`If-Match`/`ETag`), refusals that list what is allowed, the back-office
queue (with its filters) and tools, the case of a complaint, agencies as audited data, routing
dry runs, withdrawal, the timeline, the case's trace id and the operator's read-only view."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from contracts import (
    AgencyReferralV1,
    CaseClosedV1,
    Need,
    ReferralEscalatedV1,
    ReferralStatusChangedV1,
    Sector,
    agency_topic,
)
from contracts.envelope import encode, headers_for
from slrt.auth import Role

from .conftest import eventually, produce, read_topic
from .referral_env import ReferralEnv, json_of, referral_env

pytestmark = pytest.mark.integration

HOUSING = Need(code="housing.rtlh", sector=Sector.HOUSING, program="RTLH", rule_id="house.v1",
               reason="House walls of bamboo; welfare decile 1")
OUTSIDE_DIY = "3273010001"  # Kota Bandung: no routing rule covers it


@pytest_asyncio.fixture(scope="module", params=["sqlite", "postgresql"])
async def env(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ReferralEnv]:
    async for running in referral_env(request.param, tmp_path_factory.mktemp("referral")):
        yield running


async def post(env: ReferralEnv, path: str, headers: dict[str, str],
               body: dict[str, Any] | None = None, version: int | str | None = None) -> Any:
    if version is not None:
        headers = {**headers, "If-Match": f'"{version}"'}
    return await env.client.post(path, json=body, headers=headers)


async def status_events(env: ReferralEnv, referral_id: str, count: int) -> list[dict[str, Any]]:
    def mine(records: list[Any]) -> list[dict[str, Any]]:
        return [e for e in map(json_of, records) if e["referral_id"] == referral_id]

    records = await read_topic(env.bootstrap, ReferralStatusChangedV1.topic,
                               lambda rs: len(mine(rs)) >= count)
    return mine(records)


async def test_agency_officer_answers_with_versions_and_scope(env: ReferralEnv) -> None:
    case = await env.opened()
    (referral,) = case["referrals"]
    rid, path = referral["referral_id"], f"/v1/referrals/{referral['referral_id']}"
    assert (referral["agency_id"], referral["status"]) == ("disdik-3402", "created")
    disdik, dinkes = env.officer("disdik-3402"), env.officer("dinkes-3402")

    inbox = await env.client.get("/v1/agencies/disdik-3402/referrals?status=created",
                                 headers=disdik)
    assert rid in [i["referral_id"] for i in inbox.json()["items"]]
    mine = next(i for i in inbox.json()["items"] if i["referral_id"] == rid)
    assert mine["allowed_actions"] == ["accept", "reject", "return"]
    assert mine["complaint_number"] == case["complaint_number"]

    # Another agency's officer sees nothing of it and cannot act on it.
    assert (await env.client.get(path, headers=dinkes)).status_code == 404
    assert (await post(env, f"{path}/accept", dinkes)).status_code == 404
    assert (await env.client.get("/v1/agencies/disdik-3402/referrals",
                                 headers=dinkes)).status_code == 404
    assert (await env.client.get(f"/v1/cases/{case['case_id']}",
                                 headers=dinkes)).status_code == 404

    read = await env.client.get(path, headers=disdik)
    assert read.headers["etag"] == '"1"'
    refused = await post(env, f"{path}/resolve", disdik)
    assert refused.status_code == 409
    assert refused.json()["allowed"] == ["accept", "reject", "return"]
    assert "allowed: accept, reject, return" in refused.json()["detail"]
    assert (await post(env, f"{path}/reject", disdik)).status_code == 422  # a reason is required
    stale = await post(env, f"{path}/accept", disdik, {"note": "siap"}, version=7)
    assert stale.status_code == 412 and stale.json()["current_version"] == 1
    assert (await post(env, f"{path}/accept", disdik, version="x")).status_code == 400

    accepted = await post(env, f"{path}/accept", disdik, {"note": "akan dikunjungi"}, version=1)
    assert accepted.status_code == 200, accepted.text
    assert accepted.headers["etag"] == '"3"'  # delivered (implicitly), then accepted
    assert accepted.json()["status"] == "accepted" and accepted.json()["accepted_at"]
    assert (await post(env, f"{path}/progress", disdik, version=1)).status_code == 412
    assert (await post(env, f"{path}/progress", disdik, version=3)).status_code == 200
    resolved = await post(env, f"{path}/resolve", disdik, {"note": "KIP sudah terbit"})
    assert resolved.json()["status"] == "resolved"
    ended = await post(env, f"{path}/return", disdik, {"note": "?"})
    assert ended.status_code == 409 and ended.json()["allowed"] == []

    events = await status_events(env, rid, 4)
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        ("created", "delivered"), ("delivered", "accepted"), ("accepted", "in_progress"),
        ("in_progress", "resolved")]
    assert [e["version"] for e in events] == [2, 3, 4, 5]

    # The back office informs the complainant and closes; the timeline has every step.
    case_path = f"/v1/cases/{case['case_id']}"
    bo = env.headers()
    assert (await post(env, f"{case_path}/close", bo)).status_code == 409  # not informed yet
    informed = await post(env, f"{case_path}/inform", bo, {"note": "ditelepon"}, version=2)
    assert informed.status_code == 200, informed.text
    closed = await post(env, f"{case_path}/close", bo, version=3)
    assert closed.json()["status"] == "closed" and closed.json()["outcome"] == "referrals_ended"
    timeline = (await env.client.get(f"{case_path}/timeline", headers=bo)).json()["items"]
    assert [(t["kind"], t["to_status"], t["by"]) for t in timeline] == [
        ("opened", "open", "referral-service"), ("referral_added", "referred", "referral-service"),
        ("status_changed", "delivered", "referral-service"),
        ("status_changed", "accepted", "officer-disdik-3402"),
        ("status_changed", "in_progress", "officer-disdik-3402"),
        ("status_changed", "resolved", "officer-disdik-3402"),
        ("complainant_informed", "referred", "dev-back_office"),
        ("closed", "closed", "dev-back_office")]
    assert all(t["at"] for t in timeline)
    officer_view = await env.client.get(f"{case_path}/timeline", headers=disdik)
    assert {t["kind"] for t in officer_view.json()["items"]} == {"referral_added", "status_changed"}
    closed_events = await read_topic(env.bootstrap, CaseClosedV1.topic, lambda rs: any(
        json_of(r)["case_id"] == case["case_id"] for r in rs))
    assert [json_of(r)["outcome"] for r in closed_events
            if json_of(r)["case_id"] == case["case_id"]] == ["referrals_ended"]


async def test_unrouted_case_waits_in_the_back_office_queue(env: ReferralEnv) -> None:
    bandung = env.headers(region="3273")
    case = await env.opened(OUTSIDE_DIY)
    assert case["referrals"] == [] and case["unrouted_needs"] == ["education.kip"]
    assert "no agency configured" in case["routing_explanations"][0]
    queue = (await env.client.get("/v1/back-office/queue?reason=unrouted",
                                  headers=bandung)).json()
    item = next(i for i in queue["items"] if i["case_id"] == case["case_id"])
    assert item["attention"] == ["unrouted", "outcome_pending"]
    elsewhere = await env.client.get("/v1/back-office/queue", headers=env.headers(region="3402"))
    assert case["case_id"] not in [i["case_id"] for i in elsewhere.json()["items"]]

    # A district manager of Bandung adds the agency (audited), then the back office refers.
    manager = env.headers(Role.MANAGER, "3273")
    agency = {"kind": "disdik", "region_code": "3273", "name": "Dinas Pendidikan Kota Bandung",
              "sectors": ["education"], "contacts": {"email": "disdik@bandung.example"}}
    assert (await post(env, "/v1/agencies", bandung, agency)).status_code == 403
    assert (await post(env, "/v1/agencies", env.headers(Role.MANAGER, "3402"),
                       agency)).status_code == 403  # outside that manager's region
    created = await post(env, "/v1/agencies", manager, agency)
    assert created.status_code == 201, created.text
    assert created.json()["agency_id"] == "disdik-3273" and created.headers["etag"] == '"1"'
    assert (await post(env, "/v1/agencies", manager, agency)).status_code == 422  # exists
    renamed = await env.client.patch("/v1/agencies/disdik-3273", headers={
        **manager, "If-Match": '"1"'}, json={"name": "Disdik Kota Bandung"})
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    stale = await env.client.patch("/v1/agencies/disdik-3273", headers={
        **manager, "If-Match": '"1"'}, json={"name": "Lagi"})
    assert stale.status_code == 412
    other = await env.client.patch("/v1/agencies/disdik-3273", json={"name": "Disdik"},
                                   headers=env.headers(Role.MANAGER, "3402"))
    assert other.status_code == 404
    audit = (await env.client.get("/v1/agencies/disdik-3273/audit", headers=manager)).json()
    assert [(a["action"], a["actor"]) for a in audit["items"]] == [
        ("create", "dev-manager"), ("update", "dev-manager")]
    assert audit["items"][1]["before"]["name"] == "Dinas Pendidikan Kota Bandung"

    referred = await post(env, f"/v1/cases/{case['case_id']}/referrals", bandung,
                          {"agency_id": "disdik-3273", "note": "dirujuk manual"}, version=1)
    assert referred.status_code == 201, referred.text
    assert referred.json()["unrouted_needs"] == []
    (referral,) = referred.json()["referrals"]
    assert referral["agency_id"] == "disdik-3273"
    delivered = await read_topic(env.bootstrap, agency_topic("disdik-3273"), lambda rs: any(
        json_of(r)["referral_id"] == referral["referral_id"] for r in rs))
    message = AgencyReferralV1.model_validate_json(delivered[-1].value)
    assert [n.code for n in message.needs] == ["education.kip"]
    queue = (await env.client.get("/v1/back-office/queue", headers=bandung)).json()
    assert case["case_id"] not in [i["case_id"] for i in queue["items"]]

    # The routing rules are data: the dry run tells why the village is not routed.
    dry = await post(env, "/v1/routing:dry-run", manager, {
        "sector": "education", "subcategory": "kip", "village_code": OUTSIDE_DIY})
    assert dry.json()["decision"]["routed"] is False
    assert dry.json()["decision"]["queue"] == "back_office"
    assert [c["outcome"] for c in dry.json()["checks"]] == ["no_rule"] * 6
    routed = await post(env, "/v1/routing:dry-run", manager, {
        "sector": "health", "subcategory": "pbi_jk", "village_code": "3402052001"})
    assert routed.json()["decision"]["agency_ids"] == ["dinsos-3402"]
    assert routed.json()["checks"][0]["key"] == "health/pbi_jk/3402"
    bad = await post(env, "/v1/routing:dry-run", manager, {
        "sector": "health", "village_code": "34020520"})
    assert bad.status_code == 422


async def test_withdrawal_closes_the_case_before_or_after_it_opens(env: ReferralEnv) -> None:
    case = await env.opened()
    await env.withdraw(uuid.UUID(case["complaint_id"]))

    async def withdrawn() -> dict[str, Any] | None:
        seen = await env.case(case["case_id"])
        return seen if seen["status"] == "closed" else None

    closed = await eventually(withdrawn)
    assert closed["outcome"] == "withdrawn"
    assert [(r["status"], r["allowed_actions"]) for r in closed["referrals"]] == [
        ("rejected", [])]
    events = await status_events(env, closed["referrals"][0]["referral_id"], 1)
    assert events[0]["withdrawn"] is True and events[0]["to_status"] == "rejected"

    # A withdrawal that overtakes its assessment is applied when the case opens.
    early = uuid.uuid4()
    await env.withdraw(early)
    await env.assess(complaint_id=early)
    at_once = await env.case(await env.case_id(early))
    assert (at_once["status"], at_once["outcome"]) == ("closed", "withdrawn")


async def test_back_office_reroutes_answers_merges_and_reassigns(env: ReferralEnv) -> None:
    bo, disdik = env.headers(), env.officer("disdik-3402")
    case = await env.opened()
    rid = case["referrals"][0]["referral_id"]
    rejected = await post(env, f"/v1/referrals/{rid}/reject", disdik,
                          {"note": "bukan kewenangan kami"})
    assert rejected.json()["status"] == "rejected"
    queue = await env.client.get("/v1/back-office/queue?reason=rejected", headers=bo)
    assert case["case_id"] in [i["case_id"] for i in queue.json()["items"]]

    rerouted = await post(env, f"/v1/referrals/{rid}/reroute", bo,
                          {"agency_id": "dinsos-3402", "note": "lewat Dinas Sosial"}, version=3)
    assert rerouted.status_code == 200, rerouted.text
    new = next(r for r in rerouted.json()["referrals"] if r["referral_id"] != rid)
    assert (new["agency_id"], new["rerouted_from"]) == ("dinsos-3402", rid)
    queue = await env.client.get("/v1/back-office/queue?reason=rejected", headers=bo)
    assert case["case_id"] not in [i["case_id"] for i in queue.json()["items"]]

    # The new agency asks for information; the back office answers; it is delivered again.
    dinsos = env.officer("dinsos-3402")
    asked = await post(env, f"/v1/referrals/{new['referral_id']}/return", dinsos,
                       {"note": "mohon salinan KK"})
    assert asked.json()["status"] == "returned" and asked.json()["answer_due_at"]
    queue = await env.client.get("/v1/back-office/queue?reason=returned", headers=bo)
    assert case["case_id"] in [i["case_id"] for i in queue.json()["items"]]
    assert (await post(env, f"/v1/referrals/{new['referral_id']}/answer", disdik,
                       {"note": "x"})).status_code == 403  # agencies do not answer themselves
    answered = await post(env, f"/v1/referrals/{new['referral_id']}/answer", bo,
                          {"note": "KK dikirim lewat email"})
    assert answered.json()["status"] == "delivered"

    escalated = await post(env, f"/v1/referrals/{new['referral_id']}/escalate",
                           env.headers(Role.MANAGER), {"level": "district", "note": "lambat"})
    assert escalated.json()["escalation_level"] == "district"
    again = await post(env, f"/v1/referrals/{new['referral_id']}/escalate", bo, {})
    assert again.status_code == 409 and again.json()["allowed"] == ["province"]
    records = await read_topic(env.bootstrap, ReferralEscalatedV1.topic, lambda rs: any(
        json_of(r)["referral_id"] == new["referral_id"] for r in rs))
    assert json_of(records[-1])["level"] == "district"

    # A duplicate case is merged into the first one.
    duplicate = await env.opened()
    merged = await post(env, f"/v1/cases/{duplicate['case_id']}/merge", bo,
                        {"into_case_id": case["case_id"], "note": "pelapor sama"})
    assert merged.json()["status"] == "merged"
    itself = await post(env, f"/v1/cases/{case['case_id']}/merge", bo,
                        {"into_case_id": duplicate["case_id"]})
    assert itself.status_code == 422  # merged cases take nothing in

    # Perkim is replaced: every open referral of it moves to DPUPR at once.
    first = await env.opened(needs=(HOUSING,))
    second = await env.opened(needs=(HOUSING,))
    moved = await post(env, "/v1/agencies/perkim-3402/referrals:reassign", bo,
                       {"to_agency_id": "dpupr-3402", "note": "RTLH pindah ke DPUPR"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["moved"] >= 2
    for c in (first, second):
        after = await env.case(c["case_id"])
        assert [(r["agency_id"], r["status"]) for r in after["referrals"]] == [
            ("perkim-3402", "rejected"), ("dpupr-3402", "created")]
    inbox = await env.client.get("/v1/agencies/perkim-3402/referrals?overdue=true",
                                 headers=env.officer("perkim-3402"))
    assert inbox.json()["items"] == []


async def test_monitoring_figures_for_a_district(env: ReferralEnv) -> None:
    manager = env.headers(Role.MANAGER, "3401")  # Kulon Progo: only this test's cases
    cases = [await env.opened("3401012001") for _ in range(3)]
    disdik = env.officer("disdik-3401")
    rids = [c["referrals"][0]["referral_id"] for c in cases]
    await post(env, f"/v1/referrals/{rids[0]}/accept", disdik)
    env.clock.advance(hours=5)
    await post(env, f"/v1/referrals/{rids[0]}/resolve", disdik)
    await post(env, f"/v1/referrals/{rids[1]}/accept", disdik)

    counts = (await env.client.get("/v1/monitoring/counts", headers=manager)).json()
    assert counts["total"] == 3
    assert counts["status"] == {"accepted": 1, "created": 1, "resolved": 1}
    assert counts["agency"] == {"disdik-3401": 3} and counts["district"] == {"3401": 3}
    durations = (await env.client.get("/v1/monitoring/durations", headers=manager)).json()
    assert durations["time_to_accept"]["count"] == 2
    assert durations["time_to_resolve"]["count"] == 1
    assert 4.9 < durations["time_to_resolve"]["median_hours"] < 5.5
    rates = (await env.client.get("/v1/monitoring/resolution-rates?by=district",
                                  headers=manager)).json()
    assert rates["items"]["3401"]["referred"] == 3
    assert rates["items"]["3401"]["resolved"] == 1

    env.clock.advance(days=40)  # far past every deadline of the two open referrals
    overdue = (await env.client.get("/v1/monitoring/overdue", headers=manager)).json()
    assert {i["referral_id"] for i in overdue["items"]} == {rids[1], rids[2]}
    assert {i["deadline"] for i in overdue["items"] if i["referral_id"] == rids[1]} == {
        "resolve"}
    late = await env.client.get("/v1/agencies/disdik-3401/referrals?overdue=true",
                                headers=disdik)
    assert {i["referral_id"] for i in late.json()["items"]} == {rids[1], rids[2]}
    assert (await env.client.get("/v1/monitoring/counts",
                                 headers=disdik)).status_code == 403
    env.clock.advance(days=-40)


async def test_queue_filters_complaint_lookup_and_the_cases_trace(env: ReferralEnv) -> None:
    bo = env.headers(region="3471")  # Kota Yogyakarta: only this test's cases
    event = env.assessment("3471010001")
    trace = uuid.uuid4().hex
    traceparent = f"00-{trace}-{'1' * 16}-01"
    await produce(env.bootstrap, event.topic, encode(event), event.key().encode(),
                  headers_for(event, source="/test", traceparent=traceparent))
    first = await env.case(await env.case_id(event.complaint_id))
    assert first["trace_id"] == trace  # the complaint's trace, from the event that opened it
    housing = await env.opened("3471020001", needs=(HOUSING,))
    returned = await env.opened("3471010001", needs=(HOUSING,))
    for case, agency, action in ((first, "disdik-3471", "reject"),
                                 (housing, "perkim-3471", "reject"),
                                 (returned, "perkim-3471", "return")):
        rid = case["referrals"][0]["referral_id"]
        answer = await post(env, f"/v1/referrals/{rid}/{action}", env.officer(agency),
                            {"note": "bukan kewenangan kami"})
        assert answer.status_code == 200, answer.text

    async def queue(**params: str) -> list[str]:
        found = await env.client.get("/v1/back-office/queue", params=params, headers=bo)
        assert found.status_code == 200, found.text
        return [i["case_id"] for i in found.json()["items"]]

    ids = [first["case_id"], housing["case_id"], returned["case_id"]]
    assert await queue() == ids  # oldest first
    assert await queue(category="housing") == ids[1:]
    assert await queue(area="347101") == [ids[0], ids[2]]
    assert await queue(area="3471020001", reason="rejected") == [ids[1]]
    assert await queue(urgency="urgent") == [] and await queue(urgency="normal") == ids
    assert await queue(area="3402") == []  # an area narrows the caller's region, never widens
    assert await queue(overdue="true") == []
    env.clock.advance(days=40)  # past the answer deadline of the returned referral
    try:
        assert await queue(overdue="true") == [ids[2]]
        late = await env.client.get("/v1/back-office/queue?overdue=true", headers=bo)
        assert late.json()["items"][0]["overdue"] is True
    finally:
        env.clock.advance(days=-40)
    for bad in ({"area": "34x"}, {"category": "nothing"}, {"urgency": "soon"}):
        assert (await env.client.get("/v1/back-office/queue", params=bad,
                                     headers=bo)).status_code == 422

    # The case of a complaint, by its number (any case) or id, inside the caller's region.
    async def lookup(headers: dict[str, str], **params: str) -> Any:
        return await env.client.get("/v1/cases", params=params, headers=headers)

    by_number = await lookup(bo, complaint_number=first["complaint_number"].lower())
    assert [i["case_id"] for i in by_number.json()["items"]] == [first["case_id"]]
    by_id = await lookup(bo, complaint_id=housing["complaint_id"])
    assert [i["complaint_number"] for i in by_id.json()["items"]] == [housing["complaint_number"]]
    elsewhere = await lookup(env.headers(region="3402"), complaint_id=housing["complaint_id"])
    assert elsewhere.json()["items"] == []
    assert (await lookup(env.officer("perkim-3471"),
                         complaint_id=housing["complaint_id"])).status_code == 403
    assert (await lookup(bo)).status_code == 422


async def test_the_operator_reads_cases_without_notes_and_changes_nothing(
        env: ReferralEnv) -> None:
    case = await env.opened("3471010001")
    rid, path = case["referrals"][0]["referral_id"], f"/v1/cases/{case['case_id']}"
    await post(env, f"/v1/referrals/{rid}/reject", env.officer("disdik-3471"),
               {"note": "Bu Siti Rahayu sudah pindah"})
    operator = env.headers(Role.OPERATOR, "")
    seen = await env.client.get(path, headers=operator)
    assert seen.status_code == 200 and seen.json()["case_id"] == case["case_id"]
    assert "Siti Rahayu" not in seen.text and "+6281234567890" not in seen.text
    timeline = await env.client.get(f"{path}/timeline", headers=operator)
    assert timeline.status_code == 200 and "Siti Rahayu" not in timeline.text
    rejected = next(i for i in timeline.json()["items"] if i["to_status"] == "rejected")
    assert (rejected["note"], rejected["note_redacted"], rejected["by"]) == (
        None, True, "officer-disdik-3471")
    back_office = await env.client.get(f"{path}/timeline", headers=env.headers(region="3471"))
    assert "Siti Rahayu" in back_office.text and "note_redacted" not in back_office.text
    found = await env.client.get("/v1/cases", params={"complaint_id": case["complaint_id"]},
                                 headers=operator)
    assert [i["case_id"] for i in found.json()["items"]] == [case["case_id"]]

    # Every change is refused: back-office tools, agencies' answers, agencies, the queue.
    for url, body in ((f"/v1/referrals/{rid}/reroute", {"agency_id": "dinsos-3471"}),
                      (f"{path}/inform", {"note": "x"}), (f"{path}/close", {}),
                      (f"{path}/referrals", {"agency_id": "dinsos-3471"}),
                      (f"/v1/referrals/{rid}/accept", {}),
                      ("/v1/agencies/perkim-3471/referrals:reassign",
                       {"to_agency_id": "dpupr-3471"})):
        assert (await post(env, url, operator, body)).status_code == 403, url
    assert (await env.client.get("/v1/back-office/queue", headers=operator)).status_code == 403

    # A national admin reads the queue of the whole country but acts through the districts.
    admin = env.headers(Role.NATIONAL_ADMIN, "")
    queue = await env.client.get("/v1/back-office/queue?area=3471", headers=admin)
    assert case["case_id"] in [i["case_id"] for i in queue.json()["items"]]
    assert (await post(env, f"/v1/referrals/{rid}/reroute", admin,
                       {"agency_id": "dinsos-3471"})).status_code == 403
