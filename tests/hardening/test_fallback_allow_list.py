"""A property over every FALLBACKS an operator may write and every way the service may fail: whatever chain is
accepted, no call the upstream receives names a model outside the allow-list (or an endpoint the chain does not
configure), or a compartment other than COMPARTMENT_OCID; and no request a caller sends can choose a target. The
app runs in-process with its real Upstream, signing requests to the emulator, whose record is what is checked."""

from __future__ import annotations

import json
import time

from hypothesis import event, given
from hypothesis import strategies as st

from emulator import Emulator
from genai_fn.app import App
from genai_fn.config import Settings
from genai_fn.errors import ConfigError
from genai_fn.http import Invocation
from genai_fn.logs import RequestLog
from tests.conftest import function_config
from tests.constants import COHERE_MODEL, COMPARTMENT, ENDPOINT_OCID, LLAMA_MODEL, VISION_MODEL

from .scale import SCALE, fuzz

ALLOWED = (COHERE_MODEL, LLAMA_MODEL, VISION_MODEL)
NOT_ALLOWED = ("xai.grok-4", "openai.gpt-4o", "cohere.command-r-plus", "meta.llama-3.1-405b-instruct")
OTHER_ENDPOINT = "ocid1.generativeaiendpoint.oc1.us-chicago-1.another"
TARGETS = (*ALLOWED, f"{ENDPOINT_OCID}:GENERIC", f"{OTHER_ENDPOINT}:COHERE")
NAMES = st.sampled_from(TARGETS * 4 + (*NOT_ALLOWED, ENDPOINT_OCID))
"""Mostly targets an operator may name (so most chains are accepted), sometimes one configuration must refuse."""
CHAIN = st.tuples(st.sampled_from(ALLOWED), st.lists(NAMES, min_size=1, max_size=3, unique=True)).map(
    lambda parts: ">".join((parts[0], *parts[1]))
)
WELL_FORMED = st.lists(CHAIN, min_size=1, max_size=3, unique_by=lambda chain: chain.split(">")[0]).map(";".join)
CHAINS = st.one_of(WELL_FORMED, WELL_FORMED, WELL_FORMED, st.text(alphabet="ab.:>;- ", max_size=12))
FAULTS = st.lists(
    st.tuples(st.sampled_from((*ALLOWED, ENDPOINT_OCID, OTHER_ENDPOINT)), st.sampled_from((429, 500, 503, 404, 400))),
    max_size=4,
)
BODIES = st.fixed_dictionaries(
    {"input": st.text(min_size=1, max_size=20)},
    optional={
        "model": st.sampled_from((*ALLOWED, *NOT_ALLOWED, ENDPOINT_OCID)),
        "temperature": st.floats(0, 1),
        "compartment_id": st.just("ocid1.compartment.oc1..elsewhere"),
    },
)


def test_no_fallback_leaves_the_allow_list_or_the_compartment(emulator: Emulator, principal_environ) -> None:
    @fuzz(max(SCALE.handler_examples // 2, 20))
    @given(chains=CHAINS, faults=FAULTS, body=BODIES)
    def run(chains: str, faults: list[tuple[str, int]], body: dict[str, object]) -> None:
        config = function_config(emulator, ALLOWED_MODELS=",".join(ALLOWED), FALLBACKS=chains, MAX_ATTEMPTS="2")
        try:
            settings = Settings.from_env(config)
        except ConfigError as error:
            assert "FALLBACK" in error.message
            event("refused by configuration")
            return
        endpoints = set()
        for model, targets in settings.fallbacks.chains if settings.fallbacks else ():
            assert model in ALLOWED
            for target in targets:
                assert target.name in ALLOWED or (target.endpoint and target.name in (ENDPOINT_OCID, OTHER_ENDPOINT))
                if target.endpoint:
                    endpoints.add(target.name)
        app = App.configured(settings, request_log=RequestLog(_Discard()))
        emulator.reset()
        for model, status in faults:
            emulator.fail_next(status=status, code="Fault", message="fault", model=model)
        invocation = Invocation(
            "POST", "", {}, json.dumps(body).encode(), "prop", time.monotonic() + 20, via_gateway=False
        )
        reply = app.handle(invocation)
        assert reply.status != 500, reply.body
        for request in emulator.requests:
            sent = request.json
            assert sent["compartmentId"] == COMPARTMENT
            mode = sent["servingMode"]
            if mode["servingType"] == "DEDICATED":
                assert mode["endpointId"] in endpoints
            else:
                assert mode["modelId"] in ALLOWED
        event(f"answered {reply.status}, {len(emulator.requests)} upstream calls")
        if reply.status == 200:
            served = reply.headers["x-genai-served-by"]
            assert served in ALLOWED or served in endpoints

    run()


class _Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass
