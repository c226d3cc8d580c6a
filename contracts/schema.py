"""Generate the committed JSON Schemas of the event contracts and detect drift.

`python -m contracts.schema` writes `contracts/schemas/<name>.json` for every contract;
`python -m contracts.schema --check` exits 1 and lists the files that differ from the models.

The schemas are generated in pydantic's *validation* mode: they describe what a consumer accepts,
which is what the compatibility rule ("within a version only optional fields are added") is
about: a field with a default is optional. (Pydantic can list defaulted fields as required in
serialization mode; for the current models both modes give the same document.)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .base import Contract
from .events import ALL_CONTRACTS

SCHEMA_DIR = Path(__file__).parent / "schemas"
SAMPLE_DIR = Path(__file__).parent / "samples"
EVENT_TYPE_PREFIX = "id.go.kemensos.slrt."
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_name(model: type[Contract]) -> str:
    """File name of a contract's schema and sample: its event type without the common prefix."""
    if not model.event_type.startswith(EVENT_TYPE_PREFIX):
        raise ValueError(f"{model.__name__}.event_type must start with {EVENT_TYPE_PREFIX!r}")
    return model.event_type.removeprefix(EVENT_TYPE_PREFIX) + ".json"


def build_schema(model: type[Contract]) -> dict[str, Any]:
    """The JSON Schema of one contract, with its topic and CloudEvents type as `x-` keys."""
    schema = model.model_json_schema(mode="validation")
    return {"$schema": DIALECT, **schema, "x-event-type": model.event_type, "x-topic": model.topic}


def render(model: type[Contract]) -> str:
    """Canonical text of a schema file: indented, sorted keys, trailing newline."""
    return json.dumps(build_schema(model), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_files(models: Sequence[type[Contract]] = ALL_CONTRACTS) -> dict[str, str]:
    """File name -> expected text, for every contract."""
    return {schema_name(model): render(model) for model in models}


def drift(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of schema files that are missing, different, or belong to no contract."""
    expected = expected_files()
    present = {p.name for p in directory.glob("*.json")} if directory.is_dir() else set()
    changed = [
        name
        for name, text in expected.items()
        if name not in present or (directory / name).read_text(encoding="utf-8") != text
    ]
    return sorted(changed + sorted(present - expected.keys()))


def write(directory: Path = SCHEMA_DIR) -> list[str]:
    """Write every schema, remove schemas of contracts that no longer exist; return changes."""
    changed = drift(directory)
    directory.mkdir(parents=True, exist_ok=True)
    expected = expected_files()
    for name in changed:
        path = directory / name
        if name in expected:
            path.write_text(expected[name], encoding="utf-8")
        else:
            path.unlink()
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contracts.schema", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report drift, exit 1 if any")
    args = parser.parse_args(argv)
    if args.check:
        changed = drift()
        for name in changed:
            print(f"drifted: {SCHEMA_DIR.name}/{name}", file=sys.stderr)
        if changed:
            print("run `python -m contracts.schema` and commit the result", file=sys.stderr)
        return 1 if changed else 0
    for name in write():
        print(f"wrote: {SCHEMA_DIR.name}/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
