"""Delivery channels: email over SMTP, HMAC-signed webhooks, an SMS gateway over HTTP.

Each `send` either returns (delivered) or raises `DeliveryError` with a reason safe to store and
show to a manager (no addresses, no message text). Retries and backoff are the scheduler's: they
are persisted, so they survive restarts. Every delivery carries its id (webhook header, email
Message-ID, SMS reference), so a receiver can drop the rare repeat after a crash mid-send.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

import httpx

SIGNATURE_HEADER = "X-SLRT-Signature"
TIMESTAMP_HEADER = "X-SLRT-Timestamp"
DELIVERY_HEADER = "X-SLRT-Delivery"


class DeliveryError(Exception):
    """A delivery attempt failed; the message is the reason (safe to store)."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    delivery_id: str
    message_id: str
    kind: str
    recipient: str
    subject: str
    body: str
    link: str | None


class Channel(Protocol):
    async def send(self, address: str, message: Outgoing) -> None: ...


class SmtpEmail:
    """Plain-text mail through an SMTP server (the local sink in the embedded default)."""

    def __init__(self, host: str, port: int, sender: str, timeout_s: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout_s = host, port, sender, timeout_s

    def _send_blocking(self, address: str, message: Outgoing) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = address
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<{message.delivery_id}@slrt.notification>"
        mail[DELIVERY_HEADER] = message.delivery_id
        mail.set_content(message.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            smtp.send_message(mail)

    async def send(self, address: str, message: Outgoing) -> None:
        try:
            # smtplib is blocking; one short connection per mail in a worker thread.
            await asyncio.to_thread(self._send_blocking, address, message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"smtp: {type(exc).__name__}") from exc


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over `<timestamp>.<body>`, hex: the value of the signature header."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class Webhook:
    """POST the message as JSON, signed with the shared secret (headers above)."""

    def __init__(self, client: httpx.AsyncClient, secret: str) -> None:
        self.client, self.secret = client, secret

    async def send(self, address: str, message: Outgoing) -> None:
        body = json.dumps({"delivery_id": message.delivery_id, "message_id": message.message_id,
                           "kind": message.kind, "recipient": message.recipient,
                           "subject": message.subject, "text": message.body,
                           "link": message.link}).encode()
        stamp = str(int(time.time()))
        headers = {"content-type": "application/json", TIMESTAMP_HEADER: stamp,
                   SIGNATURE_HEADER: signature(self.secret, stamp, body),
                   DELIVERY_HEADER: message.delivery_id}
        await _post(self.client, address, body, headers, "webhook")


class SmsGateway:
    """An HTTP SMS gateway: POST {to, text, reference} to a configured URL."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self.client, self.url = client, url

    async def send(self, address: str, message: Outgoing) -> None:
        text = f"{message.subject} {message.link or ''}".strip()[:300]
        body = json.dumps({"to": address, "text": text,
                           "reference": message.delivery_id}).encode()
        await _post(self.client, self.url, body, {"content-type": "application/json"}, "sms")


async def _post(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str],
                name: str) -> None:
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{name}: {type(exc).__name__}") from exc
    if not response.is_success:
        raise DeliveryError(f"{name}: HTTP {response.status_code}")
