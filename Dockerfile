# syntax=docker/dockerfile:1
# Production image for Denksessie. Build: docker build -t denksessie .
# Run the whole stack (PostgreSQL, Redis, 2 app replicas, Caddy): see docs/production.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/denksessie

# Install the package and its runtime dependencies only (no dev extras), at the versions of
# constraints.txt, as make does (docs/decisions/0014).
COPY pyproject.toml README.md constraints.txt ./
COPY app/ ./app/
RUN pip install --no-cache-dir --constraint constraints.txt . \
    && rm -rf build ./*.egg-info

COPY migrations/ ./migrations/
COPY alembic.ini ./

# app.migrate finds alembic.ini and migrations/ next to the `app` package, so the source tree in
# this directory must win over the copy in site-packages.
ENV PYTHONPATH=/srv/denksessie \
    DENKSESSIE_HOST=0.0.0.0 \
    DENKSESSIE_PORT=8000

RUN useradd --system --uid 10001 --user-group --home-dir /srv/denksessie --no-create-home \
        denksessie \
    && mkdir -p var \
    && chown denksessie:denksessie var
USER denksessie

EXPOSE 8000

# No curl in the slim image: ask /healthz with the standard library (exit 1 on non-2xx or error).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

CMD ["denksessie", "serve"]
