"""The pure parts of guardrails: the policy (configuration), the SDK request and result (upstream/guardrails.py),
offsets (code points, UTF-16, UTF-8), masking across joined texts, and the verdict read from the assessment."""

from __future__ import annotations

import pytest
from oci.generative_ai_inference import models

from genai_fn.config import Settings
from genai_fn.errors import ConfigError
from genai_fn.guardrails.policy import GuardrailPolicy, parse_policy
from genai_fn.guardrails.spans import SEPARATOR, Span, join, locate, mask
from genai_fn.guardrails.verdict import read_verdict
from genai_fn.upstream.guardrails import to_assessment, to_details
from tests.constants import COHERE_MODEL, COMPARTMENT, ENDPOINT

SENSIBLE = "content_moderation:block,prompt_injection:block,pii:mask"
BASE = {"MODEL_ID": COHERE_MODEL, "COMPARTMENT_OCID": COMPARTMENT, "SERVICE_ENDPOINT": ENDPOINT}


def test_unset_is_off() -> None:
    assert Settings.from_env(BASE).guardrails is None


def test_sensible_line() -> None:
    policy = Settings.from_env({**BASE, "GUARDRAILS": SENSIBLE}).guardrails
    assert policy is not None
    assert policy.actions == (("content_moderation", "block"), ("prompt_injection", "block"), ("pii", "mask"))
    assert policy.scope == {"input"} and policy.on_error == "closed" and policy.threshold == 0.5


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"GUARDRAILS": "toxicity:block"}, "GUARDRAILS"),
        ({"GUARDRAILS": "prompt_injection:mask"}, "GUARDRAILS"),
        ({"GUARDRAILS": "pii"}, "GUARDRAILS"),
        ({"GUARDRAILS": "pii:mask,pii:block"}, "GUARDRAILS"),
        ({"GUARDRAILS": "pii:mask", "GUARDRAILS_SCOPE": "input,everything"}, "GUARDRAILS_SCOPE"),
        ({"GUARDRAILS": "pii:mask", "GUARDRAILS_ON_ERROR": "maybe"}, "GUARDRAILS_ON_ERROR"),
        ({"GUARDRAILS": "pii:mask", "GUARDRAILS_THRESHOLD": "0"}, "GUARDRAILS_THRESHOLD"),
        ({"GUARDRAILS": "pii:mask", "GUARDRAILS_THRESHOLD": "high"}, "GUARDRAILS_THRESHOLD"),
        ({"GUARDRAILS": "pii:mask", "GUARDRAILS_CATEGORIES": "VIOLENCE"}, "GUARDRAILS_CATEGORIES"),
        ({"GUARDRAILS": "pii:mask", "GUARDRAILS_PII_TYPES": "E-MAIL"}, "GUARDRAILS_PII_TYPES"),
        ({"GUARDRAILS_SCOPE": "input,output"}, "GUARDRAILS_SCOPE"),
        ({"GUARDRAILS": "pii:mask", "GUARDRAILS_MAX_CHARS": "999"}, "GUARDRAILS_MAX_CHARS"),
        ({"GUARDRAILS": "pii:mask", "GUARDRAILS_MAX_CHARS": "7000000"}, "GUARDRAILS_MAX_CHARS"),
        ({"GUARDRAILS": "pii:mask", "GUARDRAILS_MAX_CHARS": "1e6"}, "GUARDRAILS_MAX_CHARS"),
        ({"GUARDRAILS_MAX_CHARS": "5000"}, "GUARDRAILS_MAX_CHARS"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({**BASE, **env})
    assert raised.value.message.startswith(variable)


@pytest.mark.parametrize(
    ("scope", "screened"),
    [
        ("", {"input", "embeddings", "rerank"}),
        ("input", {"input", "embeddings", "rerank"}),
        ("output", {"output"}),
        ("embeddings", {"embeddings", "rerank"}),
        ("input,output", {"input", "output", "embeddings", "rerank"}),
        ("output,embeddings", {"output", "embeddings", "rerank"}),
    ],
)
def test_scope_words_and_the_stages_they_screen(scope: str, screened: set[str]) -> None:
    """`input` is every text sent to a model (chat, embeddings, rerank); `embeddings` the retrieval routes alone."""
    policy = parse_policy({"GUARDRAILS": SENSIBLE, "GUARDRAILS_SCOPE": scope})
    assert policy is not None
    stages = {stage for stage in ("input", "output", "embeddings", "rerank") if policy.checks(stage)}
    assert stages == screened
    assert all(policy.checks(stage) == ("content_moderation", "prompt_injection", "pii") for stage in stages)


def test_max_chars_defaults_to_every_body() -> None:
    from genai_fn.config import PLATFORM_BODY_LIMIT

    policy = parse_policy({"GUARDRAILS": SENSIBLE})
    assert policy is not None and policy.max_chars == PLATFORM_BODY_LIMIT
    lowered = parse_policy({"GUARDRAILS": SENSIBLE, "GUARDRAILS_MAX_CHARS": "20000"})
    assert lowered is not None and lowered.max_chars == 20000


def test_details_are_the_sdk_models_with_required_lists() -> None:
    policy = parse_policy({"GUARDRAILS": SENSIBLE, "GUARDRAILS_PII_TYPES": "email"})
    assert policy is not None
    details = to_details(policy, "hello", COMPARTMENT, ("content_moderation", "prompt_injection", "pii"))
    assert isinstance(details, models.ApplyGuardrailsDetails)
    assert details.input.content == "hello" and details.input.type == "TEXT"
    assert details.guardrail_configs.content_moderation_config.categories == ["OVERALL", "BLOCKLIST"]
    assert details.guardrail_configs.personally_identifiable_information_config.types == ["EMAIL"]
    assert details.compartment_id == COMPARTMENT
    only_pii = to_details(policy, "x", COMPARTMENT, ("pii",)).guardrail_configs
    assert only_pii.content_moderation_config is None and only_pii.prompt_injection_config is None


TEXT = "Zoë 🙂 mail bob@example.com"
EMAIL_AT = TEXT.index("bob@")


def test_code_point_offsets() -> None:
    assert locate(TEXT, EMAIL_AT, 15, "bob@example.com") == [(EMAIL_AT, EMAIL_AT + 15)]


def test_utf16_and_utf8_offsets_are_recognised_by_the_text() -> None:
    utf16 = len(TEXT[:EMAIL_AT].encode("utf-16-le")) // 2
    utf8 = len(TEXT[:EMAIL_AT].encode("utf-8"))
    assert utf16 != EMAIL_AT != utf8
    assert locate(TEXT, utf16, 15, "bob@example.com") == [(EMAIL_AT, EMAIL_AT + 15)]
    assert locate(TEXT, utf8, 15, "bob@example.com") == [(EMAIL_AT, EMAIL_AT + 15)]


def test_unplaceable_finding_is_reported_as_unlocated() -> None:
    assert locate(TEXT, 3, 5, "not-there") == []


def test_mask_maps_spans_back_to_each_text() -> None:
    texts = ["a bob@x.io b", "Zoë 🙂 +1 555 010 0199"]
    joined, starts = join(texts)
    assert joined == texts[0] + SEPARATOR + texts[1]
    email = joined.index("bob@")
    phone = joined.index("+1")
    spans = [Span(email, email + len("bob@x.io"), "EMAIL"), Span(phone, phone + 15, "TELEPHONE_NUMBER")]
    assert mask(texts, starts, spans) == ("a <EMAIL> b", "Zoë 🙂 <TELEPHONE_NUMBER>")


def test_a_span_across_texts_and_the_separator_masks_each_part_and_empty_texts_stay() -> None:
    texts = ["ab", "", "cd", "ef", "gh"]
    joined, starts = join(texts)
    start, end = joined.index("b"), joined.index("e") + 1
    assert mask(texts, starts, [Span(start, end, "X")]) == ("a<X>", "", "<X>", "<X>f", "gh")
    assert mask(texts, starts, [Span(0, 1, "Y"), Span(joined.index("h"), len(joined), "Z")]) == (
        "<Y>b",
        "",
        "cd",
        "ef",
        "g<Z>",
    )


def test_overlapping_spans_are_masked_once() -> None:
    assert mask(["abcdef"], [0], [Span(1, 4, "A"), Span(2, 5, "B")]) == ("a<A>f",)


def test_spans_in_any_order_adjacent_or_nested_mask_as_one_pass_over_the_text() -> None:
    """Masking builds the text once from the pieces between merged spans (linear: a text with thousands of findings
    is copied about once); spans come in any order, touch, nest, or end where the text ends."""
    spans = [Span(8, 10, "C"), Span(0, 2, "A"), Span(2, 4, "B"), Span(5, 9, "D"), Span(6, 7, "E")]
    assert mask(["abcdefghij"], [0], spans) == ("<A><B>e<D>",)
    assert mask(["abc"], [0], [Span(0, 3, "X"), Span(0, 1, "Y")]) == ("<X>",)


def _result(moderation: float, injection: float, pii: list[tuple[int, int, str, str]]) -> models.ApplyGuardrailsResult:
    return models.ApplyGuardrailsResult(
        results=models.GuardrailsResults(
            content_moderation=models.ContentModerationResult(
                categories=[models.CategoryScore(name="OVERALL", score=moderation)]
            ),
            prompt_injection=models.PromptInjectionProtectionResult(score=injection),
            personally_identifiable_information=[
                models.PersonallyIdentifiableInformationResult(offset=o, length=n, label=label, text=t, score=0.9)
                for o, n, label, t in pii
            ],
        )
    )


def test_verdict_reads_the_sdk_result() -> None:
    policy = parse_policy({"GUARDRAILS": SENSIBLE})
    assert policy is not None
    checks = ("content_moderation", "prompt_injection", "pii")
    verdict = read_verdict(
        policy, to_assessment(_result(1.0, 0.0, [(EMAIL_AT, 15, "EMAIL", "bob@example.com")])), TEXT, checks
    )
    assert verdict.fired == ["content_moderation", "pii"]
    assert verdict.scores == {"content_moderation": {"OVERALL": 1.0}, "prompt_injection": 0.0}
    assert verdict.pii == {"EMAIL": 1} and verdict.unlocated == 0
    assert verdict.spans == [Span(EMAIL_AT, EMAIL_AT + 15, "EMAIL")]


def test_threshold_is_the_operators() -> None:
    policy = GuardrailPolicy(actions=(("prompt_injection", "block"),), threshold=0.9)
    verdict = read_verdict(policy, to_assessment(_result(0.0, 0.8, [])), "x", ("prompt_injection",))
    assert verdict.fired == []


def test_offsets_outside_the_text_are_never_used_as_they_are() -> None:
    """A negative offset would slice from the end (and mask the wrong place): it is searched for instead."""
    text = "mail bob@example.com."
    assert locate(text, -16, 15, "bob@example.com") == [(5, 20)]
    assert locate(text, -16, 15, None) == []
    assert locate(text, 30, 15, None) == []


def test_utf16_offsets_after_many_emoji_are_placed() -> None:
    text = "🙂" * 50 + " bob@example.com " + "🙂" * 3 + "amy@example.com"
    utf16 = len(text[: text.index("amy")].encode("utf-16-le")) // 2
    assert locate(text, utf16, 15, "amy@example.com") == [(text.index("amy"), len(text))]
    assert locate(text, 101, 15, "bob@example.com") == [(51, 66)]
