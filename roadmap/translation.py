"""Which roadmap content is translated (django-modeltranslation).

Each field named here gets a column per language beside the English one (`title_en`,
`title_es`, `title_de`), edited side by side in the admin. Reading `topic.title` gives the
active language's text, or the English where that language has none yet
(MODELTRANSLATION_FALLBACK_LANGUAGES); `roadmap.translations.is_untranslated` tells a page which
fields fell back, so it can mark them. Content files carry the translations as one file per
language beside the English file (roadmap/content_translations.py).

Discussions are not translated: a thread stays in the language it was written in.
"""

from modeltranslation.translator import TranslationOptions, register

from roadmap.models import Resource, Roadmap, Section, Topic


class _Options(TranslationOptions):
    # A field not translated is NULL, never "": the sections' unique titles hold in every language,
    # and an empty admin field means "show the English".
    empty_values = None


@register(Roadmap)
class RoadmapTranslation(_Options):
    fields = ("title", "summary", "description", "description_html")


@register(Section)
class SectionTranslation(_Options):
    fields = ("title", "description")


@register(Topic)
class TopicTranslation(_Options):
    fields = ("title", "body", "body_html")


@register(Resource)
class ResourceTranslation(_Options):
    fields = ("title",)
