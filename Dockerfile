# syntax=docker/dockerfile:1
# Stepwise: a multi-stage image. The build stage compiles wheels; the runtime stage holds
# only the virtualenv, the code and the collected static files, and runs as a non-root user.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential gettext && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt
# The translation catalogues, compiled as compilemessages does (the .mo files are not committed).
COPY locale /opt/locale
RUN find /opt/locale -name '*.po' -exec sh -c 'for po; do msgfmt --check-format --output-file="${po%.po}.mo" "$po" || exit 1; done' sh {} +

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH="/opt/venv/bin:$PATH" \
    DJANGO_SETTINGS_MODULE=config.settings PORT=8000
RUN groupadd --system stepwise && useradd --system --gid stepwise --home /app --shell /usr/sbin/nologin stepwise
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=stepwise:stepwise . /app
COPY --from=build --chown=stepwise:stepwise /opt/locale /app/locale
# collectstatic needs settings that load; these values exist only for this build step.
RUN DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown stepwise:stepwise /app/var
USER stepwise
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["gunicorn", "config.wsgi:application", "--config", "gunicorn.conf.py"]
