"""My profile and settings through the API: the same rules as the settings page."""

import pytest

from tests.api.helpers import error_of, token_client

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def test_me_shows_my_profile_and_settings(learner):
    data = token_client(learner).get(ME).json()
    assert data["username"] == learner.username
    assert data["email"] == learner.email
    assert (data["digest_frequency"], data["digest_hour"], data["timezone"]) == ("weekly", 8, "UTC")
    assert data["role"] == "learner"


@pytest.mark.parametrize(
    ("role", "expected"),
    [("learner", "learner"), ("mentor", "mentor"), ("admin", "admin"), ("suspended", "learner")],
)
def test_me_tells_my_role(client_as, role, expected):
    data = client_as(role).get(ME).json()
    assert data["role"] == expected
    assert data["is_suspended"] is (role == "suspended")


def test_patch_changes_only_the_settings_sent(learner):
    response = token_client(learner).patch(
        ME,
        {"display_name": "Ada", "digest_frequency": "daily", "digest_hour": 18, "timezone": "Europe/Paris"},
        format="json",
    )
    assert response.status_code == 200
    learner.refresh_from_db()
    assert (learner.display_name, learner.digest_frequency, learner.digest_hour, learner.timezone) == (
        "Ada",
        "daily",
        18,
        "Europe/Paris",
    )
    assert learner.is_progress_public is True


@pytest.mark.parametrize("name", ["Site Admin", "ad\u202emin", "Grace\u200b Mentor"])
def test_patch_refuses_a_display_name_that_impersonates_a_role(learner, name):
    response = token_client(learner).patch(ME, {"display_name": name}, format="json")

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"display_name"}
    learner.refresh_from_db()
    assert learner.display_name != name


def test_patch_can_make_my_progress_private(learner):
    token_client(learner).patch(ME, {"is_progress_public": False}, format="json")
    learner.refresh_from_db()
    assert learner.is_progress_public is False


@pytest.mark.parametrize(
    "change",
    [
        {"digest_hour": 24},
        {"digest_hour": "eight"},
        {"digest_frequency": "hourly"},
        {"timezone": "Mars/Olympus"},
        {"display_name": "<script>"},
        {"display_name": "x" * 61},
        {"bio": "x" * 501},
        {"is_progress_public": "perhaps"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_a_bad_setting_answers_400_and_changes_nothing(learner, change):
    response = token_client(learner).patch(ME, change, format="json")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == set(change)
    learner.refresh_from_db()
    assert learner.digest_hour == 8 and learner.display_name != "<script>"


@pytest.mark.parametrize(
    "change",
    [{"username": "hacker"}, {"email": "hacker@example.com"}, {"role": "admin"}, {"suspended_until": None}],
    ids=lambda change: next(iter(change)),
)
def test_read_only_fields_cannot_be_set(suspended_user, change):
    token_client(suspended_user).patch(ME, change, format="json")
    suspended_user.refresh_from_db()
    assert suspended_user.username == "suspended"
    assert suspended_user.email == "suspended@example.com"
    assert not suspended_user.is_staff
    assert suspended_user.is_suspended


def test_me_needs_sign_in(api):
    assert api.get(ME).status_code == 401
    assert api.patch(ME, {"bio": "x"}, format="json").status_code == 401


def test_put_is_not_offered(learner):
    assert token_client(learner).put(ME, {}, format="json").status_code == 405


@pytest.mark.parametrize("value", [0, 1, "true", "false", "yes", None], ids=repr)
def test_a_json_boolean_is_true_or_false_only(learner, value):
    response = token_client(learner).patch(ME, {"is_progress_public": value}, format="json")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"is_progress_public"}
    learner.refresh_from_db()
    assert learner.is_progress_public is True
