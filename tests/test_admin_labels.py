"""The admin speaks the admin's language: every field and model of our apps has a translated
label, and the change lists and forms show them in Spanish to an admin who reads Spanish."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import capfirst

from tests.factories import AdminFactory, ThreadFactory, build_roadmap

APPS = ("accounts", "roadmap", "community")


def our_models():
    return [model for app in APPS for model in apps.get_app_config(app).get_models()]


def our_fields():
    return [
        pytest.param(field, id=f"{field.model.__name__}.{field.name}")
        for model in our_models()
        for field in model._meta.get_fields()
        if not field.auto_created
    ]


@pytest.mark.parametrize("field", our_fields())
def test_every_field_has_a_translated_label(field):
    assert isinstance(field.verbose_name, Promise), f"give {field.name} a verbose_name with gettext_lazy"


@pytest.mark.parametrize("model", our_models(), ids=lambda model: model.__name__)
def test_every_model_has_a_translated_name(model):
    assert isinstance(model._meta.verbose_name, Promise)
    assert isinstance(model._meta.verbose_name_plural, Promise)


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_a_translated_name(app):
    assert isinstance(apps.get_app_config(app).verbose_name, Promise)


@pytest.fixture
def spanish_admin(client, db):
    """A superuser whose saved language is Spanish, browsing with an English browser."""
    client.force_login(AdminFactory(username="jefa", language="es"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def labels_in(html: str) -> set[str]:
    """The field labels of a change form, as shown ("Nombre visible"), without their colon."""
    return {
        " ".join(label.split()).removesuffix(":")
        for label in re.findall(r"<label\b[^>]*>([^<]+)</label>", html)
    }


def shown(text) -> str:
    return str(capfirst(text))


def form_labels(model, fields: list[str], language: str) -> set[str]:
    with translation.override(language):
        return {shown(model._meta.get_field(name).verbose_name) for name in fields}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("app", "model_name", "fields"),
    [
        ("accounts", "user", ["display_name", "digest_frequency", "suspended_until", "date_joined"]),
        ("roadmap", "topic", ["kind", "prerequisites", "reviewed_on", "is_published"]),
        ("community", "thread", ["is_pinned", "is_locked", "accepted_comment", "tags"]),
    ],
)
def test_a_change_form_shows_spanish_labels(spanish_admin, app, model_name, fields):
    _, topics = build_roadmap(topics=2, sections=1)
    thread = ThreadFactory(topic=topics[0])
    model = apps.get_model(app, model_name)
    obj = {"user": thread.author, "topic": topics[0], "thread": thread}[model_name]
    response = spanish_admin.get(reverse(f"admin:{app}_{model_name}_change", args=[obj.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    labels = labels_in(html)
    spanish, english = form_labels(model, fields, "es"), form_labels(model, fields, "en")
    assert spanish <= labels, f"missing Spanish labels: {spanish - labels}"
    assert not english & labels, f"English labels shown: {english & labels}"
    with translation.override("es"):
        assert shown(model._meta.verbose_name) in html  # the breadcrumbs and the title


@pytest.mark.django_db
def test_a_change_list_shows_spanish_columns_and_names(spanish_admin):
    ThreadFactory()
    response = spanish_admin.get(reverse("admin:community_thread_changelist"))
    html = response.content.decode()
    for column, spanish in [
        ("is_pinned", "Fijado"),
        ("is_locked", "Cerrado"),
        ("comment_count", "Respuestas"),
        ("created_at", "Creado"),
    ]:
        assert re.search(rf'class="[^"]*column-{column}[^"]*"[\s\S]*?>\s*{spanish}\s*<', html), column
    assert "Comunidad" in html and "Hilos" in html  # the app and the model, in the breadcrumbs


@pytest.mark.django_db
def test_the_admin_index_names_every_model_in_spanish(spanish_admin):
    html = spanish_admin.get(reverse("admin:index")).content.decode()
    with translation.override("es"):
        expected = {
            shown(model._meta.verbose_name_plural) for model in our_models() if model in admin.site._registry
        }
    missing = {name for name in expected if f">{name}<" not in html}
    assert not missing, f"not named in Spanish on the admin index: {missing}"
