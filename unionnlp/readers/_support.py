"""Reading the bytes of a file for the binary-format readers."""

from __future__ import annotations

from pathlib import Path

from ..errors import EmptyInputError, InputError

__all__ = ["read_bytes"]


def read_bytes(path: Path, *, format: str) -> bytes:
    """The bytes of ``path``.

    Raises:
        InputError: the file cannot be read.
        EmptyInputError: the file is empty (0 bytes).
    """
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {str(path)!r}: {err.strerror}") from err
    if not raw:
        raise EmptyInputError.for_file(path, format=format)
    return raw
