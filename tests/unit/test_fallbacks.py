"""FALLBACKS configuration, the order a chain is walked in, and the per-container cooldowns (the integration suite,
tests/integration/test_fallbacks.py, drives a chain through the real fdk, the emulator and a shared cache)."""

from __future__ import annotations

import oci
import pytest
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st
from oci._vendor.requests.structures import CaseInsensitiveDict

from genai_fn.errors import ConfigError
from genai_fn.fallbacks.config import Target
from genai_fn.fallbacks.cooldown import LocalCooldowns
from genai_fn.neutral.chat import ChatRequest, Message, Params
from genai_fn.neutral.features import ImagePart
from genai_fn.upstream import failures
from genai_fn.upstream.client import Upstream
from genai_fn.usecases import Configured
from genai_fn.usecases.fallback import targets_to_try, unfit
from tests.constants import COHERE_MODEL, ENDPOINT_OCID, LLAMA_MODEL, VISION_MODEL

from .conftest import make_settings

ALLOWED = f"{COHERE_MODEL},{LLAMA_MODEL},{VISION_MODEL}"


def test_a_chain_of_allowed_models_and_endpoints_keeps_its_order_and_each_targets_format() -> None:
    settings = make_settings(
        ALLOWED_MODELS=ALLOWED,
        MODEL_API_FORMATS=f"{COHERE_MODEL}:COHERE",  # the catalogue sends Command A as COHEREV2
        FALLBACKS=f" {COHERE_MODEL} > {LLAMA_MODEL} > {ENDPOINT_OCID}:COHERE ; {LLAMA_MODEL}>{COHERE_MODEL}",
    )
    assert settings.fallbacks is not None
    assert settings.fallbacks.chain(COHERE_MODEL) == (
        Target(LLAMA_MODEL, "GENERIC"),
        Target(ENDPOINT_OCID, "COHERE", endpoint=True),
    )
    assert settings.fallbacks.chain(LLAMA_MODEL) == (Target(COHERE_MODEL, "COHERE"),)  # as MODEL_API_FORMATS says
    assert settings.fallbacks.chain(VISION_MODEL) == ()
    assert settings.fallbacks.cooldown_seconds == 30.0 and settings.fallbacks.store is None


def test_without_fallbacks_nothing_is_loaded() -> None:
    assert make_settings().fallbacks is None


@pytest.mark.parametrize(
    ("variables", "words"),
    [
        ({"FALLBACKS": f"xai.grok-4>{LLAMA_MODEL}"}, "FALLBACKS names xai.grok-4, which is not MODEL_ID"),
        ({"FALLBACKS": f"{COHERE_MODEL}>xai.grok-4"}, "FALLBACKS target xai.grok-4 is not MODEL_ID"),
        ({"FALLBACKS": f"{COHERE_MODEL}>{ENDPOINT_OCID}"}, "FALLBACKS endpoint targets are"),
        ({"FALLBACKS": f"{COHERE_MODEL}>{ENDPOINT_OCID}:NOPE"}, "FALLBACKS endpoint targets are"),
        ({"FALLBACKS": f"{COHERE_MODEL}>{LLAMA_MODEL}>{LLAMA_MODEL}"}, "FALLBACKS names a target twice"),
        ({"FALLBACKS": f"{COHERE_MODEL}>{COHERE_MODEL}"}, "FALLBACKS names a target twice"),
        ({"FALLBACKS": f"{COHERE_MODEL}>{LLAMA_MODEL};{COHERE_MODEL}>{LLAMA_MODEL}"}, "two entries"),
        ({"FALLBACKS": f"{COHERE_MODEL}"}, "FALLBACKS is model>target"),
        ({"FALLBACKS": f"{COHERE_MODEL}>>{LLAMA_MODEL}"}, "FALLBACKS is model>target"),
        ({"FALLBACKS": " ; "}, "FALLBACKS is model>target"),
        ({"FALLBACK_COOLDOWN_SECONDS": "5"}, "need FALLBACKS"),
        (
            {"FALLBACKS": f"{COHERE_MODEL}>{LLAMA_MODEL}", "FALLBACK_COOLDOWN_SECONDS": "-1"},
            "FALLBACK_COOLDOWN_SECONDS",
        ),
        (
            {"FALLBACKS": f"{COHERE_MODEL}>{LLAMA_MODEL}", "FALLBACK_COOLDOWN_SECONDS": "3601"},
            "FALLBACK_COOLDOWN_SECONDS",
        ),
        (
            {"FALLBACKS": f"{COHERE_MODEL}>{LLAMA_MODEL}", "FALLBACK_STORE_URL": "redis://cache.example.com:6379"},
            "FALLBACK_STORE_URL must start with rediss://",
        ),
    ],
)
def test_a_bad_chain_is_refused_at_start_naming_its_variable(variables: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigError) as refused:
        make_settings(ALLOWED_MODELS=ALLOWED, **variables)
    assert words in refused.value.message


