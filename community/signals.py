"""Cached discussion pages follow the writes that signals see, whoever makes them (the site,
the API, a mentor, the admin, allauth):

- a viewer's state on thread pages (community.selectors.thread_page) is cached under their
  viewer token: every write to what it is made of bumps it;
- names of other rows are on the cached pages and lists of threads: an author's on every
  thread they posted in, a topic's and its roadmap's on the threads about it, a tag's on the
  threads it marks. A rename or a deletion (posts of a deleted account are "a former
  member"'s) retires those threads' pages at once. So does a change of an author's role (the
  admin and mentor badges, accounts.roles): `is_staff`, `is_active` or `is_superuser`, a
  group joined or left, a permission given or taken, directly or from their groups.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from community import versions
from community.models import Bookmark, Comment, Follow, Reaction, Tag, Thread
from roadmap.models import Roadmap, Topic

User = get_user_model()


@receiver([post_save, post_delete], sender=Reaction)
@receiver([post_save, post_delete], sender=Follow)
@receiver([post_save, post_delete], sender=Bookmark)
@receiver([post_save, post_delete], sender=EmailAddress)
def viewer_state_changed(sender, instance, **kwargs):
    versions.viewer_changed(instance.user_id)


@receiver([post_save, post_delete], sender=Comment)
def comment_changed(sender, instance, **kwargs):
    versions.viewer_changed(instance.author_id)  # it may be hidden from others, not from them


def _m2m_changed_ids(instance, action, reverse, pk_set, reverse_set: str) -> set[int] | None:
    """The ids on the forward side of an m2m change that touched them, whichever side it was
    made from; None for the actions that change nothing (pre_add, post_clear, ...)."""
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return None
    if not reverse:
        return {instance.pk}
    if action == "pre_clear":
        return set(getattr(instance, reverse_set).values_list("pk", flat=True))
    return set(pk_set or ())


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
def roles_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A user joined or left a group, or was given or lost a permission (from either side):
    their posts' role badges may change."""
    user_ids = _m2m_changed_ids(instance, action, reverse, pk_set, "user_set")
    if user_ids:
        versions.threads_changed(_threads_of_authors(user_ids))


@receiver(m2m_changed, sender=Group.permissions.through)
def group_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A group gained or lost permissions (from either side): its members' badges may change."""
    group_ids = _m2m_changed_ids(instance, action, reverse, pk_set, "group_set")
    if group_ids:
        members = User.objects.filter(groups__in=group_ids).values_list("pk", flat=True)
        versions.threads_changed(_threads_of_authors(set(members)))


def _renamed(instance, fields: set[str], update_fields) -> bool:
    """Whether this save changes any of `fields` (one query, skipped when it cannot)."""
    if instance.pk is None or (update_fields is not None and not fields & set(update_fields)):
        return False  # a new row, or a save that cannot rename (a login's last_login)
    before = type(instance)._default_manager.filter(pk=instance.pk).values(*fields).first()
    return bool(before) and any(before[name] != getattr(instance, name) for name in fields)


def _threads_of_authors(user_ids) -> set[int]:
    """The threads these users started or commented on, in two queries however many users."""
    threads = set(Thread.objects.filter(author_id__in=user_ids).values_list("pk", flat=True))
    return threads | set(
        Comment.objects.filter(author_id__in=user_ids).values_list("thread_id", flat=True).distinct()
    )


def _threads_of_author(user_id) -> set[int]:
    return _threads_of_authors([user_id])


# What each thread page and list shows of other rows, and the threads that show it.
SHOWN = [
    (User, {"username", "display_name", "is_staff", "is_active", "is_superuser"}, _threads_of_author),
    (Topic, {"title", "slug"}, lambda pk: Thread.objects.filter(topic_id=pk).values_list("pk", flat=True)),
    (
        Roadmap,
        {"title", "slug"},
        lambda pk: Thread.objects.filter(topic__roadmap_id=pk).values_list("pk", flat=True),
    ),
    (Tag, {"name", "slug"}, lambda pk: Thread.objects.filter(tags=pk).values_list("pk", flat=True)),
]


def _retire_threads_showing(model, fields, threads_of):
    @receiver(pre_save, sender=model, weak=False, dispatch_uid=f"renamed-{model.__name__}")
    def renamed(sender, instance, update_fields=None, **kwargs):
        if _renamed(instance, fields, update_fields):
            versions.threads_changed(set(threads_of(instance.pk)))

    @receiver(pre_delete, sender=model, weak=False, dispatch_uid=f"deleted-{model.__name__}")
    def deleted(sender, instance, **kwargs):  # posts of a deleted account, threads of a deleted topic
        versions.threads_changed(set(threads_of(instance.pk)))


for _model, _fields, _threads_of in SHOWN:
    _retire_threads_showing(_model, _fields, _threads_of)
