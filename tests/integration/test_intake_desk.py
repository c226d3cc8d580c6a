"""The front door's capabilities: idempotent retries, offline batches, duplicate links,
closing at the desk, follow-ups, the list, the receipt, and the outbox they all fill."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from contracts import (
    ComplaintClosedAtDeskV1,
    ComplaintRegisteredV1,
    ComplaintWithdrawnV1,
    SatisfactionRecordedV1,
)
from services.intake.adapters.tables import audit_log, complaints, outbox

from .conftest import COMPLAINT, Desk, with_

pytestmark = pytest.mark.integration


async def outbox_types(desk: Desk) -> list[str]:
    async with desk.app.state.runtime.sessions() as session:
        rows = await session.execute(select(outbox.c.headers).order_by(outbox.c.id))
    return [json.loads(h)["ce_type"].rsplit(".", 2)[-2] for (h,) in rows]


# --- idempotency ------------------------------------------------------------------------------


async def test_a_retry_returns_the_original_and_records_nothing_new(any_desk: Desk) -> None:
    headers = {**any_desk.auth(), "Idempotency-Key": "9b2c1d7e-retry"}
    first = await any_desk.client.post("/v1/complaints", json=COMPLAINT, headers=headers)
    again = await any_desk.client.post("/v1/complaints", json=COMPLAINT, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["number"] == first.json()["number"]
    assert await outbox_types(any_desk) == ["registered"]


async def test_the_same_key_with_another_body_is_a_conflict(any_desk: Desk) -> None:
    headers = {**any_desk.auth(), "Idempotency-Key": "k-1"}
    assert (await any_desk.client.post("/v1/complaints", json=COMPLAINT,
                                   headers=headers)).status_code == 201
    other = with_(description="Keluhan lain sama sekali, bukan soal KIP.")
    r = await any_desk.client.post("/v1/complaints", json=other, headers=headers)
    assert r.status_code == 409
    assert "k-1" in r.json()["detail"]


async def test_client_ref_in_the_body_works_like_the_header(any_desk: Desk) -> None:
    body = with_(client_ref="tablet-7/0001")
    first = await any_desk.client.post("/v1/complaints", json=body, headers=any_desk.auth())
    again = await any_desk.client.post("/v1/complaints", json=body, headers=any_desk.auth())
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


async def test_concurrent_submissions_get_distinct_numbers(any_desk: Desk) -> None:
    answers = await asyncio.gather(*(any_desk.client.post("/v1/complaints", json=COMPLAINT,
                                                           headers=any_desk.auth())
                                     for _ in range(8)))
    assert [r.status_code for r in answers] == [201] * 8
    sequences = sorted(int(r.json()["number"].rsplit("-", 1)[-1]) for r in answers)
    assert sequences == list(range(sequences[0], sequences[0] + 8))


async def test_two_racing_requests_with_one_key_make_one_complaint(any_desk: Desk) -> None:
    headers = {**any_desk.auth(), "Idempotency-Key": "race-1"}
    answers = await asyncio.gather(*(any_desk.client.post("/v1/complaints", json=COMPLAINT,
                                                           headers=headers) for _ in range(4)))
    assert sorted(r.status_code for r in answers) == [200, 200, 200, 201]
    assert len({r.json()["id"] for r in answers}) == 1
    assert await outbox_types(any_desk) == ["registered"]


async def test_an_empty_key_is_no_key(any_desk: Desk) -> None:
    """An empty Idempotency-Key or client_ref protects nothing: each such submission is a new
    complaint, never a 500 (found by the schema fuzzing)."""
    empty_header = {**any_desk.auth(), "Idempotency-Key": ""}
    answers = [await any_desk.client.post("/v1/complaints", json=body, headers=headers)
               for body, headers in ((COMPLAINT, empty_header), (COMPLAINT, empty_header),
                                     (with_(client_ref=""), any_desk.auth()),
                                     (with_(client_ref=""), any_desk.auth()))]
    assert [r.status_code for r in answers] == [201] * 4
    assert len({r.json()["id"] for r in answers}) == 4


# --- desk submissions that arrive together share a transaction (group commit) ----------------


async def test_grouped_submissions_keep_their_own_operator_scope_and_trace(any_desk: Desk,
                                                                           ) -> None:
    issue = any_desk.issuer.issue
    bantul = issue("front_office", "3402", subject="operator-bantul")
    province = issue("back_office", "34", subject="operator-provinsi")
    kota = issue("front_office", "3471", subject="operator-kota")  # Bantul is outside its region
    senders = [bantul, province, kota] * 4
    traces = [f"{n + 1:032x}" for n in range(len(senders))]
    answers = await asyncio.gather(*(
        any_desk.client.post("/v1/complaints", json=COMPLAINT, headers={
            "Authorization": f"Bearer {token}", "traceparent": f"00-{trace}-{'1' * 16}-01"})
        for token, trace in zip(senders, traces, strict=True)))
    desk = any_desk.app.state.runtime.extras["desk"]
    assert desk.groups_run < len(senders)  # some submissions did share a transaction

    expected = {bantul: 201, province: 201, kota: 403}
    assert [r.status_code for r in answers] == [expected[t] for t in senders]
    created = {r.json()["id"]: (token, trace)
               for r, token, trace in zip(answers, senders, traces, strict=True)
               if r.status_code == 201}
    subject = {bantul: "operator-bantul", province: "operator-provinsi"}
    async with any_desk.app.state.runtime.sessions() as session:
        recorded = dict((await session.execute(
            select(complaints.c.id, complaints.c.recorded_by))).all())
        audited = dict((await session.execute(
            select(audit_log.c.complaint_id, audit_log.c.subject))).all())
        events = (await session.execute(select(outbox.c.key, outbox.c.headers))).all()
    assert recorded == audited == {cid: subject[token] for cid, (token, _) in created.items()}
    # Each complaint's event (keyed by its id) continues the trace of the request that sent it.
    assert {key: json.loads(h)["traceparent"].split("-")[1] for key, h in events} == {
        cid: trace for cid, (_, trace) in created.items()}


# --- offline batch ----------------------------------------------------------------------------


def offline(ref: str, **changes: Any) -> dict[str, Any]:
    captured = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat()
    return with_(client_ref=ref, captured_at=captured, channel="field_tablet", **changes)


async def test_batch_reports_every_item_and_applies_only_the_good_ones(desk: Desk) -> None:
    first = offline("t7-1")
    items = [
        first,
        offline("t7-2", village_code="9999999999"),  # domain rule: unknown village
        {"client_ref": "t7-3", "channel": "pigeon"},  # schema: malformed item
        offline("t7-4", complainant_nik=None, complainant_has_no_nik=True,
                complainant_name="Tukiyem", category="civil_registration", subcategory="nik"),
        first,  # the tablet sent its first item twice
    ]
    r = await desk.client.post("/v1/complaints:batch", headers=desk.auth(),
                               json={"device_id": "tablet-07", "items": items})
    assert r.status_code == 200, r.text
    out = r.json()
    assert [i["outcome"] for i in out["items"]] == ["created", "rejected", "rejected", "created",
                                                    "duplicate"]
    assert (out["created"], out["duplicates"], out["rejected"]) == (2, 1, 2)
    assert out["items"][4]["id"] == out["items"][0]["id"]
    assert out["items"][4]["number"] == out["items"][0]["number"]
    assert {tuple(e["loc"][:3]) for e in out["items"][1]["errors"]} == {
        ("items", 1, "village_code")}
    assert out["items"][2]["errors"][0]["loc"][:2] == ["items", 2]
    async with desk.app.state.runtime.sessions() as session:
        stored = (await session.execute(
            select(complaints.c.device_id, complaints.c.captured_at, complaints.c.channel)
            .order_by(complaints.c.number))).all()
    assert [(d, c) for d, _, c in stored] == [("tablet-07", "field_tablet")] * 2
    assert all(at is not None for _, at, _ in stored)
    assert await outbox_types(desk) == ["registered", "registered"]

    # The whole batch synced again after a lost answer: nothing new.
    again = await desk.client.post("/v1/complaints:batch", headers=desk.auth(),
                                   json={"device_id": "tablet-07", "items": items})
    assert [i["outcome"] for i in again.json()["items"]] == [
        "duplicate", "rejected", "rejected", "duplicate", "duplicate"]
    assert len(await outbox_types(desk)) == 2


async def test_batch_limit_is_500(desk: Desk) -> None:
    items = [offline(f"x-{i}") for i in range(501)]
    r = await desk.client.post("/v1/complaints:batch", headers=desk.auth(),
                               json={"device_id": "tablet-07", "items": items})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "items"]


# --- possible duplicates ----------------------------------------------------------------------


async def test_same_person_same_category_is_linked_not_rejected(desk: Desk) -> None:
    first = (await desk.client.post("/v1/complaints", json=COMPLAINT,
                                    headers=desk.auth())).json()
    second = await desk.client.post("/v1/complaints", json=with_(
        description="Datang lagi: KIP anak belum juga diterima."), headers=desk.auth())
    assert second.status_code == 201
    assert second.json()["possible_duplicate_of"] == [first["id"]]
    other_sector = await desk.client.post("/v1/complaints", json=with_(
        category="health", subcategory="pbi_jk", description="Belum punya KIS untuk berobat."),
        headers=desk.auth())
    assert other_sector.json()["possible_duplicate_of"] == []
    events = await _events(desk, ComplaintRegisteredV1)
    assert [e.possible_duplicate_of for e in events][1] == [uuid.UUID(first["id"])]


async def test_links_reach_past_newer_complaints_of_other_categories(any_desk: Desk) -> None:
    """The newest few of the same person *in the same category*: five newer health
    complaints do not hide the earlier education one, at the desk or in a batch."""
    education = (await any_desk.client.post("/v1/complaints", json=COMPLAINT,
                                            headers=any_desk.auth())).json()["id"]
    health = with_(category="health", subcategory="pbi_jk", description="Belum punya KIS.")
    for _ in range(6):
        r = await any_desk.client.post("/v1/complaints", json=health, headers=any_desk.auth())
        assert r.status_code == 201
    newest_health = r.json()["id"]
    again = await any_desk.client.post("/v1/complaints", json=with_(
        description="Datang lagi: KIP anak belum juga diterima."), headers=any_desk.auth())
    assert again.json()["possible_duplicate_of"] == [education]
    synced = await any_desk.client.post("/v1/complaints:batch", headers=any_desk.auth(), json={
        "device_id": "tablet-07", "items": [offline("late-edu"), offline("late-health", **{
            k: health[k] for k in ("category", "subcategory", "description")})]})
    edu_links, health_links = (i["possible_duplicate_of"] for i in synced.json()["items"])
    assert edu_links == [again.json()["id"], education]
    assert len(health_links) == 5 and health_links[0] == newest_health


async def _events(desk: Desk, model: Any) -> list[Any]:
    async with desk.app.state.runtime.sessions() as session:
        rows = await session.execute(select(outbox.c.payload).where(outbox.c.topic == model.topic)
                                     .order_by(outbox.c.id))
    return [model.model_validate_json(p) for (p,) in rows]


# --- desk closure and follow-ups --------------------------------------------------------------


async def test_answered_at_the_desk_is_closed_and_never_referred(desk: Desk) -> None:
    question = with_(kind="question", category="social_assistance", subcategory="pkh",
                     description="Kapan PKH tahap berikut cair?",
                     desk_resolution="Dijelaskan jadwal pencairan PKH tahap II bulan Mei.")
    r = await desk.client.post("/v1/complaints", headers=desk.auth(), json=question)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "closed"
    assert await outbox_types(desk) == ["closed-at-desk"]
    [closed] = await _events(desk, ComplaintClosedAtDeskV1)
    assert closed.kind == "question" and closed.resolution_note.startswith("Dijelaskan")
    # Satisfaction can be recorded once, after closure.
    cid = r.json()["id"]
    ok = await desk.client.post(f"/v1/complaints/{cid}/satisfaction", headers=desk.auth(),
                                json={"score": 5, "comment": "Jelas sekali."})
    assert ok.status_code == 202
    twice = await desk.client.post(f"/v1/complaints/{cid}/satisfaction", headers=desk.auth(),
                                   json={"score": 1})
    assert twice.status_code == 409
    assert [e.score for e in await _events(desk, SatisfactionRecordedV1)] == [5]


async def test_withdraw_and_add_information_follow_the_status(desk: Desk) -> None:
    cid = (await desk.client.post("/v1/complaints", json=COMPLAINT,
                                  headers=desk.auth())).json()["id"]
    info = await desk.client.post(f"/v1/complaints/{cid}/information", headers=desk.auth(),
                                  json={"note": "Membawa fotokopi KK.", "attachments": [
                                      {"name": "kk.jpg", "media_type": "image/jpeg",
                                       "size_bytes": 1234, "sha256": "a" * 64}]})
    assert info.status_code == 202
    too_early = await desk.client.post(f"/v1/complaints/{cid}/satisfaction",
                                       headers=desk.auth(), json={"score": 4})
    assert too_early.status_code == 409 and "registered" in too_early.json()["detail"]
    gone = await desk.client.post(f"/v1/complaints/{cid}/withdraw", headers=desk.auth(),
                                  json={"reason": "Sudah selesai sendiri."})
    assert gone.status_code == 202
    view = (await desk.client.get(f"/v1/complaints/{cid}", headers=desk.auth())).json()
    assert view["status"] == "withdrawn"
    assert [t["kind"] for t in view["timeline"]] == ["registered", "information_added",
                                                     "withdrawn"]
    again = await desk.client.post(f"/v1/complaints/{cid}/withdraw", headers=desk.auth(),
                                   json={"reason": "Lagi."})
    assert again.status_code == 409
    [withdrawn] = await _events(desk, ComplaintWithdrawnV1)
    assert str(withdrawn.complaint_id) == cid
    outsider = await desk.client.post(f"/v1/complaints/{cid}/information",
                                      headers=desk.auth(region="3471"), json={"note": "x"})
    assert outsider.status_code == 404


# --- the list and the receipt -----------------------------------------------------------------


async def test_list_filters_sorts_pages_and_scopes(desk: Desk) -> None:
    made = []
    for body in (COMPLAINT, with_(category="health", subcategory="pbi_jk", urgency="urgent",
                                  description="Belum punya KIS, ibu sakit keras."),
                 with_(village_code="3402012001", description="Anak belum dapat KIP juga.")):
        made.append((await desk.client.post("/v1/complaints", json=body,
                                            headers=desk.auth())).json())
    page = (await desk.client.get("/v1/complaints", headers=desk.auth(),
                                  params={"sort": "number", "limit": 2})).json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == [m["id"] for m in made[:2]]
    urgent = (await desk.client.get("/v1/complaints", headers=desk.auth(),
                                    params={"urgency": "urgent"})).json()
    assert [i["id"] for i in urgent["items"]] == [made[1]["id"]]
    district = (await desk.client.get("/v1/complaints", headers=desk.auth(),
                                      params={"district": "340201"})).json()
    assert [i["id"] for i in district["items"]] == [made[2]["id"]]
    assert "complainant_nik" not in district["items"][0]
    not_overdue = (await desk.client.get("/v1/complaints", headers=desk.auth(),
                                         params={"overdue": "false"})).json()
    assert not_overdue["total"] == 3
    elsewhere = (await desk.client.get("/v1/complaints", headers=desk.auth(region="3471"))).json()
    assert elsewhere["total"] == 0
    bad = await desk.client.get("/v1/complaints", headers=desk.auth(), params={"sort": "nik"})
    assert bad.status_code == 422


async def test_receipt_as_html_and_pdf(desk: Desk) -> None:
    made = (await desk.client.post("/v1/complaints", json=COMPLAINT, headers=desk.auth())).json()
    html = await desk.client.get(f"/v1/complaints/{made['id']}/receipt.html", headers=desk.auth())
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert made["number"] in html.text and COMPLAINT["complainant"]["nik"] not in html.text
    pdf = await desk.client.get(f"/v1/complaints/{made['id']}/receipt.pdf", headers=desk.auth())
    assert pdf.content.startswith(b"%PDF-") and made["number"].encode() in pdf.content
    assert f'{made["number"]}.pdf' in pdf.headers["content-disposition"]
    hidden = await desk.client.get(f"/v1/complaints/{made['id']}/receipt.pdf",
                                   headers=desk.auth(region="3471"))
    assert hidden.status_code == 404


async def test_a_changed_item_under_a_used_ref_is_a_conflict_in_a_batch(desk: Desk) -> None:
    first = offline("t9-1")
    changed = {**first, "description": "Isi berbeda di bawah client_ref yang sama."}
    r = await desk.client.post("/v1/complaints:batch", headers=desk.auth(),
                               json={"device_id": "tablet-09", "items": [first, changed]})
    assert [i["outcome"] for i in r.json()["items"]] == ["created", "conflict"]
    assert r.json()["items"][1]["errors"][0]["type"] == "idempotency.conflict"
