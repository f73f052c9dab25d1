"""Cached discussion pages follow the writes that signals see, whoever makes them (the site,
the API, a mentor, the admin, allauth):

- a viewer's state on thread pages (community.selectors.thread_page) is cached under their
  viewer token: every write to what it is made of bumps it;
- an author's name is on the cached pages and lists of every thread they posted in: a
  rename, or the deletion of the account (which leaves their posts to "a former member"),
  retires those.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from community import versions
from community.models import Bookmark, Comment, Follow, Reaction, Thread

User = get_user_model()
NAME_FIELDS = {"username", "display_name"}


@receiver([post_save, post_delete], sender=Reaction)
@receiver([post_save, post_delete], sender=Follow)
@receiver([post_save, post_delete], sender=Bookmark)
@receiver([post_save, post_delete], sender=EmailAddress)
def viewer_state_changed(sender, instance, **kwargs):
    versions.viewer_changed(instance.user_id)


@receiver([post_save, post_delete], sender=Comment)
def comment_changed(sender, instance, **kwargs):
    versions.viewer_changed(instance.author_id)  # it may be hidden from others, not from them


def _threads_of(user_id) -> set[int]:
    threads = set(Thread.objects.filter(author_id=user_id).values_list("pk", flat=True))
    return threads | set(
        Comment.objects.filter(author_id=user_id).values_list("thread_id", flat=True).distinct()
    )


@receiver(pre_save, sender=User)
def author_renamed(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None or (update_fields is not None and not NAME_FIELDS & set(update_fields)):
        return  # a new account, or a save that cannot rename (a login's last_login)
    before = User.objects.filter(pk=instance.pk).values(*NAME_FIELDS).first()
    if before and any(before[name] != getattr(instance, name) for name in NAME_FIELDS):
        versions.threads_changed(_threads_of(instance.pk))


@receiver(pre_delete, sender=User)
def author_deleted(sender, instance, **kwargs):
    versions.threads_changed(_threads_of(instance.pk))
