"""The SMTP backend, with a hook at the one moment a message changes hands.

An SMTP server takes responsibility for a message when it receives the end of its data (the
line holding a single "."), and discards a message whose data never ended. So a sender that
records "handed over" just before that line, and not before the whole exchange, leaves only one
thing unknowable when it dies: whether a message whose end was sent was accepted. Everything
before it (connecting, the envelope, the content) can be retried without a second copy.

`EmailBackend.before_end_of_data`, when set, is called with no arguments after the content is
sent and before the end of data; if it raises, the connection is dropped mid-message, which
the server treats as never sent.
"""

import re
import smtplib
import socket

from django.core.mail.backends import smtp

CRLF = b"\r\n"
LINE_START_DOT = re.compile(rb"(?m)^\.")


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
            return super()._send(email_message)
        finally:
            if self.connection is not None:
                self.connection.before_end_of_data = None
