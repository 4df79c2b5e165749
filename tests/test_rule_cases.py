"""Every rule of the data files fires on a text outside its own examples, and matters.

A rule's `match` examples go with it when it is deleted, so they cannot notice
its loss. The cases in tests/cases/rules.toml can: each names a rule and a short
plan text; the whole pipeline (without themes) parses it once as shipped and
once with that rule taken out of its file, and the outputs must differ. The
case also pins what the rule's output must hold (a deadline's kind and value, a
party's role, a section's marker, a party a scope rule must keep out), so a
rule that still fires but gives another result fails too; and the output without
the rule must miss some of it, so that a case pins what its rule gives, not
what the rest of the pipeline gives anyway.

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


#: Tables whose entries belong to the rule of the same name in another table of their
#: file, and go with it: a slot's trigger (a shortcut that names its slot) left behind
#: would only make the file fail to load, hiding whether the slot matters.
COMPANIONS = {"parties.toml:slot": ("trigger",)}


@contextmanager
def _without(rule_id: str) -> Iterator[None]:
    """The data files as read by every module of unionnlp, less the rule ``rule_id``."""
    file, table, name = rule_id.split(":")
    tables = (table, *COMPANIONS.get(f"{file}:{table}", ()))
    real = resources.load_toml

    def load_toml(name_or_path: str | Path) -> dict[str, Any]:
        data = real(name_or_path)
        if resources._resolve(name_or_path).name == file:
            data = {
                key: [e for e in entries if e.get("name") != name] if key in tables else entries
                for key, entries in data.items()
            }
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


def test_every_rule_has_a_case() -> None:
    covered = {case["rule"] for case in CASES}
    missing = [rule for rule in RULES if rule not in covered]
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


#: The keys a case may hold (tests/cases/rules.toml says what each means).
CASE_KEYS = {
    "rule",
    "text",
    "year",
    "deadlines",
    "parties",
    "sections",
    "titles",
    "placeholders",
    "schedules",
    "absent",
    "absent_parties",
    "absent_deadlines",
}


def test_cases_hold_only_known_keys() -> None:
    odd = {case["rule"]: sorted(case.keys() - CASE_KEYS) for case in CASES}
    odd = {rule: keys for rule, keys in odd.items() if keys}
    assert not odd, f"cases with keys the test does not read (a typo?): {odd}"


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


def _unmet(case: dict[str, Any], plans: list[dict[str, Any]]) -> list[str]:
    """What ``plans`` (a parse of the case's text) lacks of what the case expects."""
    items = _items(plans)
    unmet = []
    for key in ("deadlines", "parties", "sections", "placeholders"):
        unmet += [
            f"{key} lack {expected}; found {items[key]}"
            for expected in case.get(key, ())
            if expected not in items[key]
        ]
    for key in ("titles", "schedules"):
        if key in case and items[key] != case[key]:
            unmet.append(f"{key} are {items[key]}, not {case[key]}")
    unmet += [
        f"{expected} is named a party"
        for expected in case.get("absent_parties", ())
        if expected in items["parties"]
    ]
    unmet += [
        f"{expected} is found a deadline"
        for expected in case.get("absent_deadlines", ())
        if expected in items["deadlines"]
    ]
    unmet += [
        f"{text!r} is left in"
        for text in case.get("absent", ())
        if any(text in t for t in items["texts"])
    ]
    return unmet


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
    unmet = _unmet(case, got)
    assert not unmet, f"{rule}: {'; '.join(unmet)}"
    # What the case pins must be what the rule gives: the text parsed without the rule
    # must miss some of it (unless the file no longer loads, its only rule gone).
    if not isinstance(ablated, str):
        assert _unmet(case, ablated), (
            f"{rule}: the case pins nothing that the rule gives (its text parsed without"
            " the rule meets every expectation); pin what the rule changes"
        )
