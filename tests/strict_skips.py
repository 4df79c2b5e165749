"""Skips that hide a missing dependency fail the run when UNIONNLP_STRICT_SKIPS=1 (CI).

On a developer's machine a test that needs LibreOffice, Chromium or a dev
extra skips with its reason shown (``-rs``). CI (.ci/run) installs all of them,
so there such a skip means the set-up broke: the session then fails and lists
them. A skip counts as a missing dependency when its reason starts with
:data:`MISSING` (use :func:`needs_command`) or is pytest's ``could not import``
(``pytest.importorskip``). Skips for other reasons (platform, root, the real
corpus) stay skips.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

#: Prefix of the reason of a skip for a missing system dependency.
MISSING = "missing system dependency: "
STRICT_VARIABLE = "UNIONNLP_STRICT_SKIPS"


def strict() -> bool:
    return os.environ.get(STRICT_VARIABLE, "") not in ("", "0")


def needs_command(command: str, what: str) -> pytest.MarkDecorator:
    """Skip (fail under UNIONNLP_STRICT_SKIPS=1) when ``command`` is not on PATH."""
    return pytest.mark.skipif(shutil.which(command) is None, reason=f"{MISSING}{what}")


def _reason(report: Any) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _missing(session: pytest.Session) -> list[str]:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return []
    reasons = [(r.nodeid, _reason(r)) for r in reporter.stats.get("skipped", [])]
    return [
        f"{nodeid}: {reason}"
        for nodeid, reason in reasons
        if reason.startswith(MISSING) or reason.startswith("could not import")
    ]


_FOUND = pytest.StashKey[list[str]]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not strict():
        return
    missing = session.config.stash[_FOUND] = _missing(session)
    if missing and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    missing = config.stash.get(_FOUND, [])
    if missing:
        terminalreporter.section(f"{STRICT_VARIABLE}=1: missing dependencies fail the run")
        for line in missing:
            terminalreporter.line(line)
