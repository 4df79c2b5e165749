"""Every rule of the data files fires on a text outside its own examples, and matters.

A rule's `match` examples go with it when it is deleted, so they cannot notice
its loss. The cases in tests/cases/rules.toml can: each names a rule and a short
plan text; the whole pipeline (without themes) parses it once as shipped and
once with that rule taken out of its file, and the outputs must differ. The
case also pins what the rule's output must hold (a deadline's kind and value, a
party's role, a section's marker), so a rule that still fires but gives another
result fails too.

New rules are picked up from the data files: one with no case fails
:func:`test_every_rule_has_a_case` with the line to add.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from unionnlp import resources
from unionnlp._numerals import YearReader
from unionnlp.deadlines import DeadlineExtractor
from unionnlp.errors import DataFileError
from unionnlp.normalize import Normalizer
from unionnlp.parties import PartyExtractor
from unionnlp.pipeline import Pipeline
from unionnlp.structure import StructureParser

CASES_PATH = Path(__file__).parent / "cases" / "rules.toml"
CASES: list[dict[str, Any]] = tomllib.loads(CASES_PATH.read_text(encoding="utf-8"))["case"]

#: Rule tables that need no case here, and why.
EXEMPT = {
    # shortcuts: removing one changes no output, only speed; tests/test_parties.py
    # checks that they never drop a match of their slot
    "parties.toml:trigger",
    # comparison of units (unionnlp compare), not parse: tests/test_compare.py
    "compare.toml:quantity",
}


def data_rules() -> list[str]:
    """``FILE:TABLE:NAME`` of every named rule (an entry with a pattern) in the data files."""
    found = []
    for path in sorted(Path(resources.data_path("")).glob("*.toml")):
        data = resources.load_toml(path)
        for table, entries in data.items():
            if f"{path.name}:{table}" in EXEMPT or not isinstance(entries, list):
                continue
            for entry in entries:
                if isinstance(entry, dict) and "pattern" in entry and "name" in entry:
                    found.append(f"{path.name}:{table}:{entry['name']}")
    return found


RULES = data_rules()


@contextmanager
def _without(rule_id: str) -> Iterator[None]:
    """The data files as read by every module of unionnlp, less the rule ``rule_id``."""
    file, table, name = rule_id.split(":")
    real = resources.load_toml

    def load_toml(name_or_path: str | Path) -> dict[str, Any]:
        data = real(name_or_path)
        if resources._resolve(name_or_path).name == file and table in data:
            data = {**data, table: [e for e in data[table] if e.get("name") != name]}
        return data

    modules = [
        m
        for n, m in list(sys.modules.items())
        if (n == "unionnlp" or n.startswith("unionnlp.")) and getattr(m, "load_toml", None) is real
    ]
    for module in modules:
        module.load_toml = load_toml  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module in modules:
            module.load_toml = real  # type: ignore[attr-defined]


def _pipeline() -> Pipeline:
    """Fresh stages (they load their data files on first use), themes left out."""
    return Pipeline(Normalizer(), StructureParser(), [DeadlineExtractor(), PartyExtractor()])


def _run(case: dict[str, Any], pipeline: Pipeline) -> Any:
    try:
        if case["rule"].startswith("metadata.toml:year:"):
            return YearReader()(case["text"])
        return [plan.to_dict(with_source=False) for plan in pipeline.parse(case["text"])]
    except DataFileError as err:  # the only rule of its table was taken out: loading fails
        return repr(err)


@pytest.fixture(scope="module")
def shipped() -> Pipeline:
    return _pipeline()


#: Rules that reached main with the structure, parties and deadlines merges (issue
#: 14) after this test was written, and have no case yet. Cases are owed: each one written
#: takes its rule off this list (a listed rule with a case, or gone, fails).
OWED = {
    "deadlines.toml:rule:day_range",
    "deadlines.toml:rule:month_pair",
    "deadlines.toml:rule:quoted_festival",
    "deadlines.toml:rule:year_festival",
    "deadlines.toml:rule:recurrence_by_period",
    "deadlines.toml:rule:recurrence_birthday",
    "markers.toml:family:cn_half_paren",
    "markers.toml:family:seq_word_yao",
    "markers.toml:family:bullet",
    "markers.toml:family:lost_digits",
    "markers.toml:month:month_column",
    "markers.toml:title:plan_title_glued",
    "normalize.toml:boilerplate:attachment_list",
    "normalize.toml:boilerplate:doc_share_intro",
    "normalize.toml:boilerplate:page_chunk_counter",
    "normalize.toml:boilerplate:doc_site_disclaimer",
    "normalize.toml:boilerplate:doc_site_metadata",
    "normalize.toml:boilerplate:compilation_teaser",
    "normalize.toml:boilerplate:further_reading",
    "parties.toml:slot:coordinate",
    "parties.toml:slot:assigned",
    "parties.toml:slot:causative",
    "parties.toml:slot:within",
    "parties.toml:slot:leadership",
    "parties.toml:slot:founded",
    "parties.toml:slot:enumerated",
    "parties.toml:slot:event_organiser",
    "parties.toml:scope:opening",
    "parties.toml:scope:opening_line",
    "parties.toml:scope:closing",
    "parties.toml:tail:organise",
}


def test_owed_cases_are_still_owed() -> None:
    covered = {case["rule"] for case in CASES}
    stale = sorted(rule for rule in OWED if rule in covered or rule not in RULES)
    assert not stale, f"take these off OWED (they have a case, or are gone): {stale}"


def test_every_rule_has_a_case() -> None:
    covered = {case["rule"] for case in CASES}
    missing = [rule for rule in RULES if rule not in covered and rule not in OWED]
    assert not missing, (
        f"rules with no case in {CASES_PATH.name}: {missing}. Add a [[case]] with"
        ' `rule = "FILE:TABLE:NAME"`, a short plan text of your own where the rule'
        " fires, and what it must give (see the head of the file)."
    )


def test_every_case_names_a_rule_once() -> None:
    rules = [case["rule"] for case in CASES]
    gone = sorted(set(rules) - set(RULES))
    assert not gone, (
        f"cases for rules no data file holds: {gone}. A rule was removed or renamed;"
        " if on purpose, rename or delete its case."
    )
    assert len(rules) == len(set(rules))


def _items(plans: list[dict[str, Any]]) -> dict[str, list[Any]]:
    sections = [s for p in plans for s in p["sections"]]
    measures = [m for s in sections for m in s["measures"]]
    return {
        "deadlines": [
            [d["text"], d["kind"], d["value"] or ""] for m in measures for d in m["deadlines"]
        ],
        "parties": [
            [p["name"], p["role"]] for m in measures for p in m["parties"] if not p["implicit"]
        ],
        "sections": [[s["marker"], s["title"]] for s in sections],
        "titles": [p["title"] or "" for p in plans],
        "placeholders": [[h["text"], h["kind"]] for p in plans for h in p["placeholders"]],
        "schedules": [m["schedule"] for m in measures],
        "texts": [p["title"] or "" for p in plans]
        + [s["title"] for s in sections]
        + [m["text"] for m in measures],
    }


@pytest.mark.parametrize("case", CASES, ids=[case["rule"] for case in CASES])
def test_rule_fires_and_matters(case: dict[str, Any], shipped: Pipeline) -> None:
    rule = case["rule"]
    if rule not in RULES:
        pytest.fail(f"{rule} is in no data file (see test_every_case_names_a_rule_once)")
    got = _run(case, shipped)
    with _without(rule):
        ablated = _run(case, _pipeline())
    assert got != ablated, f"{rule} changes nothing on its case: it no longer fires there"
    if "year" in case:
        assert got == case["year"]
        return
    items = _items(got)
    for key in ("deadlines", "parties", "sections", "placeholders"):
        for expected in case.get(key, ()):
            assert expected in items[key], f"{rule}: {key} lack {expected}; found {items[key]}"
    for key in ("titles", "schedules"):
        if key in case:
            assert items[key] == case[key], f"{rule}: {key}"
    for text in case.get("absent", ()):
        assert not [t for t in items["texts"] if text in t], f"{rule}: {text!r} is left in"
