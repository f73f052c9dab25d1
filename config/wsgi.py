import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from config.warmup import prepare_for_fork  # noqa: E402 - needs the configured settings

prepare_for_fork()
