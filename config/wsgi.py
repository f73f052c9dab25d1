import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)  # as django.core.wsgi.get_wsgi_application, with our handler

from config.handler import SiteHandler  # noqa: E402 - needs the configured settings
from config.request_hooks import drop_needless_request_hooks  # noqa: E402
from config.warmup import prepare_for_fork  # noqa: E402

application = SiteHandler()

drop_needless_request_hooks()
prepare_for_fork()
