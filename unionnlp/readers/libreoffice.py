"""One long-lived LibreOffice per process, driven over UNO, for converting many legacy files.

Why UNO and not batches of ``soffice --convert-to``: measured on this
project's 2-core machine, shared with other sessions (2026-12-06). A first
probe on 33 .doc files made from ``corpora/``: LibreOffice's own single
``soffice --convert-to docx`` of all 33 took 18.1 s, about 8 s of it
starting and stopping; one ``soffice.bin`` kept running and fed the same files
over UNO took 3.4 s to start and then 0.19 s a file (6.2 s for the 33).
``benchmarks/office.py`` (in ``make bench``), 200 .doc/.wps/.rtf files, best
of three interleaved rounds, load average 7 to 9: LibreOffice's own batch 9.4
files/s, the whole ``unionnlp convert -j 1`` command (reading, parsing and
writing included) 4.9 files/s, ``-j 2`` 7.6 files/s, one ``soffice`` per
file 0.30 files/s. Over UNO a file costs
LibreOffice no more than in its own batch, so a worker that keeps one
LibreOffice needs no batches: files go through it one at a time, in the order
the pool hands them out, and a hung or crashing file is always the one in
flight. Batches of ``--convert-to`` would have to be large (tens of files a
call) to pay for each start (about 2 s here, most of it the graphics render
tests a LibreOffice runs at each start unless the profile says its version ran
before, see below), would tie the pool's chunking to LibreOffice, and would
need a watch on the output folder to tell which file of a batch hung.

How: :class:`LibreOffice` runs :mod:`._uno_bridge` as a script under a Python
that can import LibreOffice's ``uno`` module (Debian's ``python3-uno`` is built
for the system Python, which need not be the one running unionnlp); the
bridge starts ``soffice.bin`` with a profile of its own in a private temporary
folder and answers one request a line. Each conversion gets a private copy of
the input (nothing is written beside it) and ``timeout`` seconds:

- a file that hangs LibreOffice costs its timeout; LibreOffice is then killed
  (with the bridge, as one process group) and started again for the next file;
- a file during which LibreOffice dies is tried once more in a freshly started
  LibreOffice (an earlier file may have left it broken); dying there too, it
  gets its own failure, and the files after it go on;
- after an error, and after ``restart_after`` files (when the next file
  comes), LibreOffice is started afresh;
- a fresh profile costs LibreOffice a second start and its first-start checks,
  so the first converter on a machine keeps the profile its LibreOffice built
  (in the user's cache folder, :func:`_profile_template`) and later ones start
  from a copy of it, each LibreOffice still with a profile of its own;
- the bridge records in the profile that this version of LibreOffice has run
  with it (``ooSetupLastVersion``, which only the start centre of a LibreOffice
  with a window records). Without it LibreOffice runs its graphics render
  tests at every start: a copied profile's start took 1.8-2.7 s with them and
  0.4-0.6 s without (time to LibreOffice's accepting connections, 2026-12-07,
  LibreOffice 7.4 on this project's 2-core machine); the converted documents
  are byte-identical (the 200 files of ``benchmarks/office.py``);
- LibreOffice's temporary files go in the private folder, so that it can be
  killed, not asked to quit, at :meth:`LibreOffice.close`;
- the bridge and LibreOffice die with the process that started them
  (``PR_SET_PDEATHSIG``), so a worker killed outright leaves none behind, nor
  does a ``convert`` killed outright; one started by ``convert`` for a worker
  that died is killed by ``convert`` (:class:`Handout`);
  :meth:`LibreOffice.close` (at the end of :func:`sharing`, or at exit for
  :func:`share_for_process`) stops them and removes the private folder; the
  folder (and the pipe sockets in /tmp) of a process killed outright is removed
  by the next converter that starts.

A process forked from one holding a converter gets a converter with the same
settings and no LibreOffice: its first file starts its own, with its own
profile. A batch run on Linux does better (:class:`Handout`): its parent
process starts one LibreOffice per worker without waiting, loads the pipeline
once while they start, and then forks the workers; each takes one of the
started LibreOffices (a slot number shared across the fork) and inherits the
loaded pipeline. Each worker otherwise paid a fixed start of its own, about
1.0 s of CPU loading the pipeline (most of it ``regex`` compiling the rule
patterns) besides LibreOffice's 1.5 s; now the pipeline loads once and
LibreOffice's start still overlaps it. CPU of the whole ``convert -j 2`` on 20
legacy files of ``benchmarks/office.py`` (``perf stat -e task-clock``, six
interleaved runs, load average 6 on two cores, 2026-12-06): median 5.5 s
against 6.4 s with each worker loading its own pipeline; ``-j 1`` unchanged
(4.1 s against 4.0 s). Restarts (after an error, a hang, ``restart_after``
files) happen in the worker, which then starts its own, and the workers of a
pool made after a worker crash start their own as before.

When no Python here can import ``uno`` (no ``python3-uno``), the converter
marks itself :attr:`~LibreOffice.unavailable` and :mod:`.office` converts each
file with its own ``soffice --convert-to``, as before (slow: LibreOffice
starts for every file), after one logged warning. Each of those starts from
a copy of the kept profile too (:func:`kept_profile`); the first, where none
is kept, from a fresh profile that says this version has run with it
(:func:`seed_profile`), so that no start runs the render tests. One
``office.read(…, soffice="soffice")`` of a one-page .doc, four in a row, twice
over (2026-12-07, shared machine): 0.76-1.08 s against 1.27-2.85 s before.

示例::

    >>> with sharing():                                   # doctest: +SKIP
    ...     sources = [read(p) for p in Path("旧档").glob("*.doc")]
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import ReaderError

__all__ = [
    "DEFAULT_TIMEOUT",
    "RESTART_AFTER",
    "Handout",
    "LibreOffice",
    "kept_profile",
    "seed_profile",
    "share_for_process",
    "shared",
    "sharing",
]

logger = logging.getLogger(__name__)

#: seconds a conversion may take before LibreOffice is considered hung
DEFAULT_TIMEOUT = 120.0
#: files converted by one LibreOffice before it is started afresh
RESTART_AFTER = 200
#: seconds LibreOffice may take to start and accept a connection
START_TIMEOUT = 60.0
#: LibreOffice's export filter for .docx (the one ``--convert-to docx`` picks)
DOCX_FILTER = "Office Open XML Text"

_BRIDGE = Path(__file__).with_name("_uno_bridge.py")
_PREFIX = "unionnlp-libreoffice-"


def find_soffice(soffice: str | None = None) -> str | None:
    """The LibreOffice command: ``soffice`` given, or ``soffice``/``libreoffice`` on PATH."""
    if soffice:
        return shutil.which(soffice)
    return shutil.which("soffice") or shutil.which("libreoffice")


def _office_binary(command: str) -> str:
    """``soffice.bin`` beside the launcher when there is one (else the command itself).

    ``soffice`` is a shell script that starts ``oosplash``, which starts
    ``soffice.bin``: started directly, ``soffice.bin`` is the bridge's own child
    and dies with it.
    """
    real = os.path.realpath(command)
    binary = os.path.join(os.path.dirname(real), "soffice.bin")
    return binary if os.access(binary, os.X_OK) else real


#: bumped when what a kept profile must hold changes, so that older ones are not copied
#: (2: the version that last ran with it, without which LibreOffice's graphics render
#: tests run at each start; see _uno_bridge._settle_version)
_TEMPLATE_FORMAT = 2


def _profile_template(binary: str) -> Path | None:
    """Where a profile built by this LibreOffice is kept between runs (``None``: nowhere).

    A fresh profile costs LibreOffice a second start (it builds the profile,
    exits and asks to be started again) and its first-start checks; a copy of a
    profile it built before starts at once. The copy is kept in the user's cache
    folder (``$XDG_CACHE_HOME``, else ``~/.cache``), named after the LibreOffice
    binary (path, size, time) and :data:`_TEMPLATE_FORMAT`, so another LibreOffice
    gets a profile of its own and a profile kept by an older unionnlp is not used.
    """
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    try:
        stat = os.stat(binary)
    except OSError:
        return None
    if not os.path.isabs(root):
        return None
    key = f"{os.path.realpath(binary)}\0{stat.st_size}\0{stat.st_mtime_ns}\0{_TEMPLATE_FORMAT}"
    name = f"libreoffice-profile-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    return Path(root) / "unionnlp" / name


def _copy_template(template: Path, profile: Path) -> bool:
    """Copy a kept profile to ``profile``; whether it was there to copy."""
    try:
        if template.stat().st_uid != os.getuid():  # only a profile this user kept
            return False
        shutil.copytree(template, profile, symlinks=True)
    except OSError:
        shutil.rmtree(profile, ignore_errors=True)
        return False
    return True


def _keep_template(profile: Path, template: Path) -> None:
    """Keep a copy of ``profile`` (LibreOffice has quit) as ``template``, unless one is kept."""
    if template.exists() or not profile.is_dir():
        return
    with contextlib.suppress(OSError):
        template.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{template.name}.", dir=template.parent))
        try:
            shutil.copytree(profile, staging / "profile", symlinks=True)
            os.rename(staging / "profile", template)  # another process may have been first
        finally:
            shutil.rmtree(staging, ignore_errors=True)


#: the installation's own version, in its configuration (``share/registry/main.xcd``)
_SETUP_VERSION = re.compile(rb'oor:name="ooSetupVersion">\s*<value>([0-9][0-9.]*)</value>')
#: a profile's user settings naming ``{version}`` as the last version run with it
_LAST_VERSION = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/Product">\
<prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>{version}</value></prop></item>
</oor:items>
"""


