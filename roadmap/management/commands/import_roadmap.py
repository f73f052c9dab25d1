"""manage.py import_roadmap PATH [--dry-run]: create or update a roadmap from its content file,
then its translations from the files beside it (PATH's name with .es, .de... before .yaml)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from roadmap.content_files import ContentError, import_roadmap, load_roadmap_file
from roadmap.content_translations import (
    TranslationFileError,
    import_translation_file,
    parse_translation,
    translation_files,
)

PROGRESS_EVERY = 10


class Command(BaseCommand):
    help = (
        "Create or update a roadmap from a YAML content file (e.g. roadmap/content/backend.yaml). "
        "Topics missing from the file are unpublished, never deleted. Translations beside it "
        "(backend.es.yaml for backend.yaml) are imported after it."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the roadmap's YAML content file")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change, then roll everything back"
        )

    def handle(self, *args, path, dry_run, verbosity, **options):
        try:
            data = load_roadmap_file(path)
            self.stdout.write(
                gettext("Importing roadmap %(slug)s from %(path)s")
                % {"slug": repr(data["slug"]), "path": path}
            )
            report = import_roadmap(
                data, dry_run=dry_run, progress=self.show_progress if verbosity >= 1 else None
            )
        except ContentError as error:
            raise CommandError(str(error)) from error

        if report.has_changes:
            for line in report.changes:
                self.stdout.write(line)
            self.stdout.write(self.style.SUCCESS(report.summary()))
        else:
            self.stdout.write(gettext("No changes."))
        self.import_translations(path, dry_run=dry_run)
        if dry_run:
            self.stdout.write(self.style.WARNING(gettext("(dry run: nothing saved)")))

    def import_translations(self, path, *, dry_run: bool) -> None:
        for _language, translation_path in translation_files(path):
            try:
                if dry_run:  # the English is not saved, so the translation can only be checked
                    parse_translation(
                        translation_path.read_text(encoding="utf-8"), source=str(translation_path)
                    )
                    self.stdout.write(gettext("Checked translation %(path)s") % {"path": translation_path})
                    continue
                report = import_translation_file(translation_path)
            except TranslationFileError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(
                gettext("Imported translation %(path)s: %(summary)s")
                % {"path": translation_path, "summary": report.summary()}
            )

    def show_progress(self, done: int, total: int) -> None:
        """A line rewritten in place on a terminal; one line every few topics otherwise."""
        if self.stdout.isatty():
            self.stdout.write(
                "\r  " + gettext("topics %(done)s/%(total)s") % {"done": done, "total": total},
                ending="\n" if done == total else "",
            )
            self.stdout.flush()
        elif done % PROGRESS_EVERY == 0 or done == total:
            self.stdout.write("  " + gettext("topics %(done)s/%(total)s") % {"done": done, "total": total})
