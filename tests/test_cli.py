"""The command line: parse, convert, evaluate, exit codes."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from unionnlp.cli import main

from .conftest import CORPORA, SEEDS


def test_parse_json_lines_in_input_order(
    capsys: pytest.CaptureFixture[str], record_validator
) -> None:  # type: ignore[no-untyped-def]
    paths = [str(SEEDS[3]), str(SEEDS[1])]
    assert main(["parse", *paths, "--format", "json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    records = [json.loads(line) for line in lines]
    assert [r["source"]["path"] for r in records] == paths
    for record in records:
        record_validator.validate(record)
        for doc in record["documents"]:
            for sec in doc["sections"]:
                assert {"level", "marker", "title", "span", "themes", "measures"} <= set(sec)


def test_parse_text_outline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEEDS[4]), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "## 1. 工会工作计划" in out
    assert "- 一、加强工会组织建设，提高整体工作水平" in out
    assert "  - 1、明确工会委员分工，制订工作计划和工作规章" in out


def test_parse_bad_file_reports_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert main(["parse", str(empty), str(SEEDS[3])]) == 1
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert records[0]["failure"]["error"] == "EmptyInputError"
    assert records[1]["documents"]
    assert "empty" in captured.err


def test_convert_writes_one_record_per_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(SEEDS[3].read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b.txt").write_bytes(b"")
    (folder / "c.bin").write_bytes(b"\x00\x01")
    out = tmp_path / "out.jsonl"
    code = main(["convert", str(folder), "-o", str(out), "--exclude", "*.bin"])
    assert code == 1  # b.txt is empty
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(r["source"]["path"]).name for r in records] == ["a.txt", "b.txt"]
    assert "failure" in records[1]
    assert "files: 2 (1 converted, 1 failed)" in capsys.readouterr().out
    assert (
        main(
            ["convert", str(folder), "-o", str(out), "--exclude", "*.bin", "--allow-failures", "-q"]
        )
        == 0
    )


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["parse"])
    assert info.value.code == 2
    assert main(["convert", str(tmp_path / "missing"), "-o", str(tmp_path / "o.jsonl")]) == 2


def test_evaluate_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(CORPORA / "seeds")]) == 0
    out = capsys.readouterr().out
    assert "plan splitting" in out and "sections" in out and "level accuracy" in out


def test_evaluate_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(CORPORA / "dev"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["totals"]) >= {"documents", "sections", "levels"}


def test_evaluate_by_a_field_of_the_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeds = CORPORA / "seeds"
    for stem, unit in (("001_e7efcc45f3e8324d", "school"), ("003_576e4f2e877ac610", "hospital")):
        for suffix in (".txt", ".gold.json"):
            shutil.copy(seeds / (stem + suffix), tmp_path / (stem + suffix))
        with (tmp_path / "index.jsonl").open("a", encoding="utf-8") as index:
            index.write(json.dumps({"file": stem + ".txt", "unit_type": unit}) + "\n")
    assert main(["evaluate", str(tmp_path), "--by", "unit_type"]) == 0
    out = capsys.readouterr().out
    _, _, table = out.partition("by unit_type:\n")
    rows = [line.split() for line in table.splitlines()[2:-1]]
    assert sorted(row[:2] for row in rows) == [["hospital", "1"], ["school", "1"]]
    assert main(["evaluate", str(tmp_path), "--by", "region"]) == 0
    assert "gives no 'region' (it gives: unit_type)" in capsys.readouterr().out
    # with --json: every row's totals for each value, which add up to the whole
    assert main(["evaluate", str(tmp_path), "--by", "unit_type", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by = data["by"]
    assert by["field"] == "unit_type" and sorted(by["values"]) == ["hospital", "school"]
    assert all(v["files"] == 1 for v in by["values"].values())
    for row in ("deadlines", "parties"):
        for count in ("tp", "predicted", "gold"):
            parts = sum(v["totals"][row][count] for v in by["values"].values())
            assert parts == data["totals"][row][count]
    assert main(["evaluate", str(tmp_path), "--by", "region", "--json"]) == 0
    by = json.loads(capsys.readouterr().out)["by"]
    assert by["values"] == {} and "gives no 'region'" in by["note"]


def test_evaluate_json_by_a_field_gives_each_folder_its_own_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # two folders, scored by a stand-in for the pipeline: the first has an index, the
    # second none; each gets its own "by", with the totals of its own files
    from unionnlp.evaluate import EvalReport, FileResult, Score

    indexed, bare = tmp_path / "indexed", tmp_path / "bare"
    indexed.mkdir()
    bare.mkdir()
    rows = [{"file": "a.txt", "unit_type": "school"}, {"file": "b.txt", "unit_type": "school"}]
    (indexed / "index.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8"
    )

    def result(source: str, tp: int, pred: int, gold: int) -> FileResult:
        return FileResult(source, {"parties": Score(tp, pred, gold)}, 1, 1, source=source)

    reports = {
        str(indexed): [
            result("a.txt", 1, 1, 2),
            result("b.txt", 2, 3, 3),
            result("c.txt", 0, 1, 1),
        ],
        str(bare): [result("d.txt", 1, 1, 1)],
    }

    def evaluate_dir(gold_dir: str, **_: Any) -> EvalReport:
        files = reports[gold_dir]
        total = Score()
        for f in files:
            total.add(f.scores["parties"])
        return EvalReport(files, {"parties": total})

    monkeypatch.setattr("unionnlp.evaluate.evaluate_dir", evaluate_dir)
    monkeypatch.setattr("unionnlp.evaluate.ThemeScorer", lambda *_, **__: None)
    monkeypatch.setattr("unionnlp.pipeline.Pipeline.default", lambda **_: None)
    assert main(["evaluate", str(indexed), str(bare), "--by", "unit_type", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by = data[str(indexed)]["by"]
    assert by["field"] == "unit_type" and "note" not in by
    assert list(by["values"]) == ["school", "?"]  # most files first; c.txt is not indexed
    assert [v["files"] for v in by["values"].values()] == [2, 1]
    school = by["values"]["school"]["totals"]["parties"]
    assert (school["tp"], school["predicted"], school["gold"]) == (3, 4, 5)
    by = data[str(bare)]["by"]
    assert by["field"] == "unit_type" and by["values"] == {}
    assert "there is no index.jsonl" in by["note"]


def test_evaluate_errors_are_listed_by_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(CORPORA / "dev"), "--errors"]) == 0
    out = capsys.readouterr().out
    table, _, errors = out.partition("\n== ")
    assert "deadlines" in table and errors  # the table first, then one block per file
    blocks = ("== " + errors).split("\n== ")
    per_file = [b for b in blocks if not b.lstrip("= ").startswith("themes:")]
    lines = [line for b in per_file for line in b.splitlines()[1:]]
    stages = ("documents", "sections", "deadlines", "parties")
    assert lines and all(line.split()[0] in stages for line in lines)
    kinds = ("missed", "spurious", "level", "kind", "value", "role")
    assert all(line.split()[1] in kinds for line in lines)
    # then the themes: the level-1 sections missed, and first gold label against top label
    assert any(b.startswith("themes: first gold label") for b in blocks)


def test_evaluate_perturbed_copies_of_the_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_text("一、组织建设\n1、调整工会小组。\n二、民主管理\n", "utf-8")
    sections = [
        {"level": 1, "marker": "一、", "title": "组织建设"},
        {"level": 2, "marker": "1、", "title": "调整工会小组"},
        {"level": 1, "marker": "二、", "title": "民主管理"},
    ]
    gold = {"source": "a.txt", "documents": [{"sections": sections}]}
    (tmp_path / "a.gold.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
    assert (
        main(["evaluate", str(tmp_path), "--perturb", "crlf", "--json", "--folds", "0,1,2,3,4"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["perturbation"] == "crlf" and data["totals"]["sections"]["f1"] == 1.0
    # several names: one report each, in order; none is the text as read
    assert main(["evaluate", str(tmp_path), "--perturb", "run-on,none", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["run-on", "none"]
    assert (data["run-on"]["perturbation"], data["none"]["perturbation"]) == ("run-on", None)
    assert main(["evaluate", str(tmp_path), "--perturb", "none,indent", "--errors"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"== {tmp_path} --perturb none\n")
    assert f"\n\n== {tmp_path} --perturb indent\n" in out
    assert out.count("plan splitting") == 2 and "perturbation: indent (" in out


def test_evaluate_refuses_an_unknown_perturbation(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["evaluate", "corpora/dev", "--perturb", "run-on,runon"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "'run-on,runon'" in err and "none, run-on, run-on-tight, traditional" in err
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    assert "blank-lines: a blank line between every two lines" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# the paths a new user takes (issue 18)

CLI = [sys.executable, "-m", "unionnlp.cli"]
CALENDAR_PLAN = (
    "2024年机关工会工作计划\n一、组织建设\n1、调整工会小组，3月底前完成。\n2、6月底前召开职代会。"
)


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, **kwargs)


def _one_line_error(stderr: str) -> str:
    """The error output of a command that failed cleanly: one line, no traceback."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith("unionnlp: ")
    return lines[0]


