"""The README's examples do what it says: its Python session runs as a doctest, and
every command of "Use it from the shell" runs on `corpora/` and succeeds."""

from __future__ import annotations

import doctest
import io
import json
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from unionnlp.cli import main

from .conftest import CORPORA, ROOT

README = ROOT / "README.md"
SEED = CORPORA / "seeds" / "004_ac45cb97727a9843"
#: commands that take from half a minute to minutes on the whole corpus (`make test-all`)
SLOW = ("unionnlp compare", "unionnlp evaluate", "unionnlp train")


def _blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def _shell_commands() -> list[str]:
    """The commands of the README's shell section, comments removed."""
    section = README.read_text(encoding="utf-8").split("## Use it from the shell", 1)[1]
    block = re.search(r"^```sh\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)
    assert block, "the README's shell section has no ```sh block"
    commands = [line.split("  #", 1)[0].strip() for line in block.group(1).splitlines()]
    return [c for c in commands if c]


def test_the_python_session_runs_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _blocks("pycon")
    assert blocks, "the README has no ```pycon session"
    monkeypatch.chdir(ROOT)  # its paths are relative to the repository
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    out = io.StringIO()
    for n, block in enumerate(blocks):
        test = doctest.DocTestParser().get_doctest(block, {}, f"README[{n}]", str(README), 0)
        assert test.examples
        runner.run(test, out=out.write)
    assert runner.failures == 0, out.getvalue()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder where the README's file names exist, made of `corpora/` files.

    plan.txt is a seed; plan.docx the test fixture; folder/ is corpora/dev (plans,
    gold files and a README.md); corpora/ the bundled corpus; units.csv a manifest of
    folder/ with years written as people write them; a.gold.json and b.gold.json the two
    annotation passes of the seed in corpora/agreement.
    """
    shutil.copy(SEED.with_suffix(".txt"), tmp_path / "plan.txt")
    shutil.copy(ROOT / "tests" / "fixtures" / "plan.docx", tmp_path / "plan.docx")
    (tmp_path / "folder").symlink_to(CORPORA / "dev", target_is_directory=True)
    (tmp_path / "corpora").symlink_to(CORPORA, target_is_directory=True)
    years = ["2023年", "二〇二三年", "2023-2024学年", "2023"]
    rows = [
        f"folder/{p.name},,,,{years[n % len(years)]}"
        for n, p in enumerate(sorted((CORPORA / "dev").glob("*.txt")))
    ]
    (tmp_path / "units.csv").write_text(
        "path,unit,unit_type,region,year\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    shutil.copy(SEED.with_suffix(".txt"), tmp_path / SEED.with_suffix(".txt").name)
    shutil.copy(SEED.with_suffix(".gold.json"), tmp_path / "a.gold.json")
    second = json.loads((CORPORA / "agreement" / f"{SEED.name}.pass2.json").read_text("utf-8"))
    second["source"] = SEED.with_suffix(".txt").name  # beside it here, as beside the first
    (tmp_path / "b.gold.json").write_text(json.dumps(second, ensure_ascii=False), "utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(command: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run one README command line through the console script's entry point."""
    words = shlex.split(command)
    assert words[0] == "unionnlp", command
    args = words[1:]
    if "<" in args:  # the shell's redirection of standard input
        at = args.index("<")
        data = Path(args[at + 1]).read_bytes()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        args = args[:at] + args[at + 2 :]
    return main(args)


def _run_all(
    commands: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in commands:
        code = _run(command, monkeypatch)
        captured = capsys.readouterr()
        assert code == 0, f"{command!r} exited {code}: {captured.err}"
        assert "Traceback" not in captured.err, command
        if command.startswith("unionnlp parse") and "--format text" not in command:
            record = json.loads(captured.out)
            assert record["documents"] and record["source"]["sha256"], command
        if command.startswith("unionnlp convert"):
            hint = [line for line in captured.out.splitlines() if line.startswith("next:")]
            assert hint and "unionnlp compare" in hint[0], command


def test_every_shell_command_succeeds_on_the_corpus(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pandas")
    pytest.importorskip("icalendar")
    commands = [c for c in _shell_commands() if not c.startswith(SLOW)]
    assert len(commands) >= 9
    _run_all(commands, monkeypatch, capsys)
    for output in ("plans.jsonl", "plans.xlsx", "plan.ics", "plan.html"):
        assert (workspace / output).stat().st_size > 0, output
    # `convert corpora/ --exclude '*.md'`: the plans only, neither notes nor gold files
    records = [json.loads(line) for line in (workspace / "plans.jsonl").read_text().splitlines()]
    names = [Path(r["source"]["path"]).name for r in records]
    assert names and all(name.endswith(".txt") for name in names)
    assert len(names) == len(list(CORPORA.rglob("*.txt")))


@pytest.mark.slow
def test_the_slow_shell_commands_succeed_on_the_corpus(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole section in its order (compare reads what convert wrote)."""
    commands = _shell_commands()
    assert sum(c.startswith(SLOW) for c in commands) == len(SLOW)
    # train writes here, not over the model inside the package (issue 18, item 9)
    commands = [
        f"{c} --output-dir {workspace / 'model'}" if c.startswith("unionnlp train") else c
        for c in commands
    ]
    _run_all(commands, monkeypatch, capsys)
    assert (workspace / "report" / "report.html").stat().st_size > 0
    assert (workspace / "model" / "themes_model.npz").exists()
