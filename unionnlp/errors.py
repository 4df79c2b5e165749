"""The exception tree and every user-facing message of unionnlp.

All exceptions derive from :class:`UnionNLPError`. Errors about what a caller
passed in are also :class:`ValueError` (or :class:`TypeError`), so generic
handlers keep working. A message says what was received, what was expected and
what to try.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "DataFileError",
    "DecodeError",
    "EmptyInputError",
    "InputError",
    "InputTypeError",
    "PipelineError",
    "ProcessingTimeout",
    "ReaderError",
    "UnionNLPError",
    "UnsupportedFormatError",
]


class UnionNLPError(Exception):
    """Base class of every error raised by unionnlp."""


class InputError(UnionNLPError, ValueError):
    """The input cannot be processed as given."""


class InputTypeError(UnionNLPError, TypeError):
    """An argument has the wrong type (for example bytes where text is expected)."""

    @classmethod
    def expected_text(cls, value: object, *, where: str) -> InputTypeError:
        kind = type(value).__name__
        hint = (
            " Decode it first (for example data.decode('utf-8')) or use"
            " unionnlp.parse_file(path), which detects the encoding."
            if isinstance(value, bytes | bytearray)
            else ""
        )
        return cls(f"{where} expects text (str), received {kind}.{hint}")


class EmptyInputError(InputError):
    """The input holds no text at all."""

    @classmethod
    def for_text(cls, *, where: str, source: str | None = None) -> EmptyInputError:
        origin = f" from {source}" if source else ""
        return cls(
            f"{where} received an empty text{origin} (no characters other than white space);"
            " there is no plan to parse. Check that the file is not empty or truncated."
        )


class UnsupportedFormatError(InputError):
    """A file's format is not one unionnlp can read."""

    @classmethod
    def for_path(cls, path: Path, supported: Iterable[str]) -> UnsupportedFormatError:
        listed = ", ".join(sorted(supported))
        return cls(
            f"cannot read {str(path)!r}: the extension {path.suffix or '(none)'!r} is not a"
            f" supported format. Supported: {listed}. Convert the file or rename it if the"
            " extension is wrong."
        )


class DecodeError(InputError):
    """A file's bytes could not be decoded as text in any candidate encoding."""

    @classmethod
    def for_path(cls, path: Path | str, tried: Iterable[str], detail: str = "") -> DecodeError:
        listed = ", ".join(tried)
        extra = f" ({detail})" if detail else ""
        return cls(
            f"cannot decode {str(path)!r} as text: tried {listed}{extra}. The file may be"
            " binary or damaged; if it is text, convert it to UTF-8 first."
        )


class ReaderError(UnionNLPError):
    """A reader for a file format failed (the file is damaged or a tool is missing)."""


class ProcessingTimeout(UnionNLPError):
    """A text scan took longer than its time budget (hostile or pathological input)."""

    @classmethod
    def during(cls, stage: str, length: int, seconds: float) -> ProcessingTimeout:
        return cls(
            f"{stage} gave up after {seconds:.1f} s on a text of {length:,} characters;"
            " the text is pathological (for example megabytes without line breaks)."
            " Split the file or report it as a bug with the input attached."
        )


class PipelineError(UnionNLPError):
    """The pipeline was assembled or called in a way that cannot work."""


class DataFileError(UnionNLPError):
    """A data file shipped with unionnlp (or supplied by a user) is missing or invalid."""

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        hint: str = "Restore the file from the unionnlp distribution or fix the entry.",
    ) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"invalid data file {where}: {message}. {hint}".rstrip())
