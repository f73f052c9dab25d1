"""The SMTP backend, with a hook at the one moment a message changes hands.

An SMTP server takes responsibility for a message when it receives the end of its data (the
line holding a single "."), and discards a message whose data never ended. So a sender that
records "handed over" just before that line, and not before the whole exchange, leaves only one
thing unknowable when it dies: whether a message whose end was sent was accepted. Everything
before it (connecting, the envelope, the content) can be retried without a second copy.

`EmailBackend.before_end_of_data`, when set, is called with no arguments after the content is
sent and before the end of data; if it raises, the connection is dropped mid-message, which
the server treats as never sent.

An AlternativesEmail (config.mime) is sent as the bytes it writes itself, to the addresses its
envelope names (envelope_address: Django's sanitize_address, which a plain address passes
unchanged, without parsing one).
"""

import re
import smtplib
import socket
from functools import lru_cache

from django.conf import settings
from django.core.mail.backends import smtp
from django.core.mail.message import sanitize_address

from config.mime import AlternativesEmail

CRLF = b"\r\n"
LINE_START_DOT = re.compile(rb"(?m)^\.")
# An address sanitize_address leaves as it is: a dot-atom local part at a domain of ASCII
# labels (of at most 63 characters, which IDNA requires), with no display name.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]{{1,63}}(?:\.[A-Za-z0-9-]{{1,63}})*")


def envelope_address(address, encoding: str) -> str:
    """sanitize_address(address, encoding), which Django's backend applies to the sender and
    each recipient (a string, or a (name, address) pair): 0.07 ms an address, spent parsing
    it, which a plain one skips."""
    if isinstance(address, str) and PLAIN_ADDRESS.fullmatch(address):
        return address
    return _sanitized(address, encoding)


@lru_cache(maxsize=64)  # the sender: the same few addresses for every message
def _sanitized(address: str, encoding: str) -> str:
    return sanitize_address(address, encoding)


class HandOverSMTP(smtplib.SMTP):
    before_end_of_data = None

    def _get_socket(self, host, port, timeout):
        """The socket with Nagle's algorithm off. SMTP is a conversation of short writes, and
        the end of data is a second write right after the content: held back until the server
        acknowledges the content, which it delays (up to 40 ms on Linux), it cost every message
        that long."""
        sock = super()._get_socket(host, port, timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def data(self, msg):
        """smtplib's DATA command, with the end of data sent on its own after the hook."""
        hook = self.before_end_of_data
        if hook is None:
            return super().data(msg)
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = msg.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n").encode("ascii")
        content = LINE_START_DOT.sub(b"..", msg)  # RFC 5321 4.5.2: a line's leading dot is doubled
        if not content.endswith(CRLF):
            content += CRLF
        self.send(content)
        try:
            hook()
        except BaseException:
            self.close()  # the data never ends: the server discards the message
            raise
        self.send(b"." + CRLF)
        return self.getreply()  # sendmail() raises on anything but 250, as for smtplib's own


class HandOverSMTPSSL(HandOverSMTP, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    """Django's SMTP backend; see the module docstring for `before_end_of_data`."""

    before_end_of_data = None

    @property
    def connection_class(self):
        return HandOverSMTPSSL if self.use_ssl else HandOverSMTP

    def _send(self, email_message):
        if self.connection is not None:
            self.connection.before_end_of_data = self.before_end_of_data
        try:
            if isinstance(email_message, AlternativesEmail):
                return self._send_written(email_message)
            return super()._send(email_message)
        finally:
            if self.connection is not None:
                self.connection.before_end_of_data = None

    def _send_written(self, email_message: AlternativesEmail) -> bool:
        """Django's _send for a message that writes its own bytes (config.mime)."""
        recipients = email_message.recipients()
        if not recipients:
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = envelope_address(email_message.from_email, encoding)
        recipients = [envelope_address(address, encoding) for address in recipients]
        try:
            self.connection.sendmail(from_email, recipients, email_message.as_bytes())
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
