"""Writing outputs whole or not at all: a temporary name in the same folder, then a rename.

A write that fails half-way (a full disk, a quota, a kill) leaves the previous
file, or nothing, never a cut one. Outputs that are not regular files
(``/dev/stdout``, a named pipe) are written directly: they cannot be renamed
over, and a reader of a pipe sees the bytes as they come anyway.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["staged_folder", "write_bytes"]


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring).

    Raises:
        OSError: the folder is missing or not writable, or the disk is full; the
            previous file at ``path``, if any, is untouched.
    """
    target = Path(path)
    if target.exists() and not target.is_file():
        with target.open("wb") as stream:
            stream.write(data)
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def staged_folder(path: str | Path) -> Iterator[Path]:
    """A temporary folder beside ``path`` to write into; it becomes ``path`` on success.

    When ``path`` does not exist (or is empty) the whole folder is renamed into
    place. When it holds files, the new files are moved in one by one (renames
    within one file system need no space, so a full disk fails while the
    staging folder is written, before anything in ``path`` changes); files of
    ``path`` that the new output does not replace are kept. On an error the
    staging folder is removed and ``path`` is left as it was.

    Raises:
        OSError: the parent folder cannot be created or written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        yield staging
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700
        if target.is_dir() and not any(target.iterdir()):
            target.rmdir()
        if not target.exists():
            os.replace(staging, target)
            return
        for item in sorted(staging.iterdir()):
            os.replace(item, target / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
