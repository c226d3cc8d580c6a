"""End to end as a user runs it: `slrt up` (separate processes), a complaint over HTTP, the
referral on the agency's topic, `referred` at the front desk, and one trace across it all."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.registry.domain.demo import DEMO_NIK_WITH_SCHOOL_CHILD
from slrt.embedded.ports import free_port

from ..integration.conftest import read_topic
from ..slrt_up import slrt_up

pytestmark = pytest.mark.e2e

SERVICES = ("intake", "registry", "referral", "notification")
PROCESSES = (*SERVICES, "console")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    ports = {name: free_port() for name in PROCESSES}
    broker_port = free_port()
    with slrt_up(tmp_path, ports, broker_port, start_s=90) as running:
        yield {"ports": ports, "bootstrap": f"127.0.0.1:{broker_port}", "data": running.data,
               "proc": running.proc, "log": running.log}


def _token(data: Path, *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "slrt.cli", "token", "--data-dir", str(data),
                          *args], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def _spans(data: Path) -> list[dict[str, Any]]:
    spans = []
    for f in sorted((data / "traces").glob("*.jsonl")):
        spans += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    return spans


async def test_one_complaint_through_separate_processes(stack: dict[str, Any]) -> None:
    data, ports = stack["data"], stack["ports"]
    auth = {"Authorization": f"Bearer {_token(data, '--role', 'front_office', '--region', '3402')}"}
    intake = f"http://127.0.0.1:{ports['intake']}"
    body = {"channel": "front_office", "village_code": "3402052001", "category": "education",
            "subcategory": "kip_pip", "description": "Anak sekolah belum menerima KIP.",
            "complainant": {"name": "Sutrisno", "nik": DEMO_NIK_WITH_SCHOOL_CHILD},
            "consent_given": True}
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.post(f"{intake}/v1/complaints", json=body)).status_code == 401
        created = await http.post(f"{intake}/v1/complaints", json=body, headers=auth)
        assert created.status_code == 201, created.text
        complaint_id = created.json()["id"]
        deadline = time.monotonic() + 30
        while True:
            view = (await http.get(f"{intake}/v1/complaints/{complaint_id}", headers=auth)).json()
            if view["status"] == "referred":
                break
            assert time.monotonic() < deadline, f"not referred in 30 s: {view['status']}"
            time.sleep(0.2)
    assert [r["agency_id"] for r in view["referrals"]] == ["disdik-3402"]

    records = await read_topic(stack["bootstrap"], "slrt.agency.disdik-3402.referrals.v1",
                               lambda rs: any(json.loads(r.value)["complaint_number"]
                                              == created.json()["number"] for r in rs))
    delivered = next(r for r in records
                     if json.loads(r.value)["complaint_number"] == created.json()["number"])

    # One complaint = one trace: from intake's HTTP request to notification's deadline booking.
    trace_id = dict(delivered.headers)["traceparent"].decode().split("-")[1]
    deadline = time.monotonic() + 15
    while True:
        in_trace = [s for s in _spans(data) if s["trace_id"] == trace_id]
        services = {s["service"] for s in in_trace}
        if services >= {f"slrt-{n}" for n in SERVICES}:
            break
        assert time.monotonic() < deadline, f"trace {trace_id} only reached {services}"
        time.sleep(0.3)
    root = [s for s in in_trace if s["parent_id"] is None]
    assert len(root) == 1 and root[0]["service"] == "slrt-intake", root
    consumers = {s["service"] for s in in_trace if s["kind"] == "CONSUMER"}
    assert consumers >= {"slrt-registry", "slrt-referral", "slrt-notification", "slrt-intake"}
    # No personal data in any span attribute.
    text = json.dumps(_spans(data))
    assert DEMO_NIK_WITH_SCHOOL_CHILD not in text and "Sutrisno" not in text

    # Ctrl-C stops everything cleanly: services first, then the broker.
    stack["proc"].send_signal(signal.SIGINT)
    assert stack["proc"].wait(30) == 0
    assert b"stopped." in stack["log"].read_bytes()
