"""manage.py export_roadmap SLUG [--language LANG] [--output PATH]: write a roadmap's published
content as YAML, in English or as one language's translation file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from roadmap.content_files import export_roadmap
from roadmap.content_translations import content_languages, export_translation
from roadmap.models import Roadmap


class Command(BaseCommand):
    help = "Write a roadmap's published content as a YAML content file that import_roadmap reads back."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the roadmap's slug, e.g. backend")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument(
            "--language",
            help="write this language's translation file instead of the English content "
            f"(one of {', '.join(content_languages())})",
        )

    def handle(self, *args, slug, output, language, **options):
        roadmap = Roadmap.objects.filter(slug=slug).first()
        if roadmap is None:
            known = ", ".join(Roadmap.objects.values_list("slug", flat=True)) or gettext("none")
            raise CommandError(
                gettext("No roadmap with the slug %(slug)s (known: %(known)s).")
                % {"slug": repr(slug), "known": known}
            )
        if language is not None and language not in content_languages():
            raise CommandError(
                gettext("No content language %(language)s (known: %(known)s).")
                % {"language": repr(language), "known": ", ".join(content_languages())}
            )
        text = export_translation(roadmap, language) if language else export_roadmap(roadmap)
        if not output:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(
                gettext("Cannot write %(path)s: %(reason)s") % {"path": output, "reason": error.strerror}
            ) from error
        self.stdout.write(
            gettext("Wrote roadmap %(slug)s to %(path)s") % {"slug": repr(slug), "path": output}
        )
