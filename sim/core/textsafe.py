"""User text made safe to print: no control characters (escape sequences could retitle a window or
clear the screen), and one line where one line is promised."""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that reorder text
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """`text` without control characters (tab and newline kept)."""
    return _CONTROL.sub("", str(text))


def one_line(text: object) -> str:
    """`text` without control characters, on one line."""
    return " ".join(printable(text).split("\n")).replace("\t", " ")
