"""A cold container pays only for what every call needs: the modules `import func` and one plain call load, read from
sys.modules (never a timer), are exactly the start-up set below. A route's contract, guardrails, Responses, rerank,
embeddings, images or reasoning code moving into the start-up path fails here; the time it costs is measured by
benchmarks/run.py."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import oci

from emulator import Emulator
from localfn.fdk_process import REPO_ROOT
from tests.conftest import function_config

START_UP = frozenset(
    {
        "genai_fn",
        "genai_fn.admission",
        "genai_fn.app",
        "genai_fn.body",
        "genai_fn.caller",
        "genai_fn.catalog",
        "genai_fn.config",
        "genai_fn.config_numbers",
        "genai_fn.contracts",
        "genai_fn.contracts.grounding",
        "genai_fn.contracts.simple",
        "genai_fn.envelope",
        "genai_fn.http",
        "genai_fn.errors",
        "genai_fn.fdk_keepalive",
        "genai_fn.fdk_zipkin",
        "genai_fn.families",
        "genai_fn.families._base",
        "genai_fn.families.cohere",
        "genai_fn.families.coherev2",  # the default model's format (its shared Cohere fields live in cohere.py)
        "genai_fn.limits",
        "genai_fn.logs",
        "genai_fn.neutral",
        "genai_fn.neutral.chat",
        "genai_fn.ocid",
        "genai_fn.router",
        "genai_fn.scope",
        "genai_fn.upstream",
        "genai_fn.upstream.bounded_reply",
        "genai_fn.upstream.chat",
        "genai_fn.upstream.client",
        "genai_fn.upstream.credentials",
        "genai_fn.upstream.echo",
        "genai_fn.upstream.retry",
        "genai_fn.upstream.serving",
        "genai_fn.usecases",
        "genai_fn.usecases.chat",
        "genai_fn.usecases.guarded",
        "genai_fn.usecases.metering",
        "genai_fn.validate",
    }
)
"""genai_fn's modules after `import func` and one plain `fn invoke` of the simple contract on the default model."""
ERROR_PATH = frozenset(
    {"genai_fn.upstream.failures", "genai_fn.upstream.retry_after", "genai_fn.upstream.service_message"}
)
"""Reading the SDK's failures: loaded by the first call that fails, never by a call that succeeds."""
NEVER_AT_START = frozenset({"openai", "redis", "emulator", "localfn", "trustme", "aiohttp", "pytest", "hypothesis"})
"""Top-level packages a plain call must not load (test tools, or libraries loaded only when configured)."""
SDK_SERVICES = frozenset({"generative_ai_inference", "dns", "object_storage", "work_requests"})
"""oci service packages allowed: ours, and the three `oci.pagination` imports whenever `oci` is imported (the SDK's
own doing, paid by any function that uses the SDK)."""

PROBE = textwrap.dedent(
    """
    import json, sys, time
    import func
    from genai_fn.http import Invocation

    invocation = Invocation("POST", "", {}, b'{"input": "hi"}', "c1", time.monotonic() + 20, via_gateway=False)
    reply = func.app.handle(invocation)
    print(json.dumps({"status": reply.status, "modules": sorted(sys.modules)}))
    """
)


def loaded_by_one_plain_call(
    emulator: Emulator, rp_env: dict[str, str], expected_status: int = 200, **config: str
) -> set[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT), **rp_env, **function_config(emulator, **config)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["status"] == expected_status
    return set(result["modules"])


def test_import_func_and_one_plain_call_load_only_the_start_up_set(emulator: Emulator, rp_env: dict[str, str]) -> None:
    modules = loaded_by_one_plain_call(emulator, rp_env)
    ours = {name for name in modules if name.split(".")[0] == "genai_fn"}
    assert ours == START_UP, f"added: {sorted(ours - START_UP)}; gone: {sorted(START_UP - ours)}"
    assert not {name.split(".")[0] for name in modules} & NEVER_AT_START
    sdk = Path(oci.__file__).parent
    services = {name.split(".")[1] for name in modules if name.startswith("oci.")}
    assert {name for name in services if (sdk / name / "models").is_dir()} <= SDK_SERVICES


def test_the_error_path_loads_on_the_first_failure(emulator: Emulator, rp_env: dict[str, str]) -> None:
    """The control for ERROR_PATH: the same probe, with the service failing the call, sees those modules."""
    emulator.reset()
    emulator.fail_next(status=400, code="InvalidParameter", message="no")
    try:
        modules = loaded_by_one_plain_call(emulator, rp_env, expected_status=400)
    finally:
        emulator.reset()
    assert ERROR_PATH <= modules


def test_configured_guardrails_load_on_the_call_that_needs_them(emulator: Emulator, rp_env: dict[str, str]) -> None:
    """The control: the same probe sees a route's modules when the call needs them, so the set above is real."""
    modules = loaded_by_one_plain_call(emulator, rp_env, GUARDRAILS="pii:mask")
    assert {"genai_fn.guardrails.policy", "genai_fn.guardrails.screening"} <= modules
