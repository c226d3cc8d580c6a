"""An applied usulan's field changes (`FieldChange`) as history and as event field names.

Writing the changed household records its field changes by comparing records; what that
comparison cannot see is a member who left (no record is written for them), so removals are
mapped to history `Change` rows here. Event consumers get field names only, never values.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from .history import MEMBER, Change
from .proposal_changes import FieldChange


def removals(household_id: uuid.UUID, changes: Iterable[FieldChange]) -> list[Change]:
    """History rows of members who left the household (a removal record, `field` None)."""
    return [Change(str(household_id), MEMBER, str(c.entity_id), None,
                   {"household_id": str(household_id)}, None)
            for c in changes if c.entity == "member" and c.field == "household_id"
            and c.old is not None and c.new is None]


def changed_fields(changes: Iterable[FieldChange]) -> list[str]:
    """Sorted, distinct `entity.field` names (e.g. member.deceased) for HouseholdUpdatedV1."""
    return sorted({f"{c.entity}.{c.field}" for c in changes})
