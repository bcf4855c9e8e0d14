"""An in-process SMTP server on loopback that stands in for the relay Sesame delivers to.

It keeps every message it accepts in memory (raw bytes exactly as received after the DATA
dot-unstuffing, which is what a DKIM verifier must see) and lets tests wait for one.

Scripted replies make the receiving side's decisions testable without a real MTA:

* a recipient whose local part is ``bounce`` is refused at RCPT with ``550 5.1.1`` (hard bounce);
* a recipient whose local part is ``tempfail`` is refused at RCPT with ``451 4.3.0`` (retryable).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Callable, Optional

from aiosmtpd.controller import Controller

BOUNCE_REPLY = "550 5.1.1 <{addr}>: Recipient address rejected: mailbox unavailable"
TEMPFAIL_REPLY = "451 4.3.0 <{addr}>: try again later"


@dataclasses.dataclass(frozen=True)
class Received:
    """One message as the sink accepted it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes


class _Handler:
    """aiosmtpd handler: decides RCPT replies and stores accepted messages."""

    def __init__(self, sink: "SmtpSink") -> None:
        self._sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        local = address.split("@", 1)[0].lower()
        if local == "bounce":
            return BOUNCE_REPLY.format(addr=address)
        if local == "tempfail":
            return TEMPFAIL_REPLY.format(addr=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self._sink._store(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=tuple(envelope.rcpt_tos),
                raw=envelope.original_content,
            )
        )
        return "250 2.0.0 OK: queued"


class SmtpSink:
    """A running SMTP sink; use as a context manager or call ``start``/``stop``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._requested_port = port
        self.port: Optional[int] = None
        self._controller: Optional[Controller] = None
        self._messages: list[Received] = []
        self._cond = threading.Condition()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "SmtpSink":
        port = self._requested_port or free_port(self.host)
        self._controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=port,
            # Messages with 4 MB of attachments are ~5.5 MB once base64-encoded in MIME.
            data_size_limit=64 * 1024 * 1024,
            ready_timeout=10.0,
        )
        self._controller.start()
        self.port = port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> "SmtpSink":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The relay URL to hand to Sesame (``SESAME_RELAY``)."""
        return f"smtp://{self.host}:{self.port}"

    # -- messages ----------------------------------------------------------------------------

    def _store(self, msg: Received) -> None:
        with self._cond:
            self._messages.append(msg)
            self._cond.notify_all()

    @property
    def messages(self) -> list[Received]:
        with self._cond:
            return list(self._messages)

    def wait_for(self, predicate: Callable[[Received], bool], timeout: float = 30.0) -> Received:
        """Returns the first stored message matching ``predicate``, waiting up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for msg in self._messages:
                    if predicate(msg):
                        return msg
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"no matching message within {timeout}s; sink holds {len(self._messages)}"
                    )
                self._cond.wait(remaining)

    def wait_for_rcpt(self, address: str, timeout: float = 30.0) -> Received:
        """Waits for a message whose envelope recipients include ``address``."""
        want = address.lower()
        return self.wait_for(lambda m: want in (r.lower() for r in m.rcpt_tos), timeout)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the kernel's pick; a tiny race is acceptable)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]
