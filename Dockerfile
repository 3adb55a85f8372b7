# The web, worker and beat image. Built by `docker compose up`; no dev dependencies inside.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_LINK_MODE=copy \
    PATH=/opt/venv/bin:$PATH

# WeasyPrint (certificates, journal and funder report PDFs) needs Pango and a font.
# `manage.py backup` / `restore` need pg_dump and pg_restore of the server's major version (16,
# docker-compose.yml), which Debian bookworm does not ship: they come from PostgreSQL's own
# apt repository, set up by Debian's postgresql-common script.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    postgresql-common ca-certificates \
 && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
 && apt-get install -y --no-install-recommends postgresql-client-16 \
 && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# Compile the message catalogues and collect static files at build time.
# The production settings refuse known keys, so the build uses throwaway random ones that are
# never stored in the image.
RUN pybabel compile -q -d locale -D django \
 && DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(60))')" \
    REDIS_URL=redis://unused:6379/0 \
    CERTIFICATE_SIGNING_KEY="$(python -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')" \
    python manage.py collectstatic --noinput -v0

RUN useradd --system --uid 10001 --home /app alueagentti \
 && mkdir -p /data/private /data/media \
 && chown -R alueagentti /data
USER alueagentti

ENV WEB_CONCURRENCY=3
EXPOSE 8000
# /healthz is answered before the host check and the HTTPS redirect (core/middleware.py), so
# this probe gets 200 under the real production settings.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]
# Exec form: gunicorn is PID 1 and receives SIGTERM itself (graceful stop, config/gunicorn.conf.py).
CMD ["gunicorn", "-c", "config/gunicorn.conf.py"]
