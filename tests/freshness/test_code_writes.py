"""Whoever writes, pages follow: the same changes as the admin's, made by code as `manage.py
shell` or a data migration would, show on the next request to every page that showed them.

- a plain `.save()` (or, for a many-to-many field, the related manager's call) and `.delete()`;
- `QuerySet.update(...)` then `touch(Model, *pks)`, the one call a write that sends no signal
  owes the caches (config.cache.touch); and `QuerySet.delete()`.
"""

import pytest

from tests.freshness.cases import EDITS, REMOVALS, by_model

pytestmark = [pytest.mark.django_db, pytest.mark.redis, pytest.mark.postgres]

FIELD_EDITS = [edit for edit in EDITS if edit.fields is not None]
M2M_EDITS = [edit for edit in EDITS if edit.m2m is not None]
POSTS = by_model(REMOVALS, "community.Thread", "community.Comment")


@pytest.mark.parametrize("edit", FIELD_EDITS, ids=lambda edit: edit.id)
def test_pages_follow_a_save_in_code(edit, world, pages_follow):
    target = edit.target(world)

    def write():
        for name, value in edit.fields(world).items():
            setattr(target, name, value)
        target.save()

    pages_follow(write, edit.expect(world))


@pytest.mark.parametrize("edit", M2M_EDITS, ids=lambda edit: edit.id)
def test_pages_follow_a_many_to_many_change_in_code(edit, world, pages_follow):
    target = edit.target(world)
    pages_follow(lambda: edit.m2m(target), edit.expect(world))


@pytest.mark.parametrize("edit", FIELD_EDITS, ids=lambda edit: edit.id)
def test_pages_follow_a_queryset_update_with_touch(edit, world, pages_follow):
    from config.caching import touch

    target = edit.target(world)
    model = type(target)

    def write():
        model.objects.filter(pk=target.pk).update(**edit.fields(world))
        touch(model, target.pk)

    pages_follow(write, edit.expect(world))


@pytest.mark.parametrize("removal", POSTS, ids=lambda removal: removal.id)
def test_pages_follow_a_delete_in_code(removal, world, pages_follow):
    target = removal.target(world)
    pages_follow(target.delete, removal.expect(world))


@pytest.mark.parametrize("removal", POSTS, ids=lambda removal: removal.id)
def test_pages_follow_a_queryset_delete(removal, world, pages_follow):
    target = removal.target(world)
    pages_follow(lambda: type(target).objects.filter(pk=target.pk).delete(), removal.expect(world))
