from django.apps import AppConfig


class RoadmapConfig(AppConfig):
    name = "roadmap"
    verbose_name = "Roadmaps"

    def ready(self):
        from accounts import hooks
        from roadmap import demo, exports, rendering, selectors, signals  # noqa: F401
        from roadmap.cache import progress_version_key

        hooks.register_export("roadmap", exports.progress_and_notes)
        hooks.register_demo("roadmap progress", demo.seed)
        hooks.register_profile_section("roadmap progress", selectors.profile_progress_section)
        hooks.register_user_token_key("roadmap progress", progress_version_key)
