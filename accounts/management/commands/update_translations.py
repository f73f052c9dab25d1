"""`make messages`: bring every shipped language's catalogues up to date with the code, made with
the options the check uses (config.translations)."""

from django.core.management.base import BaseCommand, CommandError

from config import translations


class Command(BaseCommand):
    help = "Update the catalogues of every language but English (or --language) with the strings of the code."

    def add_arguments(self, parser):
        parser.add_argument(
            "--language",
            action="append",
            dest="languages",
            help="update only this language, or start a new one (repeatable)",
        )

    def handle(self, *args, languages: list[str] | None, verbosity: int, **options):
        if not translations.gettext_available():
            raise CommandError(translations.MSGFMT_INSTALL_HINT)
        translations.update_catalogues(
            languages=languages or translations.shipped_languages(), verbosity=verbosity
        )
