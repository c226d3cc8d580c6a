"""Event contracts: committed schemas, golden samples, personal-data marks, topic naming."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from contracts import ALL_CONTRACTS, PERSONAL, Contract, agency_topic, all_topics, dlq
from contracts.schema import (
    SAMPLE_DIR,
    SCHEMA_DIR,
    build_schema,
    drift,
    expected_files,
    main,
    schema_name,
    write,
)

PERSONAL_FIELDS = frozenset(
    {"nik", "kk_number", "name", "phone", "description", "contact_name", "contact_phone", "note",
     "address", "resolution_note", "withdrawal_reason", "comment"}
)
TOPIC = re.compile(r"^slrt\.(?P<domain>[a-z][a-z0-9-]*)\.(?P<event>[a-z][a-z0-9-]*)\.v(?P<n>\d+)$")
AGENCY_TOPIC = re.compile(r"^slrt\.agency\.[a-z][a-z0-9-]+\.referrals\.v(?P<n>\d+)$")
CLASS_VERSION = re.compile(r"V(?P<n>\d+)$")

by_name = pytest.mark.parametrize("model", ALL_CONTRACTS, ids=lambda m: m.__name__)


def sample(model: type[Contract]) -> dict[str, Any]:
    return json.loads((SAMPLE_DIR / schema_name(model)).read_text(encoding="utf-8"))


def properties(node: Any, where: str = "#") -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (location, field name, property schema) in a schema, $defs included."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            yield where, name, prop
        for key, child in node.items():
            yield from properties(child, f"{where}/{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from properties(child, f"{where}/{i}")


def covers(expected: Any, actual: Any) -> bool:
    """True when `actual` has every value of `expected` (extra keys in `actual` are allowed)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and covers(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(covers(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual)


# --- committed files ------------------------------------------------------------------------


def test_committed_schemas_match_models() -> None:
    assert drift() == [], "schemas drifted from the models: run `python -m contracts.schema`"


def test_schema_check_cli_passes() -> None:
    assert main(["--check"]) == 0


def test_drift_detects_changed_missing_and_stale_files(tmp_path: Path) -> None:
    assert write(tmp_path) == sorted(expected_files())
    first, second = sorted(expected_files())[:2]
    (tmp_path / first).write_text("{}\n", encoding="utf-8")
    (tmp_path / second).unlink()
    (tmp_path / "gone.v1.json").write_text("{}\n", encoding="utf-8")
    assert drift(tmp_path) == sorted([first, second, "gone.v1.json"])
    write(tmp_path)
    assert drift(tmp_path) == []


def test_every_contract_has_a_schema_and_a_sample() -> None:
    names = {schema_name(model) for model in ALL_CONTRACTS}
    assert len(names) == len(ALL_CONTRACTS)
    assert {p.name for p in SCHEMA_DIR.glob("*.json")} == names
    assert {p.name for p in SAMPLE_DIR.glob("*.json")} == names


def test_schema_files_are_canonical_json() -> None:
    for path in SCHEMA_DIR.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("}\n"), path.name
        assert (
            text
            == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )


@by_name
def test_schema_carries_topic_and_event_type(model: type[Contract]) -> None:
    schema = build_schema(model)
    assert schema["x-topic"] == model.topic
    assert schema["x-event-type"] == model.event_type
    assert schema["title"] == model.__name__


# --- golden samples -------------------------------------------------------------------------


@by_name
def test_sample_parses_and_reserialises(model: type[Contract]) -> None:
    payload = sample(model)
    event = model.model_validate(payload)
    dumped = json.loads(event.model_dump_json())
    assert covers(payload, dumped), "re-serialised JSON differs from the golden sample"
    assert model.model_validate(dumped) == event
    assert event.key()


@by_name
def test_unknown_fields_are_ignored(model: type[Contract]) -> None:
    payload = sample(model)
    extended = {**payload, "added_in_a_later_minor": {"x": 1}}
    event = model.model_validate_json(json.dumps(extended))
    assert event == model.model_validate(payload)
    assert "added_in_a_later_minor" not in json.loads(event.model_dump_json())


def test_unknown_fields_are_ignored_in_nested_parts() -> None:
    from contracts import ComplaintRegisteredV1

    payload = sample(ComplaintRegisteredV1)
    payload["complainant"] = {**payload["complainant"], "religion": "-"}
    event = ComplaintRegisteredV1.model_validate(payload)
    assert "religion" not in event.complainant.model_dump()


# --- model rules ----------------------------------------------------------------------------


def _models_within(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    yield model
    for field in model.model_fields.values():
        for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                yield from _models_within(arg)


@by_name
def test_models_and_their_parts_are_frozen(model: type[Contract]) -> None:
    for part in _models_within(model):
        assert part.model_config.get("frozen") is True, part.__name__
        assert part.model_config.get("extra") == "ignore", part.__name__
    event = model.model_validate(sample(model))
    first = next(iter(model.model_fields))
    with pytest.raises(ValidationError):
        setattr(event, first, getattr(event, first))


@by_name
def test_personal_fields_are_marked(model: type[Contract]) -> None:
    for where, name, prop in properties(build_schema(model)):
        marked = prop.get(PERSONAL) is True
        if name in PERSONAL_FIELDS:
            assert marked, f"{model.__name__} {where}/{name} holds personal data: use personal()"
        else:
            assert PERSONAL not in prop, (
                f"{model.__name__} {where}/{name} is marked but not personal"
            )


def test_personal_field_walk_sees_every_listed_name() -> None:
    seen = {name for m in ALL_CONTRACTS for _, name, _ in properties(build_schema(m))}
    assert seen >= PERSONAL_FIELDS


# --- topics ---------------------------------------------------------------------------------


@by_name
def test_topic_name_and_class_version_agree(model: type[Contract]) -> None:
    topic = model.topic
    if "{agency_id}" in topic:
        match = AGENCY_TOPIC.match(topic.format(agency_id="dinkes-3402"))
    else:
        match = TOPIC.match(topic)
    assert match, f"{topic!r} does not follow slrt.<domain>.<event>.v<N>"
    version = CLASS_VERSION.search(model.__name__)
    assert version, f"{model.__name__} must end in V<N>"
    assert version["n"] == match["n"]
    assert model.event_type.endswith(f".v{match['n']}")


def test_topics_and_event_types_are_unique() -> None:
    assert len({m.topic for m in ALL_CONTRACTS}) == len(ALL_CONTRACTS)
    assert len({m.event_type for m in ALL_CONTRACTS}) == len(ALL_CONTRACTS)


def test_agency_topic() -> None:
    assert agency_topic("dinkes-3402") == "slrt.agency.dinkes-3402.referrals.v1"
    assert agency_topic("disdukcapil-3402") == "slrt.agency.disdukcapil-3402.referrals.v1"


@pytest.mark.parametrize(
    "agency_id", ["", "d", "Dinkes-3402", "3402-dinkes", "dinkes_3402", "dinkes.3402", "a" * 64]
)
def test_agency_topic_rejects_bad_ids(agency_id: str) -> None:
    with pytest.raises(ValueError):
        agency_topic(agency_id)


def test_agency_topic_rejects_trailing_newline() -> None:
    with pytest.raises(ValueError):
        agency_topic("dinkes-3402\n")


def test_all_topics_include_dead_letters_and_agencies() -> None:
    topics = all_topics(["dinkes-3402"])
    core = {m.topic for m in ALL_CONTRACTS if "{" not in m.topic}
    assert core <= topics.keys()
    assert {dlq(t) for t in core} <= topics.keys()
    assert "slrt.agency.dinkes-3402.referrals.v1" in topics
    assert all(TOPIC.match(t.removesuffix(".dlq")) or AGENCY_TOPIC.match(t) for t in topics)
