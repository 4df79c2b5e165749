"""Shared fixtures: the corpus paths and one pipeline for the whole session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from unionnlp.normalize import Normalizer
from unionnlp.pipeline import Pipeline

pytest_plugins = ["tests.strict_skips"]

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "corpora"
SEEDS = sorted((CORPORA / "seeds").glob("*.txt"))
SCHEMA_PATH = ROOT / "unionnlp" / "data" / "plan.schema.json"


@pytest.fixture(scope="session")
def _cache_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache-home")


@pytest.fixture(autouse=True)
def _private_cache_home(_cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the library keeps between runs (LibreOffice's built profile) goes to a folder
    of the test session, not to the user's ``~/.cache``."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(_cache_home))


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return Pipeline()


@pytest.fixture(scope="session")
def normalizer() -> Normalizer:
    return Normalizer()


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in SEEDS}


@pytest.fixture(scope="session")
def record_validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def seed_id(path: Path) -> str:
    return path.name[:3]


def process_running(pid: int) -> bool:
    """Whether process ``pid`` is alive (a zombie or dead one is not), from /proc."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
