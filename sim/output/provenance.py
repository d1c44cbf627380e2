"""Where a result came from: the code that made it (version, git commit, the packages that shape results)
and the `run` command that makes it again. `summary.json` keeps both under "provenance" (docs/reproducing.md).

The command holds only the options that change the files (scenario, --runs, --turns, --seed, --set): the
others (--jobs, --engine, --batch-size, --dask, --out, --force, --quiet, --no-plot, --format, --dpi,
--parquet) change how a run is carried out or what is drawn or added beside these files, never these files.
"""

from __future__ import annotations

import functools
import hashlib
import platform
import shlex
import subprocess
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from sim import __version__
from sim.core.scenario import SCENARIO_DIR, Scenario, to_toml

#: the distributions whose versions can change a result (the simulation's arithmetic and tables)
RESULT_PACKAGES = ("numpy", "numba", "mesa", "scipy", "pandas")
NOTE = ("the code and the command that make these files again (docs/reproducing.md); options that do not change "
        "them (--jobs, --engine, --batch-size, --dask, --out, --quiet, --no-plot, --format, --dpi, --parquet) are "
        "left out")
_CHECKOUT = Path(__file__).resolve().parents[2]     # the project's folder when run from a git checkout


def _git(*args: str) -> str | None:
    """The output of git in the checkout this package runs from, or None (an installed wheel, no git)."""
    if not (_CHECKOUT / ".git").exists() or not (_CHECKOUT / "pyproject.toml").is_file():
        return None
    try:
        done = subprocess.run(["git", "-C", str(_CHECKOUT), *args], capture_output=True, text=True, timeout=20,
                              check=True, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


@functools.cache
def code() -> dict[str, Any]:
    """The version, the git commit and whether tracked files differ from it (null when unknown), and the
    versions of Python and of RESULT_PACKAGES. From a checkout the commit is git's; from a wheel it is the one
    setuptools-scm wrote into the version (``0.2.dev3+g1a2b3c4``, ``.d20260101`` when modified)."""
    commit = _git("rev-parse", "HEAD")
    if commit is not None:
        status = _git("status", "--porcelain", "--untracked-files=no")
        dirty: bool | None = None if status is None else bool(status)
    else:
        local = __version__.partition("+")[2]
        node = next((part[1:] for part in local.split(".") if part.startswith("g")), None)
        commit, dirty = node, (None if node is None else ".d" in "." + local)
    packages: dict[str, str | None] = {}
    for name in RESULT_PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {"version": __version__, "commit": commit, "dirty": dirty, "python": platform.python_version(),
            "packages": packages}


def anonymise(path: str | Path, here: bool = True) -> str:
    """A path fit to publish: relative to the current folder when inside it (if `here`), else ``~/...`` when in
    the home folder, else as it is."""
    p = Path(path).expanduser().resolve()
    bases = [(Path.cwd().resolve(), "")] if here else []
    for base, prefix in (*bases, (Path.home().resolve(), "~/")):
        if p.is_relative_to(base):
            return prefix + p.relative_to(base).as_posix()
    return p.as_posix()


def scenario_arg(scn: Scenario) -> str:
    """The scenario as the command line takes it: the name of a shipped scenario, else its file's path."""
    source = Path(scn.source)
    if source.suffix == ".toml" and source.resolve().parent == SCENARIO_DIR.resolve():
        return source.stem
    return anonymise(source) if source.suffix == ".toml" else scn.source


def value_text(value: Any) -> str:
    """A --set value as TOML writes it (what `--set KEY=VALUE` reads back to the same value)."""
    import tomli_w

    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {value_text(v)}" for k, v in value.items()) + " }"
    return tomli_w.dumps({"v": value}).partition("=")[2].strip()


def _shell(word: str) -> str:
    return "~/" + shlex.quote(word[2:]) if word.startswith("~/") else shlex.quote(word)


def command(words: list[str]) -> str:
    """The words of a command as a shell line (each quoted as needed)."""
    return " ".join(_shell(w) for w in words)


def record(scn: Scenario, seed: int, runs: int, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The "provenance" of a result folder: the `run` command that makes it again (its --set `overrides`, each
    KEY=VALUE), the SHA-256 of the effective scenario (scenario.toml's body) and `code()`."""
    given = scenario_arg(scn)
    sets = [f"{key}={value_text(value)}" for key, value in (overrides or {}).items()]
    words = ["escalation-sim", "run", given, "--runs", str(runs), "--turns", str(scn.scenario.turns),
             "--seed", str(seed)]
    for item in sets:
        words += ["--set", item]
    body = to_toml(scn).partition("\n\n")[2]      # without the header, which names the source file
    return {"note": NOTE, "command": command(words), "scenario": given, "overrides": sets,
            "scenario_sha256": hashlib.sha256(body.encode()).hexdigest(), **code()}
