"""Message texts in Bahasa Indonesia, rendered with Jinja2 from templates in `templates/`.

A message names the case number, what is due and when (local time of the recipient), and a link:
never a NIK, a name or a phone number of the complainant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..domain.hours import zone
from ..domain.schedule import Step

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parents[1] / "templates"),
                   undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_WHAT = {"accept": "penerimaan", "resolve": "penyelesaian"}
_ZONE_ABBR = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


@dataclass(frozen=True, slots=True)
class Text:
    subject: str
    body: str


def local_time(at: dt.datetime, tz: str) -> str:
    local = at.astimezone(zone(tz))
    return f"{local:%d-%m-%Y %H:%M} {_ZONE_ABBR.get(tz, tz)}"


def reminder_text(step: Step, kind: str, complaint_number: str, agency_id: str,
                  due_at: dt.datetime, tz: str, link: str, policy_version: str) -> Text:
    what = _WHAT.get(kind, kind)
    body = _ENV.get_template("reminder.j2").render(
        step=step, what=what, complaint_number=complaint_number, agency_id=agency_id,
        due_local=local_time(due_at, tz), link=link, policy_version=policy_version)
    if step.is_escalation:
        subject = (f"[SLRT] Eskalasi: rujukan {complaint_number} terlambat "
                   f"{step.days_overdue} hari kerja")
    elif step.days_overdue < 0:
        subject = f"[SLRT] Pengingat tenggat {what} rujukan {complaint_number}"
    elif step.days_overdue == 0:
        subject = f"[SLRT] Hari ini tenggat {what} rujukan {complaint_number}"
    else:
        subject = f"[SLRT] Rujukan {complaint_number} terlambat {step.days_overdue} hari kerja"
    return Text(subject, body)


def digest_text(agency_id: str, day: dt.date, items: list[dict[str, Any]],
                policy_version: str) -> Text:
    body = _ENV.get_template("digest.j2").render(agency_id=agency_id, day=f"{day:%d-%m-%Y}",
                                                 items=items, policy_version=policy_version)
    return Text(f"[SLRT] Ringkasan harian: {len(items)} rujukan terlambat", body)


def failure_text(subject: str, recipient: str, channel: str, attempts: int,
                 reason: str) -> Text:
    body = _ENV.get_template("delivery_failed.j2").render(
        subject=subject, recipient=recipient, channel=channel, attempts=attempts, reason=reason)
    return Text(f"[SLRT] Pengiriman gagal: {subject}"[:200], body)


def what(kind: str) -> str:
    return _WHAT.get(kind, kind)
