"""The embedded default: a Tansu broker started as a subprocess, plus the helpers `slrt up` needs
(free ports, explicit topic creation, the broker-epoch marker that reveals a reset broker)."""

from slrt.embedded.broker import BrokerStartError, TansuBroker
from slrt.embedded.ports import PortInUse, ensure_ports_free, free_port, port_is_free
from slrt.embedded.topics import (
    EPOCH_TOPIC_PREFIX,
    TopicError,
    broker_epoch,
    ensure_broker_epoch,
    ensure_topics,
    verify_topics,
)

__all__ = [
    "EPOCH_TOPIC_PREFIX",
    "BrokerStartError",
    "PortInUse",
    "TansuBroker",
    "TopicError",
    "broker_epoch",
    "ensure_broker_epoch",
    "ensure_ports_free",
    "ensure_topics",
    "free_port",
    "port_is_free",
    "verify_topics",
]
