"""Stopping child processes the same way everywhere: SIGTERM, a grace period, then SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterable


def terminate(processes: Iterable[subprocess.Popen[bytes]], timeout: float) -> None:
    """Ask all to stop at once, then wait for each within one shared deadline."""
    procs = [p for p in processes if p.poll() is None]
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