def _installed_version(binary: str) -> str | None:
    """The version LibreOffice compares with a profile's last one (``7.4``), read from its
    configuration beside the program folder (``None``: not found there)."""
    program_dir = os.path.dirname(binary)
    for registry in ("../share/registry/main.xcd", "../Resources/registry/main.xcd"):
        with contextlib.suppress(OSError):
            found = _SETUP_VERSION.search(Path(program_dir, registry).read_bytes())
            if found:
                return found.group(1).decode("ascii")
    return None


def seed_profile(profile: Path, binary: str) -> bool:
    """Start the fresh profile folder ``profile`` as one LibreOffice has run with already.

    A profile LibreOffice has not recorded its version in makes it run its
    graphics render tests at start (see :func:`_uno_bridge._settle_version`):
    1.2-1.5 s of a ``soffice --convert-to`` of a one-page .doc measured here
    (2.2-2.5 s with a fresh profile, 0.9-1.0 s with a seeded one, 0.4 s with a
    copy of a kept one). Returns whether the version was found and written.
    """
    version = _installed_version(binary)
    if version is None:
        return False
    try:
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(
            _LAST_VERSION.format(version=version), encoding="utf-8"
        )
    except OSError:
        return False
    return True


def kept_profile(command: str, profile: Path) -> Callable[[], None]:
    """Make ``profile`` for one ``soffice --convert-to`` run of ``command``: a copy of the
    profile kept for this LibreOffice (:func:`_profile_template`), else a fresh one
    (:func:`seed_profile`). Returns what to call after a run that succeeded: it keeps a
    fresh, seeded profile for the runs after it (a no-op otherwise)."""
    binary = _office_binary(command)
    template = _profile_template(binary)
    if template is not None and _copy_template(template, profile):
        return lambda: None
    if template is None or not seed_profile(profile, binary):
        return lambda: None
    return lambda: _keep_template(profile, template)


