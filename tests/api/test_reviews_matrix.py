"""The mentorship permission matrix through the API: every action for every role, the answer,
and no change on denial (the pages' matrix is tests/community/test_mentorship_matrix.py)."""

import pytest

from tests.api.helpers import token_client
from tests.community.test_mentorship_matrix import MENTORS, ROLES, World, database_state
from tests.factories import ProgressFactory

pytestmark = pytest.mark.django_db


def _request(world):
    ProgressFactory(user=world.learner, topic=world.topic, status="done")
    body = {
        "roadmap": world.topic.roadmap.slug,
        "topic": world.topic.slug,
        "links": ["https://github.com/me/work"],
    }
    return "post", "/api/v1/me/reviews/", body


def _on(state, path, **body):
    def build(world):
        return "post", f"/api/v1/reviews/{world.review(state).pk}/{path}", body

    return build


def _desk(world):
    world.review()  # something on the desk
    return "get", "/api/v1/mentor/desk/", {}


ACTIONS = {
    "request": _request,
    "view": lambda world: ("get", f"/api/v1/reviews/{world.review().pk}/", {}),
    "withdraw": _on("open", "withdraw/"),
    "reply": _on("open", "reply/", body="A question"),
    "resubmit": _on("needs_work", "reply/", body="Fixed", resubmit=True),
    "claim": _on("open", "claim/"),
    "extend": _on("claimed", "extend/"),
    "release": _on("claimed", "release/"),
    "verify": _on("claimed", "decision/", verdict="verified", feedback="Good"),
    "needs_work": _on("claimed", "decision/", verdict="needs_work", feedback="More tests"),
    "desk": _desk,
}

NOT_MENTORS = {"learner": 403, "other_learner": 403, "suspended": 403}
OWNER_ONLY = {"other_learner": 404, "suspended": 404, **dict.fromkeys(MENTORS, 403)}
HOLDER_ONLY = {**NOT_MENTORS, "section_mentor": 200, "other_mentor": 409, "admin": 409}
EXPECTED = {
    "request": {"learner": 201, "suspended": 403, **dict.fromkeys(["other_learner", *MENTORS], 409)},
    "view": {"learner": 200, "other_learner": 404, "suspended": 404, **dict.fromkeys(MENTORS, 200)},
    "withdraw": {"learner": 200, **OWNER_ONLY},
    "reply": {"learner": 201, **OWNER_ONLY},
    "resubmit": {"learner": 201, **OWNER_ONLY},
    "claim": {**NOT_MENTORS, **dict.fromkeys(MENTORS, 200)},
    "extend": HOLDER_ONLY,
    "release": HOLDER_ONLY,
    "verify": HOLDER_ONLY,
    "needs_work": HOLDER_ONLY,
    "desk": {**NOT_MENTORS, **dict.fromkeys(MENTORS, 200)},
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_mentorship_api_permission_matrix(role, action):
    world = World()
    method, url, body = ACTIONS[action](world)
    client = token_client(world.users[role])
    before = database_state()

    response = getattr(client, method)(url, body, format="json") if method == "post" else client.get(url)

    expected = 401 if role == "anonymous" else EXPECTED[action][role]
    assert response.status_code == expected, response.content[:500]
    changed = database_state() != before
    assert changed == (method == "post" and expected in {200, 201})
