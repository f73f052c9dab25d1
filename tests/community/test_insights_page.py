"""/insights/, where learners get stuck, for mentors and admins: who may see it, the table sorted
and filtered, the funnel and the trends, the CSV, and a query count flat with the data."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import insights
from roadmap.models import ProgressEvent
from tests.factories import AdminFactory, MentorFactory, UserFactory, build_roadmap
from tests.html import parse

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 6

ROLES = {
    "anonymous": (None, 302),
    "learner": (UserFactory, 403),
    "suspended": (lambda: MentorFactory(suspended_until=timezone.now() + timedelta(days=1)), 403),
    "mentor": (MentorFactory, 200),
    "admin": (AdminFactory, 200),
}


def journey(topic, *, days: float, finished_ago: float = 1, learner=None):
    """A learner who started `topic` and finished it `days` later, `finished_ago` days ago."""
    learner = learner or UserFactory()
    now = timezone.now()
    ProgressEvent.objects.create(
        user=learner, topic=topic, kind="learning", created_at=now - timedelta(days=finished_ago + days)
    )
    ProgressEvent.objects.create(
        user=learner, topic=topic, kind="done", created_at=now - timedelta(days=finished_ago)
    )
    return learner


def started_only(topic):
    ProgressEvent.objects.create(user=UserFactory(), topic=topic, kind="learning", created_at=timezone.now())


@pytest.fixture
def mentor_client():
    client = Client()
    client.force_login(MentorFactory())
    return client


def page_of(response):
    return parse(response.text)


def topic_order(response) -> list[str]:
    table = page_of(response).find("div", class_="insights-table").find("tbody")
    return [heading.find_all("a")[0].text for heading in table.find_all("th")]


@pytest.mark.parametrize("path", ["community:insights", "community:insights-csv"])
@pytest.mark.parametrize("role", list(ROLES))
def test_only_mentors_and_admins_see_where_learners_get_stuck(role, path):
    make, expected = ROLES[role]
    client = Client()
    if make:
        client.force_login(make())
    response = client.get(reverse(path))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("account_login"))


def test_the_mentors_menu_links_to_the_page_and_a_learners_does_not(mentor_client):
    link = reverse("community:insights")
    assert f'href="{link}"' in mentor_client.get("/").text
    learner = Client()
    learner.force_login(UserFactory())
    assert f'href="{link}"' not in learner.get("/").text


def test_the_table_sorts_by_each_column_both_ways(mentor_client):
    _, topics = build_roadmap(topics=3, sections=1)
    slow, quick, unfinished = topics
    journey(slow, days=9)
    journey(quick, days=1)
    for _ in range(3):
        started_only(unfinished)
    insights.refresh_topic_insights()
    url = reverse("community:insights")
    assert topic_order(mentor_client.get(url, {"sort": "-median_days"})) == [
        slow.title,
        quick.title,
        unfinished.title,
    ]
    # Without a median, a topic goes last either way.
    assert topic_order(mentor_client.get(url, {"sort": "median_days"})) == [
        quick.title,
        slow.title,
        unfinished.title,
    ]
    assert topic_order(mentor_client.get(url, {"sort": "-started"}))[0] == unfinished.title
    page = page_of(mentor_client.get(url, {"sort": "-started"}))
    sorted_heading = page.find("th", aria_sort="descending").find("a")
    assert sorted_heading.text.startswith("Started")
    assert "sort=started" in sorted_heading.attrs["href"]  # choosing it again sorts the other way


def test_the_table_filters_by_roadmap_and_section(mentor_client):
    backend, backend_topics = build_roadmap(topics=4, sections=2, slug="backend")
    _, frontend_topics = build_roadmap(topics=1, sections=1, slug="frontend")
    insights.refresh_topic_insights()
    url = reverse("community:insights")
    assert len(topic_order(mentor_client.get(url, {"roadmap": backend.pk}))) == 4
    section = backend_topics[0].section
    shown = topic_order(mentor_client.get(url, {"roadmap": backend.pk, "section": section.pk}))
    assert set(shown) == {topic.title for topic in backend_topics if topic.section == section}
    assert frontend_topics[0].title not in topic_order(mentor_client.get(url, {"roadmap": backend.pk}))


def test_bad_filters_are_explained_with_a_400(mentor_client):
    backend, _ = build_roadmap(topics=1, sections=1, slug="backend")
    _, frontend_topics = build_roadmap(topics=1, sections=1, slug="frontend")
    url = reverse("community:insights")
    response = mentor_client.get(url, {"roadmap": backend.pk, "section": frontend_topics[0].section.pk})
    assert response.status_code == 400
    assert "This section is not in the roadmap you chose." in response.text
    assert mentor_client.get(url, {"sort": "password"}).status_code == 400
    csv_response = mentor_client.get(reverse("community:insights-csv"), {"roadmap": "nope"})
    assert csv_response.status_code == 400
    assert "valid choice" in csv_response.text


def test_bad_filters_asked_again_are_explained_again_and_an_unpublished_roadmap_no_longer_filters(
    mentor_client,
):
    backend, _ = build_roadmap(topics=1, sections=1, slug="backend")
    url = reverse("community:insights")
    for _ in range(2):
        response = mentor_client.get(url, {"sort": "password"})
        assert response.status_code == 400
        assert "Select a valid choice" in response.text
    assert mentor_client.get(url, {"roadmap": backend.pk}).status_code == 200
    backend.is_published = False
    backend.save()
    assert mentor_client.get(url, {"roadmap": backend.pk}).status_code == 400


def test_the_funnel_shows_each_sections_topics_started_and_finished(mentor_client):
    _, topics = build_roadmap(topics=2, sections=2)
    journey(topics[0], days=2)
    started_only(topics[0])
    started_only(topics[1])
    insights.refresh_topic_insights()
    funnel = page_of(mentor_client.get(reverse("community:insights"))).find("table", class_="insights-funnel")
    cells = [[cell.text for cell in row.find_all("td")][:3] for row in funnel.find("tbody").find_all("tr")]
    assert cells == [["2", "1", "50%"], ["1", "0", "0%"]]


def test_the_trends_count_this_weeks_and_earlier_weeks_starts_and_finishes(mentor_client):
    _, topics = build_roadmap(topics=1, sections=1)
    journey(topics[0], days=0.01, finished_ago=0)
    journey(topics[0], days=0.01, finished_ago=21)
    journey(topics[0], days=0.01, finished_ago=400)  # before the trends' weeks
    insights.refresh_topic_insights()
    page = page_of(mentor_client.get(reverse("community:insights")))
    rows = page.find("table", class_="insights-weeks").find("tbody").find_all("tr")
    weeks = [[cell.text for cell in row.find_all("td")] for row in rows]
    assert len(weeks) == insights.TREND_WEEKS
    assert weeks[-1] == ["1", "1"]
    assert sum(int(started) for started, _ in weeks) == 2
    assert (
        "2 started and 2 finished"
        in page.find("figure", class_="insights-trend").find("svg").attrs["aria-label"]
    )


def test_the_csv_has_every_filtered_row_in_the_chosen_order(mentor_client):
    _, topics = build_roadmap(topics=60, sections=2)
    journey(topics[5], days=3)
    insights.refresh_topic_insights()
    response = mentor_client.get(reverse("community:insights-csv"), {"sort": "-finished"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Roadmap", "Section", "Topic", "On it now"]
    assert len(rows) == 61  # every row, though the page shows 50
    assert rows[1][2] == topics[5].title
    assert rows[1][6] == "3.0"


def test_the_page_reads_the_same_number_of_queries_however_much_data(
    mentor_client, django_assert_num_queries
):
    url = reverse("community:insights")
    mentor_client.get(url)  # the member's session, warm in the cache
    build_roadmap(topics=3, sections=1, slug="small")
    insights.refresh_topic_insights()
    # The filters' roadmaps and sections, the count and the page of rows, the funnel and the
    # weeks (the header's counts are cached for every mentor).
    with django_assert_num_queries(QUERY_BUDGET):
        assert mentor_client.get(url).status_code == 200
    _, topics = build_roadmap(topics=80, sections=6, slug="large")
    for topic in topics[:10]:
        journey(topic, days=2)
    insights.refresh_topic_insights()
    with django_assert_num_queries(QUERY_BUDGET):
        assert mentor_client.get(url, {"sort": "-finished", "page": "2"}).status_code == 200


def test_the_report_is_read_once_for_every_mentor_until_the_next_refresh(django_assert_num_queries):
    _, topics = build_roadmap(topics=3, sections=1)
    for _ in range(3):
        journey(topics[0], days=2)
    insights.refresh_topic_insights()
    url = reverse("community:insights")
    first, second = Client(), Client()
    first.force_login(MentorFactory())
    second.force_login(AdminFactory())
    for client in (first, second):
        client.get(reverse("home"))  # the member's session, warm in the cache
    assert first.get(url).status_code == 200
    # The report and the header's counts come from the cache.
    with django_assert_num_queries(0):
        shown = second.get(url)
    assert [row[3] for row in table_rows(shown)][:1] == ["3"]
    journey(topics[0], days=2)
    insights.refresh_topic_insights()
    assert [row[3] for row in table_rows(second.get(url))][:1] == ["4"]


def table_rows(response) -> list[list[str]]:
    body = page_of(response).find("div", class_="insights-table").find("tbody")
    return [
        [row.find("th").text.strip()] + [cell.text.strip() for cell in row.find_all("td")]
        for row in body.find_all("tr")
    ]
