"""What every subcommand shares on the terminal: one-line errors, checked numbers, text tables."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


class OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line and exit status 2, like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {self.prog}: {message} (see --help)\n")
        raise SystemExit(2)


def whole_number(minimum: int, flag: str):
    """An argparse type: a whole number >= `minimum`, with a one-line error naming `flag`."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} = {text!r}: allowed: a whole number >= {minimum}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{flag} = {value}: allowed: a whole number >= {minimum}")
        return value
    parse.__name__ = flag
    return parse


def path_arg(flag: str):
    """An argparse type: a path without NUL bytes and with no name longer than the system allows."""
    def parse(text: str) -> Path:
        if "\0" in text:
            raise argparse.ArgumentTypeError(f"{flag} = {text!r}: allowed: a path without NUL characters")
        limit = 255
        for part in Path(text).parts:
            if len(os.fsencode(part)) > limit:
                raise argparse.ArgumentTypeError(f"{flag} = {part[:40]!r}...: allowed: names of at most "
                                                 f"{limit} bytes")
        return Path(text)
    parse.__name__ = flag
    return parse


def text_table(header: tuple | list, rows: list) -> str:
    """Rows of strings as left-aligned columns two spaces apart, the header first."""
    lines = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines)


def use_file_backend() -> None:
    """Draw figures into files with matplotlib's Agg backend, unless MPLBACKEND names another.

    Called by the commands right before they draw, never on import: importing the command line (or
    calling a function of it from a notebook) leaves the backend alone until a command draws.
    """
    if os.environ.get("MPLBACKEND"):
        return
    import matplotlib

    matplotlib.use("Agg")
