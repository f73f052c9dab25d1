import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from config.request_hooks import drop_needless_request_hooks  # noqa: E402 - needs the configured settings
from config.warmup import prepare_for_fork  # noqa: E402

drop_needless_request_hooks()
prepare_for_fork()
