"""The data model: spans, round trips, and real output against the JSON Schema."""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from unionnlp.export import failure_record, plan_record
from unionnlp.model import (
    _TWIN_FIELDS,
    SCHEMA,
    Deadline,
    ListLevel,
    Measure,
    Notice,
    Party,
    Placeholder,
    Plan,
    Section,
    Source,
    Span,
    Table,
    ThemeScore,
    _twin,
    replacer,
)
from unionnlp.pipeline import Pipeline

from .conftest import ROOT, SEEDS

FIXTURES = ROOT / "tests" / "fixtures"


def test_span_validation_and_slicing() -> None:
    assert Span(2, 4).slice("工会工作计划") == "工作"
    assert len(Span(2, 4)) == 2
    assert Span(0, 6).contains(Span(2, 4)) and not Span(2, 4).contains(Span(0, 6))
    with pytest.raises(ValueError):
        Span(3, 2)
    with pytest.raises(ValueError):
        Span(-1, 2)


def test_records_are_frozen() -> None:
    span = Span(0, 1)
    with pytest.raises(AttributeError):
        span.start = 3  # type: ignore[misc]


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_plans_round_trip_through_dicts(path, pipeline: Pipeline) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    source = Source.from_text(text, path=str(path))
    for plan in pipeline.parse(text, source=source):
        data = json.loads(json.dumps(plan.to_dict(), ensure_ascii=False))
        again = Plan.from_dict(data, source=source)
        assert again == plan
        assert again.to_dict() == plan.to_dict()


def test_nested_items_round_trip() -> None:
    span = Span(0, 4)
    measure = Measure(
        text="3月底前完成",
        span=span,
        deadlines=(Deadline("3月底前", Span(0, 4), "by", "XXXX-03", None, "month_end"),),
        parties=(Party("分工会", Span(0, 3), "lead", "分工会"),),
        themes=(ThemeScore("self_building", 0.8, ("小组",)),),
        schedule="3月份",
        schedule_span=Span(0, 3),
        columns=(("责任单位", "分工会"),),
    )
    assert Measure.from_dict(json.loads(json.dumps(measure.to_dict()))) == measure


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_real_output_validates_against_the_schema(
    path, pipeline: Pipeline, record_validator
) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    source = Source.from_text(text, path=str(path), raw=path.read_bytes())
    record = plan_record(source, pipeline.parse(text, source=source))
    assert record["schema"] == SCHEMA == "unionnlp.plan/1"
    record_validator.validate(json.loads(json.dumps(record, ensure_ascii=False)))


def test_failure_record_validates(record_validator) -> None:  # type: ignore[no-untyped-def]
    record = failure_record("x.txt", "read", ValueError("bad"))
    record_validator.validate(record)
    assert record["failure"] == {"stage": "read", "error": "ValueError", "message": "bad"}


def test_navigation_helpers(pipeline: Pipeline) -> None:
    text = "一、组织建设\n1、调整小组。\n2、推选组长。\n二、民主管理"
    plan = pipeline.parse(text)[0]
    top = plan.children()
    assert [s.marker for s in top] == ["一、", "二、"]
    kids = plan.children(top[0])
    assert [s.id for s in kids] == ["1.1", "1.2"]
    assert [s.id for s in plan.path(kids[1])] == ["1", "1.2"]
    assert plan.section("1.2").title == "推选组长"
    assert [m.text for _, m in plan.measures()] == [
        "1、调整小组。",
        "2、推选组长。",
        "二、民主管理",
    ]


def test_source_hash_uses_raw_bytes() -> None:
    a = Source.from_text("工会", raw="工会".encode("gb18030"))
    b = Source.from_text("工会")
    assert a.sha256 != b.sha256 and len(a.sha256) == 64


def test_replacer_is_replace() -> None:
    measure = Measure("开展活动", Span(0, 4), columns=(("责任单位", "工会"),))
    section = Section("s1", None, 1, "一、", 1, "工作", Span(0, 9), Span(2, 4), Span(0, 2))
    party = (Party("工会", Span(0, 2), "lead"),)
    theme = (ThemeScore("other", 0.6, ("活动",)),)
    with_parties = replacer(Measure, "parties")
    assert with_parties(measure, party) == dataclasses.replace(measure, parties=party)
    both = replacer(Section, "themes", "measures")(section, theme, (measure,))
    assert both == dataclasses.replace(section, themes=theme, measures=(measure,))
    with pytest.raises(ValueError):
        replacer(Section, "themes", "measures")(section, theme)  # a value short

    @dataclasses.dataclass(frozen=True)
    class Derived:
        a: int
        b: int = dataclasses.field(default=0, init=False)

    assert replacer(Derived, "a")(Derived(1), 2) == Derived(2)


