"""Writes decide who may act from the database, not from the cached user or permissions: a
suspension or a lost role whose cache bump never arrived (Redis was unreachable, or the change
bypassed signals) still takes effect on the next request."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import MENTORS_GROUP, User
from community.models import Comment, Status
from tests.factories import CommentFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def behind_the_cache(user, **fields):
    """Change the row without telling any cache, as a bump lost in a Redis outage would."""
    User.objects.filter(pk=user.pk).update(**fields)


def test_a_member_suspended_behind_the_cache_cannot_post_on_the_next_request(learner_client, learner):
    thread = ThreadFactory()
    url = reverse("community:comment-create", args=[thread.pk, thread.slug])
    assert learner_client.get(thread.get_absolute_url()).status_code == 200  # the user is cached
    behind_the_cache(learner, suspended_until=timezone.now() + timedelta(days=1))

    response = learner_client.post(url, {"body": "Posted while suspended?"})

    assert response.status_code == 403
    assert "suspended" in response.text
    assert not Comment.objects.filter(thread=thread).exists()


def test_a_mentor_whose_role_went_behind_the_cache_cannot_hide_a_post(client, mentor):
    comment = CommentFactory()
    client.force_login(mentor)
    assert client.get("/mod/").status_code == 200  # user and permissions cached
    Group.objects.get(name=MENTORS_GROUP).user_set.through.objects.filter(user_id=mentor.pk).delete()

    client.post(
        reverse("community:mod-action", args=["comment", comment.pk, "hide"]),
        {"reason": "Hidden by an ex-mentor"},
    )

    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED
