"""One long-lived LibreOffice per process (unionnlp.readers.libreoffice).

Two kinds of test. A stand-in LibreOffice, written by the tests into their own
folder, takes the place of the UNO bridge and its ``soffice.bin``: it starts a
child that lives until killed (as ``soffice.bin`` does), then converts, hangs,
crashes or fails on each file as the file's content says, so the guarantees
are checked without LibreOffice and without waiting for it. The real
LibreOffice then shows the same guarantees where it can be made to hang
(SIGSTOP) or die (SIGKILL) from outside, and that it dies with its process.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from unionnlp.batch import convert
from unionnlp.errors import ReaderError
from unionnlp.readers import office, read
from unionnlp.readers.libreoffice import LibreOffice, sharing

from .conftest import process_running
from .test_readers import OUTLINE, outline

FIXTURES = Path(__file__).resolve().parent / "fixtures"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="process groups, /proc and PR_SET_PDEATHSIG"
)

STAND_IN = textwrap.dedent(
    """\
    import argparse, ctypes, json, os, signal, subprocess, sys, time
    def die_with_parent():  # as the real bridge and its LibreOffice do (PR_SET_PDEATHSIG)
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)
    die_with_parent()
    parser = argparse.ArgumentParser()
    for option in ("--soffice", "--profile", "--pipe", "--log", "--start-timeout"):
        parser.add_argument(option)
    args = parser.parse_args()
    state = os.environ["STAND_IN_STATE"]
    profile = args.profile.removeprefix("file://")
    if os.path.exists(os.path.join(profile, "broken")):
        print(json.dumps({"error": "LibreOffice exited with status 1 while starting"}))
        sys.exit(1)
    copied = os.path.exists(os.path.join(profile, "made"))  # a copy of a profile kept before
    os.makedirs(profile, exist_ok=True)
    open(os.path.join(profile, "made"), "a").close()
    office = subprocess.Popen(["sleep", "600"], preexec_fn=die_with_parent)  # soffice.bin
    with open(os.path.join(state, "started"), "a") as stream:
        started = {"pids": [os.getpid(), office.pid], "profile": args.profile, "copied": copied}
        started["parent"] = os.getppid()
        stream.write(json.dumps({**started, "tmp": os.environ.get("TMPDIR", "")}))
        stream.write("\\n")
    if os.path.exists(os.path.join(state, "never-ready")):
        time.sleep(600)
    print(json.dumps({"ready": office.pid}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        with open(request["in"], "rb") as stream:
            data = stream.read()
        once = os.path.join(state, "crashed-once")
        if b"HANG" in data:
            time.sleep(600)
        if b"DIE" in data:
            os._exit(1)  # the bridge itself dies without a word
        if b"CRASH" in data and (b"CRASHONCE" not in data or not os.path.exists(once)):
            open(once, "w").close()
            office.kill()
            office.wait()
            message = "Binary URP bridge disposed during call"
            print(json.dumps({"error": message, "alive": False}), flush=True)
            continue
        if b"FAIL" in data:
            message = "source file could not be loaded"
            print(json.dumps({"error": message, "alive": True}), flush=True)
            continue
        with open(os.environ["STAND_IN_DOCX"], "rb") as source:
            with open(request["out"], "wb") as target:
                target.write(source.read())
        print(json.dumps({"ok": True}), flush=True)
    if os.environ.get("STAND_IN_DEAF_TO") == str(os.getppid()):
        time.sleep(600)  # does not quit at the end of its input: only a kill ends it
    open(os.path.join(state, "asked-to-quit"), "a").write(f"{os.getpid()}\\n")
    office.kill()
    """
)


def _executable(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


class StandIn:
    """The stand-in's files: its script, a fake ``soffice`` on PATH, what it started."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.state = folder / "state"
        self.state.mkdir(parents=True)
        self.script = folder / "stand_in_libreoffice.py"
        self.script.write_text(STAND_IN, encoding="utf-8")
        bin_dir = folder / "bin"
        bin_dir.mkdir()
        # Only found on PATH, never run: the stand-in takes the bridge's place.
        self.soffice = _executable(bin_dir / "soffice", "#!/bin/sh\nexit 0\n")
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("STAND_IN_STATE", str(self.state))
        monkeypatch.setenv("STAND_IN_DOCX", str(FIXTURES / "plan.docx"))
        monkeypatch.setenv("XDG_CACHE_HOME", str(folder.parent / "cache"))

    def converter(self, **options: Any) -> LibreOffice:
        return LibreOffice(bridge=[sys.executable, str(self.script)], **options)

    def starts(self) -> list[dict[str, Any]]:
        path = self.state / "started"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    def pids(self) -> list[int]:
        return [pid for start in self.starts() for pid in start["pids"]]


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    stand = StandIn(tmp_path / "stand-in", monkeypatch)
    yield stand
    assert_gone(stand.pids())


def assert_gone(pids: list[int], seconds: float = 5.0) -> None:
    """Every process in ``pids`` has ended (a few seconds allowed for the kill to land)."""
    deadline = time.monotonic() + seconds
    while any(process_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in pids if process_running(p)] == []


def rtf(folder: Path, name: str, word: str) -> Path:
    """An RTF file (it passes the reader's signature check) whose text is ``word``."""
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.rtf"
    path.write_bytes(b"{\\rtf1 " + word.encode("ascii") + b"}")
    return path


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _failures(path: Path) -> dict[str, str]:
    return {
        Path(r["source"]["path"]).stem: r["failure"]["message"]
        for r in _records(path)
        if "failure" in r
    }


# -- the stand-in --------------------------------------------------------------------------


def test_a_hung_file_costs_its_timeout_and_the_rest_go_on(
    tmp_path: Path, stand_in: StandIn
) -> None:
    folder = tmp_path / "in"
    files = [rtf(folder, "a", "ok"), rtf(folder, "b_hang", "HANG"), rtf(folder, "c", "ok")]
    with stand_in.converter(timeout=2.0) as converter, sharing(converter):
        assert outline(read(files[0])) == OUTLINE
        hung = stand_in.pids()
        started = time.monotonic()
        with pytest.raises(ReaderError, match="hung") as info:
            read(files[1])
        cost = time.monotonic() - started
        assert "2 s" in str(info.value)
        assert 2.0 <= cost < 2.0 + 5.0  # the timeout, plus the kill (generous on a busy machine)
        assert_gone(hung)  # the hung LibreOffice is killed, not left behind
        assert outline(read(files[2])) == OUTLINE
        assert converter.starts == 2

    out = tmp_path / "out.jsonl"
    with stand_in.converter(timeout=2.0) as converter, sharing(converter):
        summary = convert(files, out, progress=False)
    assert summary.files == 3
    failures = _failures(out)
    assert list(failures) == ["b_hang"] and "hung" in failures["b_hang"]


def test_a_file_that_crashes_libreoffice_costs_only_that_file(
    tmp_path: Path, stand_in: StandIn
) -> None:
    folder = tmp_path / "in"
    files = [rtf(folder, "a", "ok"), rtf(folder, "b_crash", "CRASH"), rtf(folder, "c", "ok")]
    out = tmp_path / "out.jsonl"
    with stand_in.converter() as converter, sharing(converter):
        convert(files, out, progress=False)
    # It died in a LibreOffice that had converted a.rtf, then in a fresh one too.
    assert len(stand_in.starts()) == 3
    failures = _failures(out)
    assert list(failures) == ["b_crash"] and "crashed" in failures["b_crash"]
    assert [outline_of(r) for r in _records(out) if "failure" not in r] == [OUTLINE, OUTLINE]


def outline_of(record: dict[str, Any]) -> list[tuple[str | None, str | None, int]]:
    return [
        (s["marker"], s["title"], s["level"]) for d in record["documents"] for s in d["sections"]
    ]


def test_a_crash_left_by_an_earlier_file_is_not_blamed_on_the_next(
    tmp_path: Path, stand_in: StandIn
) -> None:
    folder = tmp_path / "in"
    files = [rtf(folder, "a", "ok"), rtf(folder, "b", "CRASHONCE"), rtf(folder, "c", "ok")]
    out = tmp_path / "out.jsonl"
    with stand_in.converter() as converter, sharing(converter):
        convert(files, out, progress=False)
    assert len(stand_in.starts()) == 2  # b.rtf was tried again in a fresh LibreOffice
    assert _failures(out) == {}


def test_a_crash_in_a_fresh_libreoffice_is_the_file_s_own(
    tmp_path: Path, stand_in: StandIn
) -> None:
    crash = rtf(tmp_path, "crash", "CRASH")
    with stand_in.converter() as converter, sharing(converter):
        with pytest.raises(ReaderError, match="crashed"):
            read(crash)
        assert converter.starts == 1  # not tried again: nothing came before it


def test_a_bridge_that_dies_without_a_word_is_a_crash(tmp_path: Path, stand_in: StandIn) -> None:
    files = [rtf(tmp_path, "a", "ok"), rtf(tmp_path, "b", "DIE"), rtf(tmp_path, "c", "ok")]
    with stand_in.converter() as converter, sharing(converter):
        read(files[0])
        with pytest.raises(ReaderError, match="crashed"):
            read(files[1])
        assert outline(read(files[2])) == OUTLINE
        assert converter.starts == 3


def test_an_error_starts_libreoffice_afresh(tmp_path: Path, stand_in: StandIn) -> None:
    files = [rtf(tmp_path, "a", "FAIL"), rtf(tmp_path, "b", "ok")]
    with stand_in.converter() as converter, sharing(converter):
        with pytest.raises(ReaderError, match=r"could not convert.*could not be loaded"):
            read(files[0])
        assert outline(read(files[1])) == OUTLINE
        assert converter.starts == 2


def test_libreoffice_is_started_afresh_after_n_files(tmp_path: Path, stand_in: StandIn) -> None:
    files = [rtf(tmp_path, name, "ok") for name in "abcde"]
    with stand_in.converter(restart_after=2) as converter, sharing(converter):
        for path in files:
            read(path)
        assert converter.starts == 3
    profiles = {start["profile"] for start in stand_in.starts()}
    assert len(profiles) == 1  # a planned restart keeps the converter's own profile


def test_a_planned_restart_asks_libreoffice_to_quit_and_close_kills_it(
    tmp_path: Path, stand_in: StandIn
) -> None:
    files = [rtf(tmp_path, name, "ok") for name in "abc"]
    quit_asked = stand_in.state / "asked-to-quit"
    with stand_in.converter(restart_after=2) as converter, sharing(converter):
        for path in files[:2]:
            read(path)
        assert not quit_asked.exists()  # restarted when the next file comes, not before
        read(files[2])
        first, second = stand_in.starts()
        assert quit_asked.read_text(encoding="utf-8").split() == [str(first["pids"][0])]
    # Closed at the end: killed (nothing to save), without waiting for it to quit.
    assert quit_asked.read_text(encoding="utf-8").split() == [str(first["pids"][0])]
    assert_gone(second["pids"])


def test_libreoffice_keeps_its_temporary_files_in_the_private_folder(
    tmp_path: Path, stand_in: StandIn
) -> None:
    with stand_in.converter() as converter, sharing(converter):
        read(rtf(tmp_path, "a", "ok"))
        (started,) = stand_in.starts()
        tmp = Path(started["tmp"])
        assert tmp.is_dir() and tmp.parent.name.startswith("unionnlp-libreoffice-")
        assert Path(started["profile"].removeprefix("file://")).parent == tmp.parent
    assert not tmp.parent.exists()  # removed with the private folder at close


def test_the_first_profile_is_kept_and_later_libreoffices_start_from_a_copy(
    tmp_path: Path, stand_in: StandIn
) -> None:
    quit_asked = stand_in.state / "asked-to-quit"
    kept = list((tmp_path / "cache").glob("unionnlp/libreoffice-profile-*"))
    assert kept == []
    for name in ("a", "b"):
        with stand_in.converter() as converter, sharing(converter):
            read(rtf(tmp_path, name, "ok"))
    first, second = stand_in.starts()
    assert not first["copied"] and second["copied"]
    assert first["profile"] != second["profile"]  # a copy: each LibreOffice its own profile
    # The first was asked to quit, so that its profile was complete when kept; the second
    # was killed at close.
    assert quit_asked.read_text(encoding="utf-8").split() == [str(first["pids"][0])]
    (template,) = (tmp_path / "cache").glob("unionnlp/libreoffice-profile-*")
    assert (template / "made").is_file()


def test_a_kept_profile_libreoffice_cannot_start_with_is_dropped(
    tmp_path: Path, stand_in: StandIn
) -> None:
    with stand_in.converter() as converter, sharing(converter):
        read(rtf(tmp_path, "a", "ok"))
    (template,) = (tmp_path / "cache").glob("unionnlp/libreoffice-profile-*")
    (template / "broken").touch()
    with stand_in.converter() as converter, sharing(converter):
        assert outline(read(rtf(tmp_path, "b", "ok"))) == OUTLINE
        assert converter.starts == 2  # the copy did not start; a fresh profile did
    assert not (template / "broken").exists()  # the fresh profile is kept in its place
    assert [start["copied"] for start in stand_in.starts()] == [False, False]


def test_libreoffice_that_never_starts_is_given_up(tmp_path: Path, stand_in: StandIn) -> None:
    (stand_in.state / "never-ready").touch()
    with stand_in.converter(start_timeout=1.0) as converter, sharing(converter):
        with pytest.raises(ReaderError, match="did not start within 1 s"):
            read(rtf(tmp_path, "a", "ok"))
        assert_gone(stand_in.pids())


@pytest.mark.parametrize("workers", [1, 2])
def test_each_worker_has_its_own_libreoffice_and_profile(
    tmp_path: Path, stand_in: StandIn, workers: int
) -> None:
    folder = tmp_path / "in"
    files = [rtf(folder, f"{i:02d}", "ok") for i in range(8)]
    out = tmp_path / "out.jsonl"
    # Set in the parent, the converter is a template: the forked workers (one for -j 1
    # too) start their own.
    with stand_in.converter() as converter, sharing(converter):
        convert(files, out, workers=workers, progress=False)
    assert _failures(out) == {}
    starts = stand_in.starts()
    assert 1 <= len(starts) <= workers
    profiles = [start["profile"] for start in starts]
    assert len(set(profiles)) == len(profiles)  # no profile shared
    assert not list(folder.glob(".~lock*")) and sorted(folder.iterdir()) == files


def _start_a_worker(parent: int, report: Any) -> None:
    from unionnlp.batch import _init_worker
    from unionnlp.readers.libreoffice import shared

    _init_worker(parent, False, True)  # a run with legacy files, before any file comes
    converter = shared()
    assert converter is not None
    report.send(converter._process is not None and converter._converted == 0)
    converter._start(Path("LibreOffice"))  # waits for it to be ready
    report.send(converter.pid)


def test_a_worker_starts_its_libreoffice_before_its_first_file(
    tmp_path: Path, stand_in: StandIn
) -> None:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    here, there = context.Pipe()
    with stand_in.converter() as converter, sharing(converter):
        worker = context.Process(target=_start_a_worker, args=(os.getpid(), there))
        worker.start()
        started_at_init = here.recv()
        office_pid = here.recv()
        worker.join(30)
    assert started_at_init is True
    (started,) = stand_in.starts()
    assert started["pids"][1] == office_pid  # the LibreOffice the worker started is its own
    assert worker.exitcode == 0


def test_workers_take_the_libreoffices_the_parent_started(
    tmp_path: Path, stand_in: StandIn
) -> None:
    folder = tmp_path / "in"
    files = [rtf(folder, f"{i:02d}", "ok") for i in range(8)]
    out = tmp_path / "out.jsonl"
    # restart_after=2: each worker asks its LibreOffice to quit after two files, which only
    # works when no other process holds the bridge's input open (the parent, the other worker).
    with stand_in.converter(restart_after=2) as converter, sharing(converter):
        convert(files, out, workers=2, progress=False)
    assert _failures(out) == {}
    starts = stand_in.starts()
    # The first two LibreOffices were started here, one per worker, before the workers were
    # forked: no worker started another for its first file.
    first = [start["pids"][0] for start in starts if start["parent"] == os.getpid()]
    assert len(first) == 2
    assert all(start["parent"] != os.getpid() for start in starts[2:])
    asked = stand_in.state / "asked-to-quit"
    quit_politely = asked.read_text(encoding="utf-8").split() if asked.exists() else []
    taken = [pid for pid in first if str(pid) in quit_politely]
    assert len(taken) >= 1  # a worker that converted two files stopped the one it took
    assert len({start["profile"] for start in starts[:2]}) == 2  # no profile shared


def test_the_libreoffice_of_a_worker_that_died_does_not_outlive_the_run(
    tmp_path: Path, stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unionnlp import batch

    folder = tmp_path / "in"
    files = [rtf(folder, f"{i}_{w}", "ok") for i, w in enumerate(["a", "b", "die", "c", "d"])]
    real = batch.process_file

    def fragile(path: str, metadata: dict | None = None, **options: object) -> dict:  # type: ignore[type-arg]
        if "die" in str(path):
            os.kill(os.getpid(), signal.SIGKILL)  # the worker, holding the LibreOffice it took
        return real(path, metadata, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "process_file", fragile)
    # The LibreOffices started here ignore the end of their input: the dead worker's is
    # ended only by this process killing it.
    monkeypatch.setenv("STAND_IN_DEAF_TO", str(os.getpid()))
    out = tmp_path / "out.jsonl"
    with stand_in.converter() as converter, sharing(converter):
        convert(files, out, workers=2, progress=False)
        started_here = [s["pids"] for s in stand_in.starts() if s["parent"] == os.getpid()]
        assert len(started_here) == 2
        # Gone when convert returns, while this process (which started them) lives on.
        assert_gone([pid for pids in started_here for pid in pids])
    assert list(_failures(out)) == ["2_die"]


def test_a_run_whose_pipeline_does_not_load_leaves_no_libreoffice(
    tmp_path: Path, stand_in: StandIn
) -> None:
    from unionnlp.errors import DataFileError

    files = [rtf(tmp_path / "in", "a", "ok")]
    missing = tmp_path / "missing.model"
    with stand_in.converter() as converter, sharing(converter):
        with pytest.raises(DataFileError, match="theme model is missing"):
            convert(files, tmp_path / "out.jsonl", workers=2, progress=False, theme_model=missing)
        # The LibreOffices started for the workers, found by the pipe name they were given
        # (the stand-in may not have said it started before it was killed).
        mark = f"unionnlp-{os.getpid()}-".encode()
        bridges = [
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and mark in _cmdline(entry)
        ]
        assert_gone(bridges)
        assert converter.starts == 0  # the one shared here only lent its settings


def _cmdline(entry: Path) -> bytes:
    try:
        return (entry / "cmdline").read_bytes()
    except OSError:
        return b""


def test_a_hung_and_a_crashing_file_in_a_two_worker_run(tmp_path: Path, stand_in: StandIn) -> None:
    folder = tmp_path / "in"
    words = ["ok", "HANG", "ok", "CRASH", "ok", "ok"]
    files = [rtf(folder, f"{i}_{w.lower()}", w) for i, w in enumerate(words)]
    out = tmp_path / "out.jsonl"
    with stand_in.converter(timeout=2.0) as converter, sharing(converter):
        summary = convert(files, out, workers=2, progress=False)
    failures = _failures(out)
    assert sorted(failures) == ["1_hang", "3_crash"]
    assert "hung" in failures["1_hang"] and "crashed" in failures["3_crash"]
    assert summary.files == 6


# -- the real LibreOffice ------------------------------------------------------------------


def _has_uno() -> bool:
    """LibreOffice and a Python that imports its uno module (Debian's python3-uno)."""
    if shutil.which("soffice") is None or not os.path.exists("/usr/bin/python3"):
        return False
    check = subprocess.run(["/usr/bin/python3", "-c", "import uno"], capture_output=True)
    return check.returncode == 0


needs_uno = pytest.mark.skipif(
    not _has_uno(),
    reason="LibreOffice and python3-uno are not installed"
    " (apt-get install libreoffice-writer-nogui python3-uno)",
)


def _office_processes(under: Path | None = None) -> list[int]:
    """Processes whose command line names a unionnlp LibreOffice folder (in ``under``, if given:
    a run pointed at a temporary folder of its own is told apart from other runs on the machine).
    """
    mark = b"unionnlp-libreoffice-" if under is None else f"{under}/unionnlp-libreoffice-".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if mark in cmdline and process_running(int(entry.name)):
                found.append(int(entry.name))
    return found


@needs_uno
def test_one_libreoffice_reads_every_legacy_format(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("plan.doc", "plan.wps", "plan.rtf", "plan.odt"):
        shutil.copyfile(FIXTURES / name, folder / name)
    with sharing() as converter:
        for path in sorted(folder.iterdir()):
            source = read(path)
            assert source.format == path.suffix[1:] and outline(source) == OUTLINE
        assert converter.starts == 1
        pid = converter.pid
        assert pid is not None and process_running(pid)
        work = converter._work
        assert work is not None and work.is_dir()
    assert_gone([pid])
    assert not work.exists()
    assert sorted(p.name for p in folder.iterdir()) == [
        "plan.doc",
        "plan.odt",
        "plan.rtf",
        "plan.wps",
    ]


def _plan_with_own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the .doc fixture, read with a cache folder of the test's own (where
    converters keep their LibreOffice profile)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    doc = tmp_path / "plan.doc"
    shutil.copyfile(FIXTURES / "plan.doc", doc)
    return doc


def _kept_profile(tmp_path: Path) -> Path:
    """The one LibreOffice profile kept in the test's cache folder."""
    (template,) = (tmp_path / "cache").glob("unionnlp/libreoffice-profile-*")
    return template


@needs_uno
def test_libreoffice_from_a_kept_profile_skips_its_graphics_render_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # LibreOffice runs its render tests (writing GraphicsRenderTests.log in the profile)
    # at each start while the profile has not recorded its version as the last one run.
    doc = _plan_with_own_cache(tmp_path, monkeypatch)
    with sharing():
        read(doc)  # a fresh profile, kept when this LibreOffice quits
    template = _kept_profile(tmp_path)
    log = Path("user") / "GraphicsRenderTests.log"
    assert (template / log).is_file()  # the fresh profile's first start ran them
    (template / log).unlink()
    with sharing() as converter:
        assert outline(read(doc)) == OUTLINE
        assert converter._work is not None
        assert (converter._work / "profile" / "user").is_dir()
        assert not (converter._work / "profile" / log).exists()


def test_a_fresh_profile_is_started_as_run_by_the_installed_version(tmp_path: Path) -> None:
    from unionnlp.readers.libreoffice import _installed_version, seed_profile

    program = tmp_path / "lo" / "program"
    program.mkdir(parents=True)
    binary = str(program / "soffice.bin")
    profile = tmp_path / "profile"
    assert _installed_version(binary) is None and not seed_profile(profile, binary)
    assert not profile.exists()  # nothing written where the version is not known
    registry = tmp_path / "lo" / "share" / "registry"
    registry.mkdir(parents=True)
    (registry / "main.xcd").write_bytes(
        b'<prop oor:name="ooSetupVersionAboutBox"><value>7.4.7.2</value></prop>'
        b'<prop oor:name="ooSetupVersion">\n  <value>7.4</value></prop>'
    )
    assert _installed_version(binary) == "7.4" and seed_profile(profile, binary)
    settings = (profile / "user" / "registrymodifications.xcu").read_text(encoding="utf-8")
    assert '<prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>7.4</value>' in settings


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_own_soffice_runs_keep_a_profile_that_never_ran_the_render_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unionnlp.readers import libreoffice

    doc = _plan_with_own_cache(tmp_path, monkeypatch)
    assert outline(office.read(doc, soffice="soffice")) == OUTLINE  # a fresh, seeded profile
    template = _kept_profile(tmp_path)
    assert (template / "user" / "registrymodifications.xcu").is_file()
    assert not (template / "user" / "GraphicsRenderTests.log").exists()  # never ran them
    (template / "user" / "marker").write_text("kept", encoding="utf-8")
    copies: list[bool] = []

    def copy(template: Path, profile: Path) -> bool:
        copied = real_copy(template, profile)
        copies.extend((copied, (profile / "user" / "marker").is_file()))
        return copied

    real_copy = libreoffice._copy_template
    monkeypatch.setattr(libreoffice, "_copy_template", copy)
    assert outline(office.read(doc, soffice="soffice")) == OUTLINE
    assert copies == [True, True]  # the second run started from a copy of the kept profile
    assert (template / "user" / "marker").read_text(encoding="utf-8") == "kept"  # not replaced


@needs_uno
def test_real_libreoffice_that_hangs_costs_the_timeout(tmp_path: Path) -> None:
    with LibreOffice(timeout=3.0) as converter, sharing(converter):
        assert outline(read(FIXTURES / "plan.doc")) == OUTLINE
        stopped = converter.pid
        assert stopped is not None
        os.kill(stopped, signal.SIGSTOP)  # LibreOffice stops answering, as a hang does
        started = time.monotonic()
        with pytest.raises(ReaderError, match="hung"):
            read(FIXTURES / "plan.rtf")
        assert 3.0 <= time.monotonic() - started < 3.0 + 10.0
        assert_gone([stopped])
        assert outline(read(FIXTURES / "plan.rtf")) == OUTLINE
        assert converter.starts == 2


@needs_uno
def test_real_libreoffice_killed_between_files_is_started_again(tmp_path: Path) -> None:
    with LibreOffice() as converter, sharing(converter):
        read(FIXTURES / "plan.doc")
        assert converter.pid is not None
        os.kill(converter.pid, signal.SIGKILL)  # as a crash on the previous file would
        assert outline(read(FIXTURES / "plan.odt")) == OUTLINE
        assert converter.starts == 2


HOLDER = textwrap.dedent(
    """\
    import signal, sys, time
    from unionnlp.readers import read
    from unionnlp.readers.libreoffice import sharing
    # Ctrl-C as in a terminal, even where the test runs as a background job of a shell
    # (which starts it with SIGINT ignored, and Python keeps that)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with sharing() as converter:
        read(sys.argv[1])
        print(converter.pid, flush=True)
        time.sleep(120)
    """
)


@needs_uno
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_libreoffice_dies_with_the_process_that_holds_it(tmp_path: Path, sig: int) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(FIXTURES / "plan.doc")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    pid = int(holder.stdout.readline())
    assert process_running(pid)
    holder.send_signal(sig)
    holder.wait(timeout=30)
    assert_gone([pid])
    assert all(str(holder.pid) not in str(p) for p in _office_processes())


@needs_uno
@pytest.mark.slow
def test_convert_with_two_workers_leaves_no_libreoffice(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        for name in ("plan.doc", "plan.wps", "plan.rtf", "plan.odt"):
            shutil.copyfile(FIXTURES / name, folder / f"{i}_{name}")
    before = set(_office_processes())
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "unionnlp.cli", "convert", str(folder), "-o", str(out)]
    subprocess.run([*command, "-j", "2", "-q"], check=True, timeout=600)
    records = _records(out)
    assert len(records) == 12 and all(outline_of(r) == OUTLINE for r in records)
    time.sleep(0.5)
    assert set(_office_processes()) - before == set()


def test_read_without_sharing_converts_with_its_own_soffice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One file on its own (parse_file) needs no converter kept running: no bridge starts.
    calls = tmp_path / "calls"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _executable(
        bin_dir / "soffice",
        f'#!/bin/sh\necho "$@" >> {calls}\necho "Error: source file could not be loaded" >&2\n'
        "exit 3\n",
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(ReaderError, match="could not be loaded"):
        office.read(FIXTURES / "plan.doc")
    assert "--convert-to docx" in calls.read_text(encoding="utf-8")


def test_an_interrupted_conversion_does_not_answer_for_the_next_file(
    tmp_path: Path, stand_in: StandIn
) -> None:
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    files = [rtf(tmp_path, "a", "ok"), rtf(tmp_path, "b", "HANG"), rtf(tmp_path, "c", "ok")]
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with stand_in.converter(timeout=30.0) as converter, sharing(converter):
            read(files[0])
            signal.setitimer(signal.ITIMER_REAL, 0.5)  # Ctrl-C while b.rtf hangs
            with pytest.raises(KeyboardInterrupt):
                read(files[1])
            assert_gone(stand_in.pids())  # the LibreOffice that held b.rtf is stopped
            assert outline(read(files[2])) == OUTLINE
            assert converter.starts == 2
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_without_uno_each_file_gets_its_own_soffice_and_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from unionnlp.readers import libreoffice

    check = subprocess.run([sys.executable, "-c", "import uno"], capture_output=True)
    if check.returncode == 0:
        pytest.skip("this Python imports uno: there is no machine without it to play")
    # The only Python offered to the bridge is this one, which has no uno module.
    monkeypatch.setattr(libreoffice, "_pythons", lambda program_dir: [sys.executable])
    monkeypatch.setattr(libreoffice, "_UNO_PYTHON", {})
    monkeypatch.setattr(office, "_warned", False)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    # A stand-in `soffice --convert-to docx --outdir OUT input.rtf`: it writes OUT/input.docx.
    _executable(
        bin_dir / "soffice",
        f'#!/bin/sh\necho "$@" >> {calls}\n'
        'while [ "$1" != "--outdir" ]; do shift; done\n'
        f'cp {FIXTURES / "plan.docx"} "$2/input.docx"\n',
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    files = [rtf(tmp_path, "a", "ok"), rtf(tmp_path, "b", "ok")]
    with caplog.at_level("WARNING"), sharing() as converter:
        assert [outline(read(path)) for path in files] == [OUTLINE, OUTLINE]
        assert converter.unavailable
    assert len(calls.read_text(encoding="utf-8").splitlines()) == 2  # one soffice a file
    warnings = [r.getMessage() for r in caplog.records if "python3-uno" in r.getMessage()]
    assert len(warnings) == 1


@needs_uno
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_convert_leaves_no_libreoffice(tmp_path: Path, sig: int) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(10):
        shutil.copyfile(FIXTURES / "plan.doc", folder / f"{i:02d}.doc")
    # The run's temporary folder is its own, so LibreOffices of other runs on the machine
    # (other test sessions, a benchmark) are never counted as this run's.
    private = tmp_path / "tmp"
    private.mkdir()
    command = [sys.executable, "-m", "unionnlp.cli", "convert", str(folder), "-o"]
    run = subprocess.Popen(
        [*command, str(tmp_path / "out.jsonl"), "-j", "2", "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(private)},
        # Ctrl-C as in a terminal, even under a shell's background job (SIGINT ignored)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    started: set[int] = set()
    while not started and run.poll() is None and time.monotonic() < deadline:
        started = set(_office_processes(private))
        time.sleep(0.05)
    assert started, "no LibreOffice started"
    run.send_signal(sig)  # Ctrl-C reaches the parent; SIGTERM and kill -9 come from outside
    run.wait(timeout=60)
    assert_gone(sorted(started), seconds=10.0)
    assert_gone(_office_processes(private), seconds=10.0)  # any started late
