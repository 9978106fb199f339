"""Read and validate the function's configuration (its environment) once per container.

Every variable is documented in docs/configuration.md; a bad value raises ConfigError naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import SplitResult, urlsplit

from . import catalog, config_numbers, families, limits
from .errors import ConfigError
from .ocid import ENDPOINT_OCID_SHAPE, is_endpoint_ocid

if TYPE_CHECKING:
    from .budgets.config import BudgetPolicy
    from .fallbacks.config import FallbackPolicy
    from .guardrails.policy import GuardrailPolicy

D = TypeVar("D", float, None)

AUTH_MODES = ("resource_principal", "instance_principal", "api_key")
PLATFORM_BODY_LIMIT = 6 * 1024 * 1024
"""OCI Functions (and API Gateway towards a function) refuse bodies over 6 MB."""
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
"""Plain http is accepted only here: a local emulator or tunnel, never a network hop."""
ON_DEMAND_OUTPUT_CAP = 4000
"""The service caps one on-demand response at 4,000 tokens."""
DEFAULT_MAX_REPLY_BYTES = 768 * 1024
"""The largest upstream reply the function reads: at this size the fdk process stays under 110 MiB peak RSS
(measured, docs/security.md)."""
DEFAULT_MAX_EMBEDDINGS_REPLY_BYTES = 4 * 1024 * 1024
"""Embedding replies are numbers, far cheaper in memory per byte than chat JSON: 96 inputs x 1,536 dimensions fit."""


@dataclass(frozen=True)
class Settings:
    """What the function was configured with; read once per container (see docs/configuration.md)."""

    model_id: str
    compartment_ocid: str
    service_endpoint: str
    allowed_models: tuple[str, ...]
    embedding_models: tuple[str, ...] = ()
    rerank_models: tuple[str, ...] = ()
    dedicated_endpoint_id: str | None = None
    rerank_endpoint_id: str | None = None
    """RERANK_ENDPOINT_ID: the dedicated endpoint the rerank route calls (Rerank 3.5 is served on dedicated AI
    clusters only); None: rerank models are called on demand."""
    api_format: str | None = None
    model_api_formats: tuple[tuple[str, str], ...] = ()
    """MODEL_API_FORMATS: (model, API format) overrides, e.g. Command A kept on COHERE."""
    model_retirements: tuple[tuple[str, catalog.Retirement | None], ...] = ()
    """MODEL_RETIREMENTS: (model, its retirement, or None for "served") overrides of the catalogue's."""
    default_max_tokens: int = 600
    max_tokens_limit: int = ON_DEMAND_OUTPUT_CAP
    default_temperature: float | None = None
    default_top_p: float | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 3
    stream_idle_seconds: float = 30.0
    """STREAM_IDLE_SECONDS: the longest silence between two events of a streamed reply before it is given up."""
    stream_deadline_seconds: float = 300.0
    """STREAM_DEADLINE_SECONDS: the whole of a streamed call, on the streaming edge (API Gateway's longest read
    timeout, 300 s, is the default)."""
    stream_workers: int = 256
    """STREAM_WORKERS: the streaming edge's threads for blocking steps, enough for 200 concurrent streams each waiting
    on its next chunk, plus short calls."""
    stream_trust_caller_header: bool = False
    """STREAM_TRUST_CALLER_HEADER: whether the streaming edge reads X-Genai-Caller (caller.py). Only true when the
    edge is reachable from the API gateway alone and the gateway sets or blocks that header on every route; off,
    every call to the edge is `anonymous` whatever a client sends (docs/streaming.md)."""
    auth_mode: str = "resource_principal"
    oci_config_file: str = "~/.oci/config"
    oci_config_profile: str = "DEFAULT"
    max_body_bytes: int = PLATFORM_BODY_LIMIT
    max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES
    max_embeddings_reply_bytes: int = DEFAULT_MAX_EMBEDDINGS_REPLY_BYTES
    max_json_values: int = limits.DEFAULT_MAX_JSON_VALUES
    max_json_depth: int = limits.DEFAULT_MAX_JSON_DEPTH
    max_messages: int = limits.DEFAULT_MAX_MESSAGES
    max_tools: int = limits.DEFAULT_MAX_TOOLS
    log_content: bool = False
    guardrails: GuardrailPolicy | None = None
    """GUARDRAILS and its companions (docs/guardrails.md); None: off."""
    budgets: BudgetPolicy | None = None
    """TOKEN_BUDGETS, BUDGET_STORE_URL, BUDGET_ON_STORE_ERROR (docs/usage.md); None: off."""
    fallbacks: FallbackPolicy | None = None
    """FALLBACKS, FALLBACK_COOLDOWN_SECONDS, FALLBACK_STORE_URL (docs/operations.md); None: off."""

    def api_format_for(self, model: str) -> str:
        """The API format `model` is sent in: MODEL_API_FORMATS for that model, else API_FORMAT for a model OCID or
        a dedicated endpoint, else the catalogue's (COHEREV2 for the V2 Cohere models, COHERE for other cohere.*,
        GENERIC for every other family)."""
        for name, api_format in self.model_api_formats:
            if name == model:
                return api_format
        if self.api_format and (self.dedicated_endpoint_id or _is_ocid(model)):
            return self.api_format
        return catalog.default_api_format(model)

    def retirement(self, model: str) -> catalog.Retirement | None:
        """What is known of `model`'s on-demand retirement: MODEL_RETIREMENTS for that model, else the catalogue's."""
        for name, entry in self.model_retirements:
            if name == model:
                return entry
        return catalog.retirement(model)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build Settings from a mapping (the process environment by default); raise ConfigError on any bad value."""
        env = _Env(os.environ if environ is None else environ)
        model_id = env.required("MODEL_ID", "the default chat model, e.g. cohere.command-a-03-2025")
        compartment = env.required("COMPARTMENT_OCID", "the compartment billed for inference")
        if not compartment.startswith(("ocid1.compartment.", "ocid1.tenancy.")):
            raise ConfigError("COMPARTMENT_OCID must be a compartment OCID (ocid1.compartment.…)")
        endpoint = env.required(
            "SERVICE_ENDPOINT", "e.g. https://inference.generativeai.us-chicago-1.oci.oraclecloud.com"
        )
        parts = url_parts("SERVICE_ENDPOINT", endpoint)
        if (
            parts.scheme not in ("https", "http")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
        ):
            raise ConfigError(
                "SERVICE_ENDPOINT must be a URL like https://inference.generativeai.<region>.oci.oraclecloud.com"
            )
        if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            raise ConfigError("SERVICE_ENDPOINT must use https: signed requests never travel in clear text")
        allowed = (model_id, *(model for model in env.csv("ALLOWED_MODELS") if model != model_id))
        api_formats = families.api_formats()
        api_format = env.choice("API_FORMAT", api_formats)
        dedicated = env.optional("DEDICATED_ENDPOINT_ID")
        if dedicated is not None and not is_endpoint_ocid(dedicated):
            raise ConfigError(f"DEDICATED_ENDPOINT_ID must be an endpoint OCID ({ENDPOINT_OCID_SHAPE})")
        if dedicated is not None and (api_format is None or len(allowed) > 1):
            raise ConfigError(
                f"DEDICATED_ENDPOINT_ID serves one model: set API_FORMAT ({' or '.join(api_formats)}) to its format "
                "and leave ALLOWED_MODELS empty"
            )
        if api_format is None and any(_is_ocid(m) for m in allowed):
            raise ConfigError(
                f"API_FORMAT is required ({' or '.join(api_formats)}) when MODEL_ID or ALLOWED_MODELS holds a "
                "model OCID"
            )
        model_api_formats = _model_api_formats(env.csv("MODEL_API_FORMATS"), allowed, api_formats)
        rerank_models = env.csv("RERANK_MODELS")
        rerank_endpoint = _rerank_endpoint(env.optional("RERANK_ENDPOINT_ID"), rerank_models)
        if dedicated is None:
            _served_on_demand(allowed, "MODEL_ID or ALLOWED_MODELS", "DEDICATED_ENDPOINT_ID (and API_FORMAT)")
        max_tokens_limit = env.whole("MAX_TOKENS_LIMIT", ON_DEMAND_OUTPUT_CAP, low=1, high=128_000)
        settings = cls(
            model_id=model_id,
            compartment_ocid=compartment,
            service_endpoint=endpoint.rstrip("/"),
            allowed_models=allowed,
            embedding_models=env.csv("EMBEDDING_MODELS"),
            rerank_models=rerank_models,
            dedicated_endpoint_id=dedicated,
            rerank_endpoint_id=rerank_endpoint,
            api_format=api_format,
            model_api_formats=model_api_formats,
            model_retirements=_model_retirements(env.csv("MODEL_RETIREMENTS")),
            default_max_tokens=env.whole("DEFAULT_MAX_TOKENS", 600, low=1, high=max_tokens_limit),
            max_tokens_limit=max_tokens_limit,
            default_temperature=env.decimal("DEFAULT_TEMPERATURE", None, low=0.0, high=2.0),
            default_top_p=env.decimal("DEFAULT_TOP_P", None, low=0.0, high=1.0),
            connect_timeout=env.decimal("CONNECT_TIMEOUT_SECONDS", 10.0, low=0.1, high=300.0),
            read_timeout=env.decimal("READ_TIMEOUT_SECONDS", 60.0, low=0.1, high=300.0),
            max_attempts=env.whole("MAX_ATTEMPTS", 3, low=1, high=8),
            stream_idle_seconds=env.decimal("STREAM_IDLE_SECONDS", 30.0, low=0.1, high=300.0),
            stream_deadline_seconds=env.decimal("STREAM_DEADLINE_SECONDS", 300.0, low=1.0, high=3600.0),
            stream_workers=env.whole("STREAM_WORKERS", 256, low=1, high=4096),
            stream_trust_caller_header=env.flag("STREAM_TRUST_CALLER_HEADER"),
            auth_mode=env.choice("AUTH_MODE", AUTH_MODES, lower=True) or "resource_principal",
            oci_config_file=env.optional("OCI_CONFIG_FILE") or "~/.oci/config",
            oci_config_profile=env.optional("OCI_CONFIG_PROFILE") or "DEFAULT",
            max_body_bytes=env.whole("MAX_BODY_BYTES", PLATFORM_BODY_LIMIT, low=1, high=PLATFORM_BODY_LIMIT),
            max_reply_bytes=env.whole("MAX_REPLY_BYTES", DEFAULT_MAX_REPLY_BYTES, low=64 * 1024, high=64 * 1024 * 1024),
            max_embeddings_reply_bytes=env.whole(
                "MAX_EMBEDDINGS_REPLY_BYTES",
                DEFAULT_MAX_EMBEDDINGS_REPLY_BYTES,
                low=64 * 1024,
                high=64 * 1024 * 1024,
            ),
            max_json_values=env.whole(
                "MAX_JSON_VALUES", limits.DEFAULT_MAX_JSON_VALUES, low=100, high=limits.DEFAULT_MAX_JSON_VALUES
            ),
            max_json_depth=env.whole("MAX_JSON_DEPTH", limits.DEFAULT_MAX_JSON_DEPTH, low=4, high=200),
            max_messages=env.whole("MAX_MESSAGES", limits.DEFAULT_MAX_MESSAGES, low=1, high=10_000),
            max_tools=env.whole("MAX_TOOLS", limits.DEFAULT_MAX_TOOLS, low=1, high=512),
            log_content=env.flag("LOG_CONTENT"),
            guardrails=_guardrails(os.environ if environ is None else environ),
            budgets=_budgets(os.environ if environ is None else environ),
        )
        fallbacks = _fallbacks(os.environ if environ is None else environ, settings)
        return settings if fallbacks is None else replace(settings, fallbacks=fallbacks)


def _model_api_formats(
    entries: tuple[str, ...], allowed: tuple[str, ...], api_formats: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    """MODEL_API_FORMATS=model:FORMAT,...: each model must be allow-listed, each format one the function speaks."""
    pairs = []
    for entry in entries:
        model, _, api_format = entry.rpartition(":")
        if not model or api_format not in api_formats:
            raise ConfigError(f"MODEL_API_FORMATS entries are model:FORMAT with FORMAT one of {', '.join(api_formats)}")
        if model not in allowed:
            raise ConfigError("MODEL_API_FORMATS names a model that is not MODEL_ID or in ALLOWED_MODELS")
        pairs.append((model, api_format))
    return tuple(pairs)


def _model_retirements(entries: tuple[str, ...]) -> tuple[tuple[str, catalog.Retirement | None], ...]:
    """MODEL_RETIREMENTS=model:served,model:retired,model:retired>replacement: an operator's word on a model the
    catalogue has wrong or does not know yet; `served` passes it to the service, `retired` refuses it locally."""
    pairs: list[tuple[str, catalog.Retirement | None]] = []
    for entry in entries:
        model, _, state = entry.partition(":")
        status, _, replacement = state.partition(">")
        if not model or status not in ("served", "retired") or (status == "served" and replacement):
            raise ConfigError("MODEL_RETIREMENTS entries are model:served, model:retired or model:retired>replacement")
        retired = catalog.Retirement(replacement or None, None, "MODEL_RETIREMENTS", configured=True)
        pairs.append((model, retired if status == "retired" else None))
    return tuple(pairs)


def url_parts(name: str, url: str) -> SplitResult:
    """`url` split, its host and port read, or ConfigError naming `name`: urlsplit raises ValueError for a bracket
    that is not a valid IPv6 host (`https://[::1`, `https://[zz]`) and `.port` for a port that is not 0..65535."""
    try:
        parts = urlsplit(url)
        parts.hostname, parts.port  # noqa: B018  # each may raise ValueError
    except ValueError:
        raise ConfigError(f"{name} is not a valid URL (a malformed [IPv6] host or port)") from None
    return parts


def _rerank_endpoint(endpoint: str | None, models: tuple[str, ...]) -> str | None:
    """RERANK_ENDPOINT_ID: an endpoint OCID serving the one model RERANK_MODELS names; without it, every rerank
    model must be one OCI serves on demand."""
    if endpoint is None:
        _served_on_demand(models, "RERANK_MODELS", "RERANK_ENDPOINT_ID")
        return None
    if not is_endpoint_ocid(endpoint):
        raise ConfigError(f"RERANK_ENDPOINT_ID must be an endpoint OCID ({ENDPOINT_OCID_SHAPE})")
    if len(models) != 1:
        raise ConfigError(
            "RERANK_ENDPOINT_ID serves one model: name it as the only entry of RERANK_MODELS (e.g. cohere.rerank.v3-5)"
        )
    return endpoint


def _served_on_demand(models: tuple[str, ...], variable: str, endpoint_variable: str) -> None:
    """A model OCI serves only on dedicated AI clusters cannot be called on demand: say which variable to set."""
    for model in models:
        source = catalog.dedicated_only(model)
        if source is not None:
            raise ConfigError(
                f"{variable} names {model}, which OCI serves only on dedicated AI clusters ({source}): "
                f"set {endpoint_variable} to the endpoint that hosts it"
            )


def _guardrails(environ: Mapping[str, str]) -> GuardrailPolicy | None:
    """GUARDRAILS and its companions; the policy's module loads only when one of them is set."""
    if not any(name.startswith("GUARDRAILS") and value.strip() for name, value in environ.items()):
        return None
    from .guardrails.policy import parse_policy

    return parse_policy(environ)


