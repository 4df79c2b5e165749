"""The exception tree and every user-facing message of unionnlp.

All exceptions derive from :class:`UnionNLPError`. Errors about what a caller
passed in are also :class:`ValueError` (or :class:`TypeError`), so generic
handlers keep working. A message says what was received, what was expected and
what to try.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ._regex_bounds import bounded

if TYPE_CHECKING:
    import regex

    from .model import Span

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
    "WorkerCrash",
]


class UnionNLPError(Exception):
    """Base class of every error raised by unionnlp."""


class InputError(UnionNLPError, ValueError):
    """The input cannot be processed as given."""

    @classmethod
    def unknown_perturbation(cls, name: str, known: Iterable[str]) -> InputError:
        return cls(
            f"no perturbation is called {name!r}; the perturbations are: {', '.join(known)}"
            " (unionnlp.evaluate.perturb.PERTURBATIONS)"
        )


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

    @classmethod
    def for_file(cls, path: Path | str, *, format: str) -> EmptyInputError:
        return cls(
            f"cannot read {str(path)!r} as {format}: the file is empty (0 bytes), so there is"
            " no plan to parse. Check that the download or copy was not cut short."
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

    @classmethod
    def damaged(cls, path: Path | str, *, format: str, detail: str, hint: str = "") -> ReaderError:
        """The file is not a readable ``format`` file (corrupt, truncated or misnamed)."""
        hint = hint or (
            f"Open it in an office program and save it again as {format}, or check that the"
            " extension matches the content."
        )
        return cls(f"cannot read {str(path)!r} as {format}: {detail}. {hint}")

    @classmethod
    def missing_package(cls, path: Path | str, *, format: str, package: str) -> ReaderError:
        """A Python package a reader needs is not installed."""
        return cls(
            f"cannot read {str(path)!r}: reading {format} files needs the Python package"
            f" {package!r}, which is not installed. Install it (pip install {package}) or"
            " reinstall unionnlp with its dependencies."
        )

    @classmethod
    def soffice_missing(cls, path: Path | str, *, format: str) -> ReaderError:
        """LibreOffice is needed to read a legacy office format and cannot be found."""
        return cls(
            f"cannot read {str(path)!r}: {format} files are converted with LibreOffice, but"
            " its `soffice` command is not on PATH. Install the Debian/Ubuntu package"
            " libreoffice-writer-nogui (apt-get install libreoffice-writer-nogui) or"
            " LibreOffice from libreoffice.org, or save the file as .docx yourself."
        )

    @classmethod
    def soffice_hung(cls, path: Path | str, *, seconds: float) -> ReaderError:
        """A LibreOffice conversion ran past its time limit and was killed."""
        return cls(
            f"cannot read {str(path)!r}: LibreOffice hung converting it and was stopped after"
            f" {seconds:g} s. The file may be damaged, password-protected or very large;"
            " open it in an office program and save it as .docx, or pass a longer timeout."
        )

    @classmethod
    def soffice_failed(cls, path: Path | str, *, reason: str, stderr: str = "") -> ReaderError:
        """A LibreOffice conversion ended without producing a document."""
        tail = stderr.strip()[-600:]
        output = f" LibreOffice said: {tail}" if tail else ""
        return cls(
            f"cannot read {str(path)!r}: LibreOffice could not convert it ({reason}). The"
            " file may be damaged, password-protected or not the format its extension"
            f" says; open it in an office program and save it as .docx.{output}"
        )

    @classmethod
    def uno_missing(cls, path: Path | str) -> ReaderError:
        """No Python on this machine can import LibreOffice's ``uno`` module."""
        return cls(
            f"cannot read {str(path)!r} through a LibreOffice kept running: no Python here"
            " can import LibreOffice's uno module. Install the Debian/Ubuntu package"
            " python3-uno (apt-get install python3-uno)."
        )

    @classmethod
    def soffice_crashed(cls, path: Path | str, *, stderr: str = "") -> ReaderError:
        """LibreOffice died converting a file, in a fresh LibreOffice too."""
        tail = stderr.strip()[-600:]
        output = f" LibreOffice said: {tail}" if tail else ""
        return cls(
            f"cannot read {str(path)!r}: LibreOffice crashed converting it, in a freshly"
            " started LibreOffice as well. The file is probably damaged; open it in an office"
            f" program and save it as .docx.{output}"
        )

    @classmethod
    def image_only_pdf(cls, path: Path | str, *, pages: int) -> ReaderError:
        """A PDF whose pages carry no text layer (a scan)."""
        return cls(
            f"cannot read {str(path)!r}: image-only PDF: no text layer; OCR it first"
            f" ({pages} page{'s' if pages != 1 else ''}, no extractable text; for example"
            " ocrmypdf -l chi_sim in.pdf out.pdf)."
        )

    @classmethod
    def cid_pdf(cls, path: Path | str, *, share: float) -> ReaderError:
        """A PDF whose text comes out as ``(cid:NNN)`` glyph codes."""
        return cls(
            f"cannot read {str(path)!r}: PDF text is (cid:…) glyph codes: the font has no"
            f" Unicode map ({share:.0%} of the characters extracted are glyph codes). Export"
            " the PDF again from the original document with fonts embedded, or OCR it."
        )


