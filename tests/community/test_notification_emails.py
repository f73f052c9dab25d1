"""Notification emails, in process: what is emailed, when, how it reads, and what is not sent.
The same through a real worker and SMTP server: tests/integration/test_notification_email_worker.py."""

import re
import smtplib
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community import moderation, notification_emails, outbox, services
from community.models import Comment, EmailPreference, Notification, NotificationEmail
from community.notification_unsubscribe import unsubscribe_url
from tests.community.notification_mail import DELAY, WINDOW
from tests.factories import CommentFactory, TagFactory, ThreadFactory, UserFactory, build_roadmap

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("notification_mail")]


def later(seconds: float):
    return timezone.now() + timedelta(seconds=seconds)


def reply(thread, author, body="Have you tried select_related?", **fields):
    comment = services.create_comment(thread=thread, author=author, body=body, **fields)
    outbox.drain()
    return comment


def send(after: float = DELAY + 1):
    return notification_emails.send_due(now=later(after))


def emails_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def test_a_reply_sends_one_email_to_the_threads_author_once_the_delay_is_over(learner, other_learner):
    thread = ThreadFactory(author=other_learner, title="Why is my view slow?")
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner)
    send(after=DELAY - 5)
    assert mail.outbox == []
    send()
    send()
    [message] = mail.outbox
    assert message.to == [other_learner.email]
    assert message.subject == f"{learner.public_name} replied in “Why is my view slow?”"
    assert "Have you tried select_related?" in message.body
    assert "You get this email because someone replied to your post" in message.body
    assert NotificationEmail.objects.get().status == "sent"


def test_every_email_is_multipart_with_one_click_unsubscribe_headers(learner, other_learner):
    thread = ThreadFactory(author=other_learner)
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner)
    send()
    [message] = mail.outbox
    assert [mimetype for _, mimetype in message.alternatives] == ["text/html"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message.extra_headers["List-Unsubscribe"]
    assert link == f"<{unsubscribe_url(other_learner, 'reply')}>"
    assert link.startswith("<https://stepwise.example/notifications/unsubscribe/")


def test_a_mention_sends_one_email_to_the_mentioned(learner, other_learner):
    thread = ThreadFactory(author=UserFactory())
    reply(thread, learner, body="@other what do you think?")
    send()
    assert [message.subject for message in mail.outbox if message.to == [other_learner.email]] == [
        f"{learner.public_name} mentioned you in “{thread.title}”"
    ]


def test_ten_replies_in_a_minute_send_one_gathered_email(learner, other_learner):
    thread = ThreadFactory(author=other_learner, title="Caching a whole page")
    services.follow_set(user=other_learner, thread=thread)
    for number in range(10):
        reply(thread, learner, body=f"Idea number {number}")
    send()
    [message] = mail.outbox
    assert message.subject == "10 new replies in “Caching a whole page”"
    assert "Idea number 0" in message.body and "Idea number 9" in message.body


def test_after_an_email_the_next_about_that_thread_waits_for_the_window_and_gathers(learner, other_learner):
    thread = ThreadFactory(author=other_learner)
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner)
    send()
    reply(thread, learner, body="One more thing")
    reply(thread, learner, body="And another")
    send(after=2 * DELAY)
    assert len(mail.outbox) == 1
    send(after=WINDOW + DELAY + 2)
    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject.startswith("2 new replies in")


def test_other_threads_are_not_held_back_by_the_window(learner, other_learner):
    first, second = ThreadFactory(author=other_learner), ThreadFactory(author=other_learner)
    for thread in (first, second):
        services.follow_set(user=other_learner, thread=thread)
    reply(first, learner)
    send()
    reply(second, learner)
    send(after=2 * DELAY)
    assert len(emails_to(other_learner)) == 2


def test_a_notification_read_on_the_site_is_not_emailed(learner, other_learner):
    thread = ThreadFactory(author=other_learner)
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner)
    services.mark_notifications_read(user=other_learner)
    send()
    assert mail.outbox == []


def test_a_notification_read_after_the_claim_is_left_out_of_the_email(learner, other_learner):
    thread = ThreadFactory(author=other_learner)
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner)
    email = notification_emails.claim(recipient_id=other_learner.pk, thread_id=thread.pk, kind="reply")
    services.mark_notifications_read(user=other_learner)
    assert notification_emails.deliver(email, mailer=notification_emails.Mailer()) == "skipped"
    assert mail.outbox == []


