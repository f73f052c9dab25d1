"""Django's CommonMiddleware, with the Host check remembered per process (config.common): what
it refuses and redirects is what Django's refuses and redirects."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_host_not_allowed_is_refused_on_every_page_even_after_allowed_ones(settings):
    settings.ALLOWED_HOSTS = ["testserver", "stepwise.example"]
    client = Client()
    assert client.get("/api/v1/threads/", HTTP_HOST="stepwise.example").status_code == 200
    assert client.get("/api/v1/threads/", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/api/v1/threads/", HTTP_HOST="stepwise.example:8000").status_code == 200
    settings.ALLOWED_HOSTS = ["testserver"]
    assert client.get("/api/v1/threads/", HTTP_HOST="stepwise.example").status_code == 400


def test_a_path_without_its_slash_is_still_redirected_to_it():
    response = Client().get("/roadmaps")
    assert response.status_code == 301 and response["Location"] == "/roadmaps/"


def test_www_is_still_prepended_when_asked(settings):
    settings.PREPEND_WWW = True
    settings.ALLOWED_HOSTS = ["testserver", "stepwise.example"]
    response = Client().get("/roadmaps/", HTTP_HOST="stepwise.example")
    assert response.status_code == 301 and response["Location"] == "http://www.stepwise.example/roadmaps/"
