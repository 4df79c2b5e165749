"""Every rule in the data files matches its `match` examples and none of its `no_match` ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import regex

from unionnlp.errors import DataFileError
from unionnlp.resources import Rule, data_path, load_json, load_rules, load_toml, load_wordlist

RULE_TABLES = [
    ("normalize.toml", "gloss"),
    ("normalize.toml", "boilerplate"),
    ("normalize.toml", "placeholder"),
    ("markers.toml", "family"),
    ("markers.toml", "month"),
    ("markers.toml", "document"),
    ("markers.toml", "title"),
    ("markers.toml", "part"),
    ("metadata.toml", "year"),
    ("deadlines.toml", "opening"),
]


def _all_rules() -> list[tuple[str, Rule]]:
    out = []
    for name, table in RULE_TABLES:
        for rule in load_rules(name, table, flags=regex.MULTILINE):
            out.append((f"{name}:{table}:{rule.name}", rule))
    return out


def _deadline_rules() -> list[tuple[str, Rule]]:
    from unionnlp.deadlines import DeadlineExtractor  # its rules need the festival names

    return [(f"deadlines.toml:rule:{r.name}", r) for r in DeadlineExtractor().rules]


def _party_triggers() -> list[tuple[str, Rule]]:
    from unionnlp.parties import PartyExtractor  # its triggers need the lexicon's heads

    return [(f"parties.toml:trigger:{n}", r) for n, r in PartyExtractor().triggers.items()]


RULES = _all_rules() + _deadline_rules() + _party_triggers()


@pytest.mark.parametrize(("rule_id", "rule"), RULES, ids=[r[0] for r in RULES])
def test_rule_examples(rule_id: str, rule: Rule) -> None:
    assert rule.must_match, f"{rule_id} has no `match` examples"
    for example in rule.must_match:
        assert rule.pattern.search(example), f"{rule_id} should match {example!r}"
    for example in rule.must_not_match:
        found = rule.pattern.search(example)
        assert found is None, f"{rule_id} should not match {example!r} (found {found.group()!r})"


def test_rule_names_are_unique_per_table() -> None:
    for name, table in RULE_TABLES:
        names = [r.name for r in load_rules(name, table)]
        assert len(names) == len(set(names)), (name, table)


def test_units_and_protected_terms_load_without_duplicates() -> None:
    units = load_toml("units.toml")["suffixes"]
    assert len(units) == len(set(units))
    terms = load_wordlist("protected_terms.txt")
    assert terms and len(terms) == len(set(terms))


def test_schema_is_valid_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = load_json("plan.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema"]["const"] == "unionnlp.plan/1"


def test_broken_toml_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text('[[rule]]\nname = "x"\npattern = "unterminated\n', encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_rules(bad, "rule")
    assert str(bad) in str(info.value)
    assert info.value.line == 3


def test_a_lazy_rule_compiles_on_first_use_and_names_its_file(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text(
        '[[rule]]\nname = "ok"\npattern = "a+"\n[[rule]]\nname = "x"\npattern = "(unclosed"\n',
        encoding="utf-8",
    )
    ok, broken = load_rules(bad, "rule", lazy=True)  # no error yet: nothing compiled
    assert "pattern" not in vars(ok) and "pattern" not in vars(broken)
    assert ok.pattern.fullmatch("aaa") and "pattern" not in vars(broken)
    with pytest.raises(DataFileError, match=r"rule 'x': bad pattern") as info:
        broken.pattern  # noqa: B018
    assert str(bad) in str(info.value)


def test_bad_pattern_and_duplicate_names_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text('[[rule]]\nname = "x"\npattern = "(unclosed"\n', encoding="utf-8")
    with pytest.raises(DataFileError, match="bad pattern"):
        load_rules(bad, "rule")
    dup = tmp_path / "dup.toml"
    dup.write_text(
        '[[rule]]\nname = "x"\npattern = "a"\n[[rule]]\nname = "x"\npattern = "b"\n',
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match="duplicate"):
        load_rules(dup, "rule")


def test_a_missing_table_is_an_error_unless_optional(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "x"\npattern = "a"\n', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"\[\[tail\]\]"):
        load_rules(rules, "tail")
    assert load_rules(rules, "tail", optional=True) == []
    assert [r.name for r in load_rules(rules, "rule", optional=True)] == ["x"]


def test_tampered_json_gives_data_file_error(tmp_path: Path) -> None:
    bad = tmp_path / "weights.json"
    bad.write_text('{"a": [1, 2,,]}', encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        load_json(bad)
    assert info.value.line == 1


def test_no_pickles_in_data_dir() -> None:
    root = data_path("")
    assert not [p for p in Path(root).rglob("*") if p.suffix in {".pkl", ".pickle", ".joblib"}]
    json.loads(Path(data_path("plan.schema.json")).read_text(encoding="utf-8"))


def test_may_match_is_the_plain_check_of_requires() -> None:
    """The prefilter's loop gives what ``not requires or any(literal in text ...)`` gives,
    on every rule's examples, on texts holding a single literal and on random text."""
    import random

    rng = random.Random(13)
    prefiltered = [rule for _, rule in RULES if rule.get("requires")]
    assert len(prefiltered) >= 10
    literals = sorted({lit for rule in prefiltered for lit in rule.get("requires")})
    alphabet = "".join(literals) + "工会计划开展活动，。\n 0123456789abcXYZ"
    texts = [ex for _, rule in RULES for ex in (*rule.must_match, *rule.must_not_match)]
    texts += [f"关于{lit}的说明" for lit in literals] + [""]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(300)]
    for _, rule in RULES:
        required = rule.get("requires")
        assert rule.requires == tuple(required or ())
        for text in texts:
            plain = not required or any(literal in text for literal in required)
            assert rule.may_match(text) is plain, (rule.name, text)
