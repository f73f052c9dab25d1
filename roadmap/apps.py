from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadmapConfig(AppConfig):
    name = "roadmap"
    verbose_name = _("Roadmaps")

    def ready(self):
        from accounts import hooks
        from roadmap import caches, demo, exports, history, rendering, selectors  # noqa: F401  (caches, history: receivers)

        hooks.register_export("roadmap", exports.progress_and_notes)
        hooks.register_demo("roadmap progress", demo.seed)
        hooks.register_profile_section("roadmap progress", selectors.profile_progress_section)
