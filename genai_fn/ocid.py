"""The shape of a Generative AI endpoint's OCID: the configuration (DEDICATED_ENDPOINT_ID, RERANK_ENDPOINT_ID, a
FALLBACKS endpoint target) refuses a typo when it loads, rather than the service at request time."""

from __future__ import annotations

import re

ENDPOINT_OCID_PREFIX = "ocid1.generativeaiendpoint."
ENDPOINT_OCID_SHAPE = "ocid1.generativeaiendpoint.<realm>.<region>.<unique id>"
_OCID_PART = r"[\x21-\x2d\x2f-\x39\x3b-\x7e]+"
"""An OCID segment: printable ASCII but `.` (0x2e) and `:` (0x3a, the separator of FALLBACKS' `…:FORMAT`)."""
_ENDPOINT_OCID = re.compile(rf"ocid1\.generativeaiendpoint\.[a-z0-9]+\.[a-z0-9-]+(?:\.{_OCID_PART})?\.{_OCID_PART}")
"""A dedicated endpoint's OCID. Oracle's syntax (docs.oracle.com/iaas/Content/General/Concepts/identifiers.htm):
`ocid1.<RESOURCE TYPE>.<REALM>.[REGION][.FUTURE USE].<UNIQUE ID>`; the region "is present in the OCID only for
regional resources" (an endpoint is one), the future-use part is "currently blank" (taken when present), and the
unique part's "format may vary depending on the type of resource", so it is held only to _OCID_PART: no whitespace,
control character or empty segment gets through, and a typo is refused at load rather than found at request time."""


def is_endpoint_ocid(value: str) -> bool:
    """Whether `value` has a Generative AI endpoint OCID's shape (_ENDPOINT_OCID)."""
    return _ENDPOINT_OCID.fullmatch(value) is not None
