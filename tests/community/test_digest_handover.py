"""A digest is recorded as handed over at the end of its data, against a real SMTP server
(aiosmtpd on loopback): a send interrupted before then is retried without a second copy, and
one whose answer never came is ambiguous and not resent."""

import socket

import pytest
from django.core.mail import EmailMessage, get_connection

from community import digest, mail_delivery, tasks
from community.models import DigestDelivery
from tests.community.test_digest_sending import learner_with_news
from tests.integration.smtp_sink import SmtpSink


@pytest.fixture
def sink(settings):
    with SmtpSink() as server:
        settings.EMAIL_BACKEND = "config.mail.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield server


def message(number: int = 1) -> EmailMessage:
    return EmailMessage(f"Digest {number}", ".leading dot\nbody\n", "from@example.com", ["to@example.com"])


def test_the_hand_over_is_recorded_after_the_content_and_before_the_end_of_data(sink):
    seen_by_server_at_hand_over = []
    with get_connection() as connection:
        connection.before_end_of_data = lambda: seen_by_server_at_hand_over.append(sink.count())
        connection.send_messages([message()])
    assert seen_by_server_at_hand_over == [0]  # the server had the content, not yet the message
    [received] = sink.messages
    assert received.parse().get_content().splitlines() == [".leading dot", "body"]  # dots unstuffed


def test_the_end_of_data_is_not_held_back_waiting_for_the_servers_acknowledgement(sink):
    """With Nagle's algorithm the end of data, a short write right after the content, waited for
    the server's delayed acknowledgement of the content: up to 40 ms a message."""
    with get_connection() as connection:
        assert connection.connection.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        connection.send_messages([message(number) for number in range(3)])
    assert sink.count() == 3


def test_a_send_stopped_before_the_end_of_data_leaves_nothing_at_the_server(sink):
    def stop():
        raise RuntimeError("the claim was taken over")

    with get_connection() as connection:
        connection.before_end_of_data = stop
        with pytest.raises(RuntimeError):
            connection.send_messages([message(1)])
    with get_connection() as connection:
        connection.send_messages([message(2)])
    assert [received.parse()["Subject"] for received in sink.messages] == ["Digest 2"]


@pytest.mark.django_db
def test_a_digest_is_marked_sent_with_its_hand_over_time(sink):
    user = learner_with_news()
    tasks.send_digest_batch([user.pk])
    delivery = DigestDelivery.objects.get(user=user)
    assert (delivery.status, sink.count()) == ("sent", 1)
    assert delivery.sending_at <= delivery.sent_at


@pytest.mark.django_db
def test_a_claim_taken_over_before_the_end_of_data_is_not_sent(sink, monkeypatch):
    """The sweep (or a retry) took the claim while the content was going out: the old worker
    drops the message before handing it over, and sends the rest of its batch."""
    first, second = learner_with_news(), learner_with_news()
    original = mail_delivery.Claim.update_if_ours

    def taken_over_for_first(claim, **fields):
        if "sending_at" in fields and DigestDelivery.objects.filter(pk=claim.pk, user=first).exists():
            DigestDelivery.objects.filter(pk=claim.pk).update(attempts=claim.attempts + 1)
        return original(claim, **fields)

    monkeypatch.setattr(mail_delivery.Claim, "update_if_ours", taken_over_for_first)
    result = digest.send_digests(user_ids=[first.pk, second.pk])
    assert result.counts == {"taken": 1, "sent": 1}
    assert [received.recipients for received in sink.messages] == [[second.email]]
    assert DigestDelivery.objects.get(user=first).sending_at is None


@pytest.mark.django_db
def test_a_digest_whose_answer_never_comes_is_ambiguous_and_not_resent(sink, settings, caplog):
    settings.DIGEST_SMTP_TIMEOUT = 0.5
    sink.delay = 2  # the server keeps the message and answers after the sender gave up
    user = learner_with_news()
    with pytest.raises(digest.DigestSendError):
        digest.send_digests(user_ids=[user.pk])
    delivery = DigestDelivery.objects.get(user=user)
    assert (delivery.status, delivery.will_retry) == ("failed", False)
    assert delivery.reason.startswith("ambiguous:")
    assert "may or may not have been accepted" in caplog.text
    sink.delay = 0
    assert digest.send_digests(user_ids=[user.pk]).counts == {"taken": 1}
    assert sink.count() == 1