#: A regex scan of untrusted text may take this many seconds, plus
#: :data:`SCAN_SECONDS_PER_MCHAR` a million characters, before it counts as a hang.
SCAN_SECONDS = 2.0
SCAN_SECONDS_PER_MCHAR = 2.0


def scan_budget(n_chars: int) -> float:
    """The seconds a scan of ``n_chars`` characters may take (then :class:`ProcessingTimeout`)."""
    return SCAN_SECONDS + SCAN_SECONDS_PER_MCHAR * n_chars / 1_000_000


#: Scans of at most this many characters (a clause, a measure) run without a time budget.
UNTIMED_CHARS = 256
#: Bounded patterns (:func:`~unionnlp._regex_bounds.bounded`) scan texts of at most this
#: many characters without a time budget.
UNTIMED_BOUNDED_CHARS = 30_000


def regex_timeout(
    pattern: regex.Pattern[str], n_chars: int, budget: float | None = None
) -> float | None:
    """The ``timeout`` to give ``pattern`` for a scan of ``n_chars`` characters.

    ``None`` (no time budget) where the pattern cannot run away on that scan,
    else ``budget`` (default: :func:`scan_budget` of ``n_chars``). A budget
    makes ``regex`` read the process clock, a system call, at the start of a
    search and every few hundred steps of it: about a fifteenth of what
    ``parse`` costs when every scan has one. It is left out:

    - on scans of at most :data:`UNTIMED_CHARS` characters: the slowest shipped
      pattern on the worst input found for it (``benchmarks/regex_audit.py``)
      takes tens of milliseconds there, against a budget of seconds;
    - for bounded patterns (no repetition without an upper count) on scans of
      at most :data:`UNTIMED_BOUNDED_CHARS` characters: each try reads a fixed
      number of characters, so the scan's time grows with the text alone, and
      the audit's worst cost per character keeps it far under the budget.

    Longer scans keep the budget, so pathological megabytes still end in
    :class:`ProcessingTimeout`.
    """
    if n_chars <= UNTIMED_CHARS or (n_chars <= UNTIMED_BOUNDED_CHARS and bounded(pattern)):
        return None
    return scan_budget(n_chars) if budget is None else budget


class ProcessingTimeout(UnionNLPError):
    """A text scan took longer than its time budget (hostile or pathological input).

    ``span`` (a :class:`~unionnlp.model.Span` of the source), when set, is the
    stretch whose scan ran out of time.
    """

    def __init__(self, message: str, *, span: Span | None = None) -> None:
        super().__init__(message)
        self.span = span

    @classmethod
    def during(
        cls, stage: str, length: int, seconds: float, *, span: Span | None = None
    ) -> ProcessingTimeout:
        return cls(
            f"{stage} gave up after {seconds:.1f} s on a text of {length:,} characters;"
            " the text is pathological (for example megabytes without line breaks)."
            " Split the file or report it as a bug with the input attached.",
            span=span,
        )

    @staticmethod
    def stage_skipped(stage: str, seconds: float, span: Span) -> str:
        """The warning on a plan whose ``stage`` ran out of time and was left out."""
        return (
            f"the {stage} stage gave up after {seconds:.1f} s on characters"
            f" {span.start:,}-{span.end:,} (pathological text, for example hundreds of"
            f" thousands of characters without a sentence end); this plan has no {stage}"
            " output, every other stage's output is kept"
        )


class WorkerCrash(UnionNLPError):
    """A worker process died while converting a file: a crash in a native library
    (PDF, LibreOffice bindings) or the operating system ending it for memory."""


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
