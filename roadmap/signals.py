"""Any change to a roadmap's content gives it a new cache version, and any change to a learner's
progress gives that learner one, whoever made it (the site, the API, the admin, an import)."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from roadmap.cache import bump_structure_version, progress_changed
from roadmap.models import Progress, Resource, Roadmap, Section, Topic


@receiver([post_save, post_delete], sender=Roadmap)
def roadmap_changed(sender, instance, **kwargs):
    bump_structure_version(instance.pk)
    transaction.on_commit(lambda: cache.delete(f"roadmap:slug:{instance.slug}"))


@receiver([post_save, post_delete], sender=Section)
@receiver([post_save, post_delete], sender=Topic)
def section_or_topic_changed(sender, instance, **kwargs):
    bump_structure_version(instance.roadmap_id)


@receiver([post_save, post_delete], sender=Resource)
def resource_changed(sender, instance, **kwargs):
    roadmap_id = Topic.objects.filter(pk=instance.topic_id).values_list("roadmap_id", flat=True).first()
    if roadmap_id:
        bump_structure_version(roadmap_id)


@receiver(m2m_changed, sender=Topic.prerequisites.through)
def prerequisites_changed(sender, instance, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"} and isinstance(instance, Topic):
        bump_structure_version(instance.roadmap_id)


@receiver([post_save, post_delete], sender=Progress)
def learner_progress_changed(sender, instance, **kwargs):
    progress_changed(user_id=instance.user_id)
