"""On a phone every control is big enough to tap: at least 44 × 44 CSS pixels (WCAG 2.5.5).

Exempt, as WCAG 2.5.8 allows: a link inside a sentence (its height is set by the line of text
around it, and making it taller would spread the text apart); and what is not there to tap
(hidden, or the skip link, which is off-screen until a keyboard user focuses it). A checkbox
or radio button inside its label is measured as the label, which is what a finger hits; a link
whose ::after covers its positioned ancestor (a node of the map) as that ancestor."""

import pytest

from tests.e2e.conftest import ACTION_TIMEOUT_MS, SCREENS, save_screenshot, session_cookie
from tests.e2e.test_accessibility import site  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

MINIMUM = 44

MEASURE = """
(minimum) => {
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex='-1'])";
  const small = [];
  const seen = new Set();
  for (let element of document.querySelectorAll(selector)) {
    if (["checkbox", "radio"].includes(element.type) && element.closest("label")) element = element.closest("label");
    if (seen.has(element)) continue;
    seen.add(element);
    if (element.closest("[hidden], .visually-hidden, .skip-link")) continue;
    const style = getComputedStyle(element);
    if (style.visibility === "hidden" || style.display === "none") continue;
    let box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    // A link whose ::after covers its positioned ancestor (a map node) is tapped anywhere on it.
    const cover = getComputedStyle(element, "::after");
    if (cover.position === "absolute" && cover.inset === "0px" && element.offsetParent) {
      box = element.offsetParent.getBoundingClientRect();
    }
    if (element.tagName === "A" && style.display === "inline") {
      const block = element.parentElement.closest("p, li, td, dd, figcaption, blockquote, .prose, .meta, .muted, small");
      const text = (block || element.parentElement).textContent.replace(/\\s+/g, " ").trim();
      if (text.length > element.textContent.replace(/\\s+/g, " ").trim().length) continue;
    }
    if (box.width < minimum - 0.5 || box.height < minimum - 0.5) {
      const name = (element.getAttribute("aria-label") || element.textContent || element.name || element.type || "").replace(/\\s+/g, " ").trim().slice(0, 40);
      const classes = element.className && typeof element.className === "string" ? "." + element.className.trim().split(/\\s+/).join(".") : "";
      small.push(`${element.tagName.toLowerCase()}${classes} "${name}" ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return small;
}
"""


def pages(site) -> dict[str, list[str]]:  # noqa: F811
    thread = site["thread"]
    anonymous = [
        "/",
        "/roadmaps/",
        "/roadmaps/backend/",
        f"/roadmaps/backend/{site['topic'].slug}/",
        "/discussions/",
        thread.get_absolute_url(),
        "/tags/",
        f"/tags/{site['tag'].slug}/",
        "/search/?q=index",
        f"/u/{site['learner'].username}/",
        "/accounts/login/",
        "/accounts/signup/",
    ]
    learner = [
        "/",
        "/roadmaps/backend/",
        f"/roadmaps/backend/{site['topic'].slug}/",
        "/discussions/",
        thread.get_absolute_url(),
        "/discussions/new/",
        "/notifications/",
        "/settings/",
    ]
    return {"anonymous": anonymous, "learner": learner}


@pytest.mark.parametrize("visitor", ["anonymous", "learner"])
def test_every_control_on_a_phone_is_at_least_44_px_square(browser, live_server, settings, site, visitor):  # noqa: F811
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(base_url=live_server.url, **SCREENS["phone"])
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    if visitor != "anonymous":
        context.add_cookies([session_cookie(site[visitor], live_server.url)])
    page = context.new_page()
    problems = []
    try:
        for path in pages(site)[visitor]:
            page.goto(path)
            problems += [f"{path}: {small}" for small in page.evaluate(MEASURE, MINIMUM)]
            if path == site["thread"].get_absolute_url():
                save_screenshot(page, f"tap-targets-thread-{visitor}-phone")
    finally:
        context.close()
    assert not problems, f"{len(problems)} controls smaller than {MINIMUM} px:\n" + "\n".join(problems)
