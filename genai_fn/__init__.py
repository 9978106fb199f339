"""oci-genai-fn: an OCI Function that fronts OCI Generative AI for callers inside a private network."""

from .logs import quiet_libraries

# fdk configures the root logger at DEBUG before it loads func.py; quiet the SDK before it is imported,
# or its import-time and per-request debug lines (some with request headers) reach the function's logs.
quiet_libraries()
