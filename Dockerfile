# Build: install exactly the pinned, hash-checked dependencies, then the bot itself (its build
# compiles the translation catalogs) into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/companion
COPY requirements.lock ./
# Every package and its hash come from the lock; nothing is resolved here (--no-deps).
RUN /opt/companion/bin/pip install --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY bot ./bot
COPY locales ./locales
# Built with the setuptools and Babel from the lock (no isolated build fetching its own).
RUN /opt/companion/bin/pip install --no-deps --no-build-isolation . \
    && /opt/companion/bin/pip check

# Run: only the virtual environment, as an unprivileged user, data in a volume.
FROM python:3.11-slim
ENV PATH=/opt/companion/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data
RUN useradd --system --uid 10001 --home-dir /data companion \
    && install -d -m 0700 -o companion /data
COPY --from=build /opt/companion /opt/companion
USER companion
WORKDIR /data
VOLUME ["/data"]
CMD ["sh", "-c", "companion db upgrade && exec companion run"]
