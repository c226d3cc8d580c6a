"""Baseline for `bench/intake.py`: a bare FastAPI app with one POST endpoint and intake's body.

Parses and validates the same `ComplaintIn` model as `POST /v1/complaints` and answers 201 with
a small JSON; no auth, database, broker or telemetry. Run it as intake runs (one worker;
uvloop and httptools, which uvicorn picks by itself):

    .venv/bin/python -m uvicorn bench.bare_app:app --log-level warning --no-access-log
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI, status

from services.intake.entrypoints.schemas import ComplaintIn

app = FastAPI(title="SLRT bench: bare endpoint")


@app.post("/v1/complaints", status_code=status.HTTP_201_CREATED)
async def create_complaint(body: ComplaintIn) -> dict[str, str]:
    return {"id": str(uuid.uuid4()), "status": "registered", "village_code": body.village_code}
