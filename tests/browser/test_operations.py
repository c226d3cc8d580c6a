"""The operator view in real Chromium against `slrt up`: the on-call operator finds a complaint's
case by its number, and the case's trace link carries the trace of the complaint's journey —
the `traceparent` of the referral delivered on the agency's topic, whose root span is intake's
request — next to the case's raw event timeline, without the complaint's personal data."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from playwright.sync_api import Page, expect

from .conftest import ConsoleStack, shot
from .test_back_office import SUTRISNO, case_of, file_complaint


async def _traceparent_on_topic(bootstrap: str, topic: str, number: str) -> str:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=f"test-{uuid.uuid4().hex[:8]}")
    await consumer.start()
    try:
        async with asyncio.timeout(20):
            while True:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        if json.loads(record.value)["complaint_number"] == number:
                            return str(dict(record.headers)["traceparent"].decode())
    finally:
        await consumer.stop()


def delivered_traceparent(stack: ConsoleStack, number: str) -> str:
    """The traceparent header of the complaint's referral on Disdik's topic."""
    coroutine = _traceparent_on_topic(stack.bootstrap, "slrt.agency.disdik-3402.referrals.v1",
                                      number)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # away from Playwright's loop
        return pool.submit(asyncio.run, coroutine).result()


def spans_of(stack: ConsoleStack, trace_id: str, services: set[str]) -> list[dict[str, Any]]:
    """The trace's spans once every service in `services` has written its own (batched)."""
    deadline = time.monotonic() + 20
    while True:
        spans = [json.loads(line) for f in sorted((stack.data / "traces").glob("*.jsonl"))
                 for line in f.read_text().splitlines() if line.strip()]
        mine = [s for s in spans if s["trace_id"] == trace_id]
        if {s["service"] for s in mine} >= services:
            return mine
        assert time.monotonic() < deadline, f"trace {trace_id}: {({s['service'] for s in mine})}"
        time.sleep(0.3)


def test_the_operator_finds_the_case_and_its_trace(page_as: Callable[..., Page],
                                                   console_stack: ConsoleStack) -> None:
    filed = file_complaint(console_stack, description="Anak belum menerima PIP (operasional)")
    case = case_of(console_stack, filed["id"], role="operator", region="",
                   until=lambda c: bool(c["referrals"]))
    page = page_as("operator")
    expect(page).to_have_url(f"{console_stack.url}/operations")  # the operator's home
    page.get_by_label("ID kasus, ID pengaduan, atau nomor pengaduan").fill("SLRT-NOPE")
    page.get_by_role("button", name="Cari").click()
    expect(page.get_by_test_id("find-problem")).to_contain_text("Bukan ID")
    shot(page, "operations-find-invalid")
    page.goto("/operations")
    page.get_by_label("ID kasus, ID pengaduan, atau nomor pengaduan").fill(filed["number"].lower())
    shot(page, "operations-find")
    page.get_by_role("button", name="Cari").click()
    expect(page).to_have_url(f"{console_stack.url}/operations/cases/{case['case_id']}")

    # The link carries the trace the complaint travelled in: the one on the agency's topic,
    # begun by intake's POST.
    trace_id = delivered_traceparent(console_stack, filed["number"]).split("-")[1]
    expect(page.get_by_test_id("trace-id")).to_have_text(trace_id)
    link = page.get_by_test_id("trace-link")
    expect(link).to_have_attribute("href", re.compile(f"/trace/{trace_id}$"))
    spans = spans_of(console_stack, trace_id, {"slrt-intake", "slrt-registry", "slrt-referral"})
    roots = [s for s in spans if s["parent_id"] is None]
    assert [(r["service"], r["name"]) for r in roots] == [("slrt-intake", "POST /v1/complaints")]
    assert any(s["service"] == "slrt-referral" and s["kind"] == "CONSUMER" for s in spans)

    # The raw timeline: every change with its type, time and actor; no personal data.
    entries = page.get_by_test_id("raw-entry")
    expect(entries.first).to_contain_text('"kind": "opened"')
    expect(entries.nth(1)).to_contain_text('"kind": "referral_added"')
    expect(page.get_by_test_id("raw-timeline")).to_contain_text("referral-service")
    body = page.locator("main").inner_text()
    assert SUTRISNO["name"] not in body and SUTRISNO["nik"] not in body
    shot(page, "operations-case")

    # Finding it by the case id or the complaint id leads to the same page.
    for typed in (case["case_id"], filed["id"]):
        page.goto(f"/operations?q={typed}")
        expect(page).to_have_url(f"{console_stack.url}/operations/cases/{case['case_id']}")


def test_a_case_worker_does_not_get_the_operator_view(page_as: Callable[..., Page]) -> None:
    page = page_as("back-office-bantul")
    response = page.goto("/operations")
    assert response is not None and response.status == 403
