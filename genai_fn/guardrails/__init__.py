"""Guardrails: the operator's policy (policy.py, pure configuration) and the screening step around model calls
(screening.py, loaded only when GUARDRAILS is configured), with its pure parts (spans.py, verdict.py)."""
