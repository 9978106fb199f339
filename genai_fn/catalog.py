"""What the function knows about OCI's on-demand models by name: the API format each speaks, and which take images.

Pure data, read at parse time. A model this table does not know is still served (the service decides); a model
OCID or a dedicated endpoint takes its format from API_FORMAT, and MODEL_API_FORMATS overrides any model
(families.family_for).
"""

from __future__ import annotations

API_FORMAT_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("cohere.command-a-vision", "COHEREV2"),
    ("cohere.command-a-reasoning", "COHEREV2"),
    ("cohere.", "COHERE"),
)
"""The first matching prefix decides; every other model speaks GENERIC (Meta, xAI, OpenAI, Google ...).
OCI lists Command A Vision and Command A Reasoning as the newest Cohere chat models, taking CohereChatRequestV2
(docs.oracle.com/iaas/Content/generative-ai/cohere-models.htm); the older cohere.* models keep V1 (COHERE), and
cohere.command-a-03-2025 stays on V1 by default until its V2 default is confirmed on the model's page."""
DEFAULT_API_FORMAT = "GENERIC"

VISION_PREFIXES = (
    "meta.llama-4-",
    "meta.llama-3.2-90b-vision",
    "meta.llama-3.2-11b-vision",
    "cohere.command-a-vision",
)
"""On-demand models OCI documents as taking images: Llama 4 Maverick and Scout ("Input text and images and get a
text output", docs.oracle.com/iaas/Content/generative-ai/meta-llama-4-maverick.htm and meta-llama-4-scout.htm), the
Llama 3.2 Vision models and Cohere Command A Vision (docs.oracle.com/iaas/Content/generative-ai/cohere-models.htm)."""
TEXT_ONLY_PREFIXES = (
    "meta.llama-3.3-",
    "meta.llama-3.1-",
    "meta.llama-3-",
    "cohere.command-r",
    "cohere.command-a-03-2025",
    "cohere.command-a-reasoning",
    "cohere.command-light",
    "cohere.command",
)
"""On-demand models documented as text in, text out; an image for one is a 400 before any upstream call."""


def default_api_format(model: str) -> str:
    """The API format OCI's model pages give a model id (the first matching prefix), else GENERIC."""
    for prefix, api_format in API_FORMAT_BY_PREFIX:
        if model.startswith(prefix):
            return api_format
    return DEFAULT_API_FORMAT


def vision(model: str) -> bool | None:
    """True for documented vision models, False for documented text-only ones, None when the function cannot know
    (model OCIDs, dedicated endpoints, families not listed): then the service decides."""
    if model.startswith(VISION_PREFIXES):
        return True
    if model.startswith(TEXT_ONLY_PREFIXES):
        return False
    return None
