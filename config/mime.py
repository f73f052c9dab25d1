"""An email with a plain-text body and an HTML alternative, written to bytes in one pass.

Django's EmailMultiAlternatives builds a tree of email.message objects and the email package's
generator writes it out: about 0.7 ms for a digest, most of it spent on general machinery (each
part's payload re-encoded and checked, every header re-parsed, the parts written to buffers of
their own). `AlternativesEmail.as_bytes()` writes the same bytes directly: each header value
is prepared by Django's own check (forbid_multi_line_headers) and folded by the email package's
policy, as the generator does, and only the framing (the parts, their headers, the boundaries)
is written here. tests/test_email_bytes.py compares the two byte for byte; anything outside
what this writes (attachments, several alternatives, another charset, a line too long for
8bit, Cc or Reply-To) is left to Django.

The SMTP backend (config.mail) sends an AlternativesEmail as these bytes; other backends
(console, locmem in tests) use `message()`, Django's tree, with the same boundary and policy.
"""

import secrets
from email.policy import Compat32
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, forbid_multi_line_headers
from django.core.mail.utils import DNS_NAME

CRLF = "\r\n"


class OneLineHeaders(Compat32):
    """Django's policy for messages (compat32), writing a header that is plain ASCII on a line
    of at most 78 characters as it is. compat32 passes every header through an email.header.Header
    to fold and encode it, which leaves such a header unchanged and cost a tenth of a digest's
    CPU; long and non-ASCII headers are still folded and encoded by it."""

    def _fold(self, name, value, sanitize):
        if (
            isinstance(value, str)
            and value.isascii()
            and "\r" not in value
            and "\n" not in value
            and (not self.max_line_length or len(name) + 2 + len(value) <= self.max_line_length)
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


ONE_LINE_HEADERS = OneLineHeaders()
_WIRE_POLICY = ONE_LINE_HEADERS.clone(linesep=CRLF)  # as the SMTP backend asks for (as_bytes)

# Headers message() sets itself, from the message's fields, whatever extra_headers say.
_OWN_HEADERS = {"from", "to", "cc", "reply-to"}


class AlternativesEmail(EmailMultiAlternatives):
    """EmailMultiAlternatives whose boundary is chosen with a plain search of its parts, and
    which the SMTP backend sends as as_bytes(). Left to the email package, the boundary is
    checked with a regular expression compiled for that one boundary."""

    def message(self):
        message = super().message()
        message.policy = ONE_LINE_HEADERS
        boundary = self._boundary([part.get_payload() for part in message.get_payload()])
        message.set_boundary(boundary)
        return message

    @staticmethod
    def _boundary(parts) -> str:
        while True:
            boundary = f"==============={secrets.token_hex(12)}=="
            if not any(f"--{boundary}" in part for part in parts):
                return boundary

    def as_bytes(self) -> bytes:
        """The message as the SMTP backend sends it: what message().as_bytes(linesep="\\r\\n")
        gives (but for Date, Message-ID and the boundary, chosen afresh each time)."""
        parts = self._parts()
        if parts is None:
            return self.message().as_bytes(linesep=CRLF)
        boundary = self._boundary([self.body, self.alternatives[0].content]).encode()
        headers = b"".join(_header(name, value) for name, value in self._headers(boundary=boundary.decode()))
        text, html = parts
        return b"".join(
            [headers, b"\r\n--", boundary, b"\r\n", text, b"\r\n--", boundary, b"\r\n", html]
            + [b"\r\n--", boundary, b"--\r\n"]
        )

    def _parts(self) -> tuple[bytes, bytes] | None:
        """The text and HTML parts as written, or None for a message as_bytes() leaves to
        Django: anything but a text body and one HTML alternative in UTF-8, without Cc or
        Reply-To, whose lines all fit in 8bit."""
        names = {name.lower() for name in self.extra_headers}
        if (
            (self.encoding or settings.DEFAULT_CHARSET) != "utf-8"
            or self.attachments
            or self.cc
            or self.reply_to
            or names & {"cc", "reply-to"}
            or not isinstance(self.body, str)
            or not self.body
            or len(self.alternatives) != 1
            or self.alternatives[0].mimetype != "text/html"
            or not isinstance(self.alternatives[0].content, str)
        ):
            return None
        text, html = _text_part("plain", self.body), _text_part("html", self.alternatives[0].content)
        return None if text is None or html is None else (text, html)

    def _headers(self, *, boundary: str) -> list[tuple[str, str]]:
        """The message's headers in the order message() sets them."""
        headers = [
            ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
            ("MIME-Version", "1.0"),
            ("Subject", self.subject),
            ("From", self.extra_headers.get("From", self.from_email)),
        ]
        if "To" in self.extra_headers:
            headers.append(("To", self.extra_headers["To"]))
        elif self.to:
            headers.append(("To", ", ".join(str(address) for address in self.to)))
        names = {name.lower() for name in self.extra_headers}
        if "date" not in names:
            headers.append(("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)))
        if "message-id" not in names:
            headers.append(("Message-ID", make_msgid(domain=DNS_NAME)))
        headers += [
            (name, value) for name, value in self.extra_headers.items() if name.lower() not in _OWN_HEADERS
        ]
        return headers


def _text_part(subtype: str, text: str) -> bytes | None:
    """A text part in UTF-8, its headers and its body with CRLF line ends, or None when a line
    is too long for 8bit (Django then encodes the part as quoted-printable)."""
    content = text.encode("utf-8")
    if max(map(len, content.splitlines()), default=0) > RFC5322_EMAIL_LINE_LENGTH_LIMIT:
        return None
    encoding = "7bit" if content.isascii() else "8bit"
    content = content.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nMIME-Version: 1.0\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode() + content


def _header(name: str, value) -> bytes:
    """One header as message().as_bytes() writes it: the value checked (and encoded, for a
    subject or a non-ASCII value) by Django, then folded by the policy."""
    name, value = forbid_multi_line_headers(name, value, "utf-8")
    return _WIRE_POLICY.fold_binary(name, value)
