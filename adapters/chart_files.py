"""Chart pictures written to disk (the console prints their path): one file per person
and request, private to this operating-system user, erased by forget.

- The base directory is `<tmp>/tandem-charts-<uid>`, mode 0700. If that path exists and
  is not a real directory of ours with no access for others (a planted symlink, someone
  else's directory), it is not used: a fresh `mkdtemp` directory is used instead.
- Each person has a directory of their own under it (named by a digest of their
  reference, not by their name), mode 0700.
- Each picture is a new file made by `tempfile.mkstemp` (O_CREAT | O_EXCL | O_NOFOLLOW,
  mode 0600): a unique name per request, never an existing file, never a link's target.
- `discard_chart_files()` removes every file this process wrote (the console calls it
  when it exits); `erase_chart_files(ref)` removes everything of one person, written by
  any process (forget calls it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
import threading
from pathlib import Path

_lock = threading.Lock()
_written: set[Path] = set()  # files this process made and has not removed
_fallback: Path | None = None  # a mkdtemp directory when the usual one cannot be trusted


def _private_dir(path: Path) -> bool:
    """True when `path` is a real directory (not a link) of this user with no access for
    group or others."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.getuid()
        and stat.S_IMODE(info.st_mode) & 0o077 == 0
    )


def _make_private_dir(path: Path) -> bool:
    """Make `path` as a 0700 directory, or accept it if it is one already; False if the
    path is taken by anything else."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return False
    return _private_dir(path)


def base_directory() -> Path:
    """The directory under which each person's pictures are kept."""
    global _fallback
    usual = Path(tempfile.gettempdir()) / f"tandem-charts-{os.getuid()}"
    if _make_private_dir(usual):
        return usual
    with _lock:
        if _fallback is None or not _private_dir(_fallback):
            _fallback = Path(tempfile.mkdtemp(prefix="tandem-charts-"))  # 0700
        return _fallback


def _person_part(person_ref: str) -> str:
    return hashlib.sha256(person_ref.encode()).hexdigest()[:32]


def person_directory(person_ref: str, base: Path | None = None) -> Path:
    """The person's own picture directory (made if need be, 0700)."""
    folder = (base or base_directory()) / _person_part(person_ref)
    if not _make_private_dir(folder):
        raise PermissionError(f"{folder} is not a private directory; no picture written")
    return folder


def write_chart_file(person_ref: str, filename: str, data: bytes, base: Path | None = None) -> Path:
    """Write `data` as a new file, unique to this request, in the person's directory."""
    stem, dot, suffix = (re.sub(r"[^\w.-]", "_", filename) or "chart.png").rpartition(".")
    prefix, ending = (stem, f".{suffix}") if dot else (suffix, "")
    descriptor, name = tempfile.mkstemp(
        suffix=ending, prefix=f"{prefix[:40]}-", dir=person_directory(person_ref, base)
    )
    path = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    with _lock:
        _written.add(path)
    return path


def _remove_files_in(folder: Path) -> int:
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return 0
    for entry in entries:
        if entry.is_file(follow_symlinks=False) or entry.is_symlink():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)  # a link is removed itself, its target untouched
                removed += 1
    with contextlib.suppress(OSError):
        os.rmdir(folder)
    return removed


def erase_chart_files(person_ref: str, base: Path | None = None) -> int:
    """Remove every picture of the person (forget calls it); return how many."""
    bases = [base] if base is not None else [base_directory()]
    if base is None and _fallback is not None and _fallback not in bases:
        bases.append(_fallback)
    removed = 0
    for folder in bases:
        person = folder / _person_part(person_ref)
        if _private_dir(person):
            removed += _remove_files_in(person)
    with _lock:
        for path in [p for p in _written if p.parent.name == _person_part(person_ref)]:
            _written.discard(path)
    return removed


def discard_chart_files() -> int:
    """Remove every picture this process wrote (the console, when it exits)."""
    with _lock:
        paths = list(_written)
        _written.clear()
    removed = 0
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed
