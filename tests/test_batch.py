"""Batch conversion: one record or failure record per input, resume, output kinds."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from unionnlp.batch import _chunks, convert, iter_inputs, load_manifest, tables_from_records
from unionnlp.errors import InputError

from .conftest import SEEDS


def _records(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def mixed_inputs(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    good = folder / "a_good.txt"
    good.write_text(SEEDS[3].read_text(encoding="utf-8"), encoding="utf-8")
    empty = folder / "b_empty.txt"
    empty.write_bytes(b"")
    junk = folder / "c_random.txt"
    junk.write_bytes(bytes(range(256)) * 20)
    gbk = folder / "d_gbk.txt"
    gbk.write_bytes(SEEDS[4].read_text(encoding="utf-8").encode("gb18030"))
    unknown = folder / "e_image.xyz"
    unknown.write_bytes(b"\x89PNG\r\n")
    return sorted(folder.iterdir())


def test_every_input_gives_a_record_or_a_failure(tmp_path: Path, mixed_inputs: list[Path]) -> None:
    removed = mixed_inputs[0].with_name("f_removed.txt")
    removed.write_text("一、组织建设", encoding="utf-8")
    inputs = [*mixed_inputs, removed]
    removed.unlink()  # listed, then gone before it is read
    out = tmp_path / "out.jsonl"
    summary = convert(inputs, out, progress=False)
    records = _records(out)
    assert len(records) == len(inputs) == summary.files
    assert [Path(r["source"]["path"]).name for r in records] == [p.name for p in inputs]
    failures = {Path(r["source"]["path"]).name: r["failure"] for r in records if "failure" in r}
    assert failures["b_empty.txt"]["error"] == "EmptyInputError"
    assert failures["c_random.txt"]["error"] == "DecodeError"
    assert failures["e_image.xyz"]["error"] == "UnsupportedFormatError"
    assert failures["f_removed.txt"]["error"] == "InputError"
    assert all(f["stage"] in ("read", "parse") and f["message"] for f in failures.values())
    assert summary.failures["EmptyInputError"] == 1
    good = [r for r in records if "documents" in r]
    assert len(good) + len(failures) == len(inputs)
    assert good[1]["source"]["encoding"] == "gb18030"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without permission")
def test_unreadable_file_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("一、组织建设", encoding="utf-8")
    path.chmod(0)
    out = tmp_path / "out.jsonl"
    convert([path], out, progress=False)
    assert _records(out)[0]["failure"]["error"] == "InputError"


def test_workers_give_the_same_output(tmp_path: Path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    convert(SEEDS, one, progress=False)
    convert(SEEDS, two, workers=2, progress=False)
    assert one.read_bytes() == two.read_bytes()


def test_output_follows_input_order_whatever_the_journal_order(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    files = []
    for i, title in enumerate(["组织建设", "劳动竞赛", "女工工作"]):
        path = folder / f"{i}.txt"
        path.write_text(f"一、{title}\n1、按计划开展{title}。", encoding="utf-8")
        files.append(path)
    out = tmp_path / "out.jsonl"
    convert(files, out, progress=False)  # journal in input order: renamed into place
    assert [r["source"]["path"] for r in _records(out)] == [str(f) for f in files]
    files[0].write_text("一、宣传教育\n1、开展学习。", encoding="utf-8")
    summary = convert(files, out, resume=True, progress=False)  # journal: 1, 2, then 0
    records = _records(out)
    assert summary.skipped == 2 and summary.files == 3
    assert [r["source"]["path"] for r in records] == [str(f) for f in files]
    assert records[0]["documents"][0]["sections"][0]["title"] == "宣传教育"
    twice = convert([files[1], files[2], files[1]], out, progress=False)  # a path given twice
    assert twice.files == 3
    assert [r["source"]["path"] for r in _records(out)] == [str(files[i]) for i in (1, 2, 1)]
    assert not (tmp_path / "out.jsonl.journal").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers inherit the patch")
@pytest.mark.parametrize("n_files", [6, 70])  # one file at a time; four at a time
def test_a_worker_that_dies_costs_one_failure_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n_files: int
) -> None:
    from unionnlp import batch

    folder = tmp_path / "in"
    folder.mkdir()
    files = []
    for i in range(n_files):
        name = "crash" if i == n_files // 2 else f"{i:03d}"
        path = folder / f"{i:03d}_{name}.txt"
        path.write_text(f"一、组织建设\n1、第{i}项：调整工会小组。", encoding="utf-8")
        files.append(path)
    real = batch.process_file

    def fragile(path: str, metadata: dict | None = None, **options: object) -> dict:  # type: ignore[type-arg]
        if "crash" in str(path):
            os._exit(3)  # as a segfault in a native library would end the process
        return real(path, metadata, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "process_file", fragile)
    out = tmp_path / "out.jsonl"
    summary = convert(files, out, workers=2, progress=False)
    records = _records(out)
    assert [r["source"]["path"] for r in records] == [str(f) for f in files]
    failed = [r for r in records if "failure" in r]
    assert [r["source"]["path"] for r in failed] == [str(files[n_files // 2])]
    assert failed[0]["failure"]["error"] == "WorkerCrash"
    assert summary.files == n_files and sum(summary.failures.values()) == 1


def test_manifest_overrides_inferred_metadata(tmp_path: Path) -> None:
    plan = tmp_path / "plan.txt"
    plan.write_text("2023年机关工会工作计划\n一、组织建设\n1、调整小组。", encoding="utf-8")
    manifest = tmp_path / "units.csv"
    manifest.write_text(
        "path,unit,unit_type,region,year\nplan.txt,市税务局机关工会,government,东湖区,2024\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    convert([plan], out, manifest=load_manifest(manifest), progress=False)
    (record,) = _records(out)
    assert record["metadata"] == {
        "unit": "市税务局机关工会",
        "unit_type": "government",
        "region": "东湖区",
        "year": "2024",
    }
    assert record["documents"][0]["unit"] == "市税务局机关工会"
    assert record["documents"][0]["year"] == 2024
    with pytest.raises(InputError, match="'path' column"):
        bad = tmp_path / "bad.csv"
        bad.write_text("file,unit\nx,y\n", encoding="utf-8")
        load_manifest(bad)


def test_output_kinds(tmp_path: Path) -> None:
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    pytest.importorskip("openpyxl")
    import pandas as pd

    convert(SEEDS[3:], tmp_path / "o.parquet", progress=False)
    tables = {p.stem: pd.read_parquet(p) for p in (tmp_path / "o.parquet").iterdir()}
    assert set(tables) == {"plans", "sections", "measures", "deadlines", "parties", "failures"}
    assert len(tables["plans"]) == 6
    convert(SEEDS[3:], tmp_path / "o.csv", progress=False)
    flat = pd.read_csv(tmp_path / "o.csv", encoding="utf-8-sig")
    assert list(flat.columns[:4]) == ["path", "plan", "title", "unit"]
    assert len(flat) == len(tables["measures"])
    convert(SEEDS[3:], tmp_path / "o.xlsx", progress=False)
    sheets = pd.read_excel(tmp_path / "o.xlsx", sheet_name=None)
    assert next(iter(sheets)) == "measures (flat)" and "deadlines" in sheets
    convert(SEEDS[3:], tmp_path / "o.sqlite", progress=False)
    with sqlite3.connect(tmp_path / "o.sqlite") as db:
        (n,) = db.execute("SELECT COUNT(*) FROM plans").fetchone()
    assert n == 6
    with pytest.raises(InputError, match="supported outputs"):
        convert(SEEDS[3:], tmp_path / "o.docx", progress=False)


def test_tables_keep_spans_and_roles() -> None:
    from unionnlp import parse
    from unionnlp.export import plan_record
    from unionnlp.model import Source

    text = "2023年机关工会工作计划\n一、组织建设\n1、由院办牵头，3月底前召开职代会。"
    source = Source.from_text(text, path="x.txt")
    tables = tables_from_records([plan_record(source, parse(text, source=source))])
    (deadline,) = tables["deadlines"]
    assert text[deadline["start"] : deadline["end"]] == "3月底前"
    (party,) = tables["parties"]
    assert (party["name"], party["role"]) == ("院办", "lead")


def _many_plans(tmp_path: Path) -> Path:
    """A folder of 60 plans (the seeds in turn, each made distinct by its number)."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(60):
        seed = SEEDS[i % len(SEEDS)]
        (folder / f"{i:03d}.txt").write_text(
            seed.read_text(encoding="utf-8") + f"\n{i}\n", encoding="utf-8"
        )
    return folder


def test_sigkill_then_resume_gives_every_input_once(tmp_path: Path) -> None:
    folder = _many_plans(tmp_path)
    out = tmp_path / "out.jsonl"
    journal = tmp_path / "out.jsonl.journal"
    cmd = [sys.executable, "-m", "unionnlp.cli", "convert", str(folder), "-o", str(out), "-q"]
    proc = subprocess.Popen(cmd)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if journal.exists() and journal.read_text(encoding="utf-8").count("\n") >= 5:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists()  # nothing half-written in place
    done_before = journal.read_text(encoding="utf-8").count("\n")
    assert 5 <= done_before < 60
    result = subprocess.run([*cmd, "--resume"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    records = _records(out)
    names = [Path(r["source"]["path"]).name for r in records]
    assert names == sorted(p.name for p in folder.iterdir())
    assert not journal.exists()


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped has ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find workers")
def test_workers_die_with_a_killed_parent_and_resume_gives_every_input_once(
    tmp_path: Path,
) -> None:
    folder = _many_plans(tmp_path)
    out = tmp_path / "out.jsonl"
    journal = tmp_path / "out.jsonl.journal"
    cmd = [sys.executable, "-m", "unionnlp.cli", "convert", str(folder), "-o", str(out), "-q"]
    proc = subprocess.Popen([*cmd, "-j", "2"])
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_text(encoding="utf-8").count("\n") >= 3:
            workers = _children(proc.pid)
            if len(workers) == 2:
                break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(workers) == 2, "the run ended before both workers were seen"
    gone_by = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < gone_by:
        time.sleep(0.1)
    survivors = [w for w in workers if _alive(w)]
    for pid in survivors:  # leave nothing running, even when the check fails
        os.kill(pid, signal.SIGKILL)
    assert not survivors, "workers outlived their parent"
    done_before = journal.read_text(encoding="utf-8").count("\n")
    assert done_before < 60
    result = subprocess.run([*cmd, "-j", "2", "--resume"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    names = [Path(r["source"]["path"]).name for r in _records(out)]
    assert names == sorted(p.name for p in folder.iterdir())  # each input once, in order


def test_iter_inputs_globs(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "b.md").write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_text("x", encoding="utf-8")
    names = [p.name for p in iter_inputs([tmp_path], include=["*.txt"])]
    assert names == ["a.txt", "c.txt"]
    assert [p.name for p in iter_inputs([tmp_path], exclude=["*.txt"])] == ["b.md"]
    with pytest.raises(InputError):
        list(iter_inputs([tmp_path / "nope"]))


@pytest.mark.slow
def test_fifty_megabyte_text_file(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    block = SEEDS[2].read_text(encoding="utf-8")
    with big.open("w", encoding="utf-8") as stream:
        while stream.tell() < 50_000_000:
            stream.write(block)
    out = tmp_path / "out.jsonl"
    summary = convert([big], out, progress=False)
    assert summary.files == 1
    assert len(_records(out)) == 1


@pytest.mark.slow
def test_dask_local_cluster(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    import pandas as pd

    from unionnlp.batch import convert_dask

    summary = convert_dask(SEEDS, tmp_path / "out", scheduler="local", workers=2, partition_size=3)
    assert summary.files == len(SEEDS)
    plans = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "out" / "plans").iterdir()))
    assert sorted(set(plans["path"])) == sorted(str(p) for p in SEEDS)


def test_disk_full_gives_a_clear_error_and_a_valid_partial_output(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        (folder / f"{i:02d}.txt").write_text(SEEDS[2].read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    # A file-size limit stands in for a full disk: writes past it fail with EFBIG.
    code = (
        "import resource, signal, sys;"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN);"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000));"
        "from unionnlp.cli import main;"
        f"sys.exit(main(['convert', {str(folder)!r}, '-o', {str(out)!r}, '-q']))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert "cannot write" in result.stderr and "--resume" in result.stderr
    journal = out.with_name(out.name + ".journal")
    # The write that failed may have cut the last line anywhere, even inside a character.
    *complete_lines, _cut = journal.read_bytes().split(b"\n")
    complete = [json.loads(line) for line in complete_lines]
    assert 0 < len(complete) < 12
    assert not out.exists()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "unionnlp.cli",
            "convert",
            str(folder),
            "-o",
            str(out),
            "-q",
            "--resume",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert len(_records(out)) == 12


def test_bad_documents_give_failure_records(tmp_path: Path) -> None:
    fixtures = Path(__file__).parent / "fixtures"
    folder = tmp_path / "docs"
    folder.mkdir()
    good = (fixtures / "plan.docx").read_bytes()
    (folder / "a_good.docx").write_bytes(good)
    (folder / "b_truncated.docx").write_bytes(good[: len(good) // 2])
    (folder / "c_random.pdf").write_bytes(bytes(range(256)) * 8)
    (folder / "d_random.docx").write_bytes(bytes(range(256)) * 8)
    (folder / "e_image_only.pdf").write_bytes((fixtures / "image_only.pdf").read_bytes())
    (folder / "f_corrupt.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    inputs = sorted(folder.iterdir())
    out = tmp_path / "out.jsonl"
    summary = convert(inputs, out, progress=False)
    records = _records(out)
    assert len(records) == len(inputs) == summary.files
    assert "documents" in records[0]
    for record in records[1:]:
        assert "failure" in record, record["source"]["path"]
        assert record["failure"]["message"]


def test_resume_reads_a_journal_cut_inside_a_character(tmp_path: Path) -> None:
    from unionnlp.batch import _read_journal

    journal = tmp_path / "out.jsonl.journal"
    whole = json.dumps({"path": "a.txt", "title": "工会工作计划"}, ensure_ascii=False) + "\n"
    cut = json.dumps({"path": "b.txt", "title": "关键"}, ensure_ascii=False).encode()
    cut = cut[: cut.index("关".encode()) + 2]  # a full disk stopped the write mid-character
    journal.write_bytes(whole.encode() + cut)
    assert _read_journal(journal) == [{"path": "a.txt", "title": "工会工作计划"}]


def test_legacy_office_files_go_to_the_workers_one_at_a_time() -> None:
    names = ["a.txt", "b.txt", "c.doc", "d.txt", "e.wps", "f.WPS", "g.txt", "h.txt", "i.txt"]
    jobs = [(name, None, None) for name in names]
    chunks = [[job[0] for job in chunk] for chunk in _chunks(jobs, 2)]
    assert chunks == [["a.txt", "b.txt"], ["c.doc"], ["d.txt"], ["e.wps"], ["f.WPS"],
                      ["g.txt", "h.txt"], ["i.txt"]]  # fmt: skip


@pytest.mark.skipif(sys.platform != "linux", reason="forked pool as convert makes it")
def test_a_stopped_pool_leaves_no_manager_thread_to_race_the_exit_hook() -> None:
    # Ctrl-C during `convert -j 2` once printed an EBADF traceback at exit: Python 3.11's
    # exit hook woke the pool's manager thread while that thread closed its wake-up pipe.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from unionnlp.batch import _stop

    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
    futures = [pool.submit(time.sleep, 30) for _ in range(4)]
    while not any(f.running() for f in futures):
        time.sleep(0.01)
    manager = pool._executor_manager_thread  # type: ignore[attr-defined]
    assert manager is not None and manager.is_alive()
    _stop(pool)
    assert not manager.is_alive()
