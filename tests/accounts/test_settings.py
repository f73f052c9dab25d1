import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "display_name": "Ada L.",
    "bio": "Learning databases.",
    "timezone": "Europe/Paris",
    "digest_frequency": "daily",
    "digest_hour": "7",
    "is_progress_public": "on",
}


def test_settings_need_login(client):
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_settings_are_saved(learner_client, learner):
    response = learner_client.post(reverse("accounts:settings"), VALID)
    assert response.status_code == 302
    learner.refresh_from_db()
    assert (learner.display_name, learner.timezone, learner.digest_frequency, learner.digest_hour) == (
        "Ada L.",
        "Europe/Paris",
        "daily",
        7,
    )
    assert learner.is_progress_public


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus_Mons", "Choose a timezone from the list."),
        ("digest_hour", "25", "Select a valid choice"),
        ("digest_hour", "seven", "Select a valid choice"),
        ("digest_frequency", "hourly", "Select a valid choice"),
        ("display_name", "x" * 61, "at most 60 characters"),
        ("bio", "y" * 501, "at most 500 characters"),
        ("weekly_goal", "0", "A goal is at least 1 topic a week; leave it empty for no goal."),
        ("weekly_goal", "51", "Keep the goal to 50 topics a week or fewer."),
        ("weekly_goal", "three", "Write the number of topics as a whole number, such as 3."),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message_and_the_typed_text_kept(
    learner_client, learner, field, value, message
):
    response = learner_client.post(reverse("accounts:settings"), {**VALID, field: value})
    assert response.status_code == 400
    assert message in response.text
    other_text = "Ada L." if field == "bio" else "Learning databases."
    assert other_text in response.text  # what the user typed in the other fields stays
    learner.refresh_from_db()
    assert learner.timezone == "UTC"


def test_a_weekly_goal_is_saved_and_cleared(learner_client, learner):
    learner_client.post(reverse("accounts:settings"), {**VALID, "weekly_goal": "4"})
    learner.refresh_from_db()
    assert learner.weekly_goal == 4
    learner_client.post(reverse("accounts:settings"), {**VALID, "weekly_goal": ""})
    learner.refresh_from_db()
    assert learner.weekly_goal is None


def test_timezone_is_a_real_choice_list(learner_client):
    response = learner_client.get(reverse("accounts:settings"))
    assert '<option value="America/New_York"' in response.text
    assert '<option value="Asia/Kolkata"' in response.text


@pytest.mark.parametrize(
    "name",
    ["ad\u202emin", "Grace\u200b Mentor", "\u2067evil\u2069", "Ada\u200dLovelace", "tab\tbed", "\u3164"],
)
def test_display_name_with_invisible_or_direction_characters_is_refused(learner_client, learner, name):
    response = learner_client.post(reverse("accounts:settings"), {**VALID, "display_name": name})

    assert response.status_code == 400
    assert "cannot contain invisible or text-direction characters" in response.text
    assert f'value="{name}"' in response.text
    learner.refresh_from_db()
    assert learner.display_name != name


@pytest.mark.parametrize(
    "name",
    [
        "Site Admin",
        "Grace Mentor",
        "STAFF",
        "The Moderator",
        "Stepwise Support",
        "official account",
        "Administrator",
        "SiteAdmin",
        "m3ntor Grace",
        "Ａｄｍｉｎ",
        "Аdmin",
        "Mentor-2",
    ],
)
def test_display_name_that_claims_a_role_is_refused(learner_client, learner, name):
    response = learner_client.post(reverse("accounts:settings"), {**VALID, "display_name": name})

    assert response.status_code == 400
    assert "it would look like a role on Stepwise" in response.text
    assert f'value="{name}"' in response.text
    learner.refresh_from_db()
    assert learner.display_name != name


@pytest.mark.parametrize("name", ["Badminton Fan", "Ada Mentorship?", "Grace Hopper-Smith", "Zoë", "李小龙"])
def test_display_name_with_a_role_inside_a_longer_word_is_accepted(learner_client, learner, name):
    response = learner_client.post(reverse("accounts:settings"), {**VALID, "display_name": name})

    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.display_name == name


@pytest.mark.parametrize("name", ["Grace Hopper", "grace  hopper", "GraceHopper", "Grаce Hоpper", "boss"])
def test_display_name_of_a_mentor_or_admin_is_reserved(learner_client, learner, mentor, admin_user, name):
    mentor.display_name = "Grace Hopper"
    mentor.save()

    response = learner_client.post(reverse("accounts:settings"), {**VALID, "display_name": name})

    assert response.status_code == 400
    assert "too close to the name of a mentor or admin" in response.text
    learner.refresh_from_db()
    assert learner.display_name != name


def test_mentor_keeps_their_own_display_name(client, mentor):
    mentor.display_name = "Grace Hopper"
    mentor.save()
    client.force_login(mentor)

    response = client.post(reverse("accounts:settings"), {**VALID, "display_name": "Grace Hopper"})

    assert response.status_code == 302


def test_a_member_whose_name_predates_the_rules_can_still_save_other_settings(client):
    member = UserFactory(display_name="Support Sam")  # a role word, allowed when it was chosen
    client.force_login(member)

    response = client.post(reverse("accounts:settings"), {**VALID, "display_name": "Support Sam"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Support Sam"


@pytest.mark.parametrize(
    "storage",
    [
        "django.contrib.messages.storage.fallback.FallbackStorage",
        "django.contrib.messages.storage.session.SessionStorage",
    ],
)
def test_the_saved_message_shows_once_on_the_next_page(learner_client, settings, storage):
    """Whether it waits in the cookie or in the session, the next page shows it, and only that one."""
    from tests.factories import ThreadFactory

    settings.MESSAGE_STORAGE = storage
    thread = ThreadFactory()
    learner_client.get(thread.get_absolute_url())  # the thread's shared parts are warm
    learner_client.post(reverse("accounts:settings"), VALID)
    assert "Your settings are saved." in learner_client.get(thread.get_absolute_url()).text
    assert "Your settings are saved." not in learner_client.get(thread.get_absolute_url()).text
