"""Taking a topic's quiz in Chromium, on a phone and on a desktop: fail, read the explanations,
try again with the options in a new order, pass; the pass shows on the map. Also in the map's
drawer, with the keyboard only, and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from roadmap.models import Progress, QuizAttempt
from tests.e2e.conftest import SCREENS, save_screenshot
from tests.factories import UserFactory, add_quiz, build_roadmap

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quiz_topic():
    roadmap, topics = build_roadmap(topics=4, sections=2, with_resources=False)
    add_quiz(topics[0], questions=3, multiple=1)
    return topics[0]


def right_texts(topic) -> dict[str, set[str]]:
    """For each question's text, the texts of its right options."""
    return {
        question.text: {option.text for option in question.options.all() if option.is_correct}
        for question in topic.quiz_questions.all()
    }


def answer(quiz, topic, *, wrong_first: bool) -> None:
    """Tick the options of every question: all right, or the first question's wrong option."""
    for index, (question, right) in enumerate(sorted(right_texts(topic).items())):
        fieldset = quiz.locator("fieldset", has_text=question)
        for label in fieldset.locator("label").all():
            text = label.inner_text().strip()
            choose = (
                (text not in right and text.startswith("Answer 3"))
                if (wrong_first and index == 0)
                else text in right
            )
            if choose:
                label.click()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_learner_fails_reads_the_explanations_retries_and_passes(screen_page, quiz_topic, screen):
    learner = UserFactory()
    page = screen_page(SCREENS[screen], learner)
    page.goto(quiz_topic.get_absolute_url())
    quiz = page.locator("#quiz")
    expect(quiz.get_by_role("heading", name=re.compile("Check yourself"))).to_be_visible()
    expect(quiz.get_by_text("Choose all that apply.")).to_be_visible()
    first_order = [label.inner_text() for label in quiz.locator("label").all()]

    answer(quiz, quiz_topic, wrong_first=True)
    quiz.get_by_role("button", name="Check my answers").click()
    expect(quiz.locator(".quiz-score")).to_contain_text("2 of 3 questions right.")
    expect(quiz.locator(".quiz-explanation")).to_have_count(9)
    expect(quiz.get_by_text("Why answer 3 to question 1 is wrong.")).to_be_visible()
    save_screenshot(page, f"quiz-failed-{screen}")
    if screen == "phone":
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1]

    quiz.get_by_role("link", name="Try again").click()
    expect(quiz.get_by_role("button", name="Check my answers")).to_be_visible()
    orders = {tuple(first_order)}
    for _ in range(5):  # a new shuffle each time (three questions of three options: rarely the same)
        orders.add(tuple(label.inner_text() for label in page.locator("#quiz label").all()))
        if len(orders) > 1:
            break
        page.reload()
    assert len(orders) > 1

    answer(page.locator("#quiz"), quiz_topic, wrong_first=False)
    page.locator("#quiz").get_by_role("button", name="Check my answers").click()
    expect(page.locator("#quiz .quiz-score")).to_contain_text("Passed: all 3 questions right.")
    save_screenshot(page, f"quiz-passed-{screen}")
    assert QuizAttempt.objects.filter(learner=learner).count() == 2
    assert Progress.objects.get(user=learner, topic=quiz_topic).quiz_passed_at is not None

    page.goto(quiz_topic.roadmap.get_absolute_url())
    node = page.locator(f"#topic-{quiz_topic.slug}")
    expect(node).to_have_class(re.compile("quiz-passed"))
    expect(node.locator(".quiz-mark")).to_have_text("★ Quiz passed")
    assert page.console_errors == []


def test_the_quiz_in_the_maps_drawer_with_the_keyboard_only(screen_page, quiz_topic):
    learner = UserFactory()
    page = screen_page(SCREENS["desktop"], learner)
    page.goto(quiz_topic.roadmap.get_absolute_url())
    page.locator(f"#topic-{quiz_topic.slug} a.node-title").click()
    quiz = page.locator("#topic-panel #quiz")
    expect(quiz).to_be_visible()
    rights = right_texts(quiz_topic)
    for question, right in sorted(rights.items()):
        fieldset = quiz.locator("fieldset", has_text=question)
        for label in fieldset.locator("label").all():
            if label.inner_text().strip() in right:
                label.locator("input").focus()
                page.keyboard.press("Space")
                if label.locator("input").get_attribute("type") == "radio":
                    expect(label.locator("input")).to_be_checked()
    quiz.get_by_role("button", name="Check my answers").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#topic-panel #quiz .quiz-score")).to_contain_text("Passed")
    save_screenshot(page, "quiz-drawer-desktop", full_page=False)
    assert Progress.objects.get(user=learner, topic=quiz_topic).quiz_passed_at is not None


def test_the_quiz_works_without_javascript(browser, live_server, settings, quiz_topic):
    from tests.e2e.conftest import ACTION_TIMEOUT_MS, session_cookie

    settings.ALLOWED_HOSTS = ["*"]
    learner = UserFactory()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **SCREENS["phone"])
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.add_cookies([session_cookie(learner, live_server.url)])
    page = context.new_page()
    try:
        page.goto(quiz_topic.get_absolute_url())
        answer(page.locator("#quiz"), quiz_topic, wrong_first=True)
        page.locator("#quiz").get_by_role("button", name="Check my answers").click()
        expect(page).to_have_url(re.compile(r"/quiz/\d+/$"))
        expect(page.locator(".quiz-score")).to_contain_text("2 of 3 questions right.")
        page.get_by_role("link", name="Try again").click()
        answer(page.locator("#quiz"), quiz_topic, wrong_first=False)
        page.locator("#quiz").get_by_role("button", name="Check my answers").click()
        expect(page.locator(".quiz-score")).to_contain_text("Passed")
    finally:
        context.close()
