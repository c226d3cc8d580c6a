"""Registry's own tables. The only database in SLRT that stores NIK in clear."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
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
)

from slrt.outbox import plumbing_tables
from slrt.sqltypes import UtcDateTime

metadata = MetaData()
outbox, inbox, service_meta = plumbing_tables(metadata)

households = Table(
    "households",
    metadata,
    Column("household_id", String(36), primary_key=True),
    Column("kk_number", String(16), index=True),
    Column("village_code", String(10), nullable=False, index=True),
    Column("address", Text, nullable=False),
    Column("welfare_decile", Integer, nullable=False),
    Column("source", String(40), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

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
)

participations = Table(
    "participations",
    metadata,
    Column("household_id", String(36), ForeignKey("households.household_id"), primary_key=True),
    Column("program", String(20), primary_key=True),
    Column("status", String(10), nullable=False),
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
)

Index("ix_members_village_name", members.c.name_normalized)
