"""The Django admin driven as a browser without JavaScript would: read the rendered form, send
back every value it holds with a few changed, and require the admin's redirect (the save
happened; a form with errors answers 200 and fails here with its errors)."""

import re
from html import unescape
from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse

SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}


class _FormParser(HTMLParser):
    """The values a browser would submit from the form with id `form_id`, as {name: [values]},
    in document order; the inlines' empty-form templates (`__prefix__`) apart."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, list[str]] = {}
        self.templates: dict[str, list[str]] = {}
        self.names: set[str] = set()  # every field, an unticked checkbox too
        self.select: tuple[str, bool] | None = None  # (name, multiple)
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text = ""

    def _add(self, name: str, value: str) -> None:
        target = self.templates if "__prefix__" in name else self.values
        target.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "disabled" in attributes:
            return
        if tag == "option" and self.select is not None:
            self.options.append((attributes.get("value", ""), "selected" in attributes))
            return
        name = attributes.get("name")
        if not name or tag not in {"input", "select", "textarea"}:
            return
        self.names.add(name)
        if tag == "input":
            kind = attributes.get("type", "text")
            if kind in SKIPPED_INPUTS or (kind in {"checkbox", "radio"} and "checked" not in attributes):
                return
            self._add(name, attributes.get("value", "on" if kind in {"checkbox", "radio"} else ""))
        elif tag == "select":
            self.select, self.options = (name, "multiple" in attributes), []
        else:
            self.textarea, self.text = name, ""

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self.textarea is not None:
            self._add(self.textarea, self.text.removeprefix("\r\n").removeprefix("\n"))
            self.textarea = None
        elif tag == "select" and self.select is not None:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and not multiple and self.options:
                chosen = [self.options[0][0]]  # a browser sends the first option
            target = self.templates if "__prefix__" in name else self.values
            target.setdefault(name, []).extend(chosen)
            self.select = None


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _problems(html: str) -> str:
    """The error notes and field errors of an admin page, else the start of its content."""
    found = re.findall(
        r'<(?:p class="errornote"|ul class="errorlist[^"]*")[^>]*>(.*?)</(?:p|ul)>', html, re.S
    )
    return " | ".join(_text(item) for item in found) or _text(html[html.find('id="content"') :])[:1000]


def _require_redirect(response, what: str) -> None:
    """The admin answers a write it made with a redirect, and one it refused with a page."""
    problems = _problems(response.content.decode()) if response.status_code != 302 else ""
    assert response.status_code == 302, f"{what}: the admin did not save ({response.status_code}): {problems}"


class AdminForms:
    """A superuser in the admin: change forms, delete pages and changelist actions."""

    def __init__(self, superuser):
        self.client = Client()
        self.client.force_login(superuser)

    @staticmethod
    def _url(model, view: str, *args) -> str:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)

    def _require_no_warning(self, response, what: str) -> None:
        """An action answers with a redirect even when it refused: its warnings are on the next page."""
        _require_redirect(response, what)
        page = self.client.get(response["Location"]).content.decode()
        warnings = [
            _text(item) for item in re.findall(r'<li class="(?:warning|error)">(.*?)</li>', page, re.S)
        ]
        assert not warnings, f"{what}: {warnings}"

    def form(self, obj) -> "ChangeForm":
        """The change form of `obj`, as rendered now."""
        url = self._url(type(obj), "change", obj.pk)
        response = self.client.get(url)
        assert response.status_code == 200, f"GET {url}: {response.status_code}"
        parser = _FormParser(f"{type(obj)._meta.model_name}_form")
        parser.feed(response.content.decode())
        assert parser.values, f"no form found on {url}"
        return ChangeForm(self, url, parser)

    def change(self, obj, **changes) -> None:
        """Change fields of `obj` in its change form and save it."""
        form = self.form(obj)
        form.set(**changes)
        form.save()

    def delete(self, obj) -> None:
        """Delete `obj` from its own delete page (confirm, then yes)."""
        url = self._url(type(obj), "delete", obj.pk)
        assert self.client.get(url).status_code == 200
        _require_redirect(self.client.post(url, {"post": "yes"}), f"delete {obj!r}")

    def action(self, model, name: str, objects) -> None:
        """Run the changelist action `name` on `objects`; delete_selected is confirmed, as a person would."""
        url = self._url(model, "changelist")
        data = {"action": name, "_selected_action": [obj.pk for obj in objects], "index": "0"}
        if name == "delete_selected":
            page = self.client.post(url, data).content.decode()
            assert "Are you sure" in page, f"delete_selected on {model.__name__}: {_problems(page)}"
            data["post"] = "yes"
        self._require_no_warning(self.client.post(url, data), f"action {name} on {model.__name__}")


class ChangeForm:
    """One rendered change form: its values, changed in place (inline rows too), then saved."""

    def __init__(self, admin: AdminForms, url: str, parsed: _FormParser):
        self.admin = admin
        self.url = url
        self.values = parsed.values
        self.templates = parsed.templates
        self.names = parsed.names

    def set(self, **changes) -> None:
        for name, value in changes.items():
            if name not in self.names and f"{name}_en" in self.names:
                name = f"{name}_en"  # a translated field (roadmap/translation.py): its English text
            assert name in self.names, f"{name} is not in the form of {self.url}: {sorted(self.names)}"
            self.values[name] = value if isinstance(value, list) else [value]

    def row(self, prefix: str, obj) -> int:
        """The index of the inline row of `prefix` that holds `obj`."""
        for name, values in self.values.items():
            match = re.fullmatch(rf"{prefix}-(\d+)-id", name)
            if match and values == [str(obj.pk)]:
                return int(match[1])
        raise AssertionError(f"no row of {prefix} holds {obj!r} in {self.url}")

    def change_row(self, prefix: str, obj, **changes) -> None:
        index = self.row(prefix, obj)
        self.set(**{f"{prefix}-{index}-{name}": value for name, value in changes.items()})

    def delete_row(self, prefix: str, obj) -> None:
        index = self.row(prefix, obj)
        self.values[f"{prefix}-{index}-DELETE"] = ["on"]

    def add_row(self, prefix: str, **values) -> None:
        """A new row from the inline's empty form, as the admin's "Add another" makes it."""
        total = f"{prefix}-TOTAL_FORMS"
        assert total in self.values, f"{self.url} has no inline {prefix}"
        index = int(self.values[total][0])
        template = f"{prefix}-__prefix__-"
        for name in [name for name in self.names if name.startswith(template)]:
            self.names.add(name.replace("__prefix__", str(index)))
            if name in self.templates:
                self.values[name.replace("__prefix__", str(index))] = self.templates[name]
        self.values[total] = [str(index + 1)]
        self.set(**{f"{prefix}-{index}-{name}": value for name, value in values.items()})

    def save(self) -> None:
        response = self.admin.client.post(self.url, {**self.values, "_save": "Save"})
        _require_redirect(response, f"POST {self.url}")
