FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY zaqar_lite ./zaqar_lite
RUN pip install --no-cache-dir . && useradd --system --home /data zaqar \
    && mkdir -p /data && chown zaqar /data

USER zaqar
VOLUME ["/data"]
EXPOSE 8888
ENV ZAQAR_LITE_STORAGE=sqlite:////data/zaqar-lite.db
CMD ["zaqar-lite", "serve", "--bind", "0.0.0.0:8888"]
