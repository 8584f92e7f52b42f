# syntax=docker/dockerfile:1
# One slim image per service from this file:
#   docker build --build-arg SERVICE=normalizer -t keep-aiops-normalizer .   (or `make images`)
# SERVICE is gateway, normalizer, correlator or actions. Each image holds keep_providers,
# keep_core (with the faust extra for the stream workers) and that one service; never the
# dev-stack extra. Every image runs `keep-aiops <SERVICE>`; `migrate` and `topics` work in
# any of them (the chart runs them from the gateway image).

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# ---- build: compilers and pip live here only ----------------------------------------
FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/keep
WORKDIR /src
COPY constraints.txt ./
COPY libs/ libs/
COPY services/ services/
RUN set -eu; \
    case "${SERVICE:-}" in \
      gateway)    pkg=services/ingest-gateway; core=libs/keep_core ;; \
      normalizer) pkg=services/normalizer;     core="libs/keep_core[worker]" ;; \
      correlator) pkg=services/correlator;     core="libs/keep_core[worker]" ;; \
      actions)    pkg=services/actions;        core="libs/keep_core[worker]" ;; \
      *) echo "set --build-arg SERVICE=gateway|normalizer|correlator|actions" >&2; exit 1 ;; \
    esac; \
    /opt/keep/bin/pip install -c constraints.txt ./libs/keep_providers "./${core}" "./${pkg}"; \
    /opt/keep/bin/pip uninstall -y pip setuptools wheel 2>/dev/null || true; \
    find /opt/keep -name '__pycache__' -prune -o -name '*.pyc' -print -delete >/dev/null; \
    /opt/keep/bin/python -m compileall -q /opt/keep/lib

# ---- runtime: the venv and nothing else -----------------------------------------------
FROM ${PYTHON_IMAGE}
ARG SERVICE
LABEL org.opencontainers.image.title="keep-aiops-${SERVICE}" \
      org.opencontainers.image.source="https://github.com/keep-aiops/keep-aiops" \
      org.opencontainers.image.licenses="MIT"
# The base image's pip is a package installer we don't run: drop it.
RUN python -m pip uninstall -y pip setuptools wheel 2>/dev/null || true \
 && groupadd --system --gid 10001 keep \
 && useradd --system --uid 10001 --gid keep --home-dir /tmp --shell /usr/sbin/nologin keep \
 && mkdir -p /var/lib/keep && chown keep:keep /var/lib/keep
COPY --from=build /opt/keep /opt/keep
ENV PATH=/opt/keep/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    KEEP_LOG_FORMAT=json \
    KEEP_SERVICE=${SERVICE}
# Works with a read-only root filesystem: /tmp and /var/lib/keep are the only writes
# (the chart mounts emptyDirs there); bytecode is compiled at build time.
WORKDIR /var/lib/keep
USER 10001:10001
EXPOSE 8080 6066
# `docker run IMAGE` runs its service; the chart sets command and args explicitly, and
# `docker run IMAGE keep-aiops migrate` runs another subcommand. exec keeps SIGTERM direct.
CMD ["/bin/sh", "-c", "exec keep-aiops \"$KEEP_SERVICE\""]
