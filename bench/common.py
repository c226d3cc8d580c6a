"""Helpers shared by the benchmark scripts: the demo complaint body, latency statistics, the
scratch PostgreSQL databases they create and drop, and the CPU time of a process.

Imported by the scripts in this folder (`from bench.common import ...`); they put the repository
root on `sys.path` first, so this works when a script is run as `.venv/bin/python bench/X.py`.
"""

from __future__ import annotations

import math
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.registry.domain.demo import DEMO_NIK_WITH_SCHOOL_CHILD

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The local PostgreSQL server the benchmarks use (trust authentication).
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


async def pg_admin(statement: str) -> None:
    """Run one statement (CREATE / DROP DATABASE) on the server's `postgres` database."""
    import asyncpg

    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def database_url(name: str) -> str:
    """SQLAlchemy URL of database `name` on the benchmarks' server."""
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc; None where unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def complaint_body(i: int) -> dict[str, Any]:
    """A valid complaint about a school child's KIP/PIP; `i` only varies the description."""
    return {
        "channel": "puskesos", "village_code": "3402052001", "category": "education",
        "subcategory": "kip_pip",
        "description": f"Anak kami sekolah tetapi belum menerima KIP (bench {i})",
        "complainant": {"name": "Sutrisno", "nik": DEMO_NIK_WITH_SCHOOL_CHILD,
                        "phone": "0812-3456-7890"},
        "consent_given": True,
    }


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: every figure is a latency that happened)."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summary(values_s: Sequence[float]) -> dict[str, float | int | None]:
    """p50/p90/p99/max in milliseconds, plus the sample count."""
    if not values_s:
        return {"n": 0, "p50": None, "p90": None, "p99": None, "max": None}
    ms = sorted(v * 1000 for v in values_s)
    return {"n": len(ms), "p50": round(percentile(ms, 50), 2), "p90": round(percentile(ms, 90), 2),
            "p99": round(percentile(ms, 99), 2), "max": round(ms[-1], 2)}


def command_line(script: str, argv: Sequence[str] | None) -> str:
    """How the benchmark was run, for the report: interpreter name (no path), script, options."""
    return shlex.join([Path(sys.executable).name, script,
                       *(argv if argv is not None else sys.argv[1:])])
