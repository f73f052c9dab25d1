"""KeptPagesMiddleware: an anonymous page @anonymous_page keeps is served again whole, before
the rest of the middleware runs, and never after what it shows has changed, in another
language or theme, to a visitor with a session, or for a URL it cannot judge alone."""

from datetime import datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from community import services
from config.caching import TIMEOUTS
from config.page_cache import kept_pages, kept_searches
from tests.factories import CommentFactory, TagFactory, ThreadFactory, UserFactory, build_roadmap

pytestmark = pytest.mark.django_db

# Headers the rest of the stack adds; a kept page must carry them as it did.
STACK_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Vary",
    "Cache-Control",
)


def served_before_the_stack(response) -> bool:
    """The authentication middleware, further in, gives every request it sees a user."""
    return not hasattr(response.wsgi_request, "user")


@pytest.fixture
def thread():
    thread = ThreadFactory(title="Indexes and when they help")
    CommentFactory(thread=thread, body_html="<p>A first reply.</p>")
    return thread


def test_an_anonymous_page_is_served_again_whole_with_the_headers_of_the_first(thread):
    first = Client().get(thread.get_absolute_url())
    again = Client().get(thread.get_absolute_url())
    assert not served_before_the_stack(first) and served_before_the_stack(again)
    assert again.status_code == 200 and again.content == first.content
    for header in STACK_HEADERS:
        assert again.headers.get(header) == first.headers.get(header), header
    assert again["X-Request-ID"] and again["X-Request-ID"] != first["X-Request-ID"]
    assert not again.cookies


def test_a_write_shows_on_the_next_request(thread):
    Client().get(thread.get_absolute_url())
    assert served_before_the_stack(Client().get(thread.get_absolute_url()))
    services.create_comment(thread=thread, author=UserFactory(), body="A reply written just now.")
    after = Client().get(thread.get_absolute_url())
    assert "A reply written just now." in after.text
    assert not served_before_the_stack(after)


def test_each_language_and_theme_is_kept_apart():
    build_roadmap(topics=3)
    url = "/roadmaps/"
    for _ in range(2):
        english = Client().get(url)
        in_spanish = Client().get(url, HTTP_ACCEPT_LANGUAGE="es")
        assert english["Content-Language"] == "en" and in_spanish["Content-Language"] == "es"
        assert 'lang="en"' in english.text and 'lang="es"' in in_spanish.text
    assert served_before_the_stack(english) and served_before_the_stack(in_spanish)
    german = Client()
    german.cookies["django_language"] = "de"
    german.get(url)
    assert 'lang="de"' in german.get(url).text
    dark = Client()
    dark.cookies["theme"] = "dark"
    first_dark = dark.get(url)
    assert 'data-theme="dark"' in first_dark.text and 'data-theme="dark"' not in english.text
    assert 'data-theme="dark"' in dark.get(url).text


def test_a_visitor_with_a_session_messages_or_htmx_is_never_served_a_kept_page(thread, learner, password):
    url = thread.get_absolute_url()
    Client().get(url)
    assert served_before_the_stack(Client().get(url))
    member = Client()
    member.post(reverse("account_login"), {"login": learner.email, "password": password})
    signed_in = member.get(url)
    assert not served_before_the_stack(signed_in) and "private" in signed_in["Cache-Control"]
    with_messages = Client()
    with_messages.cookies["messages"] = "anything"
    assert not served_before_the_stack(with_messages.get(url))
    assert not served_before_the_stack(Client().get(url, HTTP_HX_REQUEST="true"))


def test_a_host_not_allowed_is_refused_as_before(thread):
    Client().get(thread.get_absolute_url())
    assert Client().get(thread.get_absolute_url(), HTTP_HOST="evil.example").status_code == 400


def test_a_host_taken_off_the_allowed_hosts_is_refused_at_once(thread, settings):
    """The hosts found allowed are remembered per process, and forgotten when the setting changes."""
    settings.ALLOWED_HOSTS = ["testserver", "old.example"]
    assert Client().get(thread.get_absolute_url(), HTTP_HOST="old.example").status_code == 200
    assert Client().get(thread.get_absolute_url(), HTTP_HOST="old.example").status_code == 200
    settings.ALLOWED_HOSTS = ["testserver"]
    assert Client().get(thread.get_absolute_url(), HTTP_HOST="old.example").status_code == 400


