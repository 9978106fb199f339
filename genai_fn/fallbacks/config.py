"""Read FALLBACKS, FALLBACK_COOLDOWN_SECONDS and FALLBACK_STORE_URL; every error names its variable.

FALLBACKS=model>target>target;model2>target: for a model the caller may choose, the ordered targets tried when it
cannot answer. A target is a model of the allow-list (MODEL_ID, ALLOWED_MODELS), called on demand in its own API
format (Settings.api_format_for), or a dedicated endpoint OCID with the format its model speaks
(`ocid1.generativeaiendpoint...:GENERIC`, as MODEL_API_FORMATS spells a format). Nothing a caller sends chooses or
changes a chain, and every target is checked here against the allow-list, so no fallback can send a model the
operator did not allow (docs/configuration.md, docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .. import catalog, families, lazy
from ..config_numbers import decimal
from ..errors import ConfigError
from ..ocid import ENDPOINT_OCID_PREFIX, ENDPOINT_OCID_SHAPE, is_endpoint_ocid

if TYPE_CHECKING:
    from ..budgets import config as budgets_config
else:  # read only when FALLBACK_STORE_URL is set
    budgets_config = lazy("genai_fn.budgets.config")


class Settings(Protocol):
    """What a chain is checked against: the function's settings (config.Settings, which loads this module)."""

    @property
    def allowed_models(self) -> tuple[str, ...]: ...

    @property
    def budgets(self) -> object | None: ...

    def api_format_for(self, model: str) -> str: ...

    def retirement(self, model: str) -> catalog.Retirement | None: ...


DEFAULT_COOLDOWN_SECONDS = 30.0
MAX_COOLDOWN_SECONDS = 3600.0
SYNTAX = (
    "FALLBACKS is model>target>target;model2>target (a target: an allowed model, or ocid1.generativeaiendpoint…:FORMAT)"
)


@dataclass(frozen=True)
class Target:
    """Where a chat call can be sent: `name` is a model id (on demand) or, when `endpoint`, a dedicated endpoint
    OCID; `api_format` is the format its model speaks."""

    name: str
    api_format: str
    endpoint: bool = False


@dataclass(frozen=True)
class FallbackPolicy:
    """What the operator configured; None in the function's settings means fallbacks are off."""

    chains: tuple[tuple[str, tuple[Target, ...]], ...]
    """(model, its fallback targets in order), one entry per model."""
    cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS
    store: Mapping[str, Any] | None = field(default=None, repr=False)
    """redis-py connection keyword arguments of the shared cooldowns (FALLBACK_STORE_URL); None: the budgets' store
    when TOKEN_BUDGETS is on (`shares_budget_store`), else each container keeps its own cooldowns."""
    store_timeouts: Mapping[str, float] = field(default_factory=dict)
    shares_budget_store: bool = False

    def chain(self, model: str) -> tuple[Target, ...]:
        """The fallback targets of `model`, in order; empty when it has none."""
        return next((targets for name, targets in self.chains if name == model), ())


def parse_fallbacks(environ: Mapping[str, str], settings: Settings) -> FallbackPolicy | None:
    """The fallback policy, or None when FALLBACKS is empty; raise ConfigError naming the variable."""
    raw = environ.get("FALLBACKS", "").strip()
    cooldown_raw = environ.get("FALLBACK_COOLDOWN_SECONDS", "").strip()
    url = environ.get("FALLBACK_STORE_URL", "").strip()
    if not raw:
        if cooldown_raw or url:
            raise ConfigError("FALLBACK_COOLDOWN_SECONDS and FALLBACK_STORE_URL need FALLBACKS (fallbacks are off)")
        return None
    chains = parse_chains(raw, settings)
    cooldown = DEFAULT_COOLDOWN_SECONDS
    if cooldown_raw:
        cooldown = decimal("FALLBACK_COOLDOWN_SECONDS", cooldown_raw, 0.0, MAX_COOLDOWN_SECONDS)
    if url:
        connection, timeouts = budgets_config.parse_store_url(url, "FALLBACK_STORE_URL")
        return FallbackPolicy(chains, cooldown, connection, timeouts)
    return FallbackPolicy(chains, cooldown, shares_budget_store=settings.budgets is not None)


def parse_chains(raw: str, settings: Settings) -> tuple[tuple[str, tuple[Target, ...]], ...]:
    """`model>target>target;...`: each model and each model target allow-listed, no target twice in a chain."""
    chains: list[tuple[str, tuple[Target, ...]]] = []
    for entry in (item.strip() for item in raw.split(";")):
        if not entry:
            continue
        model, *names = (part.strip() for part in entry.split(">"))
        if not model or not names or not all(names):
            raise ConfigError(SYNTAX)
        if model not in settings.allowed_models:
            raise ConfigError(f"FALLBACKS names {ConfigError.cut(model)}, which is not MODEL_ID or in ALLOWED_MODELS")
        if any(name == model for name, _ in chains):
            raise ConfigError(f"FALLBACKS has two entries for {ConfigError.cut(model)}")
        targets = tuple(_target(name, settings) for name in names)
        seen = [model, *(target.name for target in targets)]
        if len(set(seen)) != len(seen):
            raise ConfigError(
                f"FALLBACKS names a target twice in the chain of {ConfigError.cut(model)} (or the model itself)"
            )
        chains.append((model, targets))
    if not chains:
        raise ConfigError(SYNTAX)
    return tuple(chains)


def _target(name: str, settings: Settings) -> Target:
    """A dedicated endpoint with its format, or an allowed model served on demand in its own format."""
    if name.startswith(ENDPOINT_OCID_PREFIX):
        endpoint, _, api_format = name.rpartition(":")
        formats = families.api_formats()
        if not is_endpoint_ocid(endpoint) or api_format not in formats:
            raise ConfigError(
                f"FALLBACKS endpoint targets are {ENDPOINT_OCID_SHAPE}:FORMAT with FORMAT one of {', '.join(formats)}"
            )
        return Target(endpoint, api_format, endpoint=True)
    if name not in settings.allowed_models:
        raise ConfigError(f"FALLBACKS target {name} is not MODEL_ID or in ALLOWED_MODELS: every target is allowed")
    retired = settings.retirement(name)
    if retired is not None and retired.refused(catalog.today()):
        raise ConfigError(f"FALLBACKS target {name}: {catalog.retired_message(name, retired, settings.retirement)}")
    source = catalog.dedicated_only(name)
    if source is not None:
        raise ConfigError(
            f"FALLBACKS target {name} is served only on dedicated AI clusters ({source}): name its endpoint "
            f"({ENDPOINT_OCID_PREFIX}…:FORMAT) instead"
        )
    return Target(name, settings.api_format_for(name))
