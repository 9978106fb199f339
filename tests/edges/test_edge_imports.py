"""The fdk edge's imports do not change with the streaming edge: `import func` (and building its App) loads no
ASGI server, async library or async HTTP client, and nothing of genai_fn.edges; the streaming edge loads uvicorn
only where it is served (genai_fn/edges/serve.py), not when its ASGI app is built."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from localfn.fdk_process import REPO_ROOT

STREAMING_ONLY = frozenset({"uvicorn", "starlette", "httpx", "anyio", "h11", "httpcore", "sniffio", "click"})

PROBE = textwrap.dedent(
    """
    import json, sys
    import {module}
    print(json.dumps(sorted(sys.modules)))
    """
)


def loaded_by(module: str) -> set[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_import_func_loads_nothing_of_the_streaming_edge() -> None:
    modules = loaded_by("func")
    assert "func" in modules and "genai_fn.app" in modules
    assert not {name.split(".")[0] for name in modules} & STREAMING_ONLY
    assert not {name for name in modules if name.startswith("genai_fn.edges")}


def test_the_asgi_app_needs_no_server_to_be_built() -> None:
    modules = loaded_by("genai_fn.edges.asgi")
    assert "genai_fn.edges.asgi" in modules
    assert not {name.split(".")[0] for name in modules} & STREAMING_ONLY


BUILD_EDGE = textwrap.dedent(
    """
    import json, os, sys
    from genai_fn.edges.asgi import StreamingEdge
    StreamingEdge.from_env({{"MODEL_ID": "m", "COMPARTMENT_OCID": "ocid1.compartment.oc1..c", **json.loads({env!r})}})
    print(json.dumps(sorted(sys.modules)))
    """
)


def built_edge_loads(env: dict[str, str]) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", BUILD_EDGE.format(env=json.dumps(env))],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_the_edges_usage_metrics_load_only_when_configured() -> None:
    """The edge's own usage publisher (and the Monitoring client) load only with usage metrics configured."""
    usage = {"genai_fn.edges.usage", "oci.monitoring"}
    compartment = {"USAGE_METRICS_COMPARTMENT_OCID": "ocid1.tenancy.oc1..t"}
    assert not usage & built_edge_loads({})
    assert not usage & built_edge_loads({"USAGE_METRICS": "off", **compartment})
    assert usage <= built_edge_loads(compartment)
