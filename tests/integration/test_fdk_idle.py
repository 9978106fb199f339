"""An idle hot container uses no CPU: fdk 0.1.128's keep-alive spin is corrected (genai_fn/fdk_keepalive.py).

Fn's agent keeps its connection to a hot container open between calls. Under fdk 0.1.128, keep_alive_timeout after
the last reply on such a connection, fdk's keep-alive timer reschedules itself at 0 s forever (docs/fdk-keepalive.md).
These tests run the function under the real fdk with that timeout cut from 75 s to KEEP_ALIVE s (localfn.fdk_launch,
test-only), wait for the timer to fire (the launcher reports it), then read the process's CPU time from /proc.
"""

from __future__ import annotations

import importlib.metadata
import json
import socket
import time
from collections.abc import Callable

import pytest
from fdk.async_http import protocol

from genai_fn import fdk_keepalive
from localfn.fdk_launch import KEEPALIVE_FIRED
from tests.conftest import RunningFunction, function_config

KEEP_ALIVE = 0.2
"""fdk's keep_alive_timeout in these tests (75 s in fdk)."""
IDLE_WINDOW = 2.0
"""Seconds of idleness measured once the keep-alive timer has fired."""
IDLE_CPU_LIMIT = 0.1
"""CPU seconds allowed over IDLE_WINDOW: fdk's once-a-second clock tick costs microseconds; the spin takes a core."""
SPIN_CPU = 0.3
"""CPU seconds that only a spinning process accumulates while idle (the control waits for them)."""
EVENT_TIMEOUT = 60.0
"""How long to wait for an event that takes well under a second on a quiet machine."""


def wait_for(condition: Callable[[], bool], what: str, timeout: float = EVENT_TIMEOUT) -> None:
    ends = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > ends:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def fired(function: RunningFunction) -> Callable[[], bool]:
    """True once the launcher has reported the keep-alive timer firing since the last read of the log."""
    seen = []

    def check() -> bool:
        seen.append(function.new_log())
        return KEEPALIVE_FIRED in "".join(seen)

    return check


def idle_cpu(function: RunningFunction) -> float:
    """CPU seconds the process uses over IDLE_WINDOW (a measurement window, not a timed assertion)."""
    before = function.process.cpu_seconds()
    time.sleep(IDLE_WINDOW)
    return function.process.cpu_seconds() - before


CALLS = {
    "plain invoke": (dict(body={"input": "Hi"}), 200),
    "gateway call": (dict(body={"input": "Hi"}, gateway=True, url="/chat"), 200),
    "error reply": (dict(body=b"{not json", gateway=True, url="/chat"), 400),
}


@pytest.fixture(scope="module")
def idle_fn(start_module_function, emulator) -> RunningFunction:
    """The function as shipped (func.py applies the fix), with fdk's keep-alive cut to KEEP_ALIVE."""
    return start_module_function(function_config(emulator), fdk_timeouts={"keep_alive_timeout": KEEP_ALIVE})


def test_fdk_is_the_release_the_keepalive_fix_was_checked_against() -> None:
    installed = importlib.metadata.version("fdk")
    assert installed == fdk_keepalive.FDK_VERSION, (
        f"fdk is {installed}: check whether it still has the keep-alive spin (docs/fdk-keepalive.md); if it is "
        "fixed, remove genai_fn/fdk_keepalive.py and its import in func.py, else update FDK_VERSION"
    )


def test_the_fix_applies_only_while_fdk_has_the_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fdk_keepalive.bug_present() and fdk_keepalive.APPLIED
    assert protocol.HttpProtocol.keep_alive_timeout_callback is fdk_keepalive.keep_alive_expired

    monkeypatch.setattr(protocol.HttpProtocol, "keep_alive_timeout_callback", fdk_keepalive.FDK_CALLBACK)
    monkeypatch.setattr(protocol, "current_time", time.time())  # what a fixed fdk's clock would keep there
    assert not fdk_keepalive.bug_present()
    assert fdk_keepalive.apply() is False
    assert protocol.HttpProtocol.keep_alive_timeout_callback is fdk_keepalive.FDK_CALLBACK


@pytest.mark.parametrize("kind", CALLS)
def test_an_idle_function_uses_no_cpu_after_a_call(idle_fn: RunningFunction, emulator, kind: str) -> None:
    kwargs, status = CALLS[kind]
    emulator.reset()
    idle_fn.new_log()
    assert idle_fn.invoke(**kwargs).status == status

    wait_for(fired(idle_fn), "fdk's keep-alive timer")
    used = idle_cpu(idle_fn)

    assert used < IDLE_CPU_LIMIT, f"{used:.2f} s of CPU in {IDLE_WINDOW} s idle after the {kind}: fdk's keep-alive spin"
    assert idle_fn.invoke({"input": "again"}).status == 200
    assert idle_fn.client.connections_opened == 1, "the idle connection stays open for the agent to reuse or close"


def test_without_the_fix_fdk_spins_when_idle(start_function, emulator) -> None:
    """The control: the same measurement sees fdk 0.1.128 spin once func.py's fix is left out."""
    function = start_function(
        function_config(emulator), fdk_timeouts={"keep_alive_timeout": KEEP_ALIVE}, keepalive_fix=False
    )
    assert function.invoke({"input": "Hi"}).status == 200
    wait_for(fired(function), "fdk's keep-alive timer")
    start = function.process.cpu_seconds()

    wait_for(lambda: function.process.cpu_seconds() - start >= SPIN_CPU, f"{SPIN_CPU} s of CPU spent idle")
    function.stop()  # stop spinning now, not at the end of the test


def test_fdk_request_timeout_never_closes_a_connection_opened_early(start_function, emulator) -> None:
    """fdk's request timer (armed when a connection opens) reads the same dead clock: it raises TypeError, so a
    connection the agent opens before it has a request is neither answered 408 nor closed, and nothing spins."""
    function = start_function(function_config(emulator), fdk_timeouts={"request_timeout": KEEP_ALIVE})
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as early:
        early.connect(str(function.process.socket_path))
        wait_for(lambda: "request_timeout_callback" in function.process.stderr(), "fdk's request timer")
        body = json.dumps({"input": "Hi"}).encode()
        early.sendall(
            b"POST /call HTTP/1.1\r\nHost: localhost\r\nFn-Call-Id: early\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        early.settimeout(EVENT_TIMEOUT)
        assert early.recv(64).startswith(b"HTTP/1.1 200 ")
    assert "TypeError: unsupported operand type(s) for -: 'NoneType' and 'NoneType'" in function.process.stderr()
    assert idle_cpu(function) < IDLE_CPU_LIMIT


def test_fdk_response_timeout_cannot_cut_a_slow_call(start_function, emulator) -> None:
    """The handler is synchronous: fdk's event loop is busy until the reply is written, which cancels the response
    timer, so a call slower than response_timeout is answered (fdk's dormant 503 "Response Timeout" never fires)."""
    function = start_function(function_config(emulator), fdk_timeouts={"response_timeout": KEEP_ALIVE})
    emulator.reset()
    emulator.set_latency(KEEP_ALIVE * 5)
    try:
        reply = function.invoke({"input": "Hi"})
    finally:
        emulator.set_latency(0)

    assert (reply.status, reply.body) == (200, b"Emulated reply to: Hi")
    assert "response_timeout_callback" not in function.process.stderr()