def _limited(args: list[str], limit: int) -> subprocess.CompletedProcess[str]:
    """Run the command with writes past ``limit`` bytes failing, as on a full disk (EFBIG)."""
    code = (
        "import resource, signal, sys;"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN);"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}));"
        "from unionnlp.cli import main;"
        f"sys.exit(main({args!r}))"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


# item 1: the hint after convert names only what works


def test_convert_hint_names_a_compare_that_reads_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("out.jsonl", "out.sqlite"):
        assert main(["convert", str(SEEDS[3]), "-o", str(tmp_path / name)]) == 0
        hint = [line for line in capsys.readouterr().out.splitlines() if line.startswith("next:")]
        assert len(hint) == 1 and f"unionnlp compare {tmp_path / name} " in hint[0]
    assert main(["convert", str(SEEDS[3]), "-o", str(tmp_path / "out.csv")]) == 0
    out = capsys.readouterr().out
    assert "compare" not in out.replace("compare plans.jsonl", "")
    assert "-o plans.jsonl" in out


# item 2: walking a folder skips what no reader handles, and counts it


def test_convert_folder_skips_unhandled_files_and_counts_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "seeds.jsonl"
    assert main(["convert", str(CORPORA / "seeds"), "--exclude", "*.md", "-o", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(r["source"]["path"]).name for r in records] == [p.name for p in SEEDS]
    assert all("failure" not in r for r in records)
    summary = capsys.readouterr().out
    assert "skipped 5 files of a type no reader handles (.json 5)" in summary
    # a file named on the command line is taken as given, and fails loudly
    gold = sorted((CORPORA / "seeds").glob("*.gold.json"))[0]
    assert main(["convert", str(gold), "-o", str(tmp_path / "gold.jsonl"), "-q"]) == 1
    record = json.loads((tmp_path / "gold.jsonl").read_text(encoding="utf-8"))
    assert record["failure"]["error"] == "UnsupportedFormatError"


# item 3: manifest years as people write them


def test_manifest_years_as_written_and_a_bad_cell_is_a_warning(tmp_path: Path) -> None:
    texts = {"a": "一、组织建设\n1、调整小组。", "b": "一、宣传教育\n1、举办讲座。"}
    texts |= {"c": "一、文体活动\n1、举办运动会。", "d": "一、权益保障\n1、走访慰问。"}
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    (folder / "units.csv").write_text(
        "path,unit,year\na.txt,机关工会,2023年\nb.txt,校工会,二〇二三年\n"
        "c.txt,校工会,2023-2024学年\nd.txt,医院工会,明年\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = _run(["convert", str(folder), "-o", str(out), "--manifest", str(folder / "units.csv")])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warning = [line for line in result.stderr.splitlines() if "明年" in line]
    assert len(warning) == 1 and "line 5" in warning[0] and "year" in warning[0]
    records = {
        Path(r["source"]["path"]).stem: r
        for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())
    }
    assert [records[k]["documents"][0]["year"] for k in "abcd"] == [2023, 2023, 2023, None]
    assert records["d"]["documents"][0]["unit"] == "医院工会"


# item 4: a write that fails is one line, exit 2, and leaves no partial output


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        ["parse", str(SEEDS[3])],
        ["parse", str(SEEDS[3]), "--format", "text"],
        ["agreement", *[str(SEEDS[4].with_suffix(".gold.json"))] * 2],
    ],
    ids=["parse-json", "parse-text", "agreement"],
)
def test_standard_output_on_a_full_device(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run([*CLI, *args], stdout=full, stderr=subprocess.PIPE, text=True)
    assert result.returncode == 2
    assert "No space left on device" in _one_line_error(result.stderr)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_calendar_to_a_full_device(tmp_path: Path) -> None:
    source = tmp_path / "plan.txt"
    source.write_text(CALENDAR_PLAN, encoding="utf-8")
    result = _run(["calendar", str(source), "-o", "/dev/full"])
    assert result.returncode == 2
    assert "No space left on device" in _one_line_error(result.stderr)


@pytest.mark.parametrize(("command", "name"), [("calendar", "plan.ics"), ("show", "plan.html")])
def test_a_full_disk_leaves_no_partial_file(tmp_path: Path, command: str, name: str) -> None:
    pytest.importorskip("icalendar")
    source = tmp_path / "plan.txt"
    source.write_text(CALENDAR_PLAN, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = _limited([command, str(source), "-o", str(out / name)], limit=300)
    assert result.returncode == 2
    assert "cannot write" in _one_line_error(result.stderr)
    assert list(out.iterdir()) == []  # neither a cut file nor a temporary one
    # the same command with room to write succeeds
    assert _limited([command, str(source), "-o", str(out / name)], limit=10_000_000).returncode == 0
    assert [p.name for p in out.iterdir()] == [name]


def test_a_full_disk_keeps_the_previous_file(tmp_path: Path) -> None:
    source = tmp_path / "plan.txt"
    source.write_text(CALENDAR_PLAN, encoding="utf-8")
    out = tmp_path / "plan.html"
    out.write_text("the previous page", encoding="utf-8")
    result = _limited(["show", str(source), "-o", str(out)], limit=300)
    assert result.returncode == 2
    assert out.read_text(encoding="utf-8") == "the previous page"


def test_an_unwritable_output_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "plan.txt"
    source.write_text(CALENDAR_PLAN, encoding="utf-8")
    missing = tmp_path / "no" / "such" / "folder"
    assert main(["show", str(source), "-o", str(missing / "plan.html")]) == 2
    assert "cannot write" in _one_line_error(capsys.readouterr().err)
    if importlib.util.find_spec("icalendar"):
        assert main(["calendar", str(source), "-o", str(missing / "plan.ics")]) == 2
        assert "cannot write" in _one_line_error(capsys.readouterr().err)


# item 5: Ctrl-C stops the run in one line, exit 130, and --resume continues it


@pytest.mark.skipif(sys.platform != "linux", reason="process groups and signals as on Linux")
def test_ctrl_c_stops_convert_cleanly_and_resume_continues(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    n = 60
    for i in range(n):
        text = f"一、组织建设\n1、第{i}项：调整小组。"
        (folder / f"{i:03d}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    journal = tmp_path / "out.jsonl.journal"
    # Each file takes at least 50 ms, so that the run is still going when it is interrupted.
    code = (
        "import signal, sys, time\n"
        # Ctrl-C as in a terminal, even where the test runs as a background job of a shell
        # (which starts it with SIGINT ignored, and Python keeps that)
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from unionnlp import batch\n"
        "from unionnlp.cli import main\n"
        "real = batch.process_file\n"
        "def slowed(path, metadata=None, **options):\n"
        "    time.sleep(0.05)\n"
        "    return real(path, metadata, **options)\n"
        "batch.process_file = slowed\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    # A terminal's Ctrl-C sends SIGINT to the whole foreground process group.
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "convert", str(folder), "-o", str(out), "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    line = _one_line_error(stderr)
    assert "--resume" in line and str(journal) in line
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):  # the workers are gone too
        os.killpg(proc.pid, 0)
    assert not out.exists()
    result = _run(["convert", str(folder), "-o", str(out), "-j", "2", "--resume", "-q"])
    assert result.returncode == 0, result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [Path(json.loads(line)["source"]["path"]).name for line in lines] == [
        f"{i:03d}.txt" for i in range(n)
    ]
    assert "failure" not in "".join(lines)


# item 6: -j 1 converts in a child process too; -j 0 and negative values are refused


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers inherit the patch")
def test_one_worker_survives_a_file_that_kills_its_process(tmp_path: Path) -> None:
    for name in ("a", "crash", "c"):
        (tmp_path / f"{name}.txt").write_text("一、组织建设\n1、调整小组。", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = (
        "import os, sys\n"
        "from unionnlp import batch\n"
        "from unionnlp.cli import main\n"
        "real = batch.process_file\n"
        "def fragile(path, metadata=None, **options):\n"
        "    if 'crash' in str(path):\n"
        "        os._exit(3)  # as a native crash or the OOM killer would end the process\n"
        "    return real(path, metadata, **options)\n"
        "batch.process_file = fragile\n"
        f"sys.exit(main(['convert', {str(tmp_path)!r}, '-o', {str(out)!r}, '-q', '-j', '1']))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(r["source"]["path"]).stem for r in records] == ["a", "c", "crash"]
    assert [r["failure"]["error"] for r in records if "failure" in r] == ["WorkerCrash"]


@pytest.mark.parametrize("workers", ["0", "-1", "two"])
def test_workers_must_be_a_positive_number(
    workers: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["convert", str(SEEDS[3]), "-o", str(tmp_path / "o.jsonl"), "-j", workers])
    assert info.value.code == 2
    assert "-j/--workers" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


# item 7: small gaps


def test_parse_reads_standard_input() -> None:
    data = SEEDS[3].read_bytes()
    result = subprocess.run([*CLI, "parse", "-"], input=data, capture_output=True)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    from_file = json.loads(_run(["parse", str(SEEDS[3])]).stdout)
    assert record["source"]["path"] == "<stdin>"
    assert record["documents"] == from_file["documents"]
    gbk = subprocess.run(
        [*CLI, "parse", "-", "--format", "text"],
        input=SEEDS[3].read_text(encoding="utf-8").encode("gb18030"),
        capture_output=True,
    )
    assert gbk.returncode == 0 and "一、" in gbk.stdout.decode("utf-8")


def test_parse_help_lists_every_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["parse", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for suffix in (".txt", ".md", ".html", ".docx", ".doc", ".wps", ".rtf", ".odt", ".pdf"):
        assert suffix in text
    assert "standard input" in text


def test_calendar_to_standard_output(tmp_path: Path) -> None:
    icalendar = pytest.importorskip("icalendar")
    source = tmp_path / "plan.txt"
    source.write_text(CALENDAR_PLAN, encoding="utf-8")
    result = subprocess.run(
        [*CLI, "calendar", str(source), "-o", "-"], capture_output=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    todos = [c for c in icalendar.Calendar.from_ical(result.stdout).walk() if c.name == "VTODO"]
    assert len(todos) == 2
    assert b"2 to-dos" in result.stderr
    assert not (tmp_path / "-").exists()


def test_calendar_writes_the_good_inputs_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    icalendar = pytest.importorskip("icalendar")
    good = tmp_path / "plan.txt"
    good.write_text(CALENDAR_PLAN, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    broken = tmp_path / "broken.jsonl"
    broken.write_text("not json\n", encoding="utf-8")
    out = tmp_path / "plan.ics"
    code = main(["calendar", str(empty), str(good), str(broken), "-o", str(out)])
    assert code == 1
    todos = [c for c in icalendar.Calendar.from_ical(out.read_bytes()).walk() if c.name == "VTODO"]
    assert len(todos) == 2
    err = capsys.readouterr().err
    assert f"skipped {empty}:" in err and f"skipped {broken}:" in err


def test_calendar_skip_lines_name_the_file_and_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("icalendar")
    source = tmp_path / "plan.txt"
    source.write_text(
        "工会工作计划\n一、重点工作\n1、学年末完成会员信息核对。\n2、新学期召开会员代表大会。"
        "\n3、端午节前组织包粽子比赛。",
        encoding="utf-8",
    )
    assert main(["calendar", str(source), "-o", str(tmp_path / "plan.ics")]) == 0
    lines = capsys.readouterr().err.splitlines()
    by_deadline = {d: [line for line in lines if f"'{d}'" in line] for d in ("学年末", "新学期")}
    for deadline, found in by_deadline.items():
        assert len(found) == 1, (deadline, lines)
        assert str(source) in found[0] and "lunar" not in found[0]
        assert "no fixed calendar date" in found[0]
    lunar = [line for line in lines if "'端午节前'" in line]
    assert len(lunar) == 1 and "--year" in lunar[0]
    assert str(source) in lunar[0]


def test_dask_refuses_an_output_that_is_not_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.jsonl"
    assert main(["convert", str(SEEDS[3]), "-o", str(out), "--dask", "local"]) == 2
    assert "folder" in _one_line_error(capsys.readouterr().err)
    assert not out.exists()


def test_dask_refuses_resume_rather_than_ignoring_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["convert", str(SEEDS[3]), "-o", str(out), "--dask", "local", "--resume"]
    assert main(argv) == 2
    assert "--resume" in _one_line_error(capsys.readouterr().err)
    assert not out.exists()
