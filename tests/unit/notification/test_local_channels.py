"""`slrt up`'s stand-ins for agency channels: the demo contact book sends every agency's webhooks
to the local receiver, notification is configured for it, and the receiver journals each
delivery once."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from services.notification.domain.contacts import load_contacts, recipient_for
from slrt.embedded.ports import free_port
from slrt.embedded.receiver import DELIVERY_HEADER, Receiver
from slrt.embedded.stack import StackConfig, service_env, write_demo_contacts


def test_demo_agencies_get_webhooks_at_the_local_receiver(tmp_path: Path) -> None:
    cfg = StackConfig(tmp_path, ports={"notification": 8004}, webhook_port=18026)
    write_demo_contacts(cfg)
    book = load_contacts(cfg.contacts_file)
    dinkes = book.addresses(recipient_for("agency", "dinkes-3402"))
    assert dinkes.webhook == "http://127.0.0.1:18026/hooks/dinkes-3402"
    assert dinkes.sms and dinkes.email  # the demo book's own addresses are kept
    env = service_env(cfg, "notification", tmp_path / "key.pem")
    assert env["SLRT_NOTIFICATION_SMS_GATEWAY_URL"] == "http://127.0.0.1:18026/sms"
    assert env["SLRT_NOTIFICATION_WEBHOOK_SECRET"] == cfg.webhook_secret
    assert env["SLRT_NOTIFICATION_CONTACTS_FILE"] == str(cfg.contacts_file.resolve())


def test_receiver_journals_each_delivery_once(tmp_path: Path) -> None:
    journal = tmp_path / "webhooks" / "received.jsonl"
    receiver = Receiver(port=free_port(), journal=journal).start()
    try:
        body = {"delivery_id": "d-1", "subject": "[SLRT] Pengingat", "text": "..."}
        for _ in range(2):  # a repeat after a sender's crash is answered and dropped
            answer = httpx.post(receiver.url + "/hooks/dinsos-3402", json=body,
                                headers={DELIVERY_HEADER: "d-1"})
            assert answer.status_code == 204
    finally:
        receiver.stop()
    lines = [json.loads(line) for line in journal.read_text("utf-8").splitlines()]
    assert len(lines) == 1
    assert lines[0]["path"] == "/hooks/dinsos-3402" and lines[0]["delivery_id"] == "d-1"
    assert lines[0]["received_at"]
