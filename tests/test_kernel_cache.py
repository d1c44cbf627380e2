"""Cached kernels are dropped when a file they were compiled from changes (numba checks only the
file that defines them)."""

from sim.kernel.cache import drop_stale_kernels


def cached(folder, stem):
    files = [folder / "__pycache__" / f"{stem}.values_kernel-377.py311.nbi",
             folder / "__pycache__" / f"{stem}.values_kernel-377.py311.1.nbc"]
    for f in files:
        f.parent.mkdir(exist_ok=True)
        f.write_bytes(b"compiled")
    return files


def test_a_changed_dependency_drops_the_cached_kernels_and_only_theirs(tmp_path):
    (tmp_path / "lookahead.py").write_text("kernels")
    (tmp_path / "dynamics.py").write_text("steps, version 1")
    mine, other = cached(tmp_path, "lookahead"), cached(tmp_path, "dynamics")
    assert drop_stale_kernels(str(tmp_path / "lookahead.py"), str(tmp_path / "dynamics.py"))   # none recorded
    assert not any(f.exists() for f in mine) and all(f.exists() for f in other)
    mine = cached(tmp_path, "lookahead")                                           # compiled again
    assert not drop_stale_kernels(str(tmp_path / "lookahead.py"), str(tmp_path / "dynamics.py"))
    assert all(f.exists() for f in mine)
    (tmp_path / "dynamics.py").write_text("steps, version 2")
    assert drop_stale_kernels(str(tmp_path / "lookahead.py"), str(tmp_path / "dynamics.py"))
    assert not any(f.exists() for f in mine)


def test_a_cache_folder_that_cannot_be_written_is_left_alone(tmp_path):
    (tmp_path / "lookahead.py").write_text("kernels")
    (tmp_path / "__pycache__").write_text("a file where the folder would be")
    assert not drop_stale_kernels(str(tmp_path / "lookahead.py"))


def test_the_kernel_modules_record_their_sources():
    from pathlib import Path

    import sim.kernel.lookahead

    folder = Path(sim.kernel.lookahead.__file__).parent / "__pycache__"
    assert (folder / "lookahead.sources").exists() and (folder / "dynamics.sources").exists()
