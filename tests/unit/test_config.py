"""Settings.from_env: defaults, every variable's invalid values, the allow-list and API_FORMAT rules."""

from __future__ import annotations

import pytest

from genai_fn import admission
from genai_fn.config import ON_DEMAND_OUTPUT_CAP, PLATFORM_BODY_LIMIT, Settings
from genai_fn.errors import ConfigError
from tests.constants import COHERE_MODEL, COMPARTMENT, ENDPOINT, ENDPOINT_OCID, LLAMA_MODEL, MODEL_OCID

from .conftest import BASE_ENV


def from_env(**overrides: str | None) -> Settings:
    env = {**BASE_ENV, **overrides}
    return Settings.from_env({key: value for key, value in env.items() if value is not None})


def test_defaults_from_the_three_required_variables() -> None:
    settings = Settings.from_env(dict(BASE_ENV))
    assert settings == Settings(
        model_id=COHERE_MODEL,
        compartment_ocid=COMPARTMENT,
        service_endpoint=ENDPOINT,
        allowed_models=(COHERE_MODEL,),
        embedding_models=(),
        dedicated_endpoint_id=None,
        api_format=None,
        default_max_tokens=600,
        max_tokens_limit=ON_DEMAND_OUTPUT_CAP,
        default_temperature=None,
        default_top_p=None,
        connect_timeout=10.0,
        read_timeout=60.0,
        max_attempts=3,
        auth_mode="resource_principal",
        oci_config_file="~/.oci/config",
        oci_config_profile="DEFAULT",
        max_body_bytes=PLATFORM_BODY_LIMIT,
        log_content=False,
    )


def test_settings_are_frozen() -> None:
    settings = from_env()
    with pytest.raises(AttributeError):
        settings.model_id = "other"  # type: ignore[misc]


def test_every_variable_is_read() -> None:
    settings = from_env(
        ALLOWED_MODELS=LLAMA_MODEL,
        EMBEDDING_MODELS=" cohere.embed-v4.0 , ocid1.generativeaimodel.oc1..embed ",
        API_FORMAT="generic",
        DEFAULT_MAX_TOKENS="100",
        MAX_TOKENS_LIMIT="200",
        DEFAULT_TEMPERATURE="0.5",
        DEFAULT_TOP_P="0.9",
        CONNECT_TIMEOUT_SECONDS="2.5",
        READ_TIMEOUT_SECONDS="30",
        MAX_ATTEMPTS="5",
        AUTH_MODE="API_KEY",
        OCI_CONFIG_FILE="/etc/oci/config",
        OCI_CONFIG_PROFILE="DEV",
        MAX_BODY_BYTES="1024",
        LOG_CONTENT="yes",
        SERVICE_ENDPOINT=ENDPOINT + "/",
    )
    assert settings.service_endpoint == ENDPOINT
    assert settings.allowed_models == (COHERE_MODEL, LLAMA_MODEL)
    assert settings.embedding_models == ("cohere.embed-v4.0", "ocid1.generativeaimodel.oc1..embed")
    assert settings.api_format == "GENERIC"
    assert (settings.default_max_tokens, settings.max_tokens_limit) == (100, 200)
    assert (settings.default_temperature, settings.default_top_p) == (0.5, 0.9)
    assert (settings.connect_timeout, settings.read_timeout, settings.max_attempts) == (2.5, 30.0, 5)
    assert (settings.auth_mode, settings.oci_config_file, settings.oci_config_profile) == (
        "api_key",
        "/etc/oci/config",
        "DEV",
    )
    assert (settings.max_body_bytes, settings.log_content) == (1024, True)


def test_blank_optional_variables_mean_default() -> None:
    blank = {
        name: "  "
        for name in (
            "ALLOWED_MODELS",
            "API_FORMAT",
            "DEFAULT_MAX_TOKENS",
            "MAX_ATTEMPTS",
            "AUTH_MODE",
            "LOG_CONTENT",
            "DEDICATED_ENDPOINT_ID",
            "MAX_BODY_BYTES",
        )
    }
    assert from_env(**blank) == from_env()