RECORDS = (
    Span,
    Notice,
    Placeholder,
    Table,
    ListLevel,
    Source,
    ThemeScore,
    Deadline,
    Party,
    Measure,
    Section,
    Plan,
)


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_records_init_as_dataclasses_do(cls: type[Any]) -> None:
    """The slot-setting __init__ takes the parameters the dataclass's would, and sets them."""
    fields = dataclasses.fields(cls)
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    assert [p.name for p in params] == [f.name for f in fields]
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)
    assert [p.default for p in params] == [
        inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields
    ]
    values = {f.name: (i + 1 if f.name != "text" else "工会") for i, f in enumerate(fields)}
    if cls is ThemeScore:
        values["score"] = 0.123456  # rounded by __post_init__
    by_position = cls(*values.values())
    by_name = cls(**values)
    for f in fields:
        expected = round(0.123456, 4) if f.name == "score" else values[f.name]
        assert getattr(by_position, f.name) == expected == getattr(by_name, f.name)
    required = {f.name: values[f.name] for f in fields if f.default is dataclasses.MISSING}
    defaults = cls(**required)
    assert all(
        getattr(defaults, f.name) == f.default
        for f in fields
        if f.default is not dataclasses.MISSING
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        by_name.__setattr__(fields[0].name, 1)
    with pytest.raises(TypeError):
        cls(*values.values(), 0)  # an argument too many


def test_records_filled_through_their_twin_stay_what_init_builds() -> None:
    """A record of several fields is filled as its unfrozen twin and given its class back:
    the object is of the record's class, frozen, equal to one the dataclass would build;
    an instance of a subclass (whose layout the twin does not share) is filled slot by slot."""
    twinned = [cls for cls in RECORDS if len(dataclasses.fields(cls)) >= _TWIN_FIELDS]
    assert {Measure, Section, Party, Deadline, Plan} <= set(twinned)
    for cls in twinned:
        assert _twin(cls) is not None, cls  # the fast path is taken, not only the fallback
    measure = Measure("开展活动", Span(0, 4), schedule="3月份", columns=(("责任单位", "工会"),))
    assert type(measure) is Measure
    assert (measure.text, measure.span, measure.schedule) == ("开展活动", Span(0, 4), "3月份")
    assert measure.columns == (("责任单位", "工会"),) and measure.deadlines == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        measure.text = "x"  # type: ignore[misc]
    copy = replacer(Measure, "schedule")(measure, None)
    assert type(copy) is Measure and copy == dataclasses.replace(measure, schedule=None)

    class Tagged(Measure):  # a subclass with a __dict__: no twin of its layout
        pass

    tagged = Tagged("开展活动", Span(0, 4), schedule="3月份")
    assert type(tagged) is Tagged
    assert (tagged.text, tagged.span, tagged.schedule) == ("开展活动", Span(0, 4), "3月份")
    with pytest.raises(dataclasses.FrozenInstanceError):
        tagged.text = "x"  # type: ignore[misc]


def test_span_init_still_checks() -> None:
    with pytest.raises(ValueError, match="invalid span"):
        Span(3, 1)
    with pytest.raises(ValueError, match="invalid span"):
        Span(start=-1, end=2)


def test_replacer_builds_what_init_builds() -> None:
    """The slot-by-slot copy of Measure and Section holds every field as ``__init__`` sets it."""
    measure = Measure(
        "开展活动",
        Span(0, 4),
        deadlines=(Deadline("3月", Span(0, 2), "by", "XXXX-03"),),
        parties=(Party("工会", Span(0, 2), "lead"),),
        themes=(ThemeScore("other", 0.6),),
        schedule="3月份",
        schedule_span=Span(0, 3),
        columns=(("责任单位", "工会"),),
    )
    section = Section("s1", "s0", 2, "一、", 1, "工作", Span(0, 9), Span(2, 4), Span(0, 2))
    for record in (measure, section):
        names = [f.name for f in dataclasses.fields(record)]
        for name in names:
            value = object()  # a value no field holds
            copy = replacer(type(record), name)(record, value)
            built = type(record)(**{n: getattr(record, n) for n in names} | {name: value})
            assert type(copy) is type(record)
            assert all(getattr(copy, n) is getattr(built, n) for n in names)
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(copy, name, 1)
    assert replacer(Measure)(measure) == measure and replacer(Measure)(measure) is not measure
    with pytest.raises(ValueError):
        replacer(Measure, "themes")(measure, (), ())  # a value too many

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("negative")

    with pytest.raises(ValueError, match="negative"):
        replacer(Checked, "a")(Checked(1), -1)  # __post_init__ still runs


# ---------------------------------------------------------------------------
# the round trip is exact (issue 18, item 10)


@pytest.mark.parametrize(
    "path",
    [*SEEDS[:2], FIXTURES / "plan.docx", FIXTURES / "plan.html", FIXTURES / "plan_gbk.txt"],
    ids=lambda p: p.name,
)
def test_to_dict_from_dict_is_exact(path: Path) -> None:
    import unionnlp

    plans = unionnlp.parse_file(path)
    assert any(s.themes for p in plans for s in p.sections)  # scores are part of the test
    for plan in plans:
        data = json.loads(json.dumps(plan.to_dict(), ensure_ascii=False))
        again = Plan.from_dict(data)
        assert again == plan
        assert again.source == plan.source  # text, warnings and tables included
        assert again.source is not None and plan.source is not None
        assert again.source.text == plan.source.text
        sec = again.sections[-1]
        assert again.text_of(sec.title_span) == plan.text_of(sec.title_span)
        assert again.normalized is None  # the working copy is not kept; see Plan.to_dict


def test_theme_order_and_scores_survive_the_round_trip() -> None:
    themes = (ThemeScore("culture_sports", 0.4123456789), ThemeScore("self_building", 0.91))
    section = Section(
        id="1", parent=None, level=1, marker="一、", number=1, title="组织建设",
        span=Span(0, 6), title_span=Span(2, 6), marker_span=Span(0, 2), themes=themes,
    )  # fmt: skip
    again = Section.from_dict(json.loads(json.dumps(section.to_dict())))
    assert again == section and again.themes == themes


def test_a_record_document_stays_as_the_schema_says(record_validator) -> None:  # type: ignore[no-untyped-def]
    import unionnlp
    from unionnlp.export import plan_record

    plans = unionnlp.parse_file(FIXTURES / "plan.docx")
    record = plan_record(plans[0].source, plans)  # type: ignore[arg-type]
    record_validator.validate(record)
    assert all("source" not in doc for doc in record["documents"])
