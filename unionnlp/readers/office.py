"""Legacy office formats (.doc, .wps, .rtf, .odt), converted to .docx by LibreOffice.

Two ways, each on a private copy of the file (nothing is written next to the
input) with a LibreOffice profile no other process uses:

- inside :func:`.libreoffice.sharing` (and in every ``unionnlp convert``
  worker), through the one LibreOffice that the process keeps running and
  drives over UNO (:mod:`.libreoffice`: why, the measurements, and what happens
  when a file hangs or crashes it);
- otherwise (one file read on its own, or no ``python3-uno``), with one
  ``soffice --headless --convert-to docx`` of its own, on a copy of the profile
  kept for this LibreOffice in a temporary folder (the first run makes one,
  started as one that has run before: :func:`.libreoffice.kept_profile`); past
  ``timeout`` it is killed with its process group.

The .docx that LibreOffice writes is read by :mod:`unionnlp.readers.docx`
(numbering and tables included); the returned :class:`~unionnlp.model.Source`
describes the original file (its path, format and SHA-256).

A file whose first bytes cannot belong to its format (random bytes named
``.doc``) is refused before LibreOffice sees it: LibreOffice would otherwise
import it as plain text and return garbage. Web pages saved under a ``.doc``
name, which many sites serve, are read by the HTML reader.

示例::

    >>> source = read("plan.doc")             # doctest: +SKIP
    >>> source.format, source.text.splitlines()[1]   # doctest: +SKIP
    ('doc', '一、积极提升工会影响力')
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import ReaderError
from ..model import Source
from ._support import read_bytes
from .libreoffice import DEFAULT_TIMEOUT, find_soffice, kept_profile, shared

__all__ = ["DEFAULT_TIMEOUT", "FORMATS", "read"]

logger = logging.getLogger(__name__)

#: extensions this reader handles
FORMATS = (".doc", ".wps", ".rtf", ".odt")

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RTF = b"{\\rtf"
_ZIP = b"PK\x03\x04"


def read(path: str | Path, *, timeout: float | None = None, soffice: str | None = None) -> Source:
    """Convert ``path`` with LibreOffice and read it into a :class:`Source`.

    Args:
        path: a .doc, .wps, .rtf or .odt file.
        timeout: seconds before a hung LibreOffice is killed (default: the shared
            converter's, else :data:`DEFAULT_TIMEOUT`).
        soffice: the LibreOffice command (default: ``soffice`` or ``libreoffice`` on
            PATH); naming one converts with its own ``soffice --convert-to``.

    Raises:
        InputError: the file cannot be read.
        EmptyInputError: the file is empty.
        ReaderError: LibreOffice is not installed, hangs, or cannot convert the
            file (damaged, password-protected, not the format its extension
            says); the message holds LibreOffice's own output.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".") or "document"
    raw = read_bytes(path, format=fmt)
    if _looks_like_html(raw) and fmt in ("doc", "wps"):
        from .html import read as read_html

        return dataclasses.replace(read_html(path), format=fmt)
    _check_signature(raw, path, fmt)
    command = find_soffice(soffice)
    if command is None:
        raise ReaderError.soffice_missing(path, format=f".{fmt}")
    converter = shared() if soffice is None else None
    converted = b""
    if converter is not None and not converter.unavailable:
        try:
            converted = converter.convert(raw, path=path, fmt=fmt, timeout=timeout)
        except ReaderError:
            if not converter.unavailable:
                raise
            _warn_slow()
    if not converted:
        seconds = DEFAULT_TIMEOUT if timeout is None else timeout
        converted = _convert(raw, path=path, fmt=fmt, command=command, timeout=seconds)

    from .docx import render

    rendered = render(converted, path=path, format=fmt)
    return Source.from_text(
        rendered.text,
        path=str(path),
        format=fmt,
        raw=raw,
        warnings=rendered.warnings,
        tables=rendered.tables,
        levels=rendered.levels,
    )


def _warn_slow() -> None:
    """Say once why legacy office files are converted one LibreOffice each."""
    global _warned
    if not _warned:
        _warned = True
        logger.warning(
            "LibreOffice's Python bridge (uno) is missing: every legacy office file starts"
            " LibreOffice anew, about a second each; install python3-uno (Debian/Ubuntu)"
            " for one LibreOffice kept running"
        )


_warned = False


def _looks_like_html(raw: bytes) -> bool:
    head = raw[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and (b"<html" in head or b"<!doctype html" in head)


def _check_signature(raw: bytes, path: Path, fmt: str) -> None:
    """Refuse bytes that cannot be a file of format ``fmt``."""
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if fmt == "rtf":
        ok = head.startswith(_RTF)
        expected = "an RTF file starts with {\\rtf"
    elif fmt == "odt":
        ok = raw.startswith(_ZIP)
        expected = "an OpenDocument file is a ZIP package"
    else:
        # Word 97-2003 and WPS files are OLE2 compound files; RTF and .docx files are
        # often found under these names too, and LibreOffice reads them.
        ok = raw.startswith((_OLE2, _ZIP)) or head.startswith(_RTF)
        expected = f"a .{fmt} file is an OLE2 compound file (or RTF)"
    if not ok:
        raise ReaderError.damaged(
            path,
            format=f".{fmt}",
            detail=f"its content does not match the format ({expected}; it starts with"
            f" {raw[:8]!r})",
            hint="The file is damaged, or the extension is wrong: check what the file really"
            " is and rename it, or save it again from the program that made it.",
        )


def _convert(raw: bytes, *, path: Path, fmt: str, command: str, timeout: float) -> bytes:
    """The bytes of the .docx LibreOffice makes from ``raw``.

    Raises:
        ReaderError: LibreOffice cannot be started, hangs or produces nothing.
    """
    with tempfile.TemporaryDirectory(prefix="unionnlp-soffice-") as tmp:
        work = Path(tmp)
        source = work / f"input.{fmt}"
        source.write_bytes(raw)
        outdir = work / "out"
        outdir.mkdir()
        keep = kept_profile(command, work / "profile")
        args = [
            command,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--convert-to",
            "docx",
            "--outdir",
            str(outdir),
            str(source),
        ]
        try:
            process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group, so a hang is killed whole
            )
        except OSError as err:
            raise ReaderError.soffice_failed(
                path, reason=f"cannot start {command}: {err.strerror}"
            ) from err
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as err:
            _kill_group(process)
            raise ReaderError.soffice_hung(path, seconds=timeout) from err
        output = _output(stderr) or _output(stdout)
        produced = outdir / "input.docx"
        if process.returncode != 0:
            raise ReaderError.soffice_failed(
                path, reason=f"soffice exited with status {process.returncode}", stderr=output
            )
        if not produced.is_file() or produced.stat().st_size == 0:
            raise ReaderError.soffice_failed(path, reason="it produced no document", stderr=output)
        keep()
        return produced.read_bytes()


def _output(data: bytes) -> str:
    """LibreOffice's messages without the Java warning every run without a JRE prints."""
    lines = data.decode("utf-8", errors="replace").splitlines()
    return "\n".join(line for line in lines if "javaldx" not in line).strip()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill ``process`` and everything it started (soffice runs soffice.bin)."""
    killpg = getattr(os, "killpg", None)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if killpg is not None:
            killpg(process.pid, signal.SIGKILL)
        else:  # pragma: no cover - no process groups outside POSIX
            process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=10)