def test_tenancy_ocid_is_accepted_as_compartment() -> None:
    assert from_env(COMPARTMENT_OCID="ocid1.tenancy.oc1..root").compartment_ocid == "ocid1.tenancy.oc1..root"


@pytest.mark.parametrize("name", ["MODEL_ID", "COMPARTMENT_OCID", "SERVICE_ENDPOINT"])
@pytest.mark.parametrize("value", [None, "", "   "])
def test_required_variable_missing(name: str, value: str | None) -> None:
    with pytest.raises(ConfigError) as caught:
        from_env(**{name: value})
    assert caught.value.message.startswith(f"{name} is required")
    assert caught.value.status == 500 and caught.value.code == "config_error"


INVALID = [
    ("COMPARTMENT_OCID", "ocid1.instance.oc1..x"),
    ("COMPARTMENT_OCID", "my-compartment"),
    ("SERVICE_ENDPOINT", "inference.generativeai.us-chicago-1.oci.oraclecloud.com"),
    ("SERVICE_ENDPOINT", "ftp://inference.example.com"),
    ("SERVICE_ENDPOINT", "https://"),
    ("SERVICE_ENDPOINT", "https://inference.example.com/20231130/actions/chat"),
    pytest.param("SERVICE_ENDPOINT", "https://inference.example.com?x=1"),
    pytest.param("SERVICE_ENDPOINT", "https://inference.example.com#frag"),
    ("DEDICATED_ENDPOINT_ID", "ocid1.generativeaimodel.oc1..x"),
    ("DEDICATED_ENDPOINT_ID", "endpoint-1"),
    ("API_FORMAT", "OPENAI"),
    ("API_FORMAT", "auto"),
    ("DEFAULT_MAX_TOKENS", "0"),
    ("DEFAULT_MAX_TOKENS", "-1"),
    ("DEFAULT_MAX_TOKENS", "4001"),
    ("DEFAULT_MAX_TOKENS", "1.5"),
    ("DEFAULT_MAX_TOKENS", "many"),
    ("MAX_TOKENS_LIMIT", "0"),
    ("MAX_TOKENS_LIMIT", "128001"),
    ("MAX_TOKENS_LIMIT", "4e3"),
    ("DEFAULT_TEMPERATURE", "-0.1"),
    ("DEFAULT_TEMPERATURE", "3"),
    ("DEFAULT_TEMPERATURE", "nan"),
    ("DEFAULT_TEMPERATURE", "warm"),
    ("DEFAULT_TEMPERATURE", "2.01"),  # families.PARAMETER_RANGES: 0..2 for both API formats
    ("DEFAULT_TOP_P", "1.01"),
    ("DEFAULT_TOP_P", "-0.5"),
    ("DEFAULT_TOP_P", "inf"),
    ("CONNECT_TIMEOUT_SECONDS", "0"),
    ("CONNECT_TIMEOUT_SECONDS", "301"),
    ("CONNECT_TIMEOUT_SECONDS", "10s"),
    ("READ_TIMEOUT_SECONDS", "0.05"),
    ("READ_TIMEOUT_SECONDS", "infinity"),
    ("MAX_ATTEMPTS", "0"),
    ("MAX_ATTEMPTS", "9"),
    ("MAX_ATTEMPTS", "three"),
    ("AUTH_MODE", "user_principal"),
    ("AUTH_MODE", "resource-principal"),
    ("MAX_BODY_BYTES", "0"),
    ("MAX_BODY_BYTES", str(PLATFORM_BODY_LIMIT + 1)),
    ("MAX_BODY_BYTES", "6MB"),
    ("LOG_CONTENT", "maybe"),
    ("LOG_CONTENT", "on"),
]


@pytest.mark.parametrize(("name", "value"), INVALID)
def test_invalid_value_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_env(**{name: value})
    assert caught.value.message.startswith(name)


