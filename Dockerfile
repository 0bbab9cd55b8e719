# The portal's one image: gunicorn (web), Celery workers and beat, and the first-run commands.
# Debian bookworm: its postgresql-client is 15, the major version of the compose `db`
# (postgres:15); pg_dump's output is not sure to load into a server older than the pg_dump.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    STATIC_ROOT=/app/staticfiles STATIC_MANIFEST=true
WORKDIR /app
# pg_dump, pg_restore and psql, for ops/backup.sh and ops/restore.sh inside the image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*
COPY . .
# `.[s3]`: the S3-compatible media storage is there for MEDIA_STORAGE=s3.
# collectstatic at build time: hashed, compressed files and their manifest, served by WhiteNoise.
RUN pip install --no-cache-dir ".[s3]" \
 && DEBUG=false SECRET_KEY=collectstatic-at-build-time-only python manage.py collectstatic --noinput -v0 \
 && useradd --system --home /app portal && mkdir -p /data/media && chown portal /data/media
USER portal
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz/', timeout=4)"
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
