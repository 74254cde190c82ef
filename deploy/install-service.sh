#!/bin/sh
# Install one service and exactly what uv.lock pins for it into a virtual environment at VENV,
# the path the image runs it from: uv writes absolute paths into the environment's scripts, so
# an environment built in one place and copied to another cannot run them.
# Called by deploy/service.Dockerfile, and the same way by tests/deploy/test_service_image.py.
#   usage (from the build context's root): sh deploy/install-service.sh SERVICE VENV
set -eu
service=${1:?usage: install-service.sh SERVICE VENV}
venv=${2:?usage: install-service.sh SERVICE VENV}
UV_PROJECT_ENVIRONMENT="$venv" uv sync --frozen --no-dev --no-editable --package "cvihub-$service"
"$venv/bin/python" -c "import cvihub_$service.app, uvicorn"
