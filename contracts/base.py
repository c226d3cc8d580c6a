"""Base of every event contract: frozen, tolerant of unknown fields, personal data marked."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

#: JSON-Schema keyword that marks a field holding personal data (UU PDP).
PERSONAL = "x-personal-data"


def personal(description: str, **kwargs: Any) -> Any:
    """A pydantic Field holding personal data: marked in the JSON Schema, never logged or traced."""
    return Field(description=description, json_schema_extra={PERSONAL: True}, **kwargs)


class Contract(BaseModel):
    """Frozen payload. Unknown fields are ignored, so optional additions stay compatible."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    #: Topic this event type travels on (one topic per event type and major version).
    topic: ClassVar[str]
    #: CloudEvents `type`, e.g. "id.go.kemensos.slrt.complaint.registered.v1".
    event_type: ClassVar[str]

    def key(self) -> str:
        """Kafka key: the aggregate id, so one aggregate's events stay in order."""
        raise NotImplementedError


class Part(BaseModel):
    """A nested value object inside a contract."""

    model_config = ConfigDict(frozen=True, extra="ignore")
