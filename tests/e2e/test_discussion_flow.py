import re

import pytest
from playwright.sync_api import expect

from community.models import Thread
from tests.e2e.conftest import ARTIFACTS, signed_in
from tests.factories import CommentFactory, ThreadFactory, UserFactory, build_roadmap

pytestmark = pytest.mark.django_db(transaction=True)


def test_question_from_a_topic_gets_a_mention_reply_and_an_accepted_answer(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    _, topics = build_roadmap(topics=4, sections=1)
    asker = UserFactory(username="asker", display_name="Asker")
    helper = UserFactory(username="helper", display_name="Helper")

    asker_context, asker_page, asker_errors = signed_in(browser, live_server, asker)
    asker_page.goto(topics[2].get_absolute_url())
    asker_page.get_by_role("link", name="Ask about this topic").click()
    asker_page.get_by_label("Title").fill("Which status code for a duplicate email?")
    asker_page.get_by_label("Body").fill("Should my signup API answer 400 or 409 when the email is taken?")
    asker_page.get_by_role("button", name="Post thread").click()
    expect(asker_page.get_by_role("heading", level=1)).to_have_text(
        "Which status code for a duplicate email?"
    )
    thread = Thread.objects.get()
    assert thread.topic == topics[2]

    helper_context, helper_page, helper_errors = signed_in(browser, live_server, helper)
    helper_page.goto(topics[2].get_absolute_url())
    helper_page.get_by_role("link", name="Which status code for a duplicate email?").click()
    helper_page.get_by_role("textbox", name="Your reply").fill(
        "@asker use **409 Conflict**: the request is fine, the state conflicts."
    )
    helper_page.get_by_role("button", name="Post reply").click()
    expect(helper_page.locator(".comment-list .prose strong")).to_have_text("409 Conflict")
    expect(helper_page.locator(".comment-list .prose a.mention")).to_have_text("@asker")

    asker_page.goto("/")
    expect(asker_page.locator("[data-unread-count]")).to_contain_text("1")
    asker_page.locator(".nav-icon").click()
    expect(asker_page.locator(".notification").first).to_contain_text("Helper mentioned you in")
    asker_page.get_by_role("link", name="Which status code for a duplicate email?").click()
    asker_page.get_by_role("button", name="Accept as answer").click()
    expect(asker_page.locator(".accepted-answer")).to_contain_text("409 Conflict")
    expect(asker_page.locator(".thread-meta .badge-answered")).to_have_text("Answered")
    ARTIFACTS.mkdir(exist_ok=True)
    asker_page.screenshot(path=str(ARTIFACTS / "discussion-answered.png"), full_page=True)

    helper_page.goto("/notifications/")
    expect(helper_page.locator(".notification").first).to_contain_text("accepted your answer")
    helper_page.goto("/discussions/?tab=unanswered")
    expect(helper_page.get_by_text("Which status code for a duplicate email?")).to_have_count(0)
    assert asker_errors == [] and helper_errors == []
    asker_context.close()
    helper_context.close()
    assert re.search(r"/discussions/\d+/", thread.get_absolute_url())


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "plain-forms"])
def test_a_reaction_and_the_save_button_go_on_and_off_and_stay_so(browser, live_server, settings, javascript):
    """Each button posts the state it asks for, with htmx or as a plain form, and the page
    built from the shared cache shows the member's state after a reload."""
    settings.ALLOWED_HOSTS = ["*"]
    thread = ThreadFactory(title="How do I read an EXPLAIN plan?")
    member = UserFactory()
    context, page, _ = signed_in(browser, live_server, member, javascript=javascript)
    page.goto(thread.get_absolute_url())

    like = page.locator(f'#reactions-thread-{thread.pk} button[value="like"]')
    save = page.locator(".toggle-form button").filter(has_text=re.compile("Save for later|Saved"))
    for pressed, count, save_text in [("true", "1", "Saved"), ("false", "0", "Save for later")]:
        like.click()
        expect(like).to_have_attribute("aria-pressed", pressed)
        expect(like).to_contain_text(count)
        save.click()
        expect(save).to_have_text(save_text)
        page.reload()
        expect(like).to_have_attribute("aria-pressed", pressed)
        expect(save).to_have_text(save_text)
    thread.refresh_from_db()
    assert (thread.like_count, thread.reaction_count) == (0, 0)
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "plain-forms"])
def test_a_reply_nobody_reacted_to_is_reacted_to_through_its_react_link(
    browser, live_server, settings, javascript
):
    """A reply shows only the reactions given; its React link offers all three, in place with
    the keyboard's focus on the first, or on a page of its own that comes back to the reply."""
    settings.ALLOWED_HOSTS = ["*"]
    comment = CommentFactory(author=UserFactory(username="answerer"))
    member = UserFactory()
    context, page, _ = signed_in(browser, live_server, member, javascript=javascript)
    page.goto(comment.thread.get_absolute_url())

    reactions = page.locator(f"#c{comment.pk} .reactions")
    expect(reactions.locator("button")).to_have_count(0)
    reactions.get_by_role("link", name="React").click()
    if javascript:
        expect(reactions.locator("button")).to_have_count(3)
        expect(reactions.locator('button[value$=":like"]')).to_be_focused()
    else:
        expect(page.get_by_role("heading", level=1)).to_have_text("React to this reply")
    page.locator(f'button[value="{comment.pk}:helpful"]').click()
    helpful = page.locator(f'#c{comment.pk} .reactions button[value$=":helpful"]')
    expect(helpful).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(helpful).to_contain_text("1")

    if javascript:
        page.locator(f"#c{comment.pk} footer").get_by_role("link", name="Reply").click()
        expect(page.locator("[data-replying-to]")).to_contain_text("@answerer")
    context.close()
