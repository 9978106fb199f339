# The slim function image (func.docker.yaml: `runtime: docker`). Same layout and entrypoint as Fn's Python images
# (/function, /python, /python/bin/fdk), but /python holds only what the function loads: see scripts/build-deps.
# Build and run stages share one base, so the console script's shebang (/usr/local/bin/python3) and the
# precompiled bytecode's interpreter version match.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /build
COPY requirements.txt ./
COPY scripts/build-deps scripts/slim_tree.py scripts/slim-allowlist.json ./scripts/
RUN python3 scripts/build-deps /python

FROM ${PYTHON_IMAGE}
# No pip cache, no bytecode writes at run time (the tree is precompiled; /function is read-only in Functions).
ENV PYTHONPATH=/function:/python \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY --from=build /python /python
WORKDIR /function
COPY func.py ./
COPY genai_fn ./genai_fn
RUN python3 -m compileall -q --invalidation-mode unchecked-hash /function \
    && chmod -R o+rX /function /python
ENTRYPOINT ["/python/bin/fdk", "/function/func.py", "handler"]