def _pythons(program_dir: str) -> list[str]:
    """Pythons that may import ``uno``: the one that worked before, else in likely order."""
    known = _UNO_PYTHON.get(program_dir)
    if known:
        return [known]
    candidates = [
        os.path.join(program_dir, "python"),  # official LibreOffice builds ship their own
        "/usr/bin/python3",  # Debian's and Ubuntu's python3-uno are built for it
        sys.executable,
        shutil.which("python3") or "",
    ]
    return list(dict.fromkeys(c for c in candidates if c and os.access(c, os.X_OK)))


_UNO_PYTHON: dict[str, str] = {}  # LibreOffice program folder -> a Python that imports uno


def _bridge_env(program_dir: str, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = program_dir  # pyuno.so and, in official builds, uno.py
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["SAL_ENABLE_FILE_LOCKING"] = "1"  # as the soffice launcher sets it
    # LibreOffice's own temporary folders (lu*.tmp) go in the private folder, removed
    # with it even when LibreOffice is killed.
    env["TMPDIR"] = str(tmp)
    return env


class _Crashed(Exception):
    """LibreOffice (or the bridge) died during a conversion."""


_LIVE: weakref.WeakSet[LibreOffice] = weakref.WeakSet()


class LibreOffice:
    """A LibreOffice kept running to convert many files to .docx, one at a time.

    Nothing starts until the first :meth:`convert`. Use it as a context manager
    or call :meth:`close`.

    Args:
        soffice: the LibreOffice command (default: ``soffice`` or ``libreoffice`` on PATH).
        timeout: seconds one conversion may take before LibreOffice is killed.
        restart_after: files converted before LibreOffice is started afresh.
        start_timeout: seconds LibreOffice may take to start.
        bridge: the command that runs the UNO bridge (default: a Python with ``uno``
            running ``_uno_bridge.py``); it receives the bridge's options after it.
    """

    def __init__(
        self,
        *,
        soffice: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        restart_after: int = RESTART_AFTER,
        start_timeout: float = START_TIMEOUT,
        bridge: Sequence[str] | None = None,
    ) -> None:
        self.soffice = soffice
        self.timeout = timeout
        self.restart_after = restart_after
        self.start_timeout = start_timeout
        self.bridge = tuple(bridge) if bridge is not None else None
        #: LibreOffices started so far (a restart counts)
        self.starts = 0
        self._lock = threading.Lock()
        self._owner = os.getpid()
        self._work: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        self._converted = 0  # by the LibreOffice running now
        self._serial = 0
        self.pid: int | None = None  # of soffice.bin, as the bridge reports it
        #: set when no Python here can import LibreOffice's uno module
        self.unavailable = False
        self._pythons: list[str] = []
        self._program_dir = ""
        self._ready = False
        self._sockets: list[str] = []  # the socket files of LibreOffice's pipes
        self._template: Path | None = None  # a profile kept between runs, see _profile_template
        self._keep = False  # the profile was made fresh: keep it once LibreOffice quits
        self._copied = False  # the profile is a copy of the kept one
        self._offered = False  # started for a worker about to be forked, see Handout
        self._let_go = False  # a worker took it: this process only kills it at close
        _LIVE.add(self)

    def __enter__(self) -> LibreOffice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- conversion --------------------------------------------------------------------

    def convert(self, raw: bytes, *, path: Path, fmt: str, timeout: float | None = None) -> bytes:
        """The bytes of the .docx LibreOffice makes from ``raw`` (the content of ``path``).

        Raises:
            ReaderError: LibreOffice is missing, cannot start, hangs, crashes on the
                file in a fresh LibreOffice too, or cannot convert it.
        """
        seconds = self.timeout if timeout is None else timeout
        with self._lock:
            self._adopt()
            while True:
                self._start(path)
                fresh = self._converted == 0
                try:
                    return self._convert_once(raw, path=path, fmt=fmt, seconds=seconds)
                except _Crashed as crash:
                    log = self._log_tail()
                    self._stop(kill=True, wipe=True)
                    if fresh:
                        raise ReaderError.soffice_crashed(path, stderr=str(crash) or log) from None
                    logger.info(
                        "LibreOffice died converting %s; trying it in a fresh LibreOffice", path
                    )
                except ReaderError:
                    raise
                except BaseException:
                    # Interrupted (Ctrl-C) with a request in flight: its answer would be
                    # taken for the next file's, so this LibreOffice is done.
                    self._stop(kill=True, wipe=True)
                    raise

    def _convert_once(self, raw: bytes, *, path: Path, fmt: str, seconds: float) -> bytes:
        assert self._work is not None and self._process is not None
        self._serial += 1
        source = self._work / "in" / f"{self._serial}.{fmt}"
        target = self._work / "out" / f"{self._serial}.docx"
        source.write_bytes(raw)
        try:
            request = {"in": str(source), "out": str(target), "filter": DOCX_FILTER}
            self._send(request)
            line = self._read_line(seconds)
            if line is None:
                self._stop(kill=True, wipe=True)
                raise ReaderError.soffice_hung(path, seconds=seconds)
            if not line:
                raise _Crashed("")
            reply = json.loads(line)
            if "error" in reply:
                if not reply.get("alive", True):
                    raise _Crashed(str(reply["error"]))
                self._stop()  # start afresh after an error: the document may have left state
                raise ReaderError.soffice_failed(path, reason=str(reply["error"]))
            if not target.is_file() or target.stat().st_size == 0:
                self._stop()
                raise ReaderError.soffice_failed(path, reason="it produced no document")
            data = target.read_bytes()
        finally:
            source.unlink(missing_ok=True)
            target.unlink(missing_ok=True)
        self._converted += 1  # after restart_after files, the next file's _start restarts it
        return data

    # -- the bridge process ------------------------------------------------------------

    def start(self) -> None:
        """Start LibreOffice now, without waiting for it (the next :meth:`convert` waits).

        Lets the caller load the pipeline while LibreOffice starts. Nothing happens
        when LibreOffice is not installed: the first conversion says so.
        """
        with self._lock:
            self._adopt()
            if self._process is None and not self.unavailable:
                with contextlib.suppress(ReaderError):
                    self._spawn(Path("LibreOffice"))

    def _spawn(self, path: Path) -> None:
        """Start the bridge, which starts LibreOffice, with the next Python to try."""
        if self._work is None:
            _remove_stale_folders()
            self._work = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
            (self._work / "in").mkdir()
            (self._work / "out").mkdir()
            (self._work / "tmp").mkdir()
        command = find_soffice(self.soffice)
        if command is None:
            raise ReaderError.soffice_missing(path, format=path.suffix.lower() or "office")
        binary = _office_binary(command)
        program_dir = os.path.dirname(binary)
        if self.bridge is not None:
            bridge = [*self.bridge]
        else:
            if not self._pythons:
                self._pythons = _pythons(program_dir)
            if not self._pythons:
                self.unavailable = True
                raise ReaderError.uno_missing(path)
            bridge = [self._pythons[0], str(_BRIDGE)]
        profile = self._work / "profile"
        if not profile.exists():
            self._template = _profile_template(binary)
            self._copied = self._template is not None and _copy_template(self._template, profile)
            self._keep = self._template is not None and not self._copied
        log = self._work / "soffice.log"
        args = [
            *bridge,
            "--soffice",
            binary,
            "--profile",
            profile.as_uri(),
            "--pipe",
            f"unionnlp-{os.getpid()}-{uuid.uuid4().hex[:12]}",
            "--log",
            str(log),
            "--start-timeout",
            f"{self.start_timeout:g}",
        ]
        with log.open("ab") as stderr:
            try:
                process = subprocess.Popen(
                    args,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    env=_bridge_env(program_dir, self._work / "tmp"),
                    start_new_session=True,  # one process group: a hang is killed whole
                )
            except OSError as err:
                raise ReaderError.soffice_failed(
                    path, reason=f"cannot start {bridge[0]}: {err.strerror}"
                ) from err
        self._process = process
        self._program_dir = program_dir
        self._ready = False
        self._buffer = b""
        self._converted = 0
        self.starts += 1

    def _start(self, path: Path) -> None:
        """Have a LibreOffice ready to convert, starting one if needed.

        Raises:
            ReaderError: LibreOffice is missing or does not start; with
                :attr:`unavailable` set when no Python can import ``uno``.
        """
        if self._process is not None and self._converted >= self.restart_after:
            self._stop()  # a planned restart, politely: the profile is kept
        while True:
            if self._process is None:
                self._spawn(path)
            if self._ready:
                return
            line = self._read_line(self.start_timeout + 5)  # the bridge gives up first
            reply: dict[str, Any] = {}
            with contextlib.suppress(ValueError):
                reply = json.loads(line) if line else {}
            if "ready" in reply:
                break
            tail = self._log_tail()
            self._stop(kill=True, wipe=True)
            if reply.get("uno") is False and self.bridge is None:
                self._pythons = self._pythons[1:]
                if self._pythons:
                    continue  # the next Python may have uno
                self.unavailable = True
                raise ReaderError.uno_missing(path)
            if self._copied and self._template is not None:
                # A kept profile this LibreOffice cannot start with: dropped, and a fresh one tried.
                shutil.rmtree(self._template, ignore_errors=True)
                self._copied = False
                logger.info("LibreOffice did not start with the kept profile; trying a fresh one")
                continue
            reason = str(reply.get("error") or "LibreOffice did not start")
            if line is None:
                reason = f"LibreOffice did not start within {self.start_timeout:g} s"
            raise ReaderError.soffice_failed(path, reason=reason, stderr=tail)
        self._ready = True
        if self.bridge is None:
            _UNO_PYTHON[self._program_dir] = self._pythons[0]
        self.pid = int(reply["ready"])
        self._sockets = _sockets_of(self.pid)
        # For the next run to remove, should this process be killed outright.
        if self._work is not None:
            with contextlib.suppress(OSError):
                (self._work / "sockets").write_text("\n".join(self._sockets), encoding="utf-8")
        logger.info("started LibreOffice (pid %s) in %s", self.pid, self._work)

    def _send(self, request: dict[str, str]) -> None:
        assert self._process is not None and self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            self._process.stdin.flush()
        except (BrokenPipeError, OSError) as err:
            raise _Crashed("") from err

    def _read_line(self, seconds: float) -> bytes | None:
        """The next line from the bridge; ``b""`` at its end, ``None`` after ``seconds``."""
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        deadline = time.monotonic() + seconds
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], min(remaining, 0.2))
            if not ready:
                # A dead bridge whose pipe another process still holds gives no end of file.
                if _exited(self._process.pid):
                    return b""
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return b""
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _log_tail(self) -> str:
        if self._work is None:
            return ""
        try:
            data = (self._work / "soffice.log").read_bytes()[-4000:]
        except OSError:
            return ""
        lines = data.decode("utf-8", errors="replace").splitlines()
        return "\n".join(line for line in lines if "javaldx" not in line).strip()

    def _stop(self, *, kill: bool = False, wipe: bool = False) -> None:
        """Stop the bridge and LibreOffice (politely unless ``kill``); ``wipe`` the profile."""
        process, self._process = self._process, None
        self._ready = False
        self.pid = None
        if process is not None:
            if not kill and process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
                _wait_unreaped(process.pid, 15.0)
            # Whatever the bridge left (a LibreOffice it could not stop) dies with its group.
            # The bridge is not reaped yet, so its group id cannot have been reused.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            # A LibreOffice that was killed leaves its pipes' socket files in /tmp.
            for socket_path in self._sockets:
                with contextlib.suppress(OSError):
                    os.unlink(socket_path)
            self._sockets = []
            if self._keep and not kill and self._template is not None and self._work is not None:
                _keep_template(self._work / "profile", self._template)  # complete: it quit
                self._keep = False
        if wipe and self._work is not None:
            shutil.rmtree(self._work / "profile", ignore_errors=True)
            self._keep = False

    def close(self) -> None:
        """Stop LibreOffice and remove the private folder (a later convert starts anew).

        LibreOffice is killed, not asked to quit: it holds no document between
        conversions, its profile and temporary files are removed with the private
        folder, its pipes' socket files by :meth:`_stop`, and a polite quit costs
        a tenth of a second or more at the end of every run. It is asked to quit
        only when its profile is to be kept for the next runs (the first run).
        """
        with self._lock:
            self._adopt()
            if self._let_go and self._work is not None:
                # The LibreOffice a worker took: this process started it and reaps it; a
                # worker killed outright leaves its pipes' socket files, listed here.
                with contextlib.suppress(OSError):
                    self._sockets = (self._work / "sockets").read_text("utf-8").splitlines()
                self._sockets = [path for path in self._sockets if "/OSL_PIPE_" in path]
            self._stop(kill=not self._keep)
            self._let_go = False
            if self._work is not None:
                shutil.rmtree(self._work, ignore_errors=True)
                self._work = None

    def _take(self) -> None:
        """In a forked worker: make the LibreOffice the parent started for it this process's."""
        self._owner = os.getpid()
        self._offered = False

    def _release(self) -> None:
        """In the process that started it, once a worker holds it: let go of its pipes.

        The worker alone talks to it (a pipe end kept here would hide the bridge's end
        of input from it); this process still reaps it, and kills it at :meth:`close`,
        which is what ends it when the worker dies first. The worker keeps the profile.
        """
        with self._lock:
            self._offered = False
            if self._process is None:
                return
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            self._let_go = True
            self._keep = False

    def _adopt(self) -> None:
        """In a forked child: forget the parent's LibreOffice and folder, keep the settings."""
        if self._owner == os.getpid():
            return
        if self._process is not None:
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        self._owner = os.getpid()
        self._offered = self._let_go = False
        self._process = None
        self._sockets = []
        self._ready = False
        self._work = None
        self._buffer = b""
        self._converted = 0
        self._keep = False
        self.pid = None


