from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community import moderation, services
from community.models import Comment, Flag, ModerationAction, Notification, Status, Thread
from tests.factories import CommentFactory, MentorFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def flag_url(comment):
    return reverse("community:comment-flag", args=[comment.pk])


def test_a_learner_flags_a_comment_once(learner):
    comment = CommentFactory()
    client = client_for(learner)
    assert client.post(flag_url(comment), {"reason": "spam"}).status_code == 302
    again = client.post(flag_url(comment), {"reason": "abuse"})
    assert again.status_code == 409
    assert "already flagged" in again.text
    assert Flag.objects.count() == 1


def test_authors_cannot_flag_their_own_posts(learner):
    comment = CommentFactory(author=learner)
    response = client_for(learner).post(flag_url(comment), {"reason": "spam"})
    assert response.status_code == 403
    assert "You cannot flag your own post." in response.text
    assert not Flag.objects.exists()


def test_other_reason_needs_a_note_and_keeps_what_was_typed(learner):
    comment = CommentFactory()
    response = client_for(learner).post(flag_url(comment), {"reason": "other", "note": "  "})
    assert response.status_code == 400
    assert "Tell the mentors what is wrong" in response.text
    assert not Flag.objects.exists()


def test_the_third_distinct_flag_hides_the_content_and_tells_the_author(django_capture_on_commit_callbacks):
    comment = CommentFactory(thread=ThreadFactory(comment_count=1))
    reporters = [UserFactory() for _ in range(3)]
    moderation.flag(reporter=reporters[0], target=comment, reason="spam")
    moderation.flag(reporter=reporters[1], target=comment, reason="spam")
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        moderation.flag(reporter=reporters[2], target=comment, reason="abuse")
    comment.refresh_from_db()
    assert comment.status == Status.HIDDEN
    assert Thread.objects.get().comment_count == 0
    assert ModerationAction.objects.get().action == "auto_hide"
    notice = Notification.objects.get(recipient=comment.author)
    assert notice.verb == "moderation" and "review" in notice.text


def test_a_dismissal_restores_auto_hidden_content(mentor):
    comment = CommentFactory()
    for _ in range(3):
        moderation.flag(reporter=UserFactory(), target=comment, reason="spam")
    moderation.resolve_flags(
        moderator=mentor, target=comment, decision="dismiss", reason="Not spam, a real answer"
    )
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED
    assert set(Flag.objects.values_list("status", flat=True)) == {"dismissed"}


def test_a_decision_closes_all_open_flags_on_the_target(mentor):
    thread = ThreadFactory()
    for _ in range(2):
        moderation.flag(reporter=UserFactory(), target=thread, reason="off_topic")
    moderation.resolve_flags(moderator=mentor, target=thread, decision="resolve", reason="Off-topic")
    thread.refresh_from_db()
    assert thread.status == Status.HIDDEN
    assert not Flag.objects.filter(status="open").exists()
    assert set(Flag.objects.values_list("resolved_by", flat=True)) == {mentor.pk}


def test_hidden_content_stays_for_its_author_and_can_be_restored(mentor, learner):
    comment = CommentFactory(author=learner, body_html="<p>my hidden words</p>")
    moderation.hide(moderator=mentor, target=comment, reason="Rude")
    thread_url = comment.thread.get_absolute_url()
    assert "my hidden words" not in Client().get(thread_url).text
    own_view = client_for(learner).get(thread_url).text
    assert "my hidden words" in own_view and "Hidden by a mentor" in own_view
    assert Comment.objects.filter(pk=comment.pk).exists()
    moderation.restore(moderator=mentor, target=comment, reason="On reflection, fine")
    assert "my hidden words" in Client().get(thread_url).text


def test_every_action_is_in_the_audit_log_with_its_reason(mentor):
    learner = UserFactory()
    thread = ThreadFactory(author=learner)
    comment = CommentFactory(thread=thread, author=learner)
    moderation.hide(moderator=mentor, target=comment, reason="r-hide")
    moderation.restore(moderator=mentor, target=comment, reason="r-restore")
    moderation.lock(moderator=mentor, thread=thread, reason="r-lock")
    moderation.unlock(moderator=mentor, thread=thread, reason="r-unlock")
    moderation.pin(moderator=mentor, thread=thread, reason="r-pin")
    moderation.unpin(moderator=mentor, thread=thread, reason="r-unpin")
    moderation.retag(moderator=mentor, thread=thread, tags=[], reason="r-retag")
    moderation.warn(moderator=mentor, user=learner, reason="r-warn")
    moderation.suspend(
        moderator=mentor, user=learner, until=timezone.now() + timedelta(days=1), reason="r-suspend"
    )
    moderation.unsuspend(moderator=mentor, user=learner, reason="r-unsuspend")
    services.accept_answer(thread=thread, comment=comment, user=mentor, reason="r-accept")
    logged = dict(ModerationAction.objects.values_list("action", "reason"))
    assert logged == {
        "hide": "r-hide",
        "restore": "r-restore",
        "lock": "r-lock",
        "unlock": "r-unlock",
        "pin": "r-pin",
        "unpin": "r-unpin",
        "retag": "r-retag",
        "warn": "r-warn",
        "suspend": "r-suspend",
        "unsuspend": "r-unsuspend",
        "accept": "r-accept",
    }
    page = client_for(mentor).get(reverse("community:mod-log")).text
    for reason in logged.values():
        assert reason in page


