"""What a desk form needs from intake without registering anything: the category taxonomy
in both languages, and a check of a complaint as it is being typed.

The check runs the same validation as registration (`validate_draft` and the caller's region)
on a body that may still be incomplete: the schema's complaints about it become issues too,
and every field that parsed still gets the domain's checks, so an operator learns that a NIK
is wrong before the description is written. Nothing is stored, numbered or published.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from contracts.vocabulary import Channel, Sector
from slrt.auth import Principal
from slrt.reference import plain_code

from ..domain.categories import SECTOR_LABELS, SECTOR_LABELS_EN, SUBCATEGORIES, SUBCATEGORIES_EN
from ..domain.complaint import FieldIssue, validate_draft
from ..entrypoints.schemas import ComplainantIn, ComplaintIn

#: Values standing in for required fields the body lacks or got wrong, so the other fields
#: can be checked; issues about a stand-in are never reported (the schema's issue is).
_STAND_IN: Mapping[str, Any] = {"channel": Channel.PUSKESOS, "village_code": "",
                                "category": Sector.OTHER, "description": "",
                                "consent_given": False, "name": ""}
#: A stand-in category makes any subcategory look wrong.
_DEPENDS_ON = {"subcategory": "category"}
_MAX_ROUNDS = 4


def taxonomy() -> list[dict[str, Any]]:
    """Sectors and their subcategories, in taxonomy order, labelled in Indonesian and English."""
    return [{"code": str(sector), "label": {"id": SECTOR_LABELS[sector],
                                            "en": SECTOR_LABELS_EN[sector]},
             "subcategories": [{"code": code, "label": {"id": label,
                                                        "en": SUBCATEGORIES_EN[sector][code]}}
                               for code, label in SUBCATEGORIES[sector].items()]}
            for sector in Sector]


@dataclass
class Check:
    errors: list[FieldIssue] = field(default_factory=list)
    warnings: list[FieldIssue] = field(default_factory=list)


def _stand_in(model: type[BaseModel], name: str) -> Any:
    info = model.model_fields[name]
    if info.is_required():
        return _STAND_IN[name]
    return info.get_default(call_default_factory=True)


def _patch(body: dict[str, Any], loc: tuple[Any, ...], kind: str) -> None:
    """Replaces (or, for a field the schema does not know, drops) what `loc` points at."""
    model: type[BaseModel] = ComplaintIn
    target = body
    if loc and loc[0] == "complainant" and len(loc) > 1:
        if not isinstance(body.get("complainant"), dict):
            body["complainant"] = {"name": ""}
        model, target, loc = ComplainantIn, body["complainant"], loc[1:]
    name = loc[0] if loc else None
    if not isinstance(name, str) or name not in model.model_fields or kind == "extra_forbidden":
        target.pop(name, None)  # type: ignore[arg-type]
    elif name == "complainant":
        target[name] = {"name": ""}
    else:
        target[name] = _stand_in(model, name)


def _parse(raw: Mapping[str, Any]) -> tuple[ComplaintIn, list[FieldIssue]]:
    """The body as a complaint, with stand-ins where it does not parse, and the schema's
    issues about it."""
    body = copy.deepcopy(dict(raw))
    found: list[FieldIssue] = []
    for _ in range(_MAX_ROUNDS):
        try:
            return ComplaintIn.model_validate(body), found
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(error["loc"])
                found.append(FieldIssue(".".join(str(p) for p in loc) or "body",
                                        error["type"], error["msg"]))
                _patch(body, loc, error["type"])
    # Unreachable with the stand-ins above; a plain stand-in body if it ever is.
    fallback = {"channel": _STAND_IN["channel"], "village_code": "", "category": Sector.OTHER,
                "description": "", "complainant": {"name": ""}, "consent_given": False}
    return ComplaintIn.model_validate(fallback), found


def _covered(path: str, broken: set[str]) -> bool:
    """Whether a domain issue at `path` is about a value the schema already refused."""
    if _DEPENDS_ON.get(path) in broken:
        return True
    return any(path == b or path.startswith(b + ".") or b.startswith(path + ".")
               for b in broken)


def check_complaint(raw: Mapping[str, Any], principal: Principal, now: dt.datetime) -> Check:
    """Every issue registration would raise about `raw`, and its warnings; stores nothing."""
    parsed, schema_issues = _parse(raw)
    broken = {i.field for i in schema_issues}
    checked = validate_draft(parsed.draft(), now)
    errors = [*schema_issues, *(i for i in checked.errors if not _covered(i.field, broken))]
    warnings = [i for i in checked.warnings if not _covered(i.field, broken)]
    # The region is checked whenever the village is known, not only on an otherwise valid
    # body: registration refuses it first of all (403).
    code = plain_code(parsed.village_code)
    if not any(i.field == "village_code" for i in errors) and not principal.can_see_region(code):
        errors.append(FieldIssue("village_code", "scope.region",
                                 f"Desa {code} di luar wilayah tugas Anda "
                                 f"({principal.region or 'nasional'})."))
    return Check(errors, warnings)