def _sockets_of(pid: int) -> list[str]:
    """The paths of the Unix sockets that process ``pid`` listens on (Linux; else none)."""
    try:
        inodes = {
            os.readlink(f"/proc/{pid}/fd/{fd}")[len("socket:[") : -1]
            for fd in os.listdir(f"/proc/{pid}/fd")
        }
        lines = Path("/proc/net/unix").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    found = []
    for line in lines[1:]:
        fields = line.split()
        # Num RefCount Protocol Flags Type St Inode Path
        if len(fields) >= 8 and fields[6] in inodes and "/OSL_PIPE_" in fields[7]:
            found.append(fields[7])
    return found


def _exited(pid: int) -> bool:
    """Whether child ``pid`` has exited, leaving it to be reaped later (its group id stays
    reserved until then, so killing the group cannot reach a stranger)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        # Not this process's child: a bridge a worker took from the process that started
        # it (see Handout), which reaps it only at the end, so the pid is not reused.
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return True
        return stat.rpartition(")")[2].split()[:1] in (["Z"], ["X"])


def _wait_unreaped(pid: int, seconds: float) -> None:
    """Wait up to ``seconds`` for child ``pid`` to exit, without reaping it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not _exited(pid):
        time.sleep(0.01)


def _after_fork_in_child() -> None:
    for converter in list(_LIVE):
        converter._lock = threading.Lock()  # a lock held by another thread stays held
        if not converter._offered:  # one offered to workers waits for Handout.take
            converter._adopt()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _remove_stale_folders() -> None:
    """Remove the private folders of processes that died without cleaning up (kill -9)."""
    with contextlib.suppress(OSError):
        for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
            pid = folder.name[len(_PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists() and sys.platform == "linux":
                with contextlib.suppress(OSError):
                    for socket_path in (folder / "sockets").read_text("utf-8").splitlines():
                        if "/OSL_PIPE_" in socket_path:
                            os.unlink(socket_path)
                shutil.rmtree(folder, ignore_errors=True)


class Handout:
    """LibreOffices started by a process for the workers it is about to fork, one each.

    They start while the process does something else (loads the pipeline that the
    workers will inherit); each forked worker takes one (:meth:`take`) and closes
    its copies of the others' pipes. The process that started them lets go of
    them once the workers are forked (:meth:`release`) and kills whatever is left
    at the end (:meth:`close`) (a LibreOffice whose worker died; a bridge dies with the process that
    started it, so a ``kill -9`` of that process leaves none). Linux only (fork).

    Args:
        count: LibreOffices to start, one per worker.
        like: the converter whose settings they take (default: :func:`shared`'s, if any).
    """

    def __init__(self, count: int, like: LibreOffice | None = None) -> None:
        import multiprocessing

        settings = like or shared()
        self._next = multiprocessing.get_context("fork").Value("i", 0)
        self._released = False
        self.converters: list[LibreOffice] = []
        for _ in range(count):
            if settings is None:
                converter = LibreOffice()
            else:
                converter = LibreOffice(
                    soffice=settings.soffice,
                    timeout=settings.timeout,
                    restart_after=settings.restart_after,
                    start_timeout=settings.start_timeout,
                    bridge=settings.bridge,
                )
                converter.unavailable = settings.unavailable
            converter._offered = True
            self.converters.append(converter)
            converter.start()

    def take(self) -> LibreOffice | None:
        """In a forked worker: a LibreOffice of its own (``None`` once all are taken)."""
        with self._next.get_lock():
            index = self._next.value
            self._next.value = index + 1
        mine = self.converters[index] if index < len(self.converters) else None
        for converter in self.converters:
            if converter is mine:
                converter._take()
            else:
                converter._adopt()  # forget it, closing this process's ends of its pipes
        return mine

    def release(self) -> None:
        """In the starting process, once the workers are forked: let the workers have them."""
        if self._released:
            return
        self._released = True
        for converter in self.converters:
            converter._release()

    def close(self) -> None:
        """Kill the LibreOffices (a worker that ended has stopped its own already)."""
        for converter in self.converters:
            converter._offered = False
            converter.close()


# -- the converter of this process -----------------------------------------------------

_shared: LibreOffice | None = None


def shared() -> LibreOffice | None:
    """The converter that :func:`sharing` or :func:`share_for_process` set up, if any."""
    return _shared


@contextlib.contextmanager
def sharing(converter: LibreOffice | None = None) -> Iterator[LibreOffice]:
    """Read every legacy office file in this block through one long-lived LibreOffice.

    With no ``converter``, the one already shared is kept, or a new one is made and
    closed at the end of the block; a converter passed in is left open.
    """
    global _shared
    previous = _shared
    if converter is None and previous is not None:
        yield previous
        return
    own = converter is None
    current = converter or LibreOffice()
    _shared = current
    try:
        yield current
    finally:
        _shared = previous
        if own:
            current.close()


def share_for_process(converter: LibreOffice | None = None) -> LibreOffice:
    """Keep one converter for the rest of this process (a batch worker), closed at exit.

    ``converter`` (one taken from a :class:`Handout`) is kept if given; else a
    converter inherited from the parent by fork keeps its settings.
    """
    global _shared
    if converter is not None:
        _shared = converter
    elif _shared is None:
        _shared = LibreOffice()
    import multiprocessing
    import multiprocessing.util

    if multiprocessing.parent_process() is not None:
        # Pool workers end through multiprocessing, which skips atexit but runs these.
        multiprocessing.util.Finalize(None, _shared.close, exitpriority=100)
    else:
        atexit.register(_shared.close)
    return _shared
