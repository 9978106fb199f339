"""The usage function's configuration (its own function config, not the chat function's); errors name the variable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..config import LOOPBACK_HOSTS, url_parts
from ..errors import ConfigError
from .metrics import check_namespace
from .prices import Prices, parse_prices

DEFAULT_NAMESPACE = "genai_usage"


@dataclass(frozen=True)
class UsageSettings:
    namespace: str
    compartment_id: str
    endpoint: str | None = None
    """USAGE_METRICS_ENDPOINT: the telemetry-ingestion endpoint; None: the function's region's (from its resource
    principal), `https://telemetry-ingestion.<region>.oraclecloud.com` in the commercial realm."""
    prices: Prices = Prices({})
    """USAGE_PRICES: the per-model price table that adds the `cost` metric (prices.py); empty: no cost."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> UsageSettings:
        namespace = check_namespace(environ.get("USAGE_METRICS_NAMESPACE", "").strip() or DEFAULT_NAMESPACE)
        compartment = environ.get("USAGE_METRICS_COMPARTMENT_OCID", "").strip()
        if not compartment.startswith(("ocid1.compartment.", "ocid1.tenancy.")):
            raise ConfigError(
                "USAGE_METRICS_COMPARTMENT_OCID is required: the compartment the usage metrics are posted to "
                "(ocid1.compartment.…)"
            )
        endpoint = environ.get("USAGE_METRICS_ENDPOINT", "").strip().rstrip("/") or None
        if endpoint is not None:
            parts = url_parts("USAGE_METRICS_ENDPOINT", endpoint)
            plain_ok = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
            if not parts.hostname or parts.path or not (parts.scheme == "https" or plain_ok):
                raise ConfigError(
                    "USAGE_METRICS_ENDPOINT must be an https URL like https://telemetry-ingestion.<region>."
                    "oraclecloud.com (plain http only on loopback)"
                )
        return cls(namespace, compartment, endpoint, parse_prices(environ.get("USAGE_PRICES", "")))
