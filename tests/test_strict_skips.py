"""UNIONNLP_STRICT_SKIPS=1 (CI) turns a skip for a missing dependency into a failed run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

CASE = """
import pytest
from tests.strict_skips import needs_command

@needs_command("unionnlp-no-such-command", "a stand-in tool")
def test_needs_a_tool():
    pass

def test_needs_a_module():
    pytest.importorskip("unionnlp_no_such_module")

def test_skipped_for_another_reason():
    pytest.skip("not on this platform")

def test_runs():
    assert True
"""


def _pytest(tmp_path: Path, strict: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_case.py").write_text(CASE, encoding="utf-8")
    env = {**os.environ, "UNIONNLP_STRICT_SKIPS": strict}
    command = [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml")]
    command += ["-p", "tests.strict_skips", "-p", "no:cacheprovider"]
    command.append(str(tmp_path / "test_case.py"))
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_skips_are_listed_and_pass_by_default(tmp_path: Path) -> None:
    result = _pytest(tmp_path, "")
    assert result.returncode == 0, result.stdout
    assert "missing system dependency: a stand-in tool" in result.stdout  # -rs lists it
    assert "1 passed, 3 skipped" in result.stdout


def test_strict_mode_fails_on_missing_dependencies_only(tmp_path: Path) -> None:
    result = _pytest(tmp_path, "1")
    assert result.returncode == 1, result.stdout
    summary = result.stdout.split("missing dependencies fail the run", 1)[1]
    assert "test_needs_a_tool" in summary and "test_needs_a_module" in summary
    assert "test_skipped_for_another_reason" not in summary
