"""The whole review loop in Chromium: a learner marks a topic done and asks for a review with a
link and an explanation; a mentor finds it on the desk, claims it and asks for more work; the
learner replies and resubmits; the mentor verifies; the learner is told and sees the tick on
the map and on their profile."""

import pytest
from playwright.sync_api import expect

from community.models import ModerationAction, ReviewRequest
from roadmap.models import Progress
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_moderation_flow import signed_in
from tests.factories import MentorFactory, UserFactory, build_roadmap

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_claim_needs_work_resubmit_verify(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    roadmap, topics = build_roadmap(topics=3, sections=1, slug="backend")
    topic = topics[0]
    learner = UserFactory(username="nora", display_name="Nora")
    mentor = MentorFactory(username="grace", display_name="Grace")

    context, page, learner_errors = signed_in(browser, live_server, learner)
    page.goto(topic.get_absolute_url())
    page.locator("#status-panel").get_by_role("button", name="Done").click()
    expect(page.locator("#status-panel")).to_have_attribute("data-topic-status", "done")
    page.get_by_role("link", name="Ask a mentor to review your work").click()
    page.get_by_label("Links to your work").fill("http://github.com/nora/orders-api")
    page.get_by_label("Explain your work").fill("An orders API with **idempotency keys**.")
    page.get_by_role("button", name="Ask for a review").click()
    # Not https: refused, with what was typed kept.
    expect(page.get_by_text("is not an https link")).to_be_visible()
    expect(page.get_by_label("Explain your work")).to_have_value("An orders API with **idempotency keys**.")
    page.get_by_label("Links to your work").fill("https://github.com/nora/orders-api")
    page.get_by_role("button", name="Ask for a review").click()
    expect(page.get_by_text("Waiting for a mentor")).to_be_visible()
    expect(page.locator(".review-evidence strong")).to_have_text("idempotency keys")
    review_url = page.url

    mentor_context, mentor_page, mentor_errors = signed_in(browser, live_server, mentor)
    expect(mentor_page.locator("[data-waiting-reviews]")).to_contain_text("1")
    mentor_page.locator(".nav-desk").click()
    row = mentor_page.locator(".desk-item", has_text=topic.title)
    expect(row).to_contain_text("Nora")
    row.get_by_role("button", name="Claim").click()
    expect(mentor_page.get_by_text("you hold it until")).to_be_visible()
    mentor_page.get_by_label("Needs work").check()
    mentor_page.get_by_label("Feedback").fill("Add a test for a repeated key.")
    mentor_page.get_by_role("button", name="Send your answer").click()
    expect(mentor_page.get_by_text("Sent back with your feedback.")).to_be_visible()

    page.goto("/notifications/")
    expect(page.locator(".notification").first).to_contain_text("asked for more work")
    page.goto(review_url)
    expect(page.get_by_text("Add a test for a repeated key.")).to_be_visible()
    page.get_by_label("Your reply").fill("Added `test_repeated_key_returns_the_first_answer`.")
    page.get_by_role("button", name="Reply and resubmit").click()
    expect(page.get_by_text("Resubmitted: your mentor will look again.")).to_be_visible()

    mentor_page.goto("/mentor/")
    mentor_page.locator(".desk-item", has_text=topic.title).get_by_role("link", name=topic.title).click()
    expect(mentor_page.get_by_text("test_repeated_key_returns_the_first_answer")).to_be_visible()
    mentor_page.get_by_label("Verified: they have this").check()
    mentor_page.get_by_label("Feedback").fill("Well tested. You have this.")
    mentor_page.get_by_role("button", name="Send your answer").click()
    expect(mentor_page.get_by_text("Verified: the learner is told.")).to_be_visible()
    mentor_context.close()

    page.goto("/notifications/")
    expect(page.locator(".notification").first).to_contain_text("Grace verified your work")
    page.goto(roadmap.get_absolute_url())
    node = page.locator(f"#topic-{topic.slug}")
    expect(node.locator(".verified-badge")).to_be_visible()
    expect(page.locator(f"#topic-{topics[1].slug} .verified-badge")).to_be_hidden()
    page.goto(f"/u/{learner.username}/")
    expect(page.get_by_text("1 done, 1 topic verified by a mentor")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "mentorship-profile.png"), full_page=True)
    context.close()

    progress = Progress.objects.get(user=learner, topic=topic)
    assert progress.verified_by == mentor
    assert ReviewRequest.objects.get().state == ReviewRequest.State.VERIFIED
    assert list(
        ModerationAction.objects.filter(review__isnull=False).order_by("pk").values_list("action", flat=True)
    ) == ["review_claim", "review_needs_work", "review_verify"]
    # The one error the console reports is the refused link's answer: the form, re-rendered with a 400.
    assert learner_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    assert mentor_errors == []
