"""`make lint`'s translation check: every shipped language's catalogue is up to date with the
code and complete (config.translations). Exits non-zero with one line per problem."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config import translations


class Command(BaseCommand):
    help = (
        "Check that each shipped language's catalogue holds exactly the strings of the code, "
        "every one translated, none fuzzy, with the same placeholders as the English."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--locale-dir",
            type=Path,
            default=Path(settings.LOCALE_PATHS[0]),
            help="the directory of the catalogues (default: the first of LOCALE_PATHS)",
        )
        parser.add_argument(
            "--language",
            action="append",
            dest="languages",
            help="check only this language (repeatable; default: every language but English)",
        )

    def handle(self, *args, locale_dir: Path, languages: list[str] | None, **options):
        if not translations.gettext_available():
            raise CommandError(translations.MSGFMT_INSTALL_HINT)
        languages = languages or translations.shipped_languages()
        with translations.templates() as template_files:
            problems = translations.check(
                locale_dir=locale_dir, languages=languages, template_files=template_files
            )
            strings = sum(
                1
                for path in template_files.values()
                for entry in translations.read_catalogue(path)
                if entry.msgid
            )
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(problems)} translation problem(s) in {', '.join(languages)}: "
                "see docs/translating.md (`make messages`, then translate, then `make lint`)."
            )
        self.stdout.write(f"Translations: {', '.join(languages)} complete ({strings} strings).")