@override_settings(SECURE_SSL_REDIRECT=True)
def test_a_plain_http_request_is_redirected_not_served(thread):
    Client().get(thread.get_absolute_url(), secure=True)
    plain = Client().get(thread.get_absolute_url())
    assert plain.status_code == 301 and plain["Location"].startswith("https://")


def test_urls_judged_by_stored_data_or_spelled_otherwise_are_not_kept():
    TagFactory(slug="http")
    ThreadFactory(title="Tagged")
    for query in ({"tag": "http"}, {"utm_source": "newsletter"}, {"page": "01"}):
        Client().get("/discussions/", query)
        assert not served_before_the_stack(Client().get("/discussions/", query)), query
    assert not kept_pages._values or all(key[1] == "" for key in kept_pages._values)


def test_a_profile_is_kept_until_its_owners_midnight_when_its_calendar_moves_on(monkeypatch):
    monkeypatch.setitem(TIMEOUTS, "page", 3 * 24 * 3600)  # so that the day ends first
    owner = UserFactory(username="ada", timezone="Pacific/Auckland")
    Client().get(f"/u/{owner.username}/")
    assert served_before_the_stack(Client().get(f"/u/{owner.username}/"))
    [expires] = [expires for key, (_, _, expires) in kept_pages._values.items() if key[0] == "/u/ada/"]
    local = timezone.localtime(timezone.now(), ZoneInfo("Pacific/Auckland"))
    midnight = datetime.combine(local.date() + timedelta(days=1), time.min, ZoneInfo("Pacific/Auckland"))
    assert abs((expires - monotonic()) - (midnight - timezone.now()).total_seconds()) < 5


def test_a_profile_renamed_is_not_served_at_its_old_address():
    owner = UserFactory(username="ada")
    Client().get("/u/ada/")
    assert served_before_the_stack(Client().get("/u/ada/"))
    owner.username = "ada_l"
    owner.save()
    assert Client().get("/u/ada/").status_code == 404


def test_a_head_request_is_answered_with_the_kept_pages_headers(thread):
    page = Client().get(thread.get_absolute_url())
    head = Client().head(thread.get_absolute_url())
    assert served_before_the_stack(head) and head.status_code == 200
    assert head["Content-Length"] == page["Content-Length"] == str(len(page.content))


def test_a_search_is_kept_and_a_new_thread_shows_in_it_at_once():
    ThreadFactory(title="Indexes")
    Client().get("/search/", {"q": "indexes"})
    again = Client().get("/search/", {"q": "indexes"})
    assert again.status_code == 200 and served_before_the_stack(again)
    ThreadFactory(title="Indexes on expressions")
    after = Client().get("/search/", {"q": "indexes"})
    assert "Indexes on expressions" in after.text and not served_before_the_stack(after)


def test_searches_are_kept_apart_so_many_of_them_push_out_no_other_page(thread, monkeypatch):
    Client().get(thread.get_absolute_url())
    monkeypatch.setattr(kept_searches, "max_bytes", 5 * len(Client().get("/search/", {"q": "word0"}).content))
    for number in range(12):
        Client().get("/search/", {"q": f"word{number}"})
    assert served_before_the_stack(Client().get(thread.get_absolute_url()))
    assert served_before_the_stack(Client().get("/search/", {"q": "word11"}))
    assert not served_before_the_stack(Client().get("/search/", {"q": "word0"}))


def test_a_moved_cache_epoch_retires_every_kept_page(thread):
    from django.core.cache import cache

    from config.cache import EPOCH_KEY

    Client().get(thread.get_absolute_url())
    assert served_before_the_stack(Client().get(thread.get_absolute_url()))
    cache.set(EPOCH_KEY, "moved-by-a-process-that-lost-redis", None)
    assert not served_before_the_stack(Client().get(thread.get_absolute_url()))
