"""Fixtures for the emulator's own tests: one emulator per module, real oci SDK clients as callers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import oci
import pytest
from oci.generative_ai_inference import GenerativeAiInferenceClient

from emulator import Emulator, mint_api_key_config, mint_resource_principal

COMPARTMENT = "ocid1.compartment.oc1..caller"


@pytest.fixture(scope="module")
def creds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("creds")
    mint_resource_principal(directory)
    mint_api_key_config(directory)
    return directory


@pytest.fixture(scope="module")
def emu(creds: Path) -> Iterator[Emulator]:
    with Emulator(creds) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> None:
    if "emu" in request.fixturenames:
        request.getfixturevalue("emu").reset()


@pytest.fixture
def rp_env(creds: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fresh resource-principal files (re-minted, so a previous test's expired token does not leak)."""
    env = mint_resource_principal(creds)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def make_client(
    url: str, signer: object, config: dict | None = None, timeout: tuple[float, float] = (2, 5)
) -> GenerativeAiInferenceClient:
    return GenerativeAiInferenceClient(
        config=config or {},
        signer=signer,
        service_endpoint=url,
        retry_strategy=oci.retry.NoneRetryStrategy(),
        circuit_breaker_strategy=oci.circuit_breaker.NoCircuitBreakerStrategy(),
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def client(emu: Emulator, creds: Path) -> Iterator[GenerativeAiInferenceClient]:
    """A resource-principal client built once per module from the RP env vars, as the function builds it."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in mint_resource_principal(creds).items():
            patch.setenv(key, value)
        yield make_client(emu.url, oci.auth.signers.get_resource_principals_signer())


@pytest.fixture
def chat_details() -> Callable[..., dict]:
    """Raw ChatDetails JSON (the SDK passes dicts through), so tests can send what its models would refuse."""

    def build(model: str = "cohere.command-a-03-2025", **request: object) -> dict:
        if "apiFormat" not in request:
            request = {"apiFormat": "COHERE" if model.startswith("cohere.") else "GENERIC", **request}
        if request["apiFormat"] == "COHERE":
            request.setdefault("message", "hello there")
        else:
            request.setdefault("messages", [{"role": "USER", "content": [{"type": "TEXT", "text": "hello there"}]}])
        return {
            "compartmentId": COMPARTMENT,
            "servingMode": {"servingType": "ON_DEMAND", "modelId": model},
            "chatRequest": request,
        }

    return build
