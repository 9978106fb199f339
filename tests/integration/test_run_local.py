"""README command 1's server (`python -m localfn`, what scripts/run-local starts) serves the curl it prints."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request

from localfn.fdk_process import REPO_ROOT


def test_run_local_serves_the_printed_examples():
    process = subprocess.Popen(
        [sys.executable, "-m", "localfn", "--port", "0"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line, "python -m localfn exited before it printed the gateway URL"
            match = re.match(r"Gateway: (http://\S+)", line)
            url = match.group(1) if match else None
        assert url, "no gateway URL within 60 s"

        request = urllib.request.Request(
            f"{url}/genai/chat",
            data=json.dumps({"input": "What is the capital of France?"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.read() == b"Emulated reply to: What is the capital of France?"
        with urllib.request.urlopen(f"{url}/genai/v1/models", timeout=30) as response:
            assert "meta.llama-3.3-70b-instruct" in {m["id"] for m in json.loads(response.read())["data"]}
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
