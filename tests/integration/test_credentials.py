"""Resource principal signing against the signature-checking emulator: reuse, refresh, expiry and breakage."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from emulator import mint_api_key_config, mint_resource_principal
from tests.conftest import function_config
from tests.tokens import signed_before_expiry, signing_claims, token_claims, wait_past_expiry, warm_up


def own_principal(credentials_dir: Path, tmp_path: Path, **kwargs) -> tuple[Path, dict[str, str]]:
    """A resource principal of its own (token and session key files), issued by the emulator's issuer."""
    directory = tmp_path / "rp"
    directory.mkdir()
    shutil.copy(credentials_dir / "issuer.pem", directory / "issuer.pem")
    return directory, mint_resource_principal(directory, **kwargs)


@pytest.fixture
def fresh_emulator(emulator):
    emulator.reset()
    yield emulator
    emulator.reset()


def test_signer_and_client_are_built_once_per_container(start_function, fresh_emulator, credentials_dir, tmp_path):
    directory, env = own_principal(credentials_dir, tmp_path)
    function = start_function({**function_config(fresh_emulator), **env})
    assert function.invoke({"input": "one"}).status == 200

    (directory / "private.pem").unlink()  # a per-call signer would have to read it again
    (directory / "rpst").unlink()
    for _ in range(3):
        assert function.invoke({"input": "again"}).status == 200
    assert all(r.principal and r.status == 200 for r in fresh_emulator.requests)


def test_expired_token_is_reloaded_without_a_restart(start_function, fresh_emulator, credentials_dir, tmp_path):
    directory, env = own_principal(credentials_dir, tmp_path)
    function = start_function({**function_config(fresh_emulator), **env})
    warm_up(function)
    first = signed_before_expiry(function, directory, fresh_emulator, ttl_seconds=2, body={"input": "before expiry"})

    wait_past_expiry(first)  # the token has expired; the platform writes a new one (and a new session key)
    mint_resource_principal(directory, ttl_seconds=3600, rotate_key=True)
    reply = function.invoke({"input": "after expiry"})

    assert reply.status == 200, reply.body
    assert [r.status for r in fresh_emulator.requests] == [200, 200], "refreshed before sending, no 401 spent"
    signed_with = [signing_claims(r.headers["authorization"])["jti"] for r in fresh_emulator.requests]
    assert signed_with == [first["jti"], token_claims(directory)["jti"]], "the second call signed with the new token"


def test_a_short_lived_token_is_not_reloaded_on_every_call(start_function, fresh_emulator, credentials_dir, tmp_path):
    directory, env = own_principal(credentials_dir, tmp_path, ttl_seconds=30)  # inside the SDK's 60 s jitter
    function = start_function({**function_config(fresh_emulator), **env})
    assert function.invoke({"input": "reloads once"}).status == 200

    (directory / "private.pem").unlink()  # a reload on every call would now fail
    (directory / "rpst").unlink()
    assert [function.invoke({"input": "again"}).status for _ in range(3)] == [200, 200, 200]


def test_sdk_reloads_credentials_and_retries_once_after_a_401(fn, upstream):
    upstream.fail_next(
        status=401,
        code="NotAuthenticated",
        message="The required information to complete authentication was not provided.",
        times=1,
    )
    reply = fn.invoke({"input": "Hi"})

    assert reply.status == 200
    assert [r.status for r in upstream.requests] == [401, 200]


def test_a_token_from_another_issuer_is_rejected_by_the_emulator(start_function, fresh_emulator, tmp_path):
    foreign = mint_resource_principal(tmp_path / "foreign")  # its own issuer: the emulator does not trust it
    function = start_function({**function_config(fresh_emulator), **foreign})
    reply = function.invoke({"input": "Hi"}, gateway=True, url="/chat")

    error = json.loads(reply.body)["error"]
    assert (reply.status, error["type"]) == (502, "upstream_auth_failed")
    assert {r.status for r in fresh_emulator.requests} == {401}
    assert all(r.principal is None for r in fresh_emulator.requests)


def test_broken_credentials_give_a_clear_502(start_function, fresh_emulator, credentials_dir, tmp_path):
    directory, env = own_principal(credentials_dir, tmp_path)
    (directory / "private.pem").write_text("-----BEGIN RSA PRIVATE KEY-----\nbroken\n-----END RSA PRIVATE KEY-----\n")
    function = start_function({**function_config(fresh_emulator), **env})
    reply = function.invoke({"input": "Hi"}, gateway=True, url="/chat")

    error = json.loads(reply.body)["error"]
    assert (reply.status, error["type"]) == (502, "upstream_auth_failed")
    assert "resource principal credentials" in error["message"]
    assert str(directory) not in error["message"], "no internal paths in error messages"
    assert len(fresh_emulator.requests) == 0

    mint_resource_principal(directory, rotate_key=True)  # the platform fixes the files: no restart needed
    assert function.invoke({"input": "Hi"}).status == 200


def test_no_resource_principal_environment_is_a_clear_502(start_function, fresh_emulator):
    function = start_function(function_config(fresh_emulator), with_principal=False)
    reply = function.invoke({"input": "Hi"})

    error = json.loads(reply.body)["error"]
    assert (reply.socket_status, error["status"], error["type"]) == (200, 502, "upstream_auth_failed")


def test_api_key_mode_for_laptops_and_cloud_shell(start_function, fresh_emulator, credentials_dir):
    config_file = mint_api_key_config(credentials_dir)
    function = start_function(
        function_config(fresh_emulator, AUTH_MODE="api_key", OCI_CONFIG_FILE=str(config_file)),
        with_principal=False,
    )
    reply = function.invoke({"input": "Hi"})

    assert reply.status == 200, reply.body
    assert fresh_emulator.requests[-1].principal.startswith("ocid1.user.")