def test_a_reason_is_required(mentor):
    thread = ThreadFactory()
    response = client_for(mentor).post(
        reverse("community:mod-action", args=["thread", thread.pk, "lock"]), {"reason": ""}
    )
    assert response.status_code == 400
    assert "Give a reason" in response.text
    thread.refresh_from_db()
    assert not thread.is_locked and not ModerationAction.objects.exists()


def test_the_audit_log_is_read_only_in_the_admin(admin_user, mentor):
    thread = ThreadFactory()
    entry = moderation.pin(moderator=mentor, thread=thread, reason="useful")
    client = client_for(admin_user)
    assert client.get(reverse("admin:community_moderationaction_changelist")).status_code == 200
    assert (
        client.post(
            reverse("admin:community_moderationaction_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert ModerationAction.objects.filter(pk=entry.pk).exists()


def test_log_filters_by_action_and_people(mentor):
    other = UserFactory(username="target-person")
    moderation.warn(moderator=mentor, user=other, reason="first warning")
    moderation.pin(moderator=mentor, thread=ThreadFactory(), reason="pinned for all")
    client = client_for(mentor)
    by_action = client.get(reverse("community:mod-log"), {"action": "warn"}).text
    assert "first warning" in by_action and "pinned for all" not in by_action
    by_target = client.get(reverse("community:mod-log"), {"target": "TARGET-person"}).text
    assert "first warning" in by_target and "pinned for all" not in by_target


def test_suspended_learner_sees_why_and_until_when(learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        moderation.suspend(
            moderator=MentorFactory(), user=learner, until=timezone.now() + timedelta(days=2), reason="Spam"
        )
    page = client_for(learner).get(reverse("home")).text
    assert "Your account is suspended until" in page and "Spam" in page
    notice = Notification.objects.get(recipient=learner)
    assert "suspended until" in notice.message


def test_a_suspended_member_reads_one_clear_notice_in_their_timezone_and_how_to_appeal(
    learner, mentor, settings, django_capture_on_commit_callbacks
):
    settings.CONTACT_EMAIL = "mentors@stepwise.example"
    learner.timezone = "Europe/Berlin"
    learner.save()
    until = timezone.now().replace(microsecond=0) + timedelta(days=7)
    local = until.astimezone(ZoneInfo("Europe/Berlin"))
    when = f"{local.day} {local:%b %Y, %H:%M}"  # as the site writes times: "12 Dec 2026, 08:47"
    with django_capture_on_commit_callbacks(execute=True):
        moderation.suspend(moderator=mentor, user=learner, until=until, reason="Posting spam links.")

    response = client_for(learner).get(reverse("community:thread-create"))

    assert response.status_code == 403
    page = " ".join(response.text.split())
    notice = f"Your account is suspended until {when} (Europe/Berlin time). Reason: Posting spam links."
    assert page.count(notice) == 2  # the banner and the page say it alike
    assert ".." not in page and "a.m." not in page and "p.m." not in page
    assert "Manage your email addresses" not in page
    assert "You can still read discussions and keep learning on your roadmap" in page
    assert 'href="mailto:mentors@stepwise.example"' in page
    assert Notification.objects.get(recipient=learner).message.startswith(notice)


def test_lifting_a_suspension_lets_them_post_again(learner, mentor):
    moderation.suspend(
        moderator=mentor, user=learner, until=timezone.now() + timedelta(days=2), reason="Spam"
    )
    moderation.unsuspend(moderator=mentor, user=learner, reason="Appeal accepted")
    learner.refresh_from_db()
    services.create_thread(
        author=learner, title="Back again with a question", body="Now I can post once more, thanks."
    )
    assert Thread.objects.count() == 1


def test_mentors_cannot_suspend_mentors_but_admins_can(mentor, admin_user):
    other_mentor = MentorFactory()
    response = client_for(mentor).post(
        reverse("community:mod-user-action", args=[other_mentor.username, "suspend"]),
        {"suspend-reason": "x", "suspend-days": "3"},
    )
    assert response.status_code == 403
    client_for(admin_user).post(
        reverse("community:mod-user-action", args=[other_mentor.username, "suspend"]),
        {"suspend-reason": "admin decision", "suspend-days": "3"},
    )
    other_mentor.refresh_from_db()
    assert other_mentor.is_suspended


def test_queue_shows_flags_grouped_oldest_first_with_author_history(mentor):
    spammer = UserFactory(username="spammy")
    first = CommentFactory(author=spammer, body_html="<p>first spam</p>")
    second = CommentFactory(author=spammer, body_html="<p>second spam</p>")
    moderation.flag(reporter=UserFactory(), target=first, reason="spam")
    moderation.flag(reporter=UserFactory(), target=second, reason="spam")
    moderation.flag(reporter=UserFactory(), target=first, reason="abuse", note="rude too")
    page = client_for(mentor).get(reverse("community:mod-queue")).text
    assert page.index("first spam") < page.index("second spam")
    assert "2 flags" in page and "rude too" in page
    assert "2 replies" in page  # the author's history
    assert "Questions waiting for an answer" in page


def test_queue_is_only_for_moderators(learner, client):
    assert client.get(reverse("community:mod-queue")).status_code == 302
    assert client_for(learner).get(reverse("community:mod-queue")).status_code == 403
    assert client_for(learner).get(reverse("community:mod-log")).status_code == 403


def test_mentors_see_the_open_flag_count_in_the_header(mentor):
    moderation.flag(reporter=UserFactory(), target=CommentFactory(), reason="spam")
    assert '<span class="count" data-open-flags>1' in client_for(mentor).get(reverse("home")).text


def queue_queries(client):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("community:mod-queue")).status_code == 200
    return len(queries)


def test_queue_queries_do_not_grow_with_flags(mentor):
    client = client_for(mentor)

    def add_flags(count):
        for _ in range(count):
            target = CommentFactory(author=UserFactory())
            moderation.flag(reporter=UserFactory(), target=target, reason="spam")

    add_flags(5)
    small = queue_queries(client)
    add_flags(45)
    assert queue_queries(client) == small


def test_mentors_create_tags(mentor, learner):
    response = client_for(mentor).post(reverse("community:mod-tags"), {"name": "Kafka", "slug": "kafka"})
    assert response.status_code == 302
    assert (
        client_for(learner).post(reverse("community:mod-tags"), {"name": "X", "slug": "x"}).status_code == 403
    )


# --- New-user limits -------------------------------------------------------------------

LINKS = "See https://a.example, https://b.example and https://c.example for details."


def test_newcomers_post_at_most_three_threads_a_day():
    newcomer = UserFactory(date_joined=timezone.now() - timedelta(days=3))
    for number in range(3):
        ThreadFactory(
            author=newcomer, status="hidden", created_at=timezone.now() - timedelta(hours=2 + number)
        )
    response = client_for(newcomer).post(
        reverse("community:thread-create"),
        {"title": "My fourth question today", "body": "A body long enough to post."},
    )
    assert response.status_code == 429
    assert "New members can post 3 threads a day" in response.text
    assert "A body long enough to post." in response.text


def test_newcomers_post_at_most_ten_comments_a_day():
    newcomer = UserFactory(date_joined=timezone.now() - timedelta(days=3))
    thread = ThreadFactory()
    Comment.objects.bulk_create(
        [
            Comment(
                thread=thread,
                author=newcomer,
                body="x",
                status="hidden",
                created_at=timezone.now() - timedelta(hours=3),
            )
            for _ in range(10)
        ]
    )
    response = client_for(newcomer).post(
        reverse("community:comment-create", args=[thread.pk, thread.slug]), {"body": "eleventh comment"}
    )
    assert response.status_code == 429
    assert "10 replies a day" in response.text and "eleventh comment" in response.text


def test_newcomers_may_put_two_links_in_a_post():
    newcomer = UserFactory(date_joined=timezone.now() - timedelta(days=3))
    response = client_for(newcomer).post(
        reverse("community:thread-create"), {"title": "Where to read more?", "body": LINKS}
    )
    assert response.status_code == 400
    assert "at most 2 links" in response.text
    assert "https://c.example" in response.text
    assert not Thread.objects.exists()


def test_established_members_have_no_newcomer_limits():
    member = UserFactory(date_joined=timezone.now() - timedelta(days=30))
    for _ in range(3):
        ThreadFactory(author=member, created_at=timezone.now() - timedelta(days=5))
    response = client_for(member).post(
        reverse("community:thread-create"), {"title": "Where to read more?", "body": LINKS}
    )
    assert response.status_code == 302


def suspend_through_the_form(mentor, user, days):
    return client_for(mentor).post(
        reverse("community:mod-user-action", args=[user.username, "suspend"]),
        {"suspend-reason": "Spam", "suspend-days": days},
    )


@pytest.mark.parametrize("days", [str(moderation.SUSPENSION_MAX_DAYS + 1), "9999", "0", "-1"])
def test_the_form_refuses_a_suspension_the_api_would_refuse(mentor, learner, days):
    response = suspend_through_the_form(mentor, learner, days)
    assert response.status_code == 400
    learner.refresh_from_db()
    assert not learner.is_suspended


def test_the_form_suspends_for_the_longest_time_the_api_allows(mentor, learner):
    response = suspend_through_the_form(mentor, learner, str(moderation.SUSPENSION_MAX_DAYS))
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.is_suspended
    assert learner.suspended_until > timezone.now() + timedelta(days=moderation.SUSPENSION_MAX_DAYS - 1)
