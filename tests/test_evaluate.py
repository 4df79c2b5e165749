"""The scorer itself, and the quality floors of the whole pipeline on the corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from unionnlp.errors import DataFileError, InputError
from unionnlp.evaluate import ThemeScorer, evaluate_dir, evaluate_plans, load_gold, marker_key
from unionnlp.pipeline import Pipeline

from . import floors
from .conftest import CORPORA, ROOT

FLOORS = json.loads(floors.FLOORS_PATH.read_text(encoding="utf-8"))
REAL = floors.REAL


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("（一）", "(一)"),
        ("1.", "1、"),
        ("一要", "一是"),
        ("（1）", "⑴"),
        ("1 、", "1、"),
        ("〔一〕", "(一)"),
    ],
)
def test_equivalent_markers(a: str, b: str) -> None:
    assert marker_key(a) == marker_key(b)


@pytest.mark.parametrize(
    ("a", "b"), [("一、", "（一）"), ("1、", "（1）"), ("①", "1、"), ("一是", "一、")]
)
def test_different_markers(a: str, b: str) -> None:
    assert marker_key(a) != marker_key(b)


def _gold(tmp_path: Path, text: str, documents: list[dict]) -> Path:  # type: ignore[type-arg]
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    path = tmp_path / "a.gold.json"
    path.write_text(
        json.dumps({"source": "a.txt", "documents": documents}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def test_scores_on_a_known_case(tmp_path: Path) -> None:
    text = "一、组织建设\n1、调整小组。\n二、民主管理"
    gold = load_gold(
        _gold(
            tmp_path,
            text,
            [
                {
                    "title": None,
                    "sections": [
                        {"level": 1, "marker": "一、", "title": "组织建设"},
                        {"level": 2, "marker": "1、", "title": "调整小组"},
                        {"level": 1, "marker": "二、", "title": "民主管理"},
                        {"level": 2, "marker": "1、", "title": "这一节并不存在"},
                    ],
                }
            ],
        )
    )
    result = evaluate_plans(gold, Pipeline().parse(text))
    s = result.scores["sections"]
    assert (s.tp, s.n_pred, s.n_gold) == (3, 3, 4)
    assert s.precision == 1.0 and s.recall == 0.75
    assert result.scores["levels"].accuracy == 1.0
    assert result.scores["documents"].f1 == 1.0


def test_traditional_gold_matches_simplified_output(tmp_path: Path) -> None:
    text = "一、加強學習\n二、關愛職工"
    gold = load_gold(
        _gold(
            tmp_path,
            text,
            [
                {
                    "sections": [
                        {"level": 1, "marker": "一、", "title": "加強學習"},
                        {"level": 1, "marker": "二、", "title": "關愛職工"},
                    ]
                }
            ],
        )
    )
    assert evaluate_plans(gold, Pipeline().parse(text)).scores["sections"].f1 == 1.0


def test_bad_gold_files(tmp_path: Path) -> None:
    (tmp_path / "x.gold.json").write_text("{", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"x\.gold\.json"):
        load_gold(tmp_path / "x.gold.json")
    (tmp_path / "y.gold.json").write_text(
        '{"source": "nope.txt", "documents": []}', encoding="utf-8"
    )
    with pytest.raises(DataFileError, match="not beside it"):
        load_gold(tmp_path / "y.gold.json")
    with pytest.raises(InputError, match="no gold files"):
        evaluate_dir(tmp_path / "empty-dir-that-is-not-there")


@pytest.fixture(scope="module")
def theme_scorer() -> ThemeScorer:
    """One scorer for every set: its pool of training examples and refits are built once."""
    return floors.theme_scorer()


@pytest.mark.parametrize("subset", sorted(FLOORS))
def test_quality_floors(subset: str, theme_scorer: ThemeScorer) -> None:
    """Scores on the annotated corpus may only rise; counts of gold items are pinned.

    Every figure `evaluate` prints has a floor (tests/floors.py measures and
    writes them: ``make floors``). ``real`` is ../shared/real (skipped where it
    is absent): its themes are cross-validated by site. A retrained theme model
    may lower a theme floor of one set when cross-validation over all training
    files rose; a value or kind convention on which the annotators disagree may
    lower a value floor when it was chosen on the other sets' evidence. The
    commit says which and by how much (``tests/floors.py --lower KEY --why``).
    """
    if subset == "real":
        if not REAL.is_dir():
            pytest.skip(f"the real corpus is not beside the project ({REAL}); see README")
        folder = REAL
    else:
        folder = CORPORA / subset
    measured = floors.figures(evaluate_dir(folder, themes=theme_scorer))
    failures = []
    for key, floor in FLOORS[subset].items():
        value = measured.get(key)
        if key.startswith(floors.COUNT):
            if value != floor:
                failures.append(f"{key}: {value} gold items, pinned {floor}")
        elif value is None or value < floor:
            failures.append(f"{key}: {value} < floor {floor}")
    unfloored = sorted(measured.keys() - FLOORS[subset].keys())
    assert not failures and not unfloored, (
        f"{subset}: {failures}; figures with no floor: {unfloored}"
        " (run `make floors` after a change meant to raise figures)"
    )


def test_every_gold_set_has_floors() -> None:
    """A new set under corpora/ gets floors too (`make floors` writes them)."""
    assert set(floors.gold_sets()) - {"real"} <= set(FLOORS)
    assert "real" in FLOORS


def test_floors_are_truncated_and_never_lowered_silently() -> None:
    assert floors.truncate(0.29) == 0.29
    assert floors.truncate(0.9999) == 0.999
    assert floors.truncate(1.0) == 1.0
    old = {"dev": {"sections.f1": 0.9, "count.files": 6}}
    new, changes, refusals = floors.update(old, {"dev": {"sections.f1": 0.95, "count.files": 6}})
    assert new["dev"]["sections.f1"] == 0.95 and not refusals and len(changes) == 1
    new, _, refusals = floors.update(old, {"dev": {"sections.f1": 0.8, "count.files": 5}})
    assert new["dev"] == old["dev"] and len(refusals) == 2
    new, _, refusals = floors.update(
        old, {"dev": {"sections.f1": 0.8, "count.files": 6}}, ["dev.sections.f1"]
    )
    assert new["dev"]["sections.f1"] == 0.8 and not refusals
    _, _, refusals = floors.update(old, {"dev": {"count.files": 6}})
    assert refusals == ["dev.sections.f1: no longer measured"]


def test_errors_list_what_was_missed_spurious_or_mislabelled(tmp_path: Path) -> None:
    text = "一、组织建设\n1、由工会牵头，3月底前调整小组，每季度检查。"
    gold = load_gold(
        _gold(
            tmp_path,
            text,
            [
                {
                    "sections": [
                        {"level": 1, "marker": "一、", "title": "组织建设"},
                        {"level": 2, "marker": "1、", "title": "由工会牵头"},
                    ],
                    "deadlines": [
                        {"text": "3月底前", "kind": "on", "value": "XXXX-03"},
                        {"text": "年底前", "kind": "by", "value": "XXXX-12"},
                    ],
                    "parties": [{"name": "工会", "role": "support"}],
                }
            ],
        )
    )
    errors = evaluate_plans(gold, Pipeline.default().parse(text)).errors
    assert {(e["stage"], e["error"], e["text"]) for e in errors} == {
        ("deadlines", "kind", "3月底前"),
        ("deadlines", "missed", "年底前"),
        ("deadlines", "spurious", "每季度"),
        ("parties", "role", "工会"),
    }
    kind = next(e for e in errors if e["error"] == "kind")
    assert (kind["gold"], kind["predicted"]) == ("on", "by")


def test_errors_list_documents_and_sections_in_reading_order(tmp_path: Path) -> None:
    # The parser finds one plan with 一、 (level 1), 1、 (level 2) and 二、; the gold
    # splits it in two, misses nothing the parser found except 二、 and wants 1、 one
    # level deeper, and holds a section the parser cannot find (①).
    text = "一、组织建设\n1、调整工会小组。\n二、民主管理\n召开职代会。"
    gold = load_gold(
        _gold(
            tmp_path,
            text,
            [
                {
                    "sections": [
                        {"level": 1, "marker": "一、", "title": "组织建设"},
                        {"level": 3, "marker": "1、", "title": "调整工会小组"},
                        {"level": 4, "marker": "①", "title": "召开职代会"},
                    ]
                },
                {"title": "民主管理计划", "sections": []},
            ],
        )
    )
    errors = evaluate_plans(gold, Pipeline.default().parse(text)).errors
    listed = [
        (e["stage"], e["error"], e["text"], e.get("gold"), e.get("predicted"))
        for e in errors
        if e["stage"] in ("documents", "sections")
    ]
    assert listed == [
        ("documents", "missed", "民主管理计划", None, None),
        ("sections", "level", "1 调整工会小组", "3", "2"),
        ("sections", "missed", "L4 c1 召开职代会", None, None),
        ("sections", "spurious", "L1 二 民主管理", None, None),
    ]


def test_corpus_groups_and_folds(tmp_path: Path) -> None:
    gold = _gold(tmp_path, "一、组织建设", [{"sections": []}])
    (tmp_path / "index.jsonl").write_text(
        '{"file": "a.txt", "site": "example.org"}\n', encoding="utf-8"
    )
    from unionnlp.evaluate import corpus_groups, fold_of

    assert corpus_groups(tmp_path) == {"a.txt": "example.org"}
    fold = fold_of("example.org")
    assert 0 <= fold < 5
    kept = evaluate_dir(gold.parent, folds={fold}, themes=False)
    skipped = evaluate_dir(gold.parent, folds=set(range(5)) - {fold}, themes=False)
    assert (len(kept.files), len(skipped.files)) == (1, 0)
    assert kept.files[0].group == "example.org" and kept.files[0].source == "a.txt"
    (tmp_path / "index.jsonl").write_text("{oops\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"index\.jsonl"):
        corpus_groups(tmp_path)


def test_a_half_fold_keeps_its_sites_and_splits_a_fold_in_two(tmp_path: Path) -> None:
    from unionnlp.evaluate import fold_of, half_of

    gold = _gold(tmp_path, "一、组织建设", [{"sections": []}])
    (tmp_path / "index.jsonl").write_text(
        '{"file": "a.txt", "site": "example.org"}\n', encoding="utf-8"
    )
    fold, half = fold_of("example.org"), half_of("example.org")
    other = "b" if half == "a" else "a"
    kept = evaluate_dir(gold.parent, folds={f"{fold}{half}"}, themes=False)
    skipped = evaluate_dir(gold.parent, folds={f"{fold}{other}"}, themes=False)
    assert (len(kept.files), len(skipped.files)) == (1, 0)
    # the halves of a fold are its sites, split by the next digit of the same hash
    sites = [f"site{n}.example" for n in range(200)]
    in_fold = [s for s in sites if fold_of(s) == 4]
    halves = {h: [s for s in in_fold if half_of(s) == h] for h in "ab"}
    assert sorted(halves["a"] + halves["b"]) == sorted(in_fold)
    assert 10 <= len(halves["a"]) <= len(in_fold) - 10
    # not the fold's own digit again: each half holds sites of every fold
    assert {fold_of(s) for s in sites if half_of(s) == "a"} == set(range(5))


def test_folds_on_the_command_line_take_half_folds() -> None:
    import argparse

    from unionnlp.cli import _fold_list

    assert _fold_list("0,1,2,3,4a") == {0, 1, 2, 3, "4a"}
    for bad in ("5", "4c", "a", "", "4,x"):
        with pytest.raises(argparse.ArgumentTypeError):
            _fold_list(bad)


def test_corpus_index_gives_every_field_by_file(tmp_path: Path) -> None:
    from unionnlp.evaluate import corpus_groups, corpus_index

    (tmp_path / "index.jsonl").write_text(
        '{"file": "a.txt", "site": "example.org", "unit_type": "school", "chars": 745}\n\n'
        '{"file": "b.txt", "batch": "b2", "site": null}\n',
        encoding="utf-8",
    )
    assert corpus_index(tmp_path) == {
        "a.txt": {"file": "a.txt", "site": "example.org", "unit_type": "school", "chars": "745"},
        "b.txt": {"file": "b.txt", "batch": "b2"},
    }
    assert corpus_groups(tmp_path) == {"a.txt": "example.org", "b.txt": "b2"}  # else batch
    (tmp_path / "empty").mkdir()
    assert corpus_index(tmp_path / "empty") == {}  # no index
    (tmp_path / "index.jsonl").write_text('{"site": "x"}\n', encoding="utf-8")
    with pytest.raises(DataFileError, match="line 1"):
        corpus_index(tmp_path)


def test_breakdown_adds_up_each_value_of_a_facet() -> None:
    from unionnlp.evaluate import FileResult, Score
    from unionnlp.evaluate.report import breakdown

    def result(source: str, tp: int, pred: int, gold: int) -> FileResult:
        return FileResult(source, {"parties": Score(tp, pred, gold)}, 1, 1, source=source)

    files = [result("a.txt", 1, 2, 2), result("b.txt", 3, 3, 4), result("c.txt", 0, 0, 0)]
    files.append(result("d.txt", 2, 2, 2))
    table = breakdown(files, {"a.txt": "school", "b.txt": "school", "c.txt": "hospital"}, "unit")
    assert table.splitlines()[0].split()[:3] == ["unit", "files", "plans"]
    rows = {line.split()[0]: line.split() for line in table.splitlines()[2:-1]}
    # school: tp 4 of 5 predicted and 6 gold -> F1 2*0.8*0.667/1.467 = 0.727, gold 6
    assert rows["school"][1] == "2" and "0.727 (6)" in " ".join(rows["school"])
    assert rows["hospital"][1] == "1" and rows["hospital"][-1] == "-"  # nothing to score
    assert rows["?"][1] == "1" and "1.000 (2)" in " ".join(rows["?"])  # not in the facet
    assert list(rows) == ["school", "?", "hospital"]  # most files first, then by name


def test_documents_left_over_on_both_sides_are_paired_for_items(tmp_path: Path) -> None:
    # A run-on table page: the parser finds one plan with no numbered section, the gold
    # one document with three. The splitting row counts the miss; the deadline and the
    # party, the same on both sides, are compared with that plan's and found.
    text = "2024年工会工作任务清单 1 职工书屋建设 由工会办公室牵头 2024.06 2 劳动竞赛"
    doc = {
        "title": "2024年工会工作任务清单",
        "sections": [
            {"level": 1, "marker": "1", "title": "职工书屋建设"},
            {"level": 1, "marker": "2", "title": "劳动竞赛"},
        ],
        "deadlines": [{"text": "2024.06", "kind": "by", "value": "2024-06"}],
        "parties": [{"name": "工会办公室", "role": "lead"}],
    }
    plans = Pipeline.default().parse(text)
    assert len(plans) == 1 and not [s for s in plans[0].sections if s.marker]
    found = {
        (d.text, p.name) for _, m in plans[0].measures() for d in m.deadlines for p in m.parties
    }
    assert found == {("2024.06", "工会办公室")}  # what the plan holds, read before scoring it
    result = evaluate_plans(load_gold(_gold(tmp_path, text, [doc])), plans)
    assert result.scores["documents"].tp == 0  # the split is still a miss
    for key in ("deadlines", "parties"):
        s = result.scores[key]
        assert (s.tp, s.n_pred, s.n_gold) == (1, 1, 1), key
    # two documents left over against one plan: which goes with which is unclear
    other = dict(doc, title="另一份清单", deadlines=[], parties=[])
    result = evaluate_plans(load_gold(_gold(tmp_path, text, [doc, other])), plans)
    s = result.scores["parties"]
    assert (s.tp, s.n_pred, s.n_gold) == (0, 1, 1)


@pytest.mark.parametrize(
    ("n_gold", "n_pred", "matched", "expected"),
    [
        # gold 1 and 2 are left, and plans 0 and 2 (plan 1 is gold 0's): paired in order
        (3, 3, {0: 1}, {0: 1, 1: 0, 2: 2}),
        # the numbers left differ: which goes with which is unclear, nothing is paired
        (1, 2, {}, {}),
        (2, 1, {}, {}),
        (2, 3, {1: 0}, {1: 0}),
        # nothing left on either side
        (2, 2, {0: 1, 1: 0}, {0: 1, 1: 0}),
    ],
)
def test_left_over_documents_pair_in_reading_order_when_as_many_are_left(
    n_gold: int, n_pred: int, matched: dict[int, int], expected: dict[int, int]
) -> None:
    from unionnlp.evaluate.scoring import _pair_leftovers

    _pair_leftovers(n_gold, n_pred, matched)
    assert matched == expected


def _facet_files() -> list[Any]:
    from unionnlp.evaluate import FileResult, Score

    def result(source: str, tp: int, pred: int, gold: int) -> FileResult:
        return FileResult(source, {"parties": Score(tp, pred, gold)}, 1, 1, source=source)

    return [result("a.txt", 1, 2, 2), result("b.txt", 3, 3, 4), result("c.txt", 0, 1, 0)]


def test_breakdown_as_data_gives_each_value_its_files_and_totals() -> None:
    from unionnlp.evaluate.report import breakdown_dict

    data = breakdown_dict(_facet_files(), {"a.txt": "school", "b.txt": "school"})
    assert list(data) == ["school", "?"]  # most files first; not in the facet: ?
    assert data["school"]["files"] == 2 and data["?"]["files"] == 1
    school = data["school"]["totals"]["parties"]
    assert (school["tp"], school["predicted"], school["gold"]) == (4, 5, 6)
    other = data["?"]["totals"]["parties"]
    assert (other["tp"], other["predicted"], other["gold"]) == (0, 1, 0)


# ---------------------------------------------------------------------------
# --perturb: the sources' texts perturbed before parsing, the gold unchanged

SEPARATE_LINES = "一、组织建设\n1、调整工会小组。\n二、民主管理\n1、召开职代会。\n"
SEPARATE_GOLD = [
    {
        "sections": [
            {"level": 1, "marker": "一、", "title": "组织建设"},
            {"level": 2, "marker": "1、", "title": "调整工会小组"},
            {"level": 1, "marker": "二、", "title": "民主管理"},
            {"level": 2, "marker": "1、", "title": "召开职代会"},
        ]
    }
]


def test_a_perturbed_text_is_what_the_parser_reads(tmp_path: Path) -> None:
    gold = _gold(tmp_path, SEPARATE_LINES, SEPARATE_GOLD)
    as_read = evaluate_dir(gold.parent, themes=False)
    assert as_read.scores["sections"].f1 == 1.0 and as_read.perturbation is None
    seen: list[Any] = []

    def parse(text: str, *, source: Any) -> list[Any]:
        plans = Pipeline().parse(text, source=source)
        seen.append(plans)
        return plans

    report = evaluate_dir(gold.parent, themes=False, perturb="run-on", parse=parse)
    joined = "一、组织建设 1、调整工会小组。 二、民主管理 1、召开职代会。"
    (plans,) = seen
    assert plans[0].source.text == joined and plans[0].source.path == str(gold.parent / "a.txt")
    # the spans of what was scored index the joined text
    found = [s for p in plans for s in p.sections if s.marker]
    assert found and all(joined[s.span.start :].startswith(s.marker) for s in found)
    assert report.perturbation == "run-on" and report.to_dict()["perturbation"] == "run-on"
    assert report.scores["sections"].n_gold == 4 and len(report.files) == 1
    assert "perturbation: run-on (lines stripped" in report.table()


@pytest.mark.parametrize("name", ["traditional", "full-width", "crlf", "indent", "blank-lines"])
def test_perturbations_that_keep_the_lines_keep_every_section(tmp_path: Path, name: str) -> None:
    # the gold's titles match the perturbed text's (folded), and the parser finds
    # each numbered line in it as it did in the text as read
    documents = json.loads(json.dumps(SEPARATE_GOLD))
    documents[0]["sections"][3]["title"] = "召开第3次职代会"  # digits for full-width
    gold = _gold(tmp_path, SEPARATE_LINES.replace("职代会", "第3次职代会"), documents)
    report = evaluate_dir(gold.parent, themes=False, perturb=name, parse=Pipeline().parse)
    s = report.scores["sections"]
    assert (s.f1, report.scores["levels"].accuracy) == (1.0, 1.0), report.files[0].errors


def test_a_perturbation_that_changes_nothing_scores_as_parse_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the source is read as parse_file reads it and parsed with the same pipeline
    from unionnlp.evaluate import perturb as perturb_module

    same = perturb_module.Perturbation("same", "the text as read", lambda text: text)
    monkeypatch.setitem(perturb_module.PERTURBATIONS, "same", same)
    as_read = evaluate_dir(CORPORA / "dev", themes=False)
    perturbed = evaluate_dir(CORPORA / "dev", themes=False, perturb="same")
    assert as_read.to_dict()["totals"] == perturbed.to_dict()["totals"]
    assert perturbed.perturbation == "same" and not perturbed.notes


def test_an_unknown_perturbation_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no perturbation is called 'runon'") as info:
        evaluate_dir(tmp_path / "not-there", perturb="runon")
    assert "run-on, run-on-tight, traditional" in str(info.value)
    gold = _gold(tmp_path, SEPARATE_LINES, SEPARATE_GOLD)
    with pytest.raises(InputError, match="parse="):
        evaluate_dir(gold.parent, perturb="crlf", parse_file=lambda path: [])


def test_a_perturbed_file_is_still_scored_by_a_model_that_never_trained_on_it(
    tmp_path: Path,
) -> None:
    # ThemeScorer knows a file by the sha256 of its bytes on disk, not by the text
    # parsed: a file the model trained on is scored by the refit without its fold
    # whatever the perturbation did to its text.
    import hashlib
    from types import SimpleNamespace

    from unionnlp.evaluate import fold_of

    text = "一、加强职工之家建设\n开展文体活动。\n二、民主管理\n召开职代会。"
    themes = [
        {"level": 1, "marker": "一、", "title": "加强职工之家建设", "themes": ["culture"]},
        {"level": 1, "marker": "二、", "title": "民主管理", "themes": ["democracy"]},
    ]
    gold = _gold(tmp_path, text, [{"sections": themes}])
    calls: list[str] = []

    class Refit:
        def assign(self, doc: str) -> list[Any]:
            calls.append(doc)
            return [SimpleNamespace(label="culture")]

    scorer = ThemeScorer(corpora=[tmp_path])
    sha = hashlib.sha256((tmp_path / "a.txt").read_bytes()).hexdigest()
    scorer.trained_on = {sha: (str(tmp_path), "a.txt")}
    scorer._refits[(str(tmp_path), fold_of("a.txt"))] = Refit()
    for name in ("traditional", "run-on-tight"):
        calls.clear()
        report = evaluate_dir(gold.parent, themes=scorer, perturb=name, parse=Pipeline().parse)
        top1 = report.scores["themes_top1"]
        assert len(calls) == top1.attr_n and top1.attr_n >= 1, name
        assert top1.attr_ok == sum("加强职工之家" in c or "加強職工之家" in c for c in calls), name


def test_a_perturbed_copy_leaves_out_the_readers_tables_and_list_levels(tmp_path: Path) -> None:
    # their spans point into the text as read; a note says how many files had any
    import shutil

    shutil.copy(ROOT / "tests" / "fixtures" / "plan.docx", tmp_path / "plan.docx")
    (tmp_path / "plan.gold.json").write_text(
        json.dumps({"source": "plan.docx", "documents": [{"sections": []}]}), encoding="utf-8"
    )
    sources: list[Any] = []

    def parse(text: str, *, source: Any) -> list[Any]:
        sources.append(source)
        return Pipeline().parse(text, source=source)

    report = evaluate_dir(tmp_path, themes=False, perturb="indent", parse=parse)
    assert not sources[0].tables and not sources[0].levels
    assert any("was left out of 1 file" in n for n in report.notes)
    assert not evaluate_dir(tmp_path, themes=False).notes
