"""Portability: every module imports without what only some systems have (fcntl, SIGHUP, prctl), and the
output lock works without fcntl (filelock), as on Windows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.core import safeio
from sim.core.errors import SimError

ROOT = Path(__file__).resolve().parent.parent

HIDE_AND_IMPORT = """
import ctypes, importlib, pkgutil, signal, sys
sys.modules["fcntl"] = None                     # `import fcntl` raises ImportError, as on Windows
del signal.SIGHUP                               # no such signal on Windows
class NoPrctl(ctypes.CDLL):                     # a C library without prctl (any system but Linux)
    def __getattr__(self, name):
        if name == "prctl":
            raise AttributeError(name)
        return super().__getattr__(name)
ctypes.CDLL = NoPrctl
import sim
# sim.app (the explorer extra) is left out: solara's import takes a lock through filelock, which without fcntl
# falls back here to a soft lock file that it waits on (on Windows filelock uses msvcrt instead)
# sim.calibration.sampler (the calibration extra) likewise: pyabc imports dask's distributed, whose locket takes
# fcntl, ctypes or msvcrt, and the hiding above leaves it none of them (on Windows it has msvcrt)
names = [m.name for m in pkgutil.walk_packages(sim.__path__, "sim.")
         if m.name not in ("sim.app", "sim.calibration.sampler")]
for name in names:
    importlib.import_module(name)
from sim.engine import interrupts
assert set(interrupts.TERMINATING.values()) == {"SIGTERM"}, interrupts.TERMINATING
interrupts.install()
print(len(names), "modules")
"""


@pytest.mark.slow
def test_every_module_imports_without_fcntl_sighup_or_prctl():
    done = subprocess.run([sys.executable, "-c", HIDE_AND_IMPORT], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[0]) > 60


def test_without_fcntl_the_lock_is_a_lock_file_that_refuses_a_second_writer(tmp_path, monkeypatch):
    monkeypatch.setattr(safeio, "fcntl", None)
    out = tmp_path / "out"
    with safeio.locked_folder(out):
        assert (out / safeio.LOCK_FILE).exists()
        with pytest.raises(SimError, match=r"another run_sim\.py is writing into this folder"), \
                safeio.locked_folder(out):
            pass
    assert not (out / safeio.LOCK_FILE).exists()
    with safeio.locked_folder(out):         # free again
        pass
    with pytest.raises(RuntimeError), safeio.locked_folder(tmp_path / "new" / "deep"):
        raise RuntimeError("a failed run")
    assert not (tmp_path / "new").exists()   # the folders made for it are removed, lock file and all


def test_with_fcntl_the_lock_writes_nothing_into_the_folder(tmp_path):
    out = tmp_path / "out"
    with safeio.locked_folder(out):
        assert list(out.iterdir()) == []
        with pytest.raises(SimError, match=r"another run_sim\.py"), safeio.locked_folder(out):
            pass
