"""Settings of the bare hello (see bench/bare/__init__.py): nothing Django can do without."""

import os

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY") or "bench-bare-hello-serves-no-secrets"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.bare.urls"
WSGI_APPLICATION = "bench.bare.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_TZ = True
