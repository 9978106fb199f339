"""Per-caller usage, off the request path: the function's request-log lines, added up per caller, model, route and
minute, posted to OCI Monitoring as custom metrics by a second function that Connector Hub feeds with the first
function's log (docs/usage.md), and printed as a table by `python -m genai_fn.usage` (scripts/usage)."""
