"""Registry's own tables. The only database in SLRT that stores NIK in clear.

Lookups the registry must answer fast, and the index behind each: NIK (`ix_members_nik`), KK
(`ix_households_kk_number` for the head's card, `ix_members_kk_number` for every card), name in
a village (`ix_members_village_name` on the village code copied onto members), nearest
households (`ix_households_location`: a latitude range scan, longitude filtered, then exact
distances on the few rows left; works the same on SQLite and PostgreSQL).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

from slrt.outbox import plumbing_tables
from slrt.sqltypes import UtcDateTime

metadata = MetaData()
outbox, inbox, service_meta = plumbing_tables(metadata)
# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
_BigId = BigInteger().with_variant(Integer(), "sqlite")
_false = false()

households = Table(
    "households",
    metadata,
    Column("household_id", String(36), primary_key=True),
    Column("kk_number", String(16), index=True),  # the head's family card
    Column("village_code", String(10), nullable=False, index=True),
    Column("address", Text, nullable=False),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("floor", String(20)),
    Column("wall", String(20)),
    Column("roof", String(20)),
    Column("water_source", String(20)),
    Column("sanitation", String(20)),
    Column("electricity", String(20)),
    Column("welfare_decile", Integer, nullable=False),
    Column("registry_status", String(12), nullable=False, server_default="active"),
    Column("source", String(40), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_households_location", households.c.latitude, households.c.longitude)

members = Table(
    "members",
    metadata,
    Column("member_id", String(36), primary_key=True),
    Column("household_id", String(36), ForeignKey("households.household_id"), nullable=False,
           index=True),
    Column("nik", String(16), index=True),
    Column("name", String(200), nullable=False),
    Column("name_normalized", String(200), nullable=False),
    Column("sex", String(1), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("relation", String(20), nullable=False),
    Column("school_enrolled", Boolean, nullable=False),
    Column("disability", Boolean, nullable=False),
    Column("chronic_illness", Boolean, nullable=False),
    Column("deceased", Boolean, nullable=False),
    Column("kk_number", String(16), index=True),
    Column("no_nik", Boolean, nullable=False, server_default=_false),
    Column("marital_status", String(12)),
    Column("pregnant", Boolean, nullable=False, server_default=_false),
    Column("school_level", String(20)),
    Column("occupation", String(30)),
    # A copy of the household's village, so that a name is looked up within a village by one
    # index; the repository and the import keep it equal to the household's.
    Column("village_code", String(10), nullable=False),
)
Index("ix_members_village_name", members.c.village_code, members.c.name_normalized)

participations = Table(
    "participations",
    metadata,
    Column("household_id", String(36), ForeignKey("households.household_id"), primary_key=True),
    Column("program", String(20), primary_key=True),
    Column("status", String(10), nullable=False),
    Column("since", Date),
    Column("until", Date),
)

#: Every change of registry data: who, when, why, and what (one row per changed field; one row
#: with `field` NULL for a record created or removed, its summary in `new` or `old`).
changes = Table(
    "changes",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("household_id", String(36), nullable=False),
    Column("entity", String(20), nullable=False),  # household, member, participation
    Column("entity_id", String(36), nullable=False),  # member id, program code, household id
    Column("field", String(40)),
    Column("old", JSON),
    Column("new", JSON),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    Column("context", String(80)),  # e.g. import:<run id>, proposal:<id>
)
Index("ix_changes_household", changes.c.household_id, changes.c.id)

#: One bulk import of one file (by content hash): where it got to, so a re-run continues.
import_runs = Table(
    "import_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("file_sha256", String(64), nullable=False, index=True),
    Column("file_name", Text, nullable=False),
    Column("status", String(12), nullable=False),  # running, finished
    Column("next_row", Integer, nullable=False),  # first row not yet committed
    Column("rows_read", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    # Index and foreign key definitions dropped for a bulk load and still to be rebuilt.
    Column("deferred_ddl", JSON),
)

#: Rows an import refused, with every reason; the report is written from here.
import_rejections = Table(
    "import_rejections",
    metadata,
    Column("run_id", String(36), ForeignKey("import_runs.run_id"), primary_key=True),
    Column("row_number", Integer, primary_key=True),
    Column("problems", JSON, nullable=False),  # [{"field", "rule", "message"}]
    Column("row_values", JSON, nullable=False),  # the row as read, for the report
)

assessments = Table(
    "assessments",
    metadata,
    Column("complaint_id", String(36), primary_key=True),
    Column("household_id", String(36)),
    Column("match_method", String(30), nullable=False),
    Column("match_confidence", Float, nullable=False),
    Column("match_reason", Text, nullable=False),
    Column("rules_version", String(40), nullable=False),
    Column("needs", JSON, nullable=False),
    Column("assessed_at", UtcDateTime, nullable=False),
    # The complaint's village and the programs of its program needs (`domain/exclusion.py`),
    # so exclusion errors are counted per village in SQL; NULL village: unknown (before 0004).
    Column("village_code", String(10)),
    Column("eligible_programs", String(100)),
)
Index("ix_assessments_village_assessed", assessments.c.village_code, assessments.c.assessed_at)

#: Blocking keys of member names (`names.name_keys`: one consonant skeleton per token plus the
#: joined name), so that a typo-tolerant name search reads a few index entries instead of every
#: member of a village or district. Ordered key first: one range per key serves a village
#: (equal code) and a district (code prefix) alike. Written with every member write.
name_keys = Table(
    "name_keys",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("village_code", String(10), primary_key=True),
    Column("member_id", String(36), primary_key=True),
    Column("household_id", String(36), nullable=False),
)
Index("ix_name_keys_member", name_keys.c.member_id)

#: Data update proposals (usulan) and their verivali: who and when per step, the household
#: version each was based on, and the details as JSON (`domain/proposal_codec.py`).
proposals = Table(
    "proposals",
    metadata,
    Column("proposal_id", String(36), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("state", String(12), nullable=False),
    Column("village_code", String(10), nullable=False, index=True),
    Column("household_id", String(36), index=True),
    Column("base_version", Integer),
    Column("details", JSON, nullable=False),
    Column("history", JSON, nullable=False),  # [{action, state, subject, role, at, note}]
    # One usulan per complaint: a complaint event seen twice makes it once.
    Column("source_complaint_id", String(36), unique=True),
    Column("rejection_reason", Text),
    Column("proposed_by", String(100), nullable=False),
    Column("proposed_at", UtcDateTime, nullable=False),
    Column("verified_by", String(100)),
    Column("verified_at", UtcDateTime),
    Column("approved_by", String(100)),
    Column("approved_at", UtcDateTime),
    Column("applied_by", String(100)),
    Column("applied_at", UtcDateTime),
    Column("applied_version", Integer),  # the household version the apply produced
    Column("rejected_by", String(100)),
    Column("rejected_at", UtcDateTime),
    # Row version: a step is written only over the state it was decided on.
    Column("row_version", Integer, nullable=False, server_default="1"),
    Column("updated_at", UtcDateTime, nullable=False),
)

#: Every read or change of personal data through the API: who, when, what kind of action and
#: which household. Search values themselves (NIK, names) are personal and are not kept.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("subject", String(100), nullable=False),
    Column("role", String(40), nullable=False),
    Column("action", String(40), nullable=False),  # e.g. search:name, read, proposal:apply
    Column("target", String(36)),  # household or proposal id; None for a search
    Column("results", Integer),
)
