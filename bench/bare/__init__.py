"""The physical limit bench/run measures every page against: the hello view of a bare Django
project (what `startproject` gives, minus its apps), served by the same gunicorn settings. No
middleware, no database, no cache, no templates: the cost of gunicorn, WSGI and Django's request
handling alone.

    DJANGO_SETTINGS_MODULE=bench.bare.settings .venv/bin/gunicorn --config gunicorn.conf.py bench.bare.wsgi
"""
