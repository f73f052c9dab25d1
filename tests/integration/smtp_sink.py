"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts, for the
integration tests and the digest benchmark."""

import asyncio
import email
import email.policy
import logging
import socket
import threading
from dataclasses import dataclass

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO


@dataclass
class Received:
    recipients: list[str]
    content: bytes

    def parse(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)


class _Handler:
    def __init__(self, sink: "SmtpSink"):
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await self._pause()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._pause()
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def _pause(self):
        if self.sink.reply_delay:
            await asyncio.sleep(self.sink.reply_delay)

    async def handle_DATA(self, server, session, envelope):
        # Kept before the delay: a client killed while waiting for our "250" has still handed
        # the message over, the worst case for a sender that must not send twice.
        with self.sink.lock:
            self.sink.messages.append(Received(list(envelope.rcpt_tos), envelope.original_content))
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        await self._pause()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """`with SmtpSink(delay=0.1) as sink:` serves on sink.port (a free one unless given);
    sink.messages fills up. `delay` holds the answer to each message's end of data;
    `reply_delay` that and the answers to each sender and recipient too."""

    def __init__(self, *, delay: float = 0.0, port: int | None = None):
        self.delay = delay
        self.reply_delay = 0.0
        self.messages: list[Received] = []
        self.lock = threading.Lock()
        self.port = port or free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc_info):
        self.controller.stop()
