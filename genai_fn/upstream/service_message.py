"""The service's own 4xx message, made safe to pass on: bounded, printable, and never a key.

The message helps a caller fix a request the service refused, but it is upstream text: it may be megabytes long,
hold control characters (terminal escapes, bidi overrides) or quote a file with a PEM block. Only a bounded prefix
is ever scanned; the full length goes into the request log, never the text.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 300
"""What the caller sees of the service's message, at most (plus an ellipsis)."""
SCAN_CHARS = 4096
"""Only this much of a message is ever looked at; the rest is dropped unread."""
REDACTED = "[redacted]"
_PEM = re.compile(r"-----\s*BEGIN[^-]*-----.*?(?:-----\s*END[^-]*-----|\Z)|-----\s*BEGIN.*\Z", re.DOTALL)
_PRIVATE_KEY = re.compile(r"\bPRIVATE\s+KEY\b.*", re.IGNORECASE | re.DOTALL)
"""Whatever follows a mention of a private key may be the key: dropped to the end."""
_SPACES = re.compile(r"\s+")


def sanitize(message: object) -> str:
    """The message as a caller may see it: PEM blocks redacted, control and format characters removed, whitespace
    collapsed, at most MAX_CHARS characters."""
    text = message if isinstance(message, str) else ""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text[:SCAN_CHARS])
    text = _PEM.sub(REDACTED, text)
    text = _PRIVATE_KEY.sub(REDACTED, text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rstrip() + "…"
    return text