@pytest.mark.parametrize(
    "endpoint",
    [
        "ocid1.generativeaiendpoint.",
        "ocid1.generativeaiendpoint.oc1.us-chicago-1.x y",
        "ocid1.generativeaiendpoint.oc1.us-chicago-1.x\n",
        "ocid1.generativeaiendpoint.oc1.us-chicago-1.\u00e9\x00",
        "ocid1.generativeaiendpoint.oc1.us-chicago-1.x:GENERIC",  # a format in the name
        "ocid1.generativeaiendpoint.oc1..x",  # no region: an endpoint is regional
        "ocid1.generativeaiendpoint.oc1.us-chicago-1..x",  # an empty segment
        "ocid1.generativeaiendpoint.oc1.us-chicago-1",  # no unique part
    ],
)
def test_an_endpoint_target_that_is_no_endpoint_ocid_is_refused_at_start(endpoint: str) -> None:
    with pytest.raises(ConfigError) as refused:
        make_settings(ALLOWED_MODELS=ALLOWED, FALLBACKS=f"{COHERE_MODEL}>{endpoint}:GENERIC")
    assert "FALLBACKS endpoint targets are ocid1.generativeaiendpoint.<realm>.<region>" in refused.value.message


@examples(max_examples=200, deadline=None)
@given(unique=st.text(min_size=1, max_size=40), bad=st.sampled_from(" \t\n\r\x00\x7f\u00a0\u2028.:"))
def test_no_whitespace_control_character_or_empty_segment_loads_as_an_endpoint(unique: str, bad: str) -> None:
    endpoint = f"ocid1.generativeaiendpoint.oc1.us-chicago-1.{unique}{bad}"
    if bad in ".:":
        endpoint += "" if bad == "." else "x"  # a trailing empty segment; a colon inside the name
    with pytest.raises(ConfigError, match="FALLBACKS"):
        make_settings(ALLOWED_MODELS=ALLOWED, FALLBACKS=f"{COHERE_MODEL}>{endpoint}:GENERIC")


def test_the_endpoint_ocids_oracle_spells_load() -> None:
    for endpoint in (
        ENDPOINT_OCID,
        "ocid1.generativeaiendpoint.oc1.phx.amaaaaaa3x",
        "ocid1.generativeaiendpoint.oc2.us-langley-1.a_b-c",
    ):
        loaded = make_settings(ALLOWED_MODELS=ALLOWED, FALLBACKS=f"{COHERE_MODEL}>{endpoint}:GENERIC").fallbacks
        assert loaded is not None and loaded.chain(COHERE_MODEL) == (Target(endpoint, "GENERIC", endpoint=True),)


def test_a_retired_or_dedicated_only_target_is_refused() -> None:
    with pytest.raises(
        ConfigError, match="FALLBACKS target cohere.command-r-16k: model cohere.command-r-16k was retired"
    ):
        make_settings(
            ALLOWED_MODELS=f"{COHERE_MODEL},cohere.command-r-16k", FALLBACKS=f"{COHERE_MODEL}>cohere.command-r-16k"
        )


