"""A section's project: its page, the links to it, a learner handing in their repository (which
opens a review request on the mentors' desk), and a verified project on the profile."""

import pytest
from django.test import Client
from django.urls import reverse

from community import mentorship
from community.models import MentorSection, Notification, OutboxEvent, ReviewRequest
from community.outbox import drain
from roadmap.models import Progress
from tests.factories import MentorFactory, ProjectFactory, UserFactory, build_roadmap
from tests.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    _, topics = build_roadmap(topics=4, sections=2, with_resources=False)
    return ProjectFactory(
        section=topics[0].section,
        title="Trace a request end to end",
        goal="Follow **one request** from the browser to your server.",
        requirements=["Log the `Host` header.", "Time each hop.", "Write it up in the README."],
        stretch="Do it again over HTTP/3.",
        hand_in="A repository with the script and a README.",
    )


def project_url(project):
    return reverse("roadmap:project-detail", args=[project.section.roadmap.slug, project.section_id])


def hand_in_url(project):
    return reverse("community:project-hand-in", args=[project.pk])


def test_the_project_page_shows_goal_requirements_stretch_and_hand_in(client, project):
    response = client.get(project_url(project))
    assert response.status_code == 200
    page = parse(response.text)
    assert page.find("h1").text == "Project 1: Trace a request end to end"
    assert [item.text for item in page.find("ol", class_="project-requirements").find_all("li")] == [
        "Log the Host header.",
        "Time each hop.",
        "Write it up in the README.",
    ]
    assert "Do it again over HTTP/3." in response.text
    assert "to hand in your repository" in response.text  # anonymous: a prompt to sign in


def test_the_map_and_the_sections_topics_link_to_the_project(client, project):
    roadmap = project.section.roadmap
    map_page = parse(client.get(reverse("roadmap:roadmap-detail", args=[roadmap.slug])).text)
    links = [a.attrs["href"] for a in map_page.find_all("a") if a.attrs.get("href") == project_url(project)]
    assert len(links) == 1
    topic = project.section.topics.first()
    topic_page = client.get(reverse("roadmap:topic-detail", args=[roadmap.slug, topic.slug])).text
    assert f'href="{project_url(project)}"' in topic_page


def test_a_section_without_a_project_has_no_project_page(client, project):
    other = project.section.roadmap.sections.exclude(pk=project.section_id).first()
    assert (
        client.get(reverse("roadmap:project-detail", args=[other.roadmap.slug, other.pk])).status_code == 404
    )


def test_handing_in_opens_a_review_request_for_the_project(client, learner, project):
    client.force_login(learner)
    response = client.post(
        hand_in_url(project), {"repository": "https://github.com/me/trace", "explanation": "Look at hop 3."}
    )
    review = ReviewRequest.objects.get(learner=learner)
    assert response.status_code == 302
    assert response["Location"] == review.get_absolute_url()
    assert (review.project_id, review.topic_id, review.state) == (project.pk, None, "open")
    assert review.links == ["https://github.com/me/trace"]
    page = client.get(review.get_absolute_url()).text
    assert "Review of “Trace a request end to end”" in page
    assert "Hand in" not in parse(client.get(project_url(project)).text).find(id="hand-in").text


@pytest.mark.parametrize(
    "repository, message",
    [
        ("", "Give the https link to your project's repository."),
        ("http://github.com/me/trace", "is not an https link"),
        ("github.com/me/trace", "is not an https link"),
    ],
)
def test_a_bad_link_is_refused_and_what_was_typed_stays(client, learner, project, repository, message):
    client.force_login(learner)
    response = client.post(hand_in_url(project), {"repository": repository, "explanation": "My notes"})
    assert response.status_code == 400
    page = parse(response.text)
    assert message in page.text
    field = page.find("input", name="repository")
    assert field.attrs.get("value", "") == repository
    assert "My notes" in response.text
    assert not ReviewRequest.objects.exists()


def test_a_second_hand_in_while_one_is_open_is_a_conflict(client, learner, project):
    client.force_login(learner)
    client.post(hand_in_url(project), {"repository": "https://github.com/me/trace"})
    response = client.post(hand_in_url(project), {"repository": "https://github.com/me/trace-2"})
    assert response.status_code == 409
    assert "still open" in response.text
    assert ReviewRequest.objects.count() == 1


def test_mentors_watching_the_section_are_told_and_see_it_on_the_desk(learner, project):
    mentor = MentorFactory()
    MentorSection.objects.create(mentor=mentor, section=project.section, watching=True)
    mentorship.request_project_review(
        learner=learner, project=project, repository="https://github.com/me/trace"
    )
    drain()
    notification = Notification.objects.get(recipient=mentor)
    assert "the project “Trace a request end to end”" in notification.text
    client = Client()
    client.force_login(mentor)
    desk = client.get(reverse("community:mentor-desk")).text
    assert "Trace a request end to end" in desk
    assert "Your section" in desk


def test_a_verified_project_shows_on_the_profile_and_leaves_progress_alone(learner, project):
    mentor = MentorFactory()
    review = mentorship.request_project_review(
        learner=learner, project=project, repository="https://github.com/me/trace"
    )
    mentorship.claim(mentor=mentor, review=review)
    mentorship.decide(mentor=mentor, review=review, verdict="verified", feedback="Clear write-up.")
    assert not Progress.objects.filter(user=learner).exists()
    assert OutboxEvent.objects.filter(kind=OutboxEvent.Kind.REVIEW_NOTICE).exists()
    learner.is_progress_public = True
    learner.save()
    page = parse(Client().get(reverse("accounts:profile", args=[learner.username])).text)
    projects = page.find("ul", class_="verified-projects")
    assert "Trace a request end to end" in projects.text
    hand_in = Client()
    hand_in.force_login(learner)
    block = parse(hand_in.get(project_url(project)).text).find(id="hand-in")
    assert "Verified by" in block.text
    assert block.find_all("form") == []


def test_a_private_profile_hides_verified_projects_from_others(learner, project):
    mentor = MentorFactory()
    review = mentorship.request_project_review(
        learner=learner, project=project, repository="https://github.com/me/x"
    )
    mentorship.claim(mentor=mentor, review=review)
    mentorship.decide(mentor=mentor, review=review, verdict="verified", feedback="Good.")
    learner.is_progress_public = False
    learner.save()
    client = Client()
    client.force_login(UserFactory())
    assert "Verified projects" not in client.get(reverse("accounts:profile", args=[learner.username])).text
