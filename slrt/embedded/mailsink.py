"""The embedded default's SMTP sink: accepts every mail on a local port and appends it to an
mbox file under the data folder, where `slrt up` says it can be read (any mail reader opens it;
`slrt mail` prints it).

aiosmtpd's controller runs its own event loop in a thread, so the sink works beside the
synchronous stack and beside a test's event loop alike.
"""

from __future__ import annotations

import mailbox
import threading
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            box = mailbox.mbox(self.path)
            try:
                box.lock()
                box.add(message)
                box.flush()
            finally:
                box.unlock()
                box.close()
        return "250 Message accepted for delivery"


class MailSink:
    """A local SMTP server that keeps what it receives in `<folder>/reminders.mbox`."""

    def __init__(self, folder: Path, port: int, host: str = "127.0.0.1") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "reminders.mbox"
        self.host, self.port = host, port
        self._controller = Controller(_Handler(self.path), hostname=host, port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[Message]:
        return read_mbox(self.path)


def read_mbox(path: Path) -> list[Message]:
    if not path.exists():
        return []
    box = mailbox.mbox(path)
    try:
        return [message_from_bytes(m.as_bytes()) for m in box]
    finally:
        box.close()
