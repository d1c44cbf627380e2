"""What every subcommand shares on the terminal: one-line errors, checked numbers, text tables."""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

if TYPE_CHECKING:
    from sim.core.scenario import Scenario

#: what compiling the kernels the first time takes (measured on 2 cores: 114 s and 156 s)
COMPILE_TIME = "under a minute"


class HelpFormatter(argparse.HelpFormatter):
    """Descriptions and epilogs by paragraph (text between blank lines): prose is wrapped to the
    terminal, a paragraph with an indented line (the examples) is kept line for line."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = []
        for para in text.strip("\n").split("\n\n"):
            lines = para.splitlines()
            if any(line.startswith(" ") for line in lines):
                paragraphs.append("\n".join(indent + line for line in lines))
            else:
                paragraphs.append(super()._fill_text(para, width, indent))
        return "\n\n".join(paragraphs)

    def _format_action(self, action: argparse.Action) -> str:
        if not isinstance(action, argparse._SubParsersAction):   # the one action with nargs PARSER
            return super()._format_action(action)
        # the subcommands: one line each, name and help (argparse would add a line for the metavar and
        # wrap a long name's help onto the next line)
        subs = list(action._get_subactions())
        width = max(len(sub.metavar or sub.dest) for sub in subs)
        return "".join(f"{' ' * self._current_indent}{sub.metavar or sub.dest:<{width}}  {sub.help}\n"
                       for sub in subs)


class OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line and exit status 2, like every other bad input; help formatted by
    `HelpFormatter` unless told otherwise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(short_words(f"error: {self.prog}: {message} (see --help)") + "\n")
        raise SystemExit(2)


LONG_WORD = 200     # characters of a word (no space) an error line shows whole; a path is rarely longer


def short_words(line: str, limit: int = LONG_WORD) -> str:
    """`line` with every word longer than `limit` characters shortened (`shortened`): a value of thousands
    of characters typed into an option shows as its start, end and length, and the line stays one line."""
    return re.sub(rf"\S{{{limit + 1},}}", lambda m: shortened(m.group(0), 80), line)


def shortened(text: str, limit: int = 40) -> str:
    """`text` as an error line shows it: at most about `limit` characters, with its length if cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit - 16]}...{text[-6:]} ({len(text):,} characters)"


# ASCII only: not the other digits int() takes (Arabic-Indic, fullwidth...), nor 1_000
_DIGITS = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def whole_number(minimum: int, flag: str, maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `minimum` to `maximum`, typed in ASCII digits; anything else is
    a one-line error naming `flag`, the value (shortened) and what is allowed. Every number option has a
    maximum (`sim.core.options`), so no value the program cannot carry gets past the command line."""
    allowed = f"a whole number from {minimum:,} to {maximum:,}"

    def parse(text: str) -> int:
        digits = text.strip(" \t")
        if not _DIGITS.fullmatch(digits):
            raise argparse.ArgumentTypeError(f"{flag} = {shortened(text)!r}: allowed: {allowed}")
        if len(digits.lstrip("+-").lstrip("0")) > len(str(maximum)):   # not read: beyond any maximum
            raise argparse.ArgumentTypeError(f"{flag} = {shortened(digits)}: allowed: {allowed}")
        value = int(digits)
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"{flag} = {shortened(digits)}: allowed: {allowed}")
        return value
    parse.__name__ = flag
    return parse


def decimal_number(flag: str, low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a number strictly between `low` and `high`, typed in ASCII (e.g. 0.5, 5e-1)."""
    allowed = f"a number between {low:g} and {high:g}"

    def parse(text: str) -> float:
        number = text.strip(" \t")
        if len(number) > 40 or not _DECIMAL.fullmatch(number):
            raise argparse.ArgumentTypeError(f"{flag} = {shortened(text)!r}: allowed: {allowed}")
        value = float(number)
        if not low < value < high:
            raise argparse.ArgumentTypeError(f"{flag} = {number}: allowed: {allowed}")
        return value
    parse.__name__ = flag
    return parse


def path_arg(flag: str) -> Callable[[str], Path]:
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


def folder_arg(flag: str) -> Callable[[str], Path]:
    """An argparse type: an existing folder (a path as `path_arg` takes it)."""
    as_path = path_arg(flag)

    def parse(text: str) -> Path:
        folder = as_path(text)
        if not folder.is_dir():
            what = "not a folder" if folder.exists() else "no such folder"
            raise argparse.ArgumentTypeError(f"{flag} = {text!r}: {what}; allowed: an existing folder of scenario "
                                             "files (NAME.toml)")
        return folder
    parse.__name__ = flag
    return parse


def use_file_backend() -> None:
    """Draw figures into files with matplotlib's Agg backend, unless MPLBACKEND names another.

    Called by the commands right before they draw, never on import: importing the command line (or
    calling a function of it from a notebook) leaves the backend alone until a command draws.
    """
    if os.environ.get("MPLBACKEND"):
        return
    import matplotlib

    matplotlib.use("Agg")


def prepare_model(scn: Scenario, quiet: bool = False, stream: TextIO | None = None) -> None:
    """Have the compiled kernels a run of `scn` needs (the turn, the look-ahead) ready in this process
    (`sim.engine.ensemble.warm_up`), before anyone waits on them: loaded from numba's cache in a moment, but
    compiled the first time, which takes minutes. Then, unless `quiet`, that is said first on `stream`
    (stderr), and on a terminal the seconds are counted on the line below until the model is ready."""
    from sim.engine.ensemble import warm_up
    from sim.kernel.cache import kernels_cached

    if quiet or kernels_cached():
        warm_up(scn)
        return
    out = stream if stream is not None else sys.stderr
    started = time.monotonic()
    _say(out, "preparing the model: compiling its kernels the first time (once after installing or changing "
              f"them; {COMPILE_TIME})\n")
    counting = _is_terminal(out)
    done = threading.Event()

    def count() -> None:
        while not done.wait(1.0):
            _say(out, f"\r  {time.monotonic() - started:.0f} s")

    clock = threading.Thread(target=count, name="compile-clock", daemon=True)
    if counting:
        _say(out, "  0 s")
        clock.start()
    ready = False
    try:
        warm_up(scn)
        ready = True
    finally:
        if counting:
            done.set()
            clock.join()
        back = "\r" if counting else ""    # over the count
        if ready:
            _say(out, f"{back}  the model is ready ({time.monotonic() - started:.0f} s)\n")
        elif counting:
            _say(out, "\n")                  # stopped: what is said next starts on a line of its own


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):   # a closed or unusual stream
        return False


def _say(stream: TextIO, text: str) -> None:
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):   # nowhere left to say it (a closed terminal): the work goes on
        pass
