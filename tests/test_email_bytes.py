"""An AlternativesEmail (config.mime) writes, and the SMTP backend sends, the very bytes Django's
EmailMultiAlternatives writes for the same email: headers folded and encoded alike (non-ASCII
subjects, names and addresses, long values), 7bit, 8bit and quoted-printable bodies, every kind
of line end."""

import pytest
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import sanitize_address

from config import mail, mime
from tests.integration.smtp_sink import SmtpSink

BOUNDARY = "===============0123456789abcdef01234567=="
DATE = "Sun, 06 Dec 2026 06:34:01 -0000"
MESSAGE_ID = "<179653884126.11742.13397388065285318978@stepwise.example>"

UNSUBSCRIBE = "<https://stepwise.example/digest/unsubscribe/1:spBVlP2SljfCm0MSjG-12nmhBZDDjz38v6NjO8Cln3Q/>"
DIGEST_HEADERS = {
    "List-Unsubscribe": UNSUBSCRIBE,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Auto-Submitted": "auto-generated",
}
HTML = '<!doctype html>\n<html lang="en">\n<body><p>Hi <strong>Ana</strong> &amp; co.</p></body>\n</html>\n'

EMAILS = {
    "plain ASCII": {
        "subject": "3 replies and your next topic: Caching",
        "body": "Hi Ana,\n\nNext: Caching\n",
    },
    "a long ASCII subject": {
        "subject": "2 topics verified by a mentor, 14 replies, 3 mentions, 1 accepted answer and your next "
        "topic: Relational databases and how their query planners choose an index",
        "body": "Hi,\n",
    },
    "Spanish": {
        "subject": "Índices y consultas que tardan mucho más de lo que deberían en producción: tu próximo tema",
        "body": "Hola José Ñúñez,\n\nAquí está tu resumen semanal de Stepwise · 3 respuestas\n",
        "html": HTML.replace("Ana", "José Ñúñez").replace('lang="en"', 'lang="es"'),
        "headers": {**DIGEST_HEADERS, "Content-Language": "es"},
    },
    "German": {
        "subject": "3 Antworten und dein nächstes Thema: Größere Datenbanken über mehrere Server verteilen",
        "body": "Hallo Jürgen Groß,\n\nhier ist deine wöchentliche Stepwise-Übersicht.\n",
        "headers": {**DIGEST_HEADERS, "Content-Language": "de"},
    },
    "a non-ASCII sender name and recipient address": {
        "subject": "Résumé",
        "body": "Hi\n",
        "from_email": "Stépwise Ünïcode <hello@stepwise.example>",
        "to": ["josé@exämple.com", "Ana María <ana@example.com>"],
    },
    "a non-ASCII extra header": {
        "subject": "Hi",
        "body": "Hi\n",
        "headers": {"X-Topic": "Índices", "X-Long": "word " * 30},
    },
    "every kind of line end": {
        "subject": "Line ends",
        "body": "one\r\ntwo\rthree\nfour\r\r\nfive\n\n",
        "html": "<p>one</p>\r\n<p>two</p>\r<p>three</p>",
    },
    "leading dots and From": {
        "subject": "Dots",
        "body": ".one\n..two\nFrom here\n.\n",
        "html": ".<p>x</p>\n",
    },
    "a line of 998 bytes (8bit)": {"subject": "Long", "body": "x" * 998 + "\n" + "é" * 499 + "\n"},
    "a line of 999 bytes (quoted-printable)": {"subject": "Longer", "body": "x" * 999 + "\n"},
    "a long non-ASCII line (quoted-printable)": {"subject": "Longer", "body": "short\n", "html": "é" * 500},
    "an empty text body": {"subject": "Only HTML", "body": ""},
    "no trailing line end": {"subject": "End", "body": "no end", "html": "<p>no end</p>"},
    "Cc and Reply-To": {
        "subject": "Copies",
        "body": "Hi\n",
        "cc": ["cc@example.com"],
        "reply_to": ["r@example.com"],
    },
    "headers given for To, Date and Message-ID": {
        "subject": "Given",
        "body": "Hi\n",
        "headers": {"To": "Someone <someone@example.com>", "Date": DATE, "Message-ID": MESSAGE_ID},
    },
}


