"""Sizes for the hardening suite: `HARDENING_SCALE=ci` (default, < 3 min on 2 cores) or `full` (the documented run).

Hypothesis profiles: `HYPOTHESIS_PROFILE=hardening-ci` (derandomized, reproducible, no shrinking: a failure is
reported as first found, so a known failure costs no CI time), `hardening-minimal` (the same cases, shrunk to a
minimal failing example) or `hardening-full` (random, shrunk); none writes an example database into the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, settings


@dataclass(frozen=True)
class Scale:
    handler_examples: int
    fdk_examples: int
    property_examples: int
    """Per route (and family) for issue 28's promises (test_promises.py, test_config_property.py)."""
    property_fdk_examples: int
    invocations: int
    concurrency: int
    containers: int
    prompt_kb: int
    expiry_seconds: float


SCALES = {
    "ci": Scale(
        handler_examples=150,
        fdk_examples=40,
        property_examples=25,
        property_fdk_examples=15,
        invocations=2000,
        concurrency=4,
        containers=2,
        prompt_kb=8,
        expiry_seconds=5.0,
    ),
    "full": Scale(
        handler_examples=2000,
        fdk_examples=400,
        property_examples=1000,
        property_fdk_examples=200,
        invocations=5000,
        concurrency=8,
        containers=4,
        prompt_kb=100,
        expiry_seconds=20.0,
    ),
}
SCALE_NAME = os.environ.get("HARDENING_SCALE", "ci")
SCALE = SCALES[SCALE_NAME]

# Examples reach a real emulator over HTTP: wall time per example varies, so no per-example deadline.
_COMMON = {"deadline": None, "database": None, "print_blob": True}
_NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
settings.register_profile("hardening-ci", derandomize=True, phases=_NO_SHRINK, **_COMMON)
settings.register_profile("hardening-minimal", derandomize=True, **_COMMON)
settings.register_profile("hardening-full", derandomize=False, **_COMMON)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", f"hardening-{SCALE_NAME}"))


def fuzz(max_examples: int) -> settings:
    """The profile with a size; inner @given functions close over fixtures, so no fixture health check applies."""
    return settings(PROFILE, max_examples=max_examples, suppress_health_check=[HealthCheck.too_slow])
