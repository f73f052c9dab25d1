"""A viewer's state on thread pages (community.selectors.thread_page) is cached under their
viewer token: every write to what it is made of bumps it, whoever makes it (the site, the
API, a mentor, the admin, allauth confirming an address)."""

from allauth.account.models import EmailAddress
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from community import versions
from community.models import Bookmark, Comment, Follow, Reaction


@receiver([post_save, post_delete], sender=Reaction)
@receiver([post_save, post_delete], sender=Follow)
@receiver([post_save, post_delete], sender=Bookmark)
@receiver([post_save, post_delete], sender=EmailAddress)
def viewer_state_changed(sender, instance, **kwargs):
    versions.viewer_changed(instance.user_id)


@receiver([post_save, post_delete], sender=Comment)
def comment_changed(sender, instance, **kwargs):
    versions.viewer_changed(instance.author_id)  # it may be hidden from others, not from them
