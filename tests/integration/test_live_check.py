"""scripts/live-check against the emulator through a local gateway (as docs/live-check.md's sample run): the table's
rows, the verdicts on the unverified facts, what reached the service, the exit codes, and the clean skip."""

from __future__ import annotations

import pytest

from emulator import Emulator, mint_api_key_config
from localfn.config import COHERE_MODEL, LLAMA_MODEL, rerank_config
from tests.conftest import FunctionPool, function_config
from tests.live import check

V2 = f"{COHERE_MODEL}:COHEREV2"


@pytest.fixture(scope="module")
def v2_gateway(session_functions: FunctionPool, emulator: Emulator) -> str:
    config = function_config(emulator, MODEL_API_FORMATS=V2, **rerank_config())
    return f"{session_functions.gateway(config).url}/genai"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = check.main(list(argv))
    return code, capsys.readouterr().out


def rows(out: str) -> dict[tuple[str, str, str], str]:
    """(route, model (format), feature) -> the rest of the row."""
    table: dict[tuple[str, str, str], str] = {}
    for line in out.splitlines():
        cells = [cell for cell in line.split("  ") if cell.strip()]
        if len(cells) >= 4 and cells[0].startswith("/"):
            table[(cells[0].strip(), cells[1].strip(), cells[2].strip())] = "  ".join(c.strip() for c in cells[3:])
    return table


def test_every_route_family_and_feature_and_the_verdicts(v2_gateway, emulator, capsys) -> None:
    emulator.reset()
    code, out = run(capsys, "--gateway", v2_gateway, "--models", f"{V2},{LLAMA_MODEL}")
    assert code == 0, out
    table = rows(out)
    v2, llama = f"{COHERE_MODEL} (COHEREV2)", f"{LLAMA_MODEL} (GENERIC)"
    assert table[("/v1/chat/completions", v2, "documents")] == "200  citations: 1"
    assert table[("/v1/responses", v2, "tool_choice required")].startswith("200  tool call get_weather with args")
    assert (
        table[("/v1/chat/completions", llama, "tool_choice named")]
        == '200  tool call get_weather with args {"city": "Paris"}'
    )
    assert table[("/v1/chat/completions", llama, "reasoning")].endswith("reasoning tokens: 11")
    assert table[("/v1/chat/completions", llama, "cached tokens")].startswith("200  cached tokens: 14")
    assert table[("/v1/rerank", "cohere.rerank.v3-5", "rerank (RERANK_ENDPOINT_ID)")] == "200  id accepted; top index 0"
    assert ("/chat", llama, "documents") not in table, "Generic models take no documents: not asked"
    assert "CONFIRMED: the service took the function's V2 documents" in out
    assert "CONFIRMED: cohere.command-a-03-2025 answered as COHEREV2" in out
    sent = [r.json["chatRequest"] for r in emulator.requests if r.path.endswith("/actions/chat")]
    v2_documents = [s for s in sent if s["apiFormat"] == "COHEREV2" and s.get("documents")]
    assert v2_documents and v2_documents[0]["documents"][0]["id"] == "doc-paris"
    assert any(r.path.endswith("/actions/rerankText") for r in emulator.requests)


def test_a_refused_row_fails_the_check(gateway, emulator, capsys) -> None:
    emulator.reset()
    emulator.fail_next(status=400, code="InvalidParameter", message="the service refused it")
    code, out = run(capsys, "--gateway", f"{gateway.url}/genai", "--models", LLAMA_MODEL)
    assert code == check.EXIT_FAILED
    assert rows(out)[("/v1/chat/completions", f"{LLAMA_MODEL} (GENERIC)", "plain")].startswith(
        "400  upstream_bad_request"
    )


def test_guardrails_refusing_the_probe(session_functions, emulator, capsys) -> None:
    config = function_config(emulator, GUARDRAILS="prompt_injection:block")
    url = f"{session_functions.gateway(config).url}/genai"
    code, out = run(capsys, "--gateway", url, "--models", LLAMA_MODEL, "--guardrails")
    assert code == 0, out
    assert rows(out)[("/v1/chat/completions", LLAMA_MODEL, "guardrails (input)")].startswith("400  content_filter")


def test_without_a_target_or_credentials_it_skips_calling_nothing(emulator, capsys, monkeypatch, tmp_path) -> None:
    for name in ("SERVICE_ENDPOINT", "COMPARTMENT_OCID", "OCI_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    emulator.reset()
    code, out = run(capsys, "--oci-config", str(tmp_path / "absent"))
    assert code == 0 and out.startswith("live-check: skipped, nothing called")
    assert len(emulator.requests) == 0


def test_in_process_with_an_oci_config_file_and_the_offset_unit(emulator, credentials_dir, capsys, monkeypatch) -> None:
    """--oci-config: the function's App in this process signs with the API key (the emulator checks the signature);
    the offset row asks ApplyGuardrails directly. The emulator counts code points, so that is the unit named."""
    config_file = mint_api_key_config(credentials_dir)
    env = function_config(emulator, MODEL_API_FORMATS=V2, **rerank_config())
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    emulator.reset()
    code, out = run(capsys, "--oci-config", str(config_file), "--models", f"{V2},{LLAMA_MODEL}")
    assert code == 0, out
    assert "Unicode code points (offset 23, length 20)" in out
    assert "CONFIRMED: cohere.command-a-03-2025 answered as COHEREV2" in out
    assert rows(out)[("/v1/embeddings", "cohere.embed-v4.0", "embeddings")] == "200  2 vectors of 1536 numbers"
    assert any(r.path.endswith("/actions/applyGuardrails") for r in emulator.requests)
    assert all(r.principal is not None for r in emulator.requests), "every call signed with the config file's key"
