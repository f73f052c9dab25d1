from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self):
        from accounts import hooks as account_hooks
        from community import (  # noqa: F401
            activity,
            caches,
            demo,
            digest,
            exports,
            insight_selectors,
            mentorship,
            mentorship_selectors,
            rendering,
            selectors,
        )
        from roadmap import hooks as roadmap_hooks

        account_hooks.register_export("community", exports.community_data)
        account_hooks.register_export("digests", digest.export_deliveries)
        account_hooks.register_demo("discussions", demo.seed)
        account_hooks.register_profile_section("activity", activity.profile_activity_section)
        account_hooks.register_profile_section("posts", exports.profile_posts_section)
        roadmap_hooks.register("discussion_counts", selectors.topic_thread_counts)
        roadmap_hooks.register("progress_undone", mentorship.close_undone)
        roadmap_hooks.register("topic_review", mentorship_selectors.topic_review_block)
        roadmap_hooks.register("project_hand_in", mentorship_selectors.project_hand_in_block)
        account_hooks.register_profile_section("projects", mentorship_selectors.profile_projects_section)
        account_hooks.register_profile_section("help", mentorship_selectors.profile_help_section)
        roadmap_hooks.register("topic_discussion", selectors.topic_discussion)
        roadmap_hooks.register("version_keys", lambda roadmap_id: [caches.TOPIC_THREADS.key(roadmap_id)])
        roadmap_hooks.register(
            "topic_version_keys",
            lambda roadmap_id, topic_slug: [
                caches.TOPIC_THREADS.key(roadmap_id),
                caches.LISTS.key(),
                caches.INSIGHTS.key(caches.insights_scope(roadmap_id, topic_slug)),
            ],
        )
        roadmap_hooks.register("topic_figures", insight_selectors.topic_figures)
