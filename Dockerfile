# deportation-stats: the API on its embedded SQLite default, as a non-root user.
# Build: docker build -t deportation-stats .
# Run:   docker run -p 8000:8000 -v depstats-data:/var/lib/depstats deportation-stats
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEPSTATS_DATABASE_URL=sqlite:////var/lib/depstats/depstats.db

WORKDIR /srv/depstats

RUN useradd --system --uid 10001 --home-dir /srv/depstats depstats \
    && mkdir -p /var/lib/depstats \
    && chown depstats /var/lib/depstats

COPY pyproject.toml README.md ./
COPY app ./app
# The project itself, with the PostgreSQL driver (DEPSTATS_DATABASE_URL=postgresql+psycopg://...);
# hadolint reads ".[postgres]" as an unpinned package, but it is this local checkout.
# hadolint ignore=DL3013
RUN pip install ".[postgres]"

# migrations/ and data/ are read from the working directory at run time.
COPY migrations ./migrations
COPY data ./data

USER 10001
VOLUME ["/var/lib/depstats"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["depstats", "serve", "--host", "0.0.0.0", "--port", "8000"]
