import pytest
from playwright.sync_api import expect

from community.models import Comment, ModerationAction
from tests.e2e.conftest import ARTIFACTS, signed_in
from tests.factories import CommentFactory, MentorFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_flag_hide_notice_and_audit_log(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    thread = ThreadFactory(title="How do I store passwords safely?")
    author = UserFactory(username="rude-poster")
    comment = CommentFactory(
        thread=thread, author=author, body="Nobody cares", body_html="<p>Nobody cares, go away</p>"
    )
    reporter = UserFactory(username="reporter")
    mentor = MentorFactory(username="grace")

    context, page, reporter_errors = signed_in(browser, live_server, reporter)
    page.goto(thread.get_absolute_url())
    page.locator(f"#c{comment.pk}").get_by_role("link", name="Flag").click()
    page.get_by_label("Abuse or harassment").check()
    page.get_by_label("Note").fill("Hostile to a newcomer")
    page.get_by_role("button", name="Send to the mentors").click()
    # The form opened and answered in place of the Flag link, on the thread page.
    post = page.locator(f"#c{comment.pk}")
    expect(post.get_by_text("Flagged — thanks, a mentor will look")).to_be_in_viewport()
    expect(post.get_by_role("link", name="Flag")).to_have_count(0)
    assert page.url.endswith(thread.get_absolute_url())
    page.reload()
    expect(post.get_by_text("Flagged — thanks, a mentor will look")).to_be_visible()
    context.close()

    context, page, mentor_errors = signed_in(browser, live_server, mentor)
    expect(page.locator("[data-open-flags]")).to_contain_text("1")
    page.locator(".nav-mod").click()
    item = page.locator(f"#flagged-comment-{comment.pk}")
    expect(item).to_contain_text("Hostile to a newcomer")
    item.get_by_label("Reason (logged, sent to the author)").fill("Personal attack on a learner")
    item.get_by_role("button", name="Hide (flags are right)").click()
    expect(page.get_by_text("written to the moderation log")).to_be_visible()
    expect(page.get_by_text("No open flags. All clear.")).to_be_visible()
    page.get_by_role("link", name="Audit log").click()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("grace")
    expect(row).to_contain_text("Resolved flags")
    expect(row).to_contain_text("Personal attack on a learner")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "moderation-log.png"), full_page=True)
    context.close()

    context, page, author_errors = signed_in(browser, live_server, author)
    page.goto("/notifications/")
    expect(page.locator(".notification").first).to_contain_text("Personal attack on a learner")
    page.goto(thread.get_absolute_url())
    expect(page.locator(f"#c{comment.pk}")).to_contain_text("Hidden by a mentor")
    context.close()

    assert Comment.objects.get(pk=comment.pk).status == "hidden"
    assert ModerationAction.objects.filter(moderator=mentor, reason="Personal attack on a learner").exists()
    assert reporter_errors == mentor_errors == author_errors == []
