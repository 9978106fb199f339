"""Connector Hub batches as the Functions target delivers them: a JSON array of Functions log entries (Logging's
entry format; docs.oracle.com/iaas/Content/Logging/Reference/details_for_functions.htm), each carrying one line of
the function's output in data.message."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

FUNCTION_ID = "ocid1.fnfunc.oc1.us-chicago-1.aaaaexample"


def iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds % 1 * 1000):03d}Z"


def request_line(caller: str, model: str, route: str, prompt: int, completion: int, at: float, **extra: Any) -> str:
    """What genai_fn.logs.RequestLog writes, with the caller field."""
    line = {
        "ts": iso(at),
        "level": "INFO",
        "event": "request",
        "call_id": uuid.uuid4().hex,
        "route": route,
        "method": "POST",
        "via_gateway": True,
        "cold_start": False,
        "model": model,
        "status": 200,
        "caller": caller,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "latency_ms": 812.4,
        **extra,
    }
    return json.dumps(line, separators=(",", ":"))


def entry(message: str, at: float, src: str = "STDERR") -> dict[str, Any]:
    """One Functions log entry around a line of output."""
    return {
        "data": {
            "applicationId": "ocid1.fnapp.oc1.us-chicago-1.aaaaexample",
            "containerId": "01J0000000000000000000000",
            "functionId": FUNCTION_ID,
            "message": message,
            "requestId": "/01J00000000000000000000000/01J00000000000000000000001",
            "src": src,
        },
        "id": str(uuid.uuid4()),
        "oracle": {
            "compartmentid": "ocid1.compartment.oc1..aaaaexample",
            "ingestedtime": iso(at + 1),
            "loggroupid": "ocid1.loggroup.oc1.us-chicago-1.aaaaexample",
            "logid": "ocid1.log.oc1.us-chicago-1.aaaaexample",
            "tenantid": "ocid1.tenancy.oc1..aaaaexample",
        },
        "source": "genai-app",
        "specversion": "1.0",
        "subject": "genai",
        "time": iso(at),
        "type": "com.oraclecloud.functions.application.functioninvoke",
    }


def batch(*entries: dict[str, Any]) -> bytes:
    return json.dumps(list(entries)).encode()