def test_the_budgets_store_is_shared_unless_the_fallbacks_have_their_own(tmp_path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("")
    url = f"rediss://user:pw@cache.example.com:6379/0?ssl_ca_certs={ca}"
    shared = make_settings(FALLBACKS=f"{COHERE_MODEL}>{LLAMA_MODEL}", TOKEN_BUDGETS="*:10/day", BUDGET_STORE_URL=url)
    assert shared.fallbacks is not None and shared.fallbacks.shares_budget_store
    own = make_settings(FALLBACKS=f"{COHERE_MODEL}>{LLAMA_MODEL}", FALLBACK_STORE_URL=url)
    assert own.fallbacks is not None and own.fallbacks.store is not None and not own.fallbacks.shares_budget_store


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_local_cooldown_lasts_its_seconds() -> None:
    clock = Clock()
    cooldowns = LocalCooldowns(30, clock)
    cooldowns.cool(COHERE_MODEL, 0)
    assert cooldowns.cooling([COHERE_MODEL, LLAMA_MODEL], 0) == {COHERE_MODEL}
    clock.now += 29.9
    assert cooldowns.cooling([COHERE_MODEL], 0) == {COHERE_MODEL}
    clock.now += 0.2
    assert cooldowns.cooling([COHERE_MODEL], 0) == frozenset()
    off = LocalCooldowns(0, clock)
    off.cool(COHERE_MODEL, 0)
    assert off.cooling([COHERE_MODEL], 0) == frozenset()


def request(model: str, api_format: str, **params: float) -> ChatRequest:
    return ChatRequest(model, api_format, (Message("user", "hi"),), Params(max_tokens=10, **params))


def configured(fallbacks: str, cooldowns: LocalCooldowns) -> Configured:
    settings = make_settings(ALLOWED_MODELS=ALLOWED, FALLBACKS=fallbacks)
    return Configured(settings, Upstream(settings), None, cooldowns)


def test_the_order_skips_cooling_targets_and_tries_the_chosen_model_when_all_are_cooling() -> None:
    cooldowns = LocalCooldowns(30, Clock())
    app = configured(f"{COHERE_MODEL}>{LLAMA_MODEL}>{VISION_MODEL}", cooldowns)
    assert app.settings.fallbacks is not None
    chain = (Target(COHERE_MODEL, "COHERE"), *app.settings.fallbacks.chain(COHERE_MODEL))
    notes: dict = {}
    assert [t.name for t in targets_to_try(app, request(COHERE_MODEL, "COHERE"), chain, 0, notes)] == [
        COHERE_MODEL,
        LLAMA_MODEL,
        VISION_MODEL,
    ]
    cooldowns.cool(COHERE_MODEL, 0)
    cooldowns.cool(VISION_MODEL, 0)
    assert [t.name for t in targets_to_try(app, request(COHERE_MODEL, "COHERE"), chain, 0, notes)] == [LLAMA_MODEL]
    assert notes == {"cooling": [COHERE_MODEL, VISION_MODEL]}
    cooldowns.cool(LLAMA_MODEL, 0)
    assert [t.name for t in targets_to_try(app, request(COHERE_MODEL, "COHERE"), chain, 0, {})] == [COHERE_MODEL]


def test_a_target_that_cannot_carry_the_request_is_skipped_and_the_log_says_why() -> None:
    app = configured(f"{VISION_MODEL}>{LLAMA_MODEL}>{COHERE_MODEL}", LocalCooldowns(30, Clock()))
    assert app.settings.fallbacks is not None
    chain = (Target(VISION_MODEL, "GENERIC"), *app.settings.fallbacks.chain(VISION_MODEL))
    image = ChatRequest(
        VISION_MODEL,
        "GENERIC",
        (Message("user", "what is this?", parts=("what is this?", ImagePart("https://example.com/a.png"))),),
        Params(max_tokens=10, frequency_penalty=-1.0),
    )
    notes: dict = {}
    assert [t.name for t in targets_to_try(app, image, chain, 0, notes)] == [VISION_MODEL]
    skipped = {entry["target"]: entry["why"] for entry in notes["skipped"]}
    assert "takes text only" in skipped[LLAMA_MODEL]
    assert "frequency_penalty" in skipped[COHERE_MODEL]
    assert unfit(request(COHERE_MODEL, "COHERE", temperature=1.0)) is None


def service_error(status: int) -> oci.exceptions.ServiceError:
    return oci.exceptions.ServiceError(status, "Code", CaseInsensitiveDict(), "no")


@pytest.mark.parametrize(
    ("status", "falls_back"),
    [(429, True), (500, True), (502, True), (503, True), (504, True), (404, True), (400, False), (401, False),
     (403, False), (409, False), (413, False), (422, False)],
)  # fmt: skip
def test_which_service_failures_another_target_may_answer(status: int, falls_back: bool) -> None:
    assert failures.may_fall_back(service_error(status)) is falls_back


def test_credentials_that_cannot_sign_never_fall_back() -> None:
    assert not failures.may_fall_back(oci.exceptions.InvalidPrivateKey("bad key"))
    assert failures.may_fall_back(ConnectionError("refused"))


def test_a_chain_is_charged_by_every_targets_attempts() -> None:
    """Each target's CallFacts is one of the request's calls: a throttled target billed nothing, a 5xx may have."""
    from genai_fn.logs import CallFacts
    from genai_fn.usecases.metering import charge

    throttled, answered, failed = (
        CallFacts(billable_attempts=0),
        CallFacts(billable_attempts=1),
        CallFacts(billable_attempts=1),
    )
    assert charge(40, [throttled, answered], 500) == 40
    assert charge(40, [failed, answered], 500) == 540  # a whole bound for the 5xx, the count for the answer
    assert charge(None, [throttled, throttled], 500) == 0