@pytest.fixture(autouse=True)
def _fixed_date_and_message_id(monkeypatch, settings):
    settings.DEFAULT_FROM_EMAIL = "Stepwise <hello@stepwise.example>"
    for module in (mime, __import__("django.core.mail.message", fromlist=["message"])):
        monkeypatch.setattr(module, "formatdate", lambda localtime=False: DATE)
        monkeypatch.setattr(module, "make_msgid", lambda domain=None: MESSAGE_ID)
    monkeypatch.setattr(mime.secrets, "token_hex", lambda size: BOUNDARY[15:-2])


def fields(case: dict) -> dict:
    return {
        "subject": case["subject"],
        "body": case["body"],
        "from_email": case.get("from_email"),
        "to": case.get("to", ["ana@example.com"]),
        "cc": case.get("cc"),
        "reply_to": case.get("reply_to"),
        "headers": case.get("headers", DIGEST_HEADERS),
    }


def as_django_writes_it(case: dict) -> bytes:
    email = EmailMultiAlternatives(**fields(case))
    email.attach_alternative(case.get("html", HTML), "text/html")
    message = email.message()
    message.set_boundary(BOUNDARY)
    return message.as_bytes(linesep="\r\n")


def alternatives_email(case: dict) -> mime.AlternativesEmail:
    email = mime.AlternativesEmail(**fields(case))
    email.attach_alternative(case.get("html", HTML), "text/html")
    return email


@pytest.mark.parametrize("name", EMAILS)
def test_an_email_is_written_as_django_writes_it(name):
    assert alternatives_email(EMAILS[name]).as_bytes() == as_django_writes_it(EMAILS[name])


@pytest.mark.parametrize("name", EMAILS)
def test_its_message_is_written_as_django_writes_it(name):
    assert alternatives_email(EMAILS[name]).message().as_bytes(linesep="\r\n") == as_django_writes_it(
        EMAILS[name]
    )


def test_the_boundary_is_not_a_line_of_the_content(monkeypatch):
    tokens = iter(["0" * 24, "1" * 24])
    monkeypatch.setattr(mime.secrets, "token_hex", lambda size: next(tokens))
    case = {"subject": "Boundary", "body": f"a line\n--==============={'0' * 24}==\n"}
    written = alternatives_email(case).as_bytes()
    assert f'boundary="==============={"1" * 24}=="'.encode() in written


@pytest.mark.parametrize(
    "address",
    [
        "ana@example.com",
        "ana.maria+digest@mail.example.co.uk",
        "o'brien@example.com",
        "UPPER.Case@Example.COM",
        "Stepwise <hello@stepwise.example>",
        '"quoted local"@example.com',
        "josé@example.com",
        "ana@exämple.com",
        "a..b@example.com",
        "ana@" + "x" * 63 + ".example.com",
        "ana@" + "x" * 64 + ".example.com",
        ("Ana María", "ana@example.com"),
    ],
)
def test_an_envelope_address_is_what_django_would_use(address):
    assert outcome(mail.envelope_address, address) == outcome(sanitize_address, address)


def outcome(sanitize, address: str) -> str:
    try:
        return sanitize(address, "utf-8")
    except ValueError as error:
        return f"ValueError: {error}"


def test_the_smtp_backend_sends_those_bytes(settings):
    settings.EMAIL_BACKEND = "config.mail.EmailBackend"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    case = EMAILS["Spanish"]
    with SmtpSink() as sink:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
        with get_connection() as connection:
            connection.send_messages(
                [alternatives_email(case), alternatives_email(EMAILS["leading dots and From"])]
            )
    assert [received.content for received in sink.messages] == [
        as_django_writes_it(case),
        as_django_writes_it(EMAILS["leading dots and From"]),
    ]
    assert sink.messages[0].recipients == ["ana@example.com"]