def test_a_reply_hidden_before_the_email_went_out_is_not_emailed(learner, other_learner, mentor):
    thread = ThreadFactory(author=other_learner)
    services.follow_set(user=other_learner, thread=thread)
    comment = reply(thread, learner)
    moderation.hide(target=Comment.objects.get(pk=comment.pk), moderator=mentor, reason="spam")
    outbox.drain()
    send()
    assert emails_to(other_learner) == []


def test_muting_a_thread_after_a_reply_was_due_leaves_the_reply_out_and_keeps_the_mention(
    learner, other_learner
):
    thread = ThreadFactory(author=other_learner, title="A busy thread")
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner, body="A plain reply")
    reply(thread, UserFactory(), body="@other a mention in it")
    services.watch_level_set(user=other_learner, thread=thread, level="muted")
    send()
    send(after=WINDOW + DELAY + 2)  # after the mention's email, the reply's waits for the window
    [message] = emails_to(other_learner)
    assert "mentioned you" in message.subject
    assert "A plain reply" not in message.body
    assert NotificationEmail.objects.get(recipient=other_learner, kind="reply").status == "skipped"


def test_a_new_thread_is_left_out_once_its_tag_no_longer_tells_of_new_threads(learner, other_learner):
    tag = TagFactory(slug="databases", name="databases")
    services.follow_level_set(user=other_learner, tag=tag, level="new_threads")
    services.create_thread(
        author=learner, title="Indexes slow?", body="Why would an index slow it?", tags=[tag]
    )
    outbox.drain()
    services.follow_level_set(user=other_learner, tag=tag, level="digest")
    send()
    assert mail.outbox == []
    assert NotificationEmail.objects.get(kind="new_thread").status == "skipped"


def test_a_new_thread_still_goes_while_its_topic_tells_of_new_threads(learner, other_learner):
    tag = TagFactory(slug="databases", name="databases")
    topic = build_roadmap(topics=1)[1][0]
    services.follow_level_set(user=other_learner, tag=tag, level="new_threads")
    services.follow_level_set(user=other_learner, topic=topic, level="new_threads")
    services.create_thread(
        author=learner, title="Indexes slow?", body="Why would an index slow it?", tags=[tag], topic=topic
    )
    outbox.drain()
    services.follow_level_set(user=other_learner, tag=tag, level="none")
    send()
    assert [message.subject for message in emails_to(other_learner)] == [
        f"{learner.public_name} started “Indexes slow?”"
    ]


@pytest.mark.parametrize("mode", ["digest", "off"])
def test_a_kind_set_to_digest_only_or_off_is_not_emailed(learner, other_learner, mode):
    services.set_email_preferences(user=other_learner, modes={"reply": mode})
    thread = ThreadFactory(author=other_learner)
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner)
    send()
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=other_learner).count() == 1  # still on the site


def test_turning_a_kind_off_after_it_was_due_stops_its_email(learner, other_learner):
    thread = ThreadFactory(author=other_learner)
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner)
    services.set_email_preferences(user=other_learner, modes={"reply": "off"})
    send()
    assert mail.outbox == []


def test_the_defaults_email_every_kind_at_once(other_learner):
    from community import selectors

    assert selectors.email_modes(user=other_learner) == {
        "reply": "now",
        "mention": "now",
        "answer_accepted": "now",
        "moderation": "now",
        "new_thread": "now",
        "review": "now",
    }
    assert not EmailPreference.objects.exists()


def test_an_unverified_member_gets_no_email(learner, unverified):
    thread = ThreadFactory(author=unverified)
    services.follow_set(user=unverified, thread=thread)
    reply(thread, learner)
    send()
    assert mail.outbox == []


def test_an_unreachable_smtp_server_delays_the_email_and_loses_none(learner, other_learner, monkeypatch):
    thread = ThreadFactory(author=other_learner)
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner)

    def refuse(self):
        raise ConnectionRefusedError("no SMTP server here")

    with monkeypatch.context() as patched:
        patched.setattr(notification_emails.Mailer, "open", refuse)
        result = send()
    assert result.stopped and mail.outbox == []
    assert NotificationEmail.objects.get().status == "failed"
    send(after=DELAY + 30)  # its next try is a minute later
    assert mail.outbox == []
    send(after=DELAY + 62)
    send(after=DELAY + 62)
    assert len(emails_to(other_learner)) == 1
    assert NotificationEmail.objects.get().status == "sent"


def test_a_claim_of_a_worker_that_died_before_sending_is_sent_by_a_later_run(
    learner, other_learner, settings
):
    thread = ThreadFactory(author=other_learner)
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner)
    notification_emails.claim(recipient_id=other_learner.pk, thread_id=thread.pk, kind="reply")
    send(after=DELAY + settings.NOTIFICATION_EMAIL_CLAIM_TIMEOUT + 1)
    assert len(emails_to(other_learner)) == 1