def test_default_max_tokens_is_bounded_by_the_configured_limit() -> None:
    assert from_env(DEFAULT_MAX_TOKENS="100", MAX_TOKENS_LIMIT="100").default_max_tokens == 100
    with pytest.raises(ConfigError, match="^DEFAULT_MAX_TOKENS"):
        from_env(DEFAULT_MAX_TOKENS="101", MAX_TOKENS_LIMIT="100")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("yes", True), ("false", False), ("0", False), ("No", False)],
)
def test_log_content_flag(value: str, expected: bool) -> None:
    assert from_env(LOG_CONTENT=value).log_content is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, (COHERE_MODEL,)),
        ("", (COHERE_MODEL,)),
        (LLAMA_MODEL, (COHERE_MODEL, LLAMA_MODEL)),
        (f"{LLAMA_MODEL},{COHERE_MODEL}", (COHERE_MODEL, LLAMA_MODEL)),  # MODEL_ID first: it is the default
        (f" {LLAMA_MODEL} ,, {LLAMA_MODEL},{COHERE_MODEL} ,", (COHERE_MODEL, LLAMA_MODEL)),
        (f"{COHERE_MODEL},{COHERE_MODEL}", (COHERE_MODEL,)),
    ],
)
def test_allowed_models_parsed_deduplicated_and_always_hold_model_id(
    raw: str | None, expected: tuple[str, ...]
) -> None:
    assert from_env(ALLOWED_MODELS=raw).allowed_models == expected


def test_model_names_are_never_rewritten() -> None:
    assert from_env(ALLOWED_MODELS="Meta.Llama-X").allowed_models == (COHERE_MODEL, "Meta.Llama-X")


@pytest.mark.parametrize(
    "overrides",
    [
        {"MODEL_ID": MODEL_OCID},
        {"ALLOWED_MODELS": MODEL_OCID},
    ],
)
def test_api_format_is_required_when_a_model_is_an_ocid(overrides: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="^API_FORMAT is required"):
        from_env(**overrides)
    assert from_env(API_FORMAT="cohere", **overrides).api_format == "COHERE"


def test_dedicated_endpoint_needs_api_format_and_serves_only_model_id() -> None:
    settings = from_env(DEDICATED_ENDPOINT_ID=ENDPOINT_OCID, API_FORMAT="COHERE")
    assert (settings.dedicated_endpoint_id, settings.allowed_models) == (ENDPOINT_OCID, (COHERE_MODEL,))
    for extra in ({}, {"API_FORMAT": "COHERE", "ALLOWED_MODELS": LLAMA_MODEL}):
        with pytest.raises(ConfigError, match="^DEDICATED_ENDPOINT_ID"):
            from_env(DEDICATED_ENDPOINT_ID=ENDPOINT_OCID, **extra)


@pytest.mark.parametrize(
    ("endpoint", "ok"),
    [
        ("http://127.0.0.1:8999", True),
        ("http://localhost:8999", True),
        ("http://[::1]:8999", True),
        ("http://inference.generativeai.us-chicago-1.oci.oraclecloud.com", False),
        ("http://10.0.0.5:8080", False),
    ],
)
def test_plain_http_only_to_loopback(endpoint: str, ok: bool) -> None:
    if ok:
        assert from_env(SERVICE_ENDPOINT=endpoint).service_endpoint == endpoint
    else:
        with pytest.raises(ConfigError, match="^SERVICE_ENDPOINT must use https"):
            from_env(SERVICE_ENDPOINT=endpoint)


def test_model_api_formats_move_one_model_to_another_format() -> None:
    settings = from_env(ALLOWED_MODELS=LLAMA_MODEL, MODEL_API_FORMATS=f"{COHERE_MODEL}:COHEREV2")
    assert settings.model_api_formats == ((COHERE_MODEL, "COHEREV2"),)


@pytest.mark.parametrize(
    "value",
    [f"{COHERE_MODEL}:COHERE3", f"{COHERE_MODEL}", ":COHEREV2", "cohere.command-r-08-2024:COHEREV2"],
    ids=["unknown-format", "no-format", "no-model", "model-not-allowed"],
)
def test_model_api_formats_refuse_what_the_function_cannot_serve(value: str) -> None:
    with pytest.raises(ConfigError, match="MODEL_API_FORMATS"):
        from_env(MODEL_API_FORMATS=value)


RERANK = "cohere.rerank.v3-5"