def _budgets(environ: Mapping[str, str]) -> BudgetPolicy | None:
    """TOKEN_BUDGETS and its companions; the budgets' module loads only when one of them is set."""
    if not any(
        environ.get(name, "").strip() for name in ("TOKEN_BUDGETS", "BUDGET_STORE_URL", "BUDGET_ON_STORE_ERROR")
    ):
        return None
    from .budgets.config import parse_budgets

    return parse_budgets(environ)


def _fallbacks(environ: Mapping[str, str], settings: Settings) -> FallbackPolicy | None:
    """FALLBACKS and its companions, checked against the settings' allow-list; their module loads only when set."""
    if not any(name.startswith("FALLBACK") and value.strip() for name, value in environ.items()):
        return None
    from .fallbacks.config import parse_fallbacks

    return parse_fallbacks(environ, settings)


def _is_ocid(value: str) -> bool:
    return value.startswith("ocid1.")


class _Env:
    """Typed reads from the environment; every error names its variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def optional(self, name: str) -> str | None:
        value = self._environ.get(name, "").strip()
        return value or None

    def required(self, name: str, hint: str) -> str:
        value = self.optional(name)
        if value is None:
            raise ConfigError(f"{name} is required: {hint}")
        return value

    def csv(self, name: str) -> tuple[str, ...]:
        raw = self.optional(name) or ""
        return tuple(dict.fromkeys(item.strip() for item in raw.split(",") if item.strip()))

    def choice(self, name: str, choices: tuple[str, ...], *, lower: bool = False) -> str | None:
        value = self.optional(name)
        if value is None:
            return None
        value = value.lower() if lower else value.upper()
        if value not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}")
        return value

    def flag(self, name: str) -> bool:
        value = (self.optional(name) or "false").lower()
        if value not in ("true", "false", "1", "0", "yes", "no"):
            raise ConfigError(f"{name} must be true or false")
        return value in ("true", "1", "yes")

    def whole(self, name: str, default: int, *, low: int, high: int) -> int:
        """A whole-number variable (config_numbers: ASCII digits within [low, high]); unset or blank: default."""
        raw = self.optional(name)
        return default if raw is None else config_numbers.whole(name, raw, low, high)

    def decimal(self, name: str, default: D, *, low: float, high: float) -> float | D:
        """A decimal variable (config_numbers: ASCII digits, one optional point, within [low, high])."""
        raw = self.optional(name)
        return default if raw is None else config_numbers.decimal(name, raw, low, high)
