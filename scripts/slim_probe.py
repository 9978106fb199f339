"""An fdk entrypoint that serves func.handler unchanged and, on request, reports what the process has loaded.

Used by scripts/slim_allowlist.py (to derive the allow-list) and tests/integration/test_slim_tree.py (to prove the
slim tree alone serves requests). Never shipped: it lives outside func.py and genai_fn/.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from typing import Any

from fdk import response

import func

PROBE_HEADER = "x-slim-probe"
"""Plain-invoke header naming a probe action; any other call goes to func.handler."""
FOREIGN_MODULES = ("pytest", "_pytest", "Cython", "pbr", "wheel", "setuptools", "emulator", "localfn", "tests")
"""Installed in the dev environment (or the repository) but never in the image: the function must not see them."""


def handler(ctx: Any, data: Any = None) -> Any:
    action = ctx.Headers().get(PROBE_HEADER)
    if isinstance(action, list):
        action = action[0] if action else None
    if not action:
        return func.handler(ctx, data)
    result = exercise() if action == "exercise" else report()
    return response.Response(ctx, response_data=json.dumps(result), headers={"Content-Type": "application/json"})


def report() -> dict[str, Any]:
    """Every loaded module with a file, and whether modules from outside the image are reachable."""
    files = {name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())}
    return {
        "modules": {name: path for name, path in files.items() if path},
        "sys_path": sys.path,
        "no_site": bool(sys.flags.no_site),
        "foreign_importable": [name for name in FOREIGN_MODULES if importlib.util.find_spec(name) is not None],
    }


def exercise() -> dict[str, Any]:
    """Paths the SDK loads lazily and the chat route does not reach: embed, token refresh, error translation."""
    from genai_fn.logs import CallFacts
    from genai_fn.neutral.embeddings import EmbeddingRequest
    from genai_fn.upstream import failures

    done: dict[str, str] = {}
    configured = func.app.state
    if isinstance(configured, Exception):  # a ConfigError: nothing to exercise
        raise RuntimeError(f"the function's configuration is invalid: {configured}") from configured
    settings = configured.settings
    embed_model = settings.embedding_models[0] if settings.embedding_models else settings.model_id
    try:
        configured.upstream.embed(EmbeddingRequest(model=embed_model, inputs=("probe",)), _far_deadline(), CallFacts())
        done["embed_text"] = "ok"
    except Exception as exc:  # report, do not fail: the probe's caller decides
        done["embed_text"] = type(exc).__name__
    if settings.auth_mode == "api_key":  # what the SDK does for a client built from a config file
        import oci

        oci.signer.Signer.from_config(oci.config.from_file(settings.oci_config_file, settings.oci_config_profile))
        done["api_key_signer"] = "ok"
    signer = configured.upstream.client.base_client.signer
    if hasattr(signer, "refresh_security_token"):
        signer.refresh_security_token()
        done["refresh_security_token"] = "ok"
    done["budget_store"] = _exercise_budgets()
    done["usage_publisher"] = _exercise_usage()
    for error in (_service_error(429), _service_error(401), _service_error(500), ConnectionError("probe")):
        done[f"translate_{type(error).__name__}"] = type(failures.translate(error, CallFacts())).__name__
    return done


def _exercise_budgets() -> str:
    """The token budget path (TOKEN_BUDGETS): the store's client connecting over TLS to a cache that cannot be
    reached, failing open: loads redis as the budget path does."""
    from genai_fn.budgets import BudgetStore, parse_budgets

    policy = parse_budgets(
        {
            "TOKEN_BUDGETS": "*:1/day",
            "BUDGET_STORE_URL": "rediss://probe.invalid:6379/0",
            "BUDGET_ON_STORE_ERROR": "open",
        }
    )
    assert policy is not None
    reservation = BudgetStore(policy).reserve("probe", 1, _far_deadline())
    return f"store_error={reservation.store_error}"


def _exercise_usage() -> str:
    """The usage function's publisher (the same image serves it, deploy/usage/Dockerfile): its Monitoring client,
    built with the resource principal, nothing posted."""
    from genai_fn.usage.config import UsageSettings
    from genai_fn.usage.publisher import MetricsPublisher

    publisher = MetricsPublisher(UsageSettings("genai_usage", "ocid1.compartment.oc1..probe", "http://127.0.0.1:9"))
    try:
        publisher._monitoring()
    except Exception as exc:  # report, do not fail: with an API key there is no resource principal to sign with
        return type(exc).__name__
    return "ok"


def _far_deadline() -> float:
    import time

    return time.monotonic() + 30.0


def _service_error(status: int) -> Exception:
    import oci

    error: Exception = oci.exceptions.ServiceError(status, "ProbeCode", {"opc-request-id": "probe"}, "probe")
    return error
