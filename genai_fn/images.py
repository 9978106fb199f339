"""OpenAI `image_url` content parts: checked here, carried as chat.ImagePart, sent as the family's image content.

A `data:` URL (base64) travels inside the request body, so its bytes already count against the body limit; an
`https:` URL is passed on for the service to fetch. Nothing is decoded or downloaded here.
"""

from __future__ import annotations

import re
from typing import Any

from .chat import ImagePart
from .errors import InvalidRequest

DETAILS = ("auto", "low", "high")
"""OpenAI's `detail` values; the SDK's ImageUrl / CohereImageUrlV2 take them upper-cased (AUTO, LOW, HIGH)."""
_DATA_URL = re.compile(r"data:image/[A-Za-z0-9.+-]+;base64,[A-Za-z0-9+/=\s]+\Z")


def image_part(part: dict[str, Any], where: str) -> ImagePart:
    """An `{"type": "image_url", "image_url": {"url", "detail"?}}` part, or a 400 naming what is wrong."""
    spec = part.get("image_url")
    if isinstance(spec, str):  # some clients send the URL itself
        spec = {"url": spec}
    if not isinstance(spec, dict) or not isinstance(spec.get("url"), str):
        raise InvalidRequest(f"{where}.image_url.url must be a string", param=f"{where}.image_url.url")
    url = spec["url"]
    detail = spec.get("detail")
    if detail is not None and detail not in DETAILS:
        raise InvalidRequest(
            f"{where}.image_url.detail must be one of {', '.join(DETAILS)}", param=f"{where}.image_url"
        )
    if url.startswith("data:"):
        if not _DATA_URL.match(url):  # checked, never decoded: no second copy of a large image in memory
            raise InvalidRequest(
                f"{where}.image_url.url must be a base64 data:image/... URL or an https: URL",
                param=f"{where}.image_url.url",
            )
    elif not url.startswith("https://"):
        raise InvalidRequest(
            f"{where}.image_url.url must be a base64 data:image/... URL or an https: URL",
            param=f"{where}.image_url.url",
        )
    return ImagePart(url=url, detail=detail)
