"""Keep numba's on-disk kernel cache true to the sources the kernels were compiled from.

numba checks only the file that defines a cached function: a kernel of `sim/kernel/lookahead.py` links in
the steps of `sim/kernel/dynamics.py` and reads the constants of `sim/core/codes.py`, and would be loaded from the
cache unchanged after either changed, computing what the old code did. Each kernel module therefore records a
hash of the files its kernels are built from, beside numba's cache files, and removes those files
when the hash differs (before any kernel of the module is loaded).
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def drop_stale_kernels(module_file: str, *sources: str) -> bool:
    """Remove the cached kernels of `module_file` if it or one of `sources` (the files of the modules
    its kernels read or link in) changed since they were cached; returns whether any were removed. A
    cache folder that cannot be written is left to numba (it then compiles into its own)."""
    module = Path(module_file)
    folder = module.parent
    files = [module, *map(Path, sources)]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    stamp = digest.hexdigest()
    cache = folder / "__pycache__"
    mark = cache / f"{module.stem}.sources"
    try:
        if mark.read_text() == stamp:
            return False
    except OSError:
        pass
    removed = False
    try:
        for cached in [*cache.glob(f"{module.stem}.*.nbi"), *cache.glob(f"{module.stem}.*.nbc")]:
            cached.unlink(missing_ok=True)
            removed = True
        cache.mkdir(exist_ok=True)
        mark.write_text(stamp)
    except OSError:
        pass
    return removed


def kernels_cached() -> bool:
    """Whether numba's on-disk cache holds the turn and look-ahead kernels (if not, the first turn
    compiles them, which takes minutes)."""
    cache = Path(__file__).parent / "__pycache__"
    return all(any(cache.glob(f"{name}-*.nbi")) for name in ("dynamics.step_kernel", "lookahead.values_kernel"))
