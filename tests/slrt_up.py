"""`slrt up` as a user runs it (separate processes), for the end-to-end and browser tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Running:
    proc: subprocess.Popen[bytes]
    data: Path  # the data folder (SQLite files, keys, logs, traces)
    log: Path  # what `slrt up` printed


@contextlib.contextmanager
def slrt_up(base: Path, ports: Mapping[str, int], broker_port: int,
            start_s: float | None = None) -> Iterator[Running]:
    """Run `slrt up` with its data under `base/data` and the given ports (`--<name>-port`);
    yield it once it says it is up; Ctrl-C it afterwards (unless the test did). A busy machine
    may need longer than the default 120 s: SLRT_STACK_START_S."""
    data = base / "data"
    cmd = [sys.executable, "-m", "slrt.cli", "up", "--data-dir", str(data),
           "--broker-port", str(broker_port)]
    for name, port in ports.items():
        cmd += [f"--{name}-port", str(port)]
    log_path = base / "up.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "COLUMNS": "200"})
        try:
            limit = start_s or float(os.environ.get("SLRT_STACK_START_S", "120"))
            deadline = time.monotonic() + limit
            while b"SLRT is up" not in log_path.read_bytes():
                assert proc.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, f"slrt up did not come up in {limit:g} s"
                time.sleep(0.2)
            yield Running(proc, data, log_path)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
