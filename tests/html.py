"""A page read the way a browser shows it: its elements with their attributes, text and whether
they are hidden, so that tests assert what a user sees and not how the markup is spelled."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.urls import reverse

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str | None]
    parent: "Element | None" = None
    children: list["Element | str"] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed."""
        parts = [child if isinstance(child, str) else child.text for child in self.children]
        return " ".join("".join(parts).split())

    @property
    def is_hidden(self) -> bool:
        """Hidden by its own `hidden` attribute or an ancestor's."""
        element = self
        while element is not None:
            if "hidden" in element.attrs:
                return True
            element = element.parent
        return False

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def find_all(self, tag: str | None = None, *, class_: str | None = None, **attrs) -> list["Element"]:
        """Descendants with this tag, class and attributes (`aria_pressed` for aria-pressed)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            if (
                (tag is None or child.tag == tag)
                and (class_ is None or class_ in child.classes)
                and all(child.attrs.get(name) == value for name, value in wanted.items())
            ):
                found.append(child)
            found.extend(child.find_all(tag, class_=class_, **attrs))
        return found

    def find(self, tag: str | None = None, **kwargs) -> "Element":
        """The one descendant that matches."""
        (element,) = self.find_all(tag, **kwargs)
        return element


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), parent=self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, dict(attrs), parent=self.current))

    def handle_endtag(self, tag):
        element = self.current
        while element is not self.root and element.tag != tag:
            element = element.parent
        if element is not self.root:
            self.current = element.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(page: str | bytes) -> Element:
    builder = _TreeBuilder()
    builder.feed(page.decode() if isinstance(page, bytes) else page)
    builder.close()
    return builder.root


def react_url(post) -> str:
    if hasattr(post, "thread_id"):
        return reverse("community:comment-react", args=[post.pk])
    return reverse("community:thread-react", args=[post.pk, post.slug])


def reactions_of(document: Element, post) -> Element | None:
    """The reactions (buttons or counts) of a thread or comment on its parsed page."""
    if hasattr(post, "thread_id"):
        article = document.find("article", id=f"c{post.pk}")
        return article and article.find("div", class_="reactions")
    return document.find("div", id=f"reactions-thread-{post.pk}")


def reaction_buttons(page, post) -> dict[str, dict]:
    """The reaction buttons of a post as a viewer sees them: pressed? disabled?, by kind (a
    comment's buttons post "<comment id>:<kind>")."""
    reactions = reactions_of(parse(page), post)
    return {
        button.attrs["value"].rpartition(":")[2]: {
            "pressed": button.attrs["aria-pressed"],
            "disabled": "disabled" in button.attrs,
        }
        for button in (reactions.find_all("button") if reactions else [])
    }


def flag_links(document: Element) -> list[Element]:
    """The Flag links of a parsed page (or part), shown or hidden."""
    return [
        link for control in document.find_all("div", class_="flag-control") for link in control.find_all("a")
    ]


def pressed_toggle(page) -> set[str]:
    """The labels of the save buttons that show as on, and of the watch level chosen."""
    document = parse(page)
    toggles = [
        *document.find_all("form", class_="toggle-form"),
        *document.find_all("form", class_="watch-form"),
    ]
    return {
        button.text
        for form in toggles
        for button in form.find_all("button")
        if button.attrs.get("aria-pressed") == "true"
    }
