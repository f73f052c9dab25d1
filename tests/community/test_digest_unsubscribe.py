"""/digest/unsubscribe/<token>/: a signed link, GET confirms, POST (RFC 8058 one-click) turns digests off."""

import pytest
from django.test import Client
from django.urls import reverse

from community import digest

pytestmark = pytest.mark.django_db


def url_for(token):
    return reverse("community:digest-unsubscribe", kwargs={"token": token})


def frequency_of(user):
    user.refresh_from_db()
    return user.digest_frequency


def test_get_shows_a_confirmation_and_changes_nothing(client, learner):
    response = client.get(url_for(digest.unsubscribe_token(learner)))
    assert response.status_code == 200
    assert "Stop digest emails?" in response.text
    assert 'method="post"' in response.text
    assert frequency_of(learner) == "weekly"
    assert not response.cookies  # no session, no CSRF cookie: nothing to remember
    assert "no-cache" in response["Cache-Control"]


def test_post_from_the_confirmation_form_turns_digests_off(client, learner):
    response = client.post(url_for(digest.unsubscribe_token(learner)), {"confirm": "unsubscribe"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.text
    assert frequency_of(learner) == "off"


def test_one_click_post_from_a_mail_client_works_without_cookies_or_csrf_token(learner):
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        url_for(digest.unsubscribe_token(learner)),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert frequency_of(learner) == "off"


def test_the_link_in_the_email_header_unsubscribes(learner, settings):
    settings.SITE_URL = "https://stepwise.example"
    header_url = digest.unsubscribe_url(learner)
    path = header_url.removeprefix("https://stepwise.example")
    Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert frequency_of(learner) == "off"


def test_posting_twice_is_harmless(client, learner):
    url = url_for(digest.unsubscribe_token(learner))
    client.post(url)
    assert client.post(url).status_code == 200
    assert "already off" in client.get(url).text
    assert frequency_of(learner) == "off"


def test_the_page_shows_whose_digest_it_is_without_the_full_address(client, learner):
    response = client.get(url_for(digest.unsubscribe_token(learner)))
    assert "l•••r@example.com" in response.text
    assert learner.email not in response.text


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_token_answers_400_and_changes_nothing(client, learner, method):
    forged = f"{learner.pk}:not-a-signature"
    response = getattr(client, method)(url_for(forged))
    assert response.status_code == 400
    assert "not valid" in response.text
    assert frequency_of(learner) == "weekly"


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_token_tampered_to_name_another_user_answers_400(client, learner, other_learner, method):
    _, signature = digest.unsubscribe_token(learner).split(":", 1)
    response = getattr(client, method)(url_for(f"{other_learner.pk}:{signature}"))
    assert response.status_code == 400
    assert frequency_of(other_learner) == "weekly" and frequency_of(learner) == "weekly"


@pytest.mark.parametrize("token", ["", "abc", "999999:xyz", "1:", ":::"])
def test_malformed_tokens_answer_400_not_500(client, learner, token):
    response = client.post(f"/digest/unsubscribe/{token}/")
    assert response.status_code in {400, 404}
    assert frequency_of(learner) == "weekly"


def test_changing_the_unsubscribe_salt_revokes_old_links(client, learner):
    token = digest.unsubscribe_token(learner)
    learner.unsubscribe_salt = "fresh-salt"
    learner.save()
    assert client.post(url_for(token)).status_code == 400
    assert frequency_of(learner) == "weekly"
    assert client.post(url_for(digest.unsubscribe_token(learner))).status_code == 200


def test_a_token_signed_with_another_secret_key_is_refused(client, learner, settings):
    original = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-of-the-same-respectable-length-0123456789"
    token = digest.unsubscribe_token(learner)
    settings.SECRET_KEY = original
    assert client.post(url_for(token)).status_code == 400


def test_other_methods_are_not_allowed(client, learner):
    assert client.put(url_for(digest.unsubscribe_token(learner))).status_code == 405


def test_links_already_sent_keep_working_and_one_kind_of_link_cannot_serve_another(learner):
    """The token format is what digests and notification emails have carried since they were
    first sent: the member's id (and, for notifications, the kind), signed per purpose."""
    from django.core import signing

    from community import notification_unsubscribe

    sent_digest_link = signing.Signer(salt=f"community.digest.unsubscribe:{learner.unsubscribe_salt}").sign(
        str(learner.pk)
    )
    sent_reply_link = signing.Signer(
        salt=f"community.notification_emails.unsubscribe:{learner.unsubscribe_salt}"
    ).sign(f"{learner.pk}.reply")

    assert digest.user_for_unsubscribe_token(sent_digest_link) == learner
    assert notification_unsubscribe.read_token(sent_reply_link)[0] == learner
    assert notification_unsubscribe.read_token(sent_reply_link)[1].verb == "reply"
    assert digest.user_for_unsubscribe_token(sent_reply_link) is None
    assert notification_unsubscribe.read_token(sent_digest_link) is None
