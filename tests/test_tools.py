"""tools/system-packages: what `make test` runs to install the Debian packages it needs.

The packages are installed on the test machine, so the install path is checked with
stand-in ``apt-get``/``sudo`` commands that record how they were called; the check of
what is installed uses the real ``dpkg-query`` (a package that cannot exist is missing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.strict_skips import needs_command

SCRIPT = ROOT / "tools" / "system-packages"
FAKE = "unionnlp-no-such-package"

needs_dpkg = needs_command("dpkg-query", "dpkg-query (Debian's package database)")


def _stub(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(0o755)
    return path


def _run(*packages: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *packages],
        capture_output=True,
        text=True,
        env={**os.environ, "UNIONNLP_SYSTEM_PACKAGES": "", **env},
        timeout=60,
    )


@pytest.fixture
def apt_log(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A stand-in apt-get (and sudo) that log each call with DEBIAN_FRONTEND."""
    log = tmp_path / "apt.log"
    apt = _stub(
        tmp_path / "apt-get", f'echo "$DEBIAN_FRONTEND $*" >> {log}\n'
    )  # succeeds, installs nothing
    sudo = _stub(tmp_path / "sudo", '[ "$1" = -n ] && shift\nexec "$@"\n')
    return log, {"APT_GET": str(apt), "SUDO": str(sudo)}


@needs_dpkg
def test_nothing_to_do_when_every_package_is_installed(
    apt_log: tuple[Path, dict[str, str]],
) -> None:
    log, env = apt_log
    result = _run("dpkg", **env)  # dpkg is installed wherever dpkg-query is
    assert result.returncode == 0, result.stderr
    assert not log.exists()  # no apt-get update, no network


@needs_dpkg
def test_a_missing_package_is_installed_with_apt_get(
    apt_log: tuple[Path, dict[str, str]],
) -> None:
    log, env = apt_log
    result = _run("dpkg", FAKE, **env)
    assert result.returncode == 0, result.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls[0] == "noninteractive update -qq"  # the package lists first
    assert calls[1] == f"noninteractive install -y -qq {FAKE}"  # only what is missing
    assert len(calls) == 2


@needs_dpkg
def test_without_apt_get_it_stops_naming_packages_and_command(tmp_path: Path) -> None:
    result = _run("dpkg", FAKE, APT_GET=str(tmp_path / "no-apt-get"))
    assert result.returncode == 1
    assert f"system packages missing: {FAKE}\n" in result.stderr
    assert f"apt-get install -y {FAKE}" in result.stderr
    assert "UNIONNLP_SYSTEM_PACKAGES=skip" in result.stderr


@needs_dpkg
def test_a_failed_install_stops_with_the_command(tmp_path: Path) -> None:
    apt = _stub(tmp_path / "apt-get", "exit 100\n")
    sudo = _stub(tmp_path / "sudo", '[ "$1" = -n ] && shift\nexec "$@"\n')
    result = _run(FAKE, APT_GET=str(apt), SUDO=str(sudo))
    assert result.returncode == 1
    assert "apt-get failed" in result.stderr and f"apt-get install -y {FAKE}" in result.stderr


@needs_dpkg
@pytest.mark.skipif(os.geteuid() == 0, reason="root may always install")
def test_without_root_or_sudo_it_stops(tmp_path: Path) -> None:
    apt = _stub(tmp_path / "apt-get", "exit 0\n")
    result = _run(FAKE, APT_GET=str(apt), SUDO=str(tmp_path / "no-sudo"))
    assert result.returncode == 1
    assert "needs root" in result.stderr


def test_skip_does_nothing(tmp_path: Path) -> None:
    result = _run(FAKE, UNIONNLP_SYSTEM_PACKAGES="skip", APT_GET=str(tmp_path / "none"))
    assert result.returncode == 0


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_test_sets_up_the_system_packages_the_suite_needs() -> None:
    # The suite needs LibreOffice and its Python bridge (office readers), a CJK font (charts),
    # Chromium (report).
    dry = subprocess.run(
        ["make", "-n", "test", "report"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    packages = "libreoffice-writer-nogui python3-uno fonts-noto-cjk chromium"
    assert f"tools/system-packages {packages}" in lines
    assert "tools/system-packages fonts-noto-cjk" in lines  # the report draws charts
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get" not in ci  # CI runs the README's command, which does the set-up
