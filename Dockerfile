# The web, worker and beat image. Built by `docker compose up`; no dev dependencies inside.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_LINK_MODE=copy \
    PATH=/opt/venv/bin:$PATH

# WeasyPrint (certificates, journal and funder report PDFs) needs Pango and a font.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# Compile the message catalogues and collect static files at build time.
RUN pybabel compile -q -d locale -D django \
 && DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_SECRET_KEY=build-only-not-a-real-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
    REDIS_URL=redis://unused:6379/0 \
    CERTIFICATE_SIGNING_KEY=YnVpbGQtb25seS1ub3QtYS1yZWFsLWtleS0wMTIzNDU= \
    python manage.py collectstatic --noinput -v0

RUN useradd --system --uid 10001 --home /app alueagentti \
 && mkdir -p /data/private /data/media \
 && chown -R alueagentti /data
USER alueagentti

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
