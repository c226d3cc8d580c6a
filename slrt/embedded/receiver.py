"""A local HTTP receiver for webhooks and the SMS gateway: what the embedded default, the tests
and the benchmarks point notification at instead of agency endpoints.

It checks the HMAC signature of webhooks (when given the secret), keeps each delivery once by
its delivery id (a repeat after a sender's crash is answered 2xx and dropped), and can be told
to fail the next N requests, to show retries. Given a journal file, it also appends each new
delivery there as one JSON line, so what arrived can be read after the fact (`slrt up`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DELIVERY_HEADER = "X-SLRT-Delivery"
SIGNATURE_HEADER = "X-SLRT-Signature"
TIMESTAMP_HEADER = "X-SLRT-Timestamp"


def valid_signature(secret: str, body: bytes, timestamp: str, signed: str,
                    tolerance_s: float = 300.0) -> bool:
    """HMAC-SHA256 of `<timestamp>.<body>`, and a timestamp no older than the tolerance."""
    try:
        if abs(time.time() - float(timestamp)) > tolerance_s:
            return False
    except ValueError:
        return False
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest("sha256=" + mac.hexdigest(), signed)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default backlog of 5 drops a sender's burst of connections


class Receiver:
    """Accepts POSTs on any path; `accepted` maps delivery id -> {path, body}."""

    def __init__(self, secret: str | None = None, host: str = "127.0.0.1", port: int = 0,
                 journal: Path | None = None) -> None:
        self.secret = secret
        self.journal = journal
        if journal is not None:
            journal.parent.mkdir(parents=True, exist_ok=True)
        self.fail_next = 0
        self.requests = 0
        self.bad_signatures = 0
        self.accepted: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: a sender reuses its connections
            disable_nagle_algorithm = True  # answer at once, not after a delayed ACK

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                self.send_response(receiver.receive(self.path, dict(self.headers), body))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return  # quiet: bodies may name case numbers

        self.server = _Server((host, port), Handler)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.requests += 1
            signed = headers.get(SIGNATURE_HEADER)
            if self.secret is not None and signed is not None and not valid_signature(
                    self.secret, body, headers.get(TIMESTAMP_HEADER, ""), signed):
                self.bad_signatures += 1
                return 401
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503
            payload = json.loads(body or b"{}")
            key = headers.get(DELIVERY_HEADER) or str(payload.get("reference", ""))
            if key not in self.accepted:
                self.accepted[key] = {"path": path, "signed": signed is not None, **payload}
                self._write_journal(self.accepted[key])
            return 204

    def _write_journal(self, entry: dict[str, Any]) -> None:
        if self.journal is not None:  # under the lock: lines never interleave
            with self.journal.open("a", encoding="utf-8") as out:
                line = {"received_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **entry}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
