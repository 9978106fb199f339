"""The emulated model's long answer: a message asking for a story gets one, so a stream has many events to pace.

`scripts/run-local --stream-seconds N` and the README's "Tell me a story" rely on it (docs/emulator.md).
"""

from __future__ import annotations

import re

STORY_TRIGGER = re.compile(r"\bstory\b", re.IGNORECASE)
STORY = (
    "Once upon a time, in a data centre by a cold northern sea, a small function woke for every request. "
    "It read each question, signed its call to the model, and waited while the answer was written. "
    "One night a traveller asked for a story, and the function, which had only ever returned whole replies, "
    "learned to pass each word on the moment it arrived. The traveller watched the words appear one by one, "
    "like lanterns lit along a harbour wall, and stayed until the last of them. "
    "In the morning the function went back to its work, a little wiser, and the sea went on as before. The end."
)
"""About 110 words: more than 100 events on every format."""


def story_words(message: str) -> list[str]:
    """The story's words when the message asks for a story (the word `story`), else none."""
    return STORY.split() if STORY_TRIGGER.search(message) else []