def test_a_worker_that_died_mid_send_is_never_resent(learner, other_learner, settings):
    thread = ThreadFactory(author=other_learner)
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner)
    email = notification_emails.claim(recipient_id=other_learner.pk, thread_id=thread.pk, kind="reply")
    NotificationEmail.objects.filter(pk=email.pk).update(sending_at=later(DELAY))
    send(after=DELAY + settings.NOTIFICATION_EMAIL_CLAIM_TIMEOUT + 1)
    email.refresh_from_db()
    assert mail.outbox == []
    assert (email.status, email.will_retry, email.reason.startswith("ambiguous")) == ("failed", False, True)


def test_a_recipient_refused_for_good_is_not_retried(learner, other_learner, monkeypatch):
    thread = ThreadFactory(author=other_learner)
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner)

    def refuse(self, message, *, before_handover):
        raise smtplib.SMTPRecipientsRefused({other_learner.email: (550, b"no such mailbox")})

    monkeypatch.setattr(notification_emails.Mailer, "send", refuse)
    send()
    send()
    email = NotificationEmail.objects.get()
    assert (email.status, email.will_retry, email.attempts) == ("failed", False, 1)


def test_the_reply_link_marks_the_notification_read_and_opens_the_reply_box_at_the_post(
    client, learner, other_learner
):
    thread = ThreadFactory(author=other_learner)
    services.follow_set(user=other_learner, thread=thread)
    comment = reply(thread, learner)
    send()
    [message] = mail.outbox
    html = message.alternatives[0][0]
    notification = Notification.objects.get(recipient=other_learner)
    reply_link = f"https://stepwise.example/notifications/{notification.pk}/?reply=1"
    assert f'href="{reply_link}"' in html and reply_link in message.body
    client.force_login(other_learner)
    response = client.get(urlsplit(reply_link).path + "?reply=1")
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}?reply={comment.pk}#reply-form"
    notification.refresh_from_db()
    assert notification.read_at is not None
    page = client.get(response["Location"])
    assert f'name="parent" value="{comment.pk}"' in page.content.decode()


# --- Unsubscribe ---------------------------------------------------------------------------


def test_the_unsubscribe_link_shows_a_confirmation_and_changes_nothing_on_get(client, other_learner):
    response = client.get(urlsplit(unsubscribe_url(other_learner, "reply")).path)
    assert response.status_code == 200
    assert "Stop these emails?" in response.content.decode()
    assert not EmailPreference.objects.exists()


