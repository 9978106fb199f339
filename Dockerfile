# The function image. `fn build` / `fn deploy` build this file whenever it exists (func.yaml says `runtime: docker`
# to match), so it is the one build path. Same layout and entrypoint as Fn's Python images (/function, /python,
# /python/bin/fdk), but /python holds only what the function loads: see scripts/build-deps.
# Build and run stages share one base, so the console script's shebang (/usr/local/bin/python3) and the
# precompiled bytecode's interpreter version match. On GENERIC_ARM / GENERIC_X86_ARM shapes the Fn CLI builds
# with `--platform linux/arm64[,linux/amd64]`: build-deps runs once per architecture, on that architecture's wheels.
# tests/deploy/test_image.py performs these steps without Docker and serves a request from the result.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /build
COPY requirements.txt ./
COPY scripts/build-deps scripts/slim_tree.py scripts/slim-allowlist.json ./scripts/
RUN python3 scripts/build-deps /python
WORKDIR /function
COPY func.py ./
COPY genai_fn ./genai_fn
# Bytecode and permissions are settled here: a RUN in the final stage would copy every file it touches into a
# second layer (+35 MB for /python).
RUN python3 -m compileall -q --invalidation-mode unchecked-hash /function \
    && chmod -R o+rX /function /python

FROM ${PYTHON_IMAGE}
# No bytecode writes at run time (the tree is precompiled; /function is read-only in Functions).
ENV PYTHONPATH=/function:/python \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY --from=build /python /python
COPY --from=build /function /function
WORKDIR /function
ENTRYPOINT ["/python/bin/fdk", "/function/func.py", "handler"]
