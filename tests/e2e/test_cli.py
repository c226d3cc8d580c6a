"""The `slrt` command's edges: clear messages instead of tracebacks, topics against a broker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from slrt.embedded.broker import TansuBroker
from slrt.embedded.ports import free_port

pytestmark = pytest.mark.e2e


def slrt(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "slrt.cli", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})


def test_up_with_a_taken_port_says_which_and_how_to_fix(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = slrt("up", "--data-dir", str(tmp_path), "--broker-port", str(free_port()),
                    "--intake-port", str(port))
    assert done.returncode == 2
    assert f"port {port} (intake) is already in use" in done.stdout
    assert "--intake-port" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_token_refuses_an_agency_officer_without_agency(tmp_path: Path) -> None:
    done = slrt("token", "--role", "agency_officer", "--region", "3402",
                "--data-dir", str(tmp_path))
    assert done.returncode == 2
    assert "agency" in done.stdout
    ok = slrt("token", "--role", "agency_officer", "--region", "3402", "--agency",
              "dinkes-3402", "--data-dir", str(tmp_path))
    assert ok.returncode == 0 and ok.stdout.count(".") == 2  # a JWT


def test_topics_creates_then_verifies(tansu: TansuBroker) -> None:
    before = slrt("topics", "--bootstrap", tansu.bootstrap, "--verify")
    assert before.returncode == 1 and "missing" in before.stdout
    created = slrt("topics", "--bootstrap", tansu.bootstrap)
    assert created.returncode == 0, created.stdout + created.stderr
    again = slrt("topics", "--bootstrap", tansu.bootstrap)
    assert "0 topics created" in again.stdout
    after = slrt("topics", "--bootstrap", tansu.bootstrap, "--verify")
    assert after.returncode == 0, after.stdout
