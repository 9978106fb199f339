"""What run-local supervises: every child it starts (function processes, the emulator), one list, one watcher.

A child that ends on its own is never left to answer 502s behind a gateway that still listens: the watcher names
it and how it ended, and run-local stops the rest and exits with EXIT_CHILD_DIED (docs/testing.md, "The local
rig"). Restarting it instead would hide the fault a newcomer or a script needs to see.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from emulator import Emulator

WATCH_INTERVAL_SECONDS = 0.2


class Child(Protocol):
    """Something run-local started and must stop; a new kind of child needs only these two members."""

    @property
    def name(self) -> str:
        """How run-local's output names it: "the function (function-0.log)", "the emulator"."""
        ...

    def ended(self) -> str | None:
        """None while it runs; once it ended, how ("exited with code 1", "was killed by SIGKILL")."""
        ...


@dataclass(frozen=True)
class Death:
    child: Child
    how: str

    def __str__(self) -> str:
        return f"{self.child.name} {self.how}"


class EmulatorChild:
    """The emulator (a thread of run-local, not a process: it has no exit code) as a supervised child."""

    name = "the emulator"

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def ended(self) -> str | None:
        return None if self.emulator.serving else "stopped serving (its server thread ended)"


def exit_description(code: int) -> str:
    """A process's return code as a person reads it: Popen's negative codes are the signal that killed it."""
    if code >= 0:
        return f"exited with code {code}"
    try:
        return f"was killed by {signal.Signals(-code).name} (exit code {code})"
    except ValueError:
        return f"was killed by signal {-code} (exit code {code})"


class Watcher:
    """A daemon thread that polls every child and calls `on_death` once, for the first it finds ended."""

    def __init__(
        self, children: Sequence[Child], on_death: Callable[[Death], None], interval: float = WATCH_INTERVAL_SECONDS
    ) -> None:
        self.children = children
        self._on_death = on_death
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="run-local-watcher", daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching (before the children are stopped on purpose, so their end is not reported)."""
        self._stopped.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _watch(self) -> None:
        while not self._stopped.wait(self._interval):
            for child in self.children:
                how = child.ended()
                if how is not None:
                    self._on_death(Death(child, how))
                    return
