FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY zaqar_lite ./zaqar_lite
RUN pip install --no-cache-dir . \
    && groupadd --system --gid 10001 zaqar \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data zaqar \
    && mkdir -p /data && chown 10001:10001 /data

# Defaults for a container, each overridable with `docker run -e`: listen on every
# interface, and keep the embedded store's file on the volume. The SQLite location is
# set rather than a storage URL, so a mounted zaqar.conf that chooses MongoDB
# ([drivers] message_store = mongodb) still decides the store.
ENV ZAQAR_LITE_BIND=0.0.0.0 \
    ZAQAR_LITE_SQLITE_URI=sqlite:////data/zaqar-lite.db

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8888
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["python", "-c", \
    "import http.client, os, sys; c = http.client.HTTPConnection('127.0.0.1', int(os.environ.get('ZAQAR_LITE_PORT', '8888')), timeout=4); c.request('GET', '/v2/ping', headers={'Client-ID': '00000000-0000-0000-0000-000000000000', 'X-Project-ID': 'healthcheck'}); sys.exit(0 if c.getresponse().status == 204 else 1)"]
CMD ["zaqar-lite", "serve"]
