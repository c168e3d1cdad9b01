# The platform image (issue 16 item 1): one image, every server role by its command
#   API         uvicorn --factory api.main:app_from_env --host 0.0.0.0 --port 8000 --proxy-headers
#   Dagster     dagster-webserver / dagster-daemon run / dagster api grpc (code server)
#   migrations  signage db upgrade
#   CLI         signage ...
# Configuration only through SIGNAGE_* variables (and *_FILE secrets, deploy/entrypoint.sh).
#
# BASE_IMAGE: python:3.11-slim where a registry is reachable; a local Debian bookworm made with
# debootstrap where none is (deploy/make-base-image.sh). Both give Python 3.11.
# EXTRA_CA_CERTS: PEM text of extra CA certificates for pip/apt behind a TLS-inspecting proxy;
# used by the build stage only, and kept in the final image only with KEEP_EXTRA_CA_CERTS=1.
# The legacy builder is enough (no BuildKit features): `DOCKER_BUILDKIT=0 docker build .`
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS runtime-base
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Debian's Python when the base has none (python:3.11-slim brings its own); pg_dump for the
# backup job; CA certificates for S3 over TLS.
RUN set -eux; \
    packages="ca-certificates postgresql-client curl"; \
    command -v python3 >/dev/null || packages="$packages python3 python3-venv"; \
    apt-get update; \
    apt-get install -y --no-install-recommends $packages; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb

FROM runtime-base AS build
ARG EXTRA_CA_CERTS=""
ENV VIRTUAL_ENV=/opt/venv SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt UV_NATIVE_TLS=1 UV_LINK_MODE=copy
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
      printf '%s\n' "$EXTRA_CA_CERTS" >> /etc/ssl/certs/ca-certificates.crt; fi
RUN python3 -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir --quiet uv
WORKDIR /src
# Dependencies first, from pyproject.toml alone, so a code change reuses this layer.
COPY pyproject.toml README.md ./
RUN mkdir -p signage api pipelines warehouse player \
    && for p in signage api pipelines warehouse player; do touch $p/__init__.py; done \
    && /opt/venv/bin/uv pip install --no-cache --python /opt/venv/bin/python '.[server,player,deploy]' \
    && /opt/venv/bin/uv pip uninstall --python /opt/venv/bin/python signage
COPY signage ./signage
COPY api ./api
COPY pipelines ./pipelines
COPY warehouse ./warehouse
COPY player ./player
RUN /opt/venv/bin/uv pip install --no-cache --no-deps --python /opt/venv/bin/python . \
    && /opt/venv/bin/uv pip uninstall --python /opt/venv/bin/python uv pip \
    && find /opt/venv -name '__pycache__' -prune -exec rm -rf {} +

FROM runtime-base AS platform
ARG EXTRA_CA_CERTS=""
ARG KEEP_EXTRA_CA_CERTS=0
RUN if [ "$KEEP_EXTRA_CA_CERTS" = 1 ] && [ -n "$EXTRA_CA_CERTS" ]; then \
      printf '%s\n' "$EXTRA_CA_CERTS" > /usr/local/share/ca-certificates/extra.crt \
      && update-ca-certificates; fi \
    && useradd --system --uid 10001 --create-home --home-dir /var/lib/signage signage \
    && install -d -o signage -g signage /var/lib/signage/data /var/lib/signage/dagster
COPY --from=build /opt/venv /opt/venv
COPY deploy/dagster/ /opt/signage/dagster_home/
COPY webplayer/ /opt/signage/webplayer/
COPY deploy/entrypoint.sh /usr/local/bin/signage-entrypoint
ENV PATH=/opt/venv/bin:$PATH DAGSTER_HOME=/opt/signage/dagster_home \
    SIGNAGE_WEBPLAYER_DIR=/opt/signage/webplayer \
    SIGNAGE_DATA_DIR=/var/lib/signage/data SIGNAGE_API_HOST=0.0.0.0 SIGNAGE_API_PORT=8000
USER signage
WORKDIR /var/lib/signage
EXPOSE 8000
# The API's own probe; other roles override it in compose (deploy/compose.yaml).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8000/readyz >/dev/null || exit 1
ENTRYPOINT ["signage-entrypoint"]
CMD ["uvicorn", "--factory", "api.main:app_from_env", "--host", "0.0.0.0", "--port", "8000", \
     "--proxy-headers", "--no-access-log"]

# The headless reference player and the deployment checks' runtime (deploy/checks is mounted
# by compose.test.yaml): the platform image plus libVLC and the test media factory. Not a server role; built with --target player.
FROM platform AS player
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends vlc-plugin-base libvlc5 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && install -d -o signage -g signage /var/lib/signage/player /state /player
COPY tests/__init__.py /opt/signage/tests/__init__.py
COPY tests/support/__init__.py tests/support/media_factory.py /opt/signage/tests/support/
ENV PYTHONPATH=/opt/signage
USER signage
HEALTHCHECK NONE
ENTRYPOINT []
CMD ["signage-player", "--help"]
