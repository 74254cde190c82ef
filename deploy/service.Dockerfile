# One image per service, built from the repository root:
#   docker build -f deploy/service.Dockerfile --build-arg SERVICE=intake -t cvihub-intake .
# Only the service's own package, contracts, the runtime and the registry copy go in (uv.lock
# pins all). tests/deploy/test_service_image.py runs these steps without a Docker engine.
FROM python:3.11-slim AS build
ARG SERVICE
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY contracts contracts
COPY runtime runtime
COPY registry_copy registry_copy
COPY cli/pyproject.toml cli/pyproject.toml
COPY testkit/pyproject.toml testkit/pyproject.toml
COPY services services
COPY deploy/install-service.sh deploy/install-service.sh
# Built at the path the final image runs it from (/app/.venv), never moved.
RUN test -n "$SERVICE" && sh deploy/install-service.sh "$SERVICE" /app/.venv

FROM python:3.11-slim
ARG SERVICE
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 SERVICE=${SERVICE}
COPY --from=build /app/.venv /app/.venv
RUN useradd --uid 10001 --no-create-home cvihub
USER 10001
WORKDIR /app
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
  CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)" || exit 1
# `python -m uvicorn`, not the `uvicorn` script: the interpreter finds its environment from where
# it runs, a script's shebang only from where it was built.
CMD ["sh", "-c", "exec python -m uvicorn cvihub_${SERVICE}.app:create_app --factory --host 0.0.0.0 --port 8000 --no-access-log"]