def test_one_click_unsubscribe_turns_off_that_kind_only_without_a_session_or_csrf_token(other_learner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    path = urlsplit(unsubscribe_url(other_learner, "reply")).path
    response = client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    from community import selectors

    assert selectors.email_modes(user=other_learner) == {
        "reply": "off",
        "mention": "now",
        "answer_accepted": "now",
        "moderation": "now",
        "new_thread": "now",
        "review": "now",
    }


def test_a_tampered_unsubscribe_link_changes_nothing(client, other_learner, learner):
    token = urlsplit(unsubscribe_url(other_learner, "reply")).path.split("/")[-2]
    forged = token.replace(f"{other_learner.pk}.reply", f"{learner.pk}.reply")
    for bad in (forged, token.replace(".reply", ".mention"), "nonsense", f"{other_learner.pk}.nope:abc"):
        response = client.post(reverse("community:notification-unsubscribe", kwargs={"token": bad}))
        assert response.status_code == 400
    assert not EmailPreference.objects.exists()


# --- Settings --------------------------------------------------------------------------------


def test_the_settings_page_shows_each_kind_and_saves_a_choice(learner_client, learner):
    url = reverse("community:notification-settings")
    page = learner_client.get(url).content.decode()
    assert "<legend>Mentions of your @username</legend>" in page
    assert re.search(r'<input type="radio" name="mention" value="now"[^>]* checked', page)
    data = {
        "reply": "digest",
        "mention": "now",
        "answer_accepted": "off",
        "moderation": "now",
        "new_thread": "now",
        "review": "now",
    }
    response = learner_client.post(url, data)
    assert response.status_code == 302
    from community import selectors

    assert selectors.email_modes(user=learner) == data
    assert EmailPreference.objects.filter(user=learner).count() == 2  # defaults store no row


def test_the_settings_page_refuses_an_unknown_choice_with_a_message(learner_client, learner):
    url = reverse("community:notification-settings")
    response = learner_client.post(url, {"reply": "sometimes", "mention": "now", "answer_accepted": "now"})
    assert response.status_code == 400
    assert "Choose at once, digest only or off." in response.content.decode()
    assert not EmailPreference.objects.exists()


def test_the_api_reads_and_changes_the_same_settings(learner_client, learner):
    url = reverse("api:email-settings")
    assert learner_client.get(url).json()["mention"] == "now"
    response = learner_client.patch(url, {"mention": "off"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["mention"] == "off"
    assert response.json()["reply"] == "now"
    for bad in ({"mention": "later"}, ["mention"], "off"):
        assert learner_client.patch(url, bad, content_type="application/json").status_code == 400
    ignored = learner_client.patch(url, {"nope": "off"}, content_type="application/json")
    assert ignored.status_code == 200 and "nope" not in ignored.json()
    assert learner_client.get(url).json()["mention"] == "off"


@pytest.mark.parametrize("method", ["get", "patch"])
def test_the_settings_api_needs_a_signed_in_member(client, method):
    response = getattr(client, method)(reverse("api:email-settings"), {}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_the_settings_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("community:notification-settings"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_turned_off_kind_leaves_the_digest_too(learner, other_learner):
    from community.digest import digest_builder

    services.set_email_preferences(user=other_learner, modes={"reply": "off", "mention": "digest"})
    thread = ThreadFactory(author=UserFactory())
    CommentFactory(thread=thread)
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner, body="@other a reply that mentions you")
    reply(thread, learner, body="a plain reply")
    built = digest_builder([other_learner], now=later(60)).build(other_learner)
    assert [item.verb for item in built.replies] == ["mention"]


def test_a_replys_request_runs_as_many_queries_with_1_or_500_watchers(client, learner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from community.models import Follow

    counts = []
    for watchers in (1, 500):
        thread = ThreadFactory(author=UserFactory())
        others = UserFactory._meta.model.objects.bulk_create(
            UserFactory._meta.model(email=f"w{watchers}-{n}@example.com", username=f"w{watchers}-{n}")
            for n in range(watchers)
        )
        Follow.objects.bulk_create(Follow(user=user, thread=thread) for user in others)
        client.force_login(learner)
        url = reverse("community:comment-create", kwargs={"pk": thread.pk, "slug": thread.slug})
        client.post(url, {"body": "A first reply to warm things up"})
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {"body": f"A reply read by {watchers} watchers"})
        assert response.status_code == 302
        counts.append(len(queries))
    assert Comment.objects.filter(body__startswith="A reply read by").count() == 2
    assert counts[0] == counts[1]


def test_a_runs_reads_are_the_same_for_1_or_20_emails_and_each_email_adds_only_its_writes(settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    runs = {}
    for size in (1, 20):
        authors = UserFactory.create_batch(size)
        for number, author in enumerate(authors):
            services.set_email_preferences(user=author, modes={"mention": "digest"})
            thread = ThreadFactory(author=author, title=f"Thread {number}")
            services.follow_set(user=author, thread=thread)
            services.create_comment(thread=thread, author=UserFactory(), body="A plain reply")
        outbox.drain()
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries:
            result = send(after=DELAY + 1 + size)
        assert result.counts == {"sent": size} and len(mail.outbox) == size
        runs[size] = [query["sql"] for query in queries]
    reads = {
        size: [sql for sql in sqls if sql.startswith("SELECT") and "FOR UPDATE" not in sql]
        for size, sqls in runs.items()
    }
    assert len(reads[1]) == len(reads[20])
    writes_per_email, leftover = divmod(len(runs[20]) - len(runs[1]), 19)
    # The claim (its rows locked, the row inserted, the notifications tied to it), the hand-over
    # mark and the outcome, with their transactions' savepoints and SET LOCAL: no read.
    assert leftover == 0 and writes_per_email == 13, writes_per_email


def test_the_admin_lists_notification_emails_read_only(client, admin_user, learner, other_learner):
    thread = ThreadFactory(author=other_learner, title="Listed in the admin")
    services.follow_set(user=other_learner, thread=thread)
    reply(thread, learner)
    send()
    client.force_login(admin_user)
    response = client.get(reverse("admin:community_notificationemail_changelist"))
    assert response.status_code == 200 and "Listed in the admin" in response.text
    email = NotificationEmail.objects.get()
    assert (
        client.post(reverse("admin:community_notificationemail_delete", args=[email.pk])).status_code == 403
    )
    assert NotificationEmail.objects.filter(pk=email.pk).exists()
