# specmock in a container: docker build -t specmock . && \
#   docker run --rm -v "$PWD":/specs -p 8000:8000 specmock serve /specs/api.yaml
# EXTRAS picks optional capabilities, e.g. --build-arg EXTRAS=redis,s3 (see pyproject.toml).
FROM python:3.11-slim

ARG EXTRAS=redis
ENV SPECMOCK_HOST=0.0.0.0 \
    SPECMOCK_PORT=8000 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY specmock ./specmock
COPY specs ./specs
RUN pip install ".[${EXTRAS}]" \
    && useradd --system --uid 10001 --no-create-home specmock \
    && mkdir /specs && chown specmock /specs

USER specmock
WORKDIR /specs
EXPOSE 8000
# the admin API answers loopback clients, which the health check is
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/__specmock/health/ready', timeout=2).status != 200)"]
ENTRYPOINT ["specmock"]
CMD ["serve", "petstore"]
