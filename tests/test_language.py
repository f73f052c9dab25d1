"""Which language a page is served in: `?lang=`, the member's saved choice, the switcher's
cookie, the browser's Accept-Language, English; and a cached page never in the wrong one."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ThreadFactory
from tests.html import parse

pytestmark = pytest.mark.django_db

COOKIE = "language"


def page_language(response) -> str:
    return parse(response.text).find("html").attrs["lang"]


def test_the_browser_language_is_used_when_nothing_was_chosen():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")
    assert page_language(response) == "es"
    assert response["Content-Language"] == "es"
    assert {"Accept-Language", "Cookie"} <= {part.strip() for part in response["Vary"].split(",")}


def test_a_language_we_do_not_ship_falls_back_to_english():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert page_language(response) == "en"


def test_the_switcher_cookie_wins_over_the_browser():
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.cookies[COOKIE] = "de"
    assert page_language(client.get("/")) == "de"


def test_lang_in_the_url_serves_that_language_once_without_remembering_it():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[COOKIE] = "de"
    response = client.get("/discussions/", {"lang": "es"})
    assert page_language(response) == "es"
    assert COOKIE not in response.cookies
    assert page_language(client.get("/discussions/")) == "de"


def test_every_page_names_its_other_languages_for_search_engines(settings):
    settings.SITE_URL = "https://stepwise.example"
    page = parse(Client().get("/discussions/", {"lang": "de"}).text)
    alternates = {
        link.attrs["hreflang"]: link.attrs["href"]
        for link in page.find_all("link", rel="alternate")
        if "hreflang" in link.attrs  # not the feeds
    }
    assert alternates == {
        "en": "https://stepwise.example/discussions/",
        "es": "https://stepwise.example/discussions/?lang=es",
        "de": "https://stepwise.example/discussions/?lang=de",
        "x-default": "https://stepwise.example/discussions/",
    }
    assert page.find("link", rel="canonical").attrs["href"] == "https://stepwise.example/discussions/?lang=de"


def test_a_warm_cache_never_serves_a_page_in_another_language(django_assert_num_queries):
    ThreadFactory(title="Cached in three languages")
    asks = [
        ({"HTTP_ACCEPT_LANGUAGE": "es"}, {}, "es"),
        ({"HTTP_ACCEPT_LANGUAGE": "de"}, {}, "de"),
        ({}, {}, "en"),
        ({"HTTP_ACCEPT_LANGUAGE": "es"}, {COOKIE: "de"}, "de"),
        ({"HTTP_ACCEPT_LANGUAGE": "de"}, {COOKIE: "es"}, "es"),
        ({"HTTP_ACCEPT_LANGUAGE": "de"}, {COOKIE: "en"}, "en"),
    ]
    for round_number in range(3):
        for headers, cookies, expected in asks:
            client = Client(**headers)
            client.cookies.load(cookies)
            if round_number:  # warm: every page now comes from the cache, and still in its language
                with django_assert_num_queries(0):
                    response = client.get("/discussions/")
            else:
                response = client.get("/discussions/")
            assert page_language(response) == expected, (headers, cookies)
            assert response["Content-Language"] == expected


def test_the_switcher_remembers_the_choice_and_goes_back_without_lang():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        reverse("set-language"), {"language": "es", "next": "/discussions/?tab=top&lang=de"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/discussions/?tab=top"
    assert response.cookies[COOKIE].value == "es"
    assert page_language(client.get("/discussions/")) == "es"


def test_the_switcher_goes_back_to_the_referring_page_of_this_site_only():
    client = Client()
    came_from = client.post(
        reverse("set-language"), {"language": "de"}, HTTP_REFERER="http://testserver/roadmaps/"
    )
    assert came_from["Location"] == "http://testserver/roadmaps/"
    elsewhere = client.post(
        reverse("set-language"), {"language": "de"}, HTTP_REFERER="https://evil.example/phish"
    )
    assert elsewhere["Location"] == "/"


def test_the_switcher_refuses_a_language_we_do_not_ship_in_words():
    response = Client().post(reverse("set-language"), {"language": "fr"})
    assert response.status_code == 400
    assert "Choose one of the languages offered: en, es, de." in response.text
    assert COOKIE not in response.cookies


def test_the_switcher_is_on_every_page_and_marks_the_current_language():
    page = parse(Client(HTTP_ACCEPT_LANGUAGE="de").get("/").text)
    form = page.find("form", class_="language-switcher")
    assert form.attrs["action"] == reverse("set-language") and form.attrs["method"] == "post"
    buttons = {button.attrs["value"]: button for button in form.find_all("button")}
    assert set(buttons) == {"en", "es", "de"}
    assert buttons["de"].attrs.get("aria-current") == "true" and "aria-current" not in buttons["es"].attrs
    assert buttons["es"].attrs["lang"] == "es" and buttons["es"].text == "Español"


def test_a_member_who_switches_keeps_the_choice_on_their_account(learner_client, learner):
    learner_client.post(reverse("set-language"), {"language": "de"})
    learner.refresh_from_db()
    assert learner.language == "de"


def test_signing_in_brings_the_saved_choice(learner, password):
    learner.language = "es"
    learner.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.cookies[COOKIE] = "de"
    response = client.post(reverse("account_login"), {"login": learner.email, "password": password})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "es"
    assert page_language(client.get("/")) == "es"


def test_the_saved_choice_wins_over_a_cookie_from_another_day(learner_client, learner):
    learner.language = "de"
    learner.save(update_fields=["language"])
    learner_client.cookies[COOKIE] = "es"
    response = learner_client.get("/discussions/")
    assert page_language(response) == "de"
    assert response.cookies[COOKIE].value == "de"


def test_settings_save_the_language_and_clearing_it_gives_the_browser_back(learner_client, learner):
    form = {
        "display_name": "",
        "bio": "",
        "timezone": "UTC",
        "language": "de",
        "digest_frequency": "weekly",
        "digest_hour": "8",
        "is_progress_public": "on",
        "weekly_goal": "",
    }
    saved = learner_client.post(reverse("accounts:settings"), form)
    assert saved.status_code == 302 and saved.cookies[COOKIE].value == "de"
    learner.refresh_from_db()
    assert learner.language == "de"

    cleared = learner_client.post(reverse("accounts:settings"), {**form, "language": ""})
    assert cleared.cookies[COOKIE].value == "" and cleared.cookies[COOKIE]["max-age"] == 0
    page = learner_client.get("/discussions/", HTTP_ACCEPT_LANGUAGE="es")
    assert page_language(page) == "es"


def test_the_api_and_the_export_carry_the_saved_language(learner_client, learner):
    response = learner_client.patch("/api/v1/me/", {"language": "es"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["language"] == "es"
    learner.refresh_from_db()
    assert learner.language == "es"
    refused = learner_client.patch("/api/v1/me/", {"language": "fr"}, content_type="application/json")
    assert refused.status_code == 400 and list(refused.json()["error"]["fields"]) == ["language"]
    export = learner_client.get(reverse("accounts:export")).json()
    assert export["profile"]["language"] == "es"


def test_a_language_taken_off_the_site_is_no_longer_chosen_for_a_browser_that_asked_before(settings):
    """The choice for each Accept-Language is remembered per process, and forgotten when the
    languages change."""
    assert Client(HTTP_ACCEPT_LANGUAGE="de").get("/")["Content-Language"] == "de"
    settings.LANGUAGES = [(code, name) for code, name in settings.LANGUAGES if code != "de"]
    assert Client(HTTP_ACCEPT_LANGUAGE="de").get("/")["Content-Language"] == "en"
