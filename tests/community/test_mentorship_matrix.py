"""Every mentorship action against every role: the expected answer, and no change on denial.

The roles: anonymous, the learner who asked, another learner, a mentor who covers the topic's
section, a mentor who covers another section, an admin, and a suspended member. Any mentor may
review any request (their sections only order their desk); nobody reviews their own."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import mentorship
from community.models import MentorSection, ModerationAction, OutboxEvent, ReviewMessage, ReviewRequest
from roadmap.models import Progress
from tests.factories import (
    AdminFactory,
    MentorFactory,
    ProgressFactory,
    ProjectFactory,
    ReviewRequestFactory,
    SectionFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "learner", "other_learner", "section_mentor", "other_mentor", "admin", "suspended"]
MENTORS = {"section_mentor", "other_mentor", "admin"}


class World:
    def __init__(self):
        self.learner = UserFactory()
        self.topic = TopicFactory()
        self.project = ProjectFactory(section=self.topic.section)
        self.section_mentor = MentorFactory()
        self.other_mentor = MentorFactory()
        MentorSection.objects.create(mentor=self.section_mentor, section=self.topic.section)
        MentorSection.objects.create(mentor=self.other_mentor, section=SectionFactory())
        self.users = {
            "anonymous": None,
            "learner": self.learner,
            "other_learner": UserFactory(),
            "section_mentor": self.section_mentor,
            "other_mentor": self.other_mentor,
            "admin": AdminFactory(),
            "suspended": UserFactory(suspended_until=timezone.now() + timedelta(days=1)),
        }

    def review(self, state="open", *, on_project=False):
        if on_project:
            review = ReviewRequestFactory(learner=self.learner, topic=None, project=self.project, done=False)
        else:
            review = ReviewRequestFactory(learner=self.learner, topic=self.topic)
        if state in {"claimed", "needs_work"}:
            mentorship.claim(mentor=self.section_mentor, review=review)
        if state == "needs_work":
            mentorship.decide(
                mentor=self.section_mentor, review=review, verdict="needs_work", feedback="More"
            )
        return review


def _url(name, review, *extra):
    return reverse(f"community:{name}", args=[review.pk, *extra])


def _request(world):
    ProgressFactory(user=world.learner, topic=world.topic, status="done")
    url = reverse("community:review-create", args=[world.topic.roadmap.slug, world.topic.slug])
    return "post", url, {"links": "https://github.com/me/work", "explanation": "Mine"}


def _hand_in(world):
    url = reverse("community:project-hand-in", args=[world.project.pk])
    return "post", url, {"repository": "https://github.com/me/project"}


def _on(state, name, *extra, on_project=False, **data):
    def build(world):
        return "post", _url(name, world.review(state, on_project=on_project), *extra), data

    return build


def _view(world):
    return "get", _url("review-detail", world.review()), {}


def _desk(world):
    world.review()
    return "get", reverse("community:mentor-desk"), {}


def _sections(world):
    return "post", reverse("community:mentor-desk"), {"sections": [SectionFactory().pk]}


ACTIONS = {
    "request": _request,
    "view": _view,
    "withdraw": _on("open", "review-withdraw"),
    "reply": _on("open", "review-reply", body="A question"),
    "resubmit": _on("needs_work", "review-reply", body="Fixed", resubmit="1"),
    "claim": _on("open", "review-action", "claim"),
    "extend": _on("claimed", "review-action", "extend"),
    "release": _on("claimed", "review-action", "release"),
    "verify": _on("claimed", "review-decide", verdict="verified", feedback="Good"),
    "needs_work": _on("claimed", "review-decide", verdict="needs_work", feedback="More tests"),
    "hand_in_project": _hand_in,
    "claim_project": _on("open", "review-action", "claim", on_project=True),
    "verify_project": _on("claimed", "review-decide", on_project=True, verdict="verified", feedback="Good"),
    "desk": _desk,
    "choose_sections": _sections,
}

# What each role gets, action by action: a status code, or "login" (sent to sign in).
# 404: the request is not theirs to see. 403: they see it but may not act. 409: the request's
# state forbids it (held by another mentor, or their own topic is not done).
OWNER_ONLY = {"learner": 302, "other_learner": 404, "suspended": 404, **dict.fromkeys(MENTORS, 403)}
EXPECTED = {
    "request": {"learner": 302, "suspended": 403, **dict.fromkeys(["other_learner", *MENTORS], 409)},
    "view": {"learner": 200, "other_learner": 404, "suspended": 404, **dict.fromkeys(MENTORS, 200)},
    "withdraw": OWNER_ONLY,
    "reply": OWNER_ONLY,
    "resubmit": OWNER_ONLY,
    "claim": {"learner": 403, "other_learner": 404, "suspended": 404, **dict.fromkeys(MENTORS, 302)},
    # A project needs no topic marked done: anyone who may post hands one in.
    "hand_in_project": {
        "learner": 302,
        "other_learner": 302,
        "suspended": 403,
        **dict.fromkeys(MENTORS, 302),
    },
    "claim_project": {"learner": 403, "other_learner": 404, "suspended": 404, **dict.fromkeys(MENTORS, 302)},
    **{
        action: {
            "learner": 403,
            "other_learner": 404,
            "suspended": 404,
            "section_mentor": 302,
            "other_mentor": 409,
            "admin": 409,
        }
        for action in ("extend", "release", "verify", "needs_work", "verify_project")
    },
    **{
        action: {
            "learner": 403,
            "other_learner": 403,
            "suspended": 403,
            **dict.fromkeys(MENTORS, 200 if action == "desk" else 302),
        }
        for action in ("desk", "choose_sections")
    },
}
SUCCESS = {200, 302}


def database_state():
    return {
        "requests": list(
            ReviewRequest.objects.order_by("pk").values_list(
                "state", "claimed_by_id", "claim_expires_at", "links"
            )
        ),
        "messages": ReviewMessage.objects.count(),
        "log": ModerationAction.objects.count(),
        "outbox": OutboxEvent.objects.count(),
        "verified": list(Progress.objects.order_by("pk").values_list("verified_by_id", "verified_at")),
        "sections": list(
            MentorSection.objects.order_by("mentor_id", "section_id").values_list("mentor_id", "section_id")
        ),
    }


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_mentorship_permission_matrix(role, action):
    world = World()
    method, url, data = ACTIONS[action](world)
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    before = database_state()

    response = getattr(client, method)(url, data)

    expected = "login" if role == "anonymous" else EXPECTED[action][role]
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, getattr(response, "text", "")[:500]
    changed = database_state() != before
    assert changed == (expected in SUCCESS and method == "post")
