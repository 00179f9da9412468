# The copro image: the web app (gunicorn), the projection worker and the checkpoint job.
# No secret is baked in: the key passphrase, the session secret and the database
# password arrive as compose secrets (files under /run/secrets), the keys on a volume.
FROM python:3.12.8-slim-bookworm

# WeasyPrint (report.pdf) needs Pango and its fonts; `copro backup` needs pg_dump of the same major
# as the db service (PostgreSQL 15, Debian 12's own); nothing else is installed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
       postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 copro \
    && useradd --system --uid 10001 --gid copro --home-dir /data --shell /usr/sbin/nologin copro \
    && install -d -o copro -g copro -m 0700 /data /data/keys

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY copro ./copro
COPY ledger ./ledger
COPY policies ./policies
COPY web ./web
COPY gunicorn.conf.py ./
RUN pip install --no-cache-dir .

USER copro
ENV COPRO_DATA=/data PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "copro.wsgi:application()"]
