"""Credentials: the signer per AUTH_MODE, and reloading a resource principal token before it expires.

Built once per container, on the first call (so a broken credential is answered, not a crash at import).
"""

from __future__ import annotations

from typing import Any

import oci

from ..config import Settings
from ..errors import UpstreamAuthFailed

EXPIRY_MARGIN_SECONDS = 1
"""A token this close to its expiry (in whole seconds, as JWTs count) is treated as expired: never send one that the
service may already refuse."""


def load_signer(settings: Settings) -> tuple[dict[str, Any], Any]:
    """(config, signer) for the client, per AUTH_MODE; resource principal unless told otherwise."""
    try:
        return _signer(settings)
    except Exception as exc:  # any failure to load credentials: the SDK raises many kinds
        raise UpstreamAuthFailed(
            f"could not load {settings.auth_mode.replace('_', ' ')} credentials "
            f"({type(exc).__name__}); see docs/troubleshooting.md"
        ) from exc


def _signer(settings: Settings) -> tuple[dict[str, Any], Any]:
    if settings.auth_mode == "api_key":
        config: dict[str, Any] = oci.config.from_file(settings.oci_config_file, settings.oci_config_profile)
        signer = oci.signer.Signer(
            tenancy=config["tenancy"],
            user=config["user"],
            fingerprint=config["fingerprint"],
            private_key_file_location=config.get("key_file"),
            pass_phrase=oci.config.get_config_value_or_default(config, "pass_phrase"),
            private_key_content=config.get("key_content"),
        )
        return config, signer
    if settings.auth_mode == "instance_principal":
        return {}, oci.auth.signers.InstancePrincipalsSecurityTokenSigner()
    return {}, oci.auth.signers.get_resource_principals_signer()


class ExpiringTokenReloader:
    """Reloads a resource principal token that is about to expire, instead of spending a request on a 401.

    The SDK itself reloads the token files only after a 401 (and then retries once). A token issued with less life
    than the SDK's 60 s expiry jitter is reloaded once, and the same token again only after it has really expired;
    otherwise its key would be parsed again (~30 ms) on every call until the platform renews it. Signers without
    a token (API key, a test's stand-in) are left alone.
    """

    def __init__(self) -> None:
        self._reloaded: Any = None

    def before_call(self, signer: Any) -> None:
        token = getattr(signer, "security_token", None)
        if token is None or not hasattr(signer, "refresh_security_token"):
            return
        if token is self._reloaded and token.valid_with_jitter(EXPIRY_MARGIN_SECONDS):
            return
        if token.valid_with_jitter():
            return
        try:
            signer.refresh_security_token()
        except Exception as exc:  # unreadable or invalid token / key files: the platform's credentials are broken
            raise UpstreamAuthFailed(
                f"the resource principal token expired and could not be reloaded ({type(exc).__name__}); "
                "the function's credentials are broken: redeploy or check the function's logs"
            ) from exc
        self._reloaded = signer.security_token
        if not self._reloaded.valid_with_jitter(EXPIRY_MARGIN_SECONDS):
            raise UpstreamAuthFailed(
                "the resource principal token has expired and the platform has not issued a new one; "
                "the function's credentials are broken: redeploy or check the function's logs"
            )