def test_a_dedicated_only_rerank_model_is_called_on_its_endpoint() -> None:
    settings = from_env(RERANK_MODELS=RERANK, RERANK_ENDPOINT_ID=ENDPOINT_OCID)
    assert (settings.rerank_models, settings.rerank_endpoint_id) == ((RERANK,), ENDPOINT_OCID)
    assert settings.dedicated_endpoint_id is None, "chat's endpoint is another one"
    assert from_env(RERANK_MODELS="cohere.rerank-new").rerank_endpoint_id is None  # on demand by name


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"RERANK_MODELS": RERANK}, "RERANK_MODELS names cohere.rerank.v3-5, which OCI serves only on dedicated"),
        ({"RERANK_MODELS": "cohere.rerank.3-5"}, "set RERANK_ENDPOINT_ID"),
        ({"RERANK_MODELS": RERANK, "RERANK_ENDPOINT_ID": "ocid1.generativeaimodel.oc1..x"}, "endpoint OCID"),
        ({"RERANK_MODELS": f"{RERANK},cohere.rerank-new", "RERANK_ENDPOINT_ID": ENDPOINT_OCID}, "serves one model"),
        ({"RERANK_ENDPOINT_ID": ENDPOINT_OCID}, "serves one model"),
        ({"ALLOWED_MODELS": "cohere.command-a-reasoning-08-2025"}, "set DEDICATED_ENDPOINT_ID"),
    ],
)
def test_a_model_served_only_on_dedicated_clusters_needs_its_endpoint(env: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        from_env(**env)


def test_a_dedicated_endpoint_may_host_a_dedicated_only_chat_model() -> None:
    settings = from_env(
        MODEL_ID="cohere.command-a-reasoning-08-2025", DEDICATED_ENDPOINT_ID=ENDPOINT_OCID, API_FORMAT="COHEREV2"
    )
    assert settings.api_format_for(settings.model_id) == "COHEREV2"


def test_a_retired_model_is_configurable_and_refused_per_call() -> None:
    """Retirement is a date, not a setting: the configuration stays valid, each call names the replacement the
    on-demand page names and the chain after it; a retirement without a date is the service's to enforce."""
    from genai_fn.errors import InvalidRequest

    settings = from_env(ALLOWED_MODELS="cohere.command-r-plus,cohere.command-r-08-2024,cohere.command")
    with pytest.raises(InvalidRequest, match="retired.*on 2025-01-16.*use cohere.command-r-plus-08-2024") as caught:
        admission.resolve_model("cohere.command-r-plus", settings)
    assert caught.value.param == "model"
    assert "cohere.command-a-03-2025 as its replacement in turn" in caught.value.message
    with pytest.raises(InvalidRequest, match="OCI names no replacement"):
        admission.resolve_model("cohere.command", settings)
    assert admission.resolve_model("cohere.command-r-08-2024", settings)[0] == "cohere.command-r-08-2024"
    dedicated = from_env(MODEL_ID="cohere.command-r-plus", DEDICATED_ENDPOINT_ID=ENDPOINT_OCID, API_FORMAT="COHERE")
    assert admission.resolve_model(None, dedicated)[0] == "cohere.command-r-plus"  # its cluster still serves it


def test_model_retirements_override_the_catalogue() -> None:
    """An operator's word beats the catalogue's: `served` lifts a dated retirement, `retired` refuses a model no page
    dates, naming the operator's replacement."""
    from genai_fn.errors import InvalidRequest

    settings = from_env(
        ALLOWED_MODELS="cohere.command-r-plus,cohere.command-r-08-2024",
        MODEL_RETIREMENTS="cohere.command-r-plus:served,cohere.command-r-08-2024:retired>cohere.command-a-03-2025",
    )
    assert admission.resolve_model("cohere.command-r-plus", settings)[0] == "cohere.command-r-plus"
    with pytest.raises(InvalidRequest, match="use cohere.command-a-03-2025.*MODEL_RETIREMENTS") as caught:
        admission.resolve_model("cohere.command-r-08-2024", settings)
    assert caught.value.param == "model"


@pytest.mark.parametrize("value", ["cohere.x", "cohere.x:gone", "cohere.x:served>cohere.y", ":retired"])
def test_a_malformed_model_retirement_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="MODEL_RETIREMENTS"):
        from_env(MODEL_RETIREMENTS=value)
