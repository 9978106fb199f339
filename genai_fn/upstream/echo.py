"""Drop what a chat reply only echoes back, while it is read: Cohere V1 repeats the whole `chatHistory` (and the
documents) in every reply, so a valid 5.9 MB prompt would come back as a 5.9 MB reply.

`EchoSkipper` sits between the socket and the SDK (bounded_reply.BoundedBody): it scans the reply's JSON as it
arrives and replaces the value of each named member of `chatResponse` (the object one level inside the top-level
ChatResult) with `null`, so the SDK never parses the echo and it never counts against MAX_REPLY_BYTES; the function
reads neither (families/cohere.py). The scan is linear: regular expressions find the next bracket, comma, colon or
quote, and step over each string in one match, whatever the chunk boundaries; it keeps a few bytes of state.
"""

from __future__ import annotations

import re

_STRUCTURE = re.compile(rb'[{}\[\],:"]')
_SKIPPED_STRUCTURE = re.compile(rb'[{}\[\]"]')
_STRING_BODY = re.compile(rb'(?:[^"\\]++|\\.)*+', re.DOTALL)
_VALUE = re.compile(rb"\S")
MAX_KEY_BYTES = 64
"""Longer member names are never one of the skipped fields, so no more of a name is kept."""
MEMBER_DEPTH = 2
"""The skipped members' object: chatResponse, inside the top-level ChatResult."""


class EchoSkipper:
    """A filter over a JSON byte stream: `feed` each chunk as it arrives, keep what it returns."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        self._fields = frozenset(name.encode("ascii") for name in fields)
        self._stack: list[int] = []  # the open containers' brackets
        self._in_string = False
        self._escaped = False  # the chunk ended on a backslash inside a string
        self._expect_key = False  # in a member object, before a member's name
        self._key: bytearray | None = None  # the member name being read
        self._matched = False  # a skipped member's name was read
        self._await_value = False  # its colon too: the next value is skipped
        self._skip_depth = 0  # > 0 while inside a skipped value
        self.skipped_bytes = 0

    def feed(self, data: bytes) -> bytes:
        kept: list[bytes] = []
        position, start = 0, 0
        size = len(data)
        while position < size:
            if self._in_string:
                position = self._string(data, position)
                continue
            if self._skip_depth:
                found = _SKIPPED_STRUCTURE.search(data, position)
                if found is None:
                    position = size
                    break
                position = found.end()
                byte = data[found.start()]
                if byte == 0x22:  # "
                    self._in_string = True
                elif byte in (0x7B, 0x5B):  # { [
                    self._skip_depth += 1
                else:
                    self._skip_depth -= 1
                    if not self._skip_depth:
                        self.skipped_bytes += position - start
                        start = position
                continue
            if self._await_value:
                found = _VALUE.search(data, position)
                if found is None:
                    position = size
                    break
                self._await_value = False
                if data[found.start()] in (0x7B, 0x5B):  # a container: replaced by null, skipped to its end
                    kept.append(data[start : found.start()])
                    kept.append(b"null")
                    start, position = found.start(), found.end()
                    self._skip_depth = 1
                    continue
                position = found.start()
            found = _STRUCTURE.search(data, position)
            if found is None:
                position = size
                break
            position = found.end()
            self._structure(data[found.start()])
        if self._skip_depth:
            self.skipped_bytes += size - start
        else:
            kept.append(data[start:size])
        return b"".join(kept)

    def _string(self, data: bytes, position: int) -> int:
        """Step over string bytes from `position`; the position after them (after the closing quote if found)."""
        if self._escaped:
            self._escaped = False
            self._collect(data[position : position + 1])
            position += 1
            if position >= len(data):
                return position
        body = _STRING_BODY.match(data, position)
        end = body.end() if body else position
        self._collect(data[position:end])
        if end < len(data) and data[end] == 0x5C:  # a backslash ending the chunk: its escaped byte comes next
            self._collect(data[end : end + 1])
            self._escaped = True
            return end + 1
        if end < len(data):  # the closing quote
            self._in_string = False
            if self._key is not None:
                self._matched = bytes(self._key) in self._fields
                self._key = None
            return end + 1
        return end

    def _collect(self, piece: bytes) -> None:
        if self._key is not None:
            if len(self._key) + len(piece) > MAX_KEY_BYTES:
                self._key = None  # too long to be one of the names
            else:
                self._key += piece

    def _structure(self, byte: int) -> None:
        in_members = len(self._stack) == MEMBER_DEPTH and self._stack[-1] == 0x7B
        if byte == 0x22:  # "
            self._in_string = True
            if in_members and self._expect_key and not self._skip_depth:
                self._key = bytearray()
                self._expect_key = False
            return
        if byte in (0x7B, 0x5B):  # { [
            self._stack.append(byte)
            self._expect_key = byte == 0x7B and len(self._stack) == MEMBER_DEPTH
        elif byte in (0x7D, 0x5D):  # } ]
            if self._stack:
                self._stack.pop()
            self._expect_key = False
        elif byte == 0x2C:  # ,
            self._expect_key = in_members
            self._matched = False
        elif byte == 0x3A and in_members:  # :
            self._await_value = self._matched
            self._matched = False
