"""Hostile input across the public entry points: no exception but the documented ones,
spans in bounds, bounded time."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import unionnlp
from unionnlp import errors
from unionnlp.errors import EmptyInputError, InputTypeError, ProcessingTimeout
from unionnlp.export import jsonl_line, plan_record
from unionnlp.model import Plan, Source
from unionnlp.normalize import Normalizer
from unionnlp.normalize.corruption import CorruptionRepairer
from unionnlp.pipeline import Pipeline
from unionnlp.structure import StructureParser

PIECES = st.sampled_from(
    [
        "一、",
        "（二）",
        "3、",
        "(4)",
        "⑤",
        "一是",
        "首先，",
        "——",
        "第一章",
        "1.1 ",
        "3月份：",
        "【第二篇】",
        "篇三\n",
        "工会工作计划\n",
        "时限:6月;12月",
        "每周一、三、五",
        "三八妇女节期间",
        "由院办牵头",
        "配合机关党委",
        "充分发挥工会小组作用",
        "责任单位：",
        "即日起至12月31日",
        "工會(huì)",
        "精编资料,供您参考",
        "20__年",
        "**区",
        "?;⑿",
        "ブ",
        "\x00",
        "\u3000",
        "\n",
        "。",
        "，",
        "、",
        ":",
        "7:20",
        "4.6",
        "510张",
        "3、8妇女节",
    ]
)
HOSTILE = st.lists(st.one_of(PIECES, st.text(max_size=5)), min_size=1, max_size=50).map("".join)


def _check(text: str, plans: list[Plan]) -> None:
    n = len(text)
    for plan in plans:
        assert 0 <= plan.span.start <= plan.span.end <= n
        for sec in plan.sections:
            assert sec.span.end <= n and sec.title_span.end <= n
            for measure in sec.measures:
                assert measure.span.end <= n
                for d in measure.deadlines:
                    assert 0 <= d.span.start < d.span.end <= n and d.text
                for p in measure.parties:
                    assert 0 <= p.span.start <= p.span.end <= n and p.name
                    if not p.implicit:
                        assert len(p.span) > 0
                for t in measure.themes:
                    assert 0.0 <= t.score <= 1.0
        assert plan.to_dict()  # serialisable


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE)
def test_parse_with_every_stage(text: str) -> None:
    try:
        plans = unionnlp.parse(text)
    except EmptyInputError:
        assert not text.strip()
        return
    _check(text, plans)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_bytes_are_refused_cleanly(data: bytes) -> None:
    with pytest.raises(InputTypeError):
        unionnlp.parse(data)  # type: ignore[arg-type]


def test_long_line_without_punctuation_finishes() -> None:
    text = "工会组织建设" * 170_000  # a megabyte-long line with no punctuation at all
    started = time.process_time()
    plans = unionnlp.parse(text)
    assert plans and time.process_time() - started < 60


def test_deeply_nested_markers() -> None:
    ladder = ["一、", "（一）", "1.", "（1）", "①", "1)", "[1]", "一是"]
    text = "\n".join(m + "加强组织建设" for m in ladder * 3)
    plan = unionnlp.parse(text)[0]
    assert max(s.level for s in plan.sections) >= 6
    _check(text, [plan])


@pytest.mark.parametrize(
    "text",
    [
        "精编资料,供您参考",
        "当前位置:首页 >",
        "工會(huì)",
        "20__年",
        "\u200b\u200b",
        "。。。",
        "1、",
        "一、",
    ],
)
def test_patterns_at_string_edges(text: str) -> None:
    for candidate in (text, text + "一、组织建设", "一、组织建设" + text):
        plans = unionnlp.parse(candidate)  # boilerplate alone still gives a plan, with a warning
        assert plans
        _check(candidate, plans)


def _every_scan_timed(monkeypatch: pytest.MonkeyPatch) -> None:
    """No scan is short enough, nor any pattern bounded enough, to go without a budget."""
    monkeypatch.setattr(errors, "UNTIMED_CHARS", -1)
    monkeypatch.setattr(errors, "UNTIMED_BOUNDED_CHARS", -1)


def test_protected_term_and_unit_scans_have_a_time_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    # With no time at all a timed scan gives up at once; an untimed one would run on.
    monkeypatch.setattr(errors, "SCAN_SECONDS", 0.0)
    monkeypatch.setattr(errors, "SCAN_SECONDS_PER_MCHAR", 0.0)
    _every_scan_timed(monkeypatch)
    with pytest.raises(ProcessingTimeout, match=r"normalisation \(protected terms\)"):
        Normalizer()("乾縣總工會在乾县召开会议。")  # traditional: converted around 乾县
    with pytest.raises(ProcessingTimeout, match="structure"):  # the whole body is scanned
        StructureParser()._unit(None, "", "我校工会召开会员代表大会")


# -- lone surrogates (text decoded with surrogateescape) ---------------------------


def test_lone_surrogates_are_replaced_and_reported() -> None:
    text = "一、加强a\ud800b组织建设\n二、做好\udc80职工服务工作"
    plans = unionnlp.parse(text)
    (notice,) = [w for p in plans for w in p.warnings if w.code == "lone-surrogates"]
    assert "2 lone surrogate" in notice.message
    assert notice.span is not None and text[notice.span.start] == "\ud800"
    first, second = plans[0].sections
    assert (first.marker, second.marker) == ("一、", "二、")
    assert text[first.title_span.start : first.title_span.end] == "加强a\ud800b组织建设"
    assert first.title == "加强a\ufffdb组织建设"  # the normalised form holds U+FFFD
    _check(text, plans)
    source = Source.from_text(text)
    line = jsonl_line(plan_record(source, unionnlp.parse(text, source=source)))
    assert line.encode("utf-8")  # the record holds no surrogate


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(PIECES, st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))))
def test_surrogates_anywhere_raise_nothing(pieces: list[str]) -> None:
    text = "".join(pieces)
    try:
        plans = unionnlp.parse(text)
    except EmptyInputError:
        assert not text.strip()
        return
    _check(text, plans)


# -- the mojibake scan ------------------------------------------------------------

MOJIBAKE = "。ㄒ唬┰鰪娙齻意識"  # Chinese read through the wrong codec, as scraped pages hold


def _python_calls(func: Callable[[], object]) -> int:
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        calls += event in ("call", "c_call")

    sys.setprofile(count)
    try:
        func()
    finally:
        sys.setprofile(None)
    return calls


def test_mojibake_scan_does_no_work_per_character_in_python() -> None:
    # Time in a scan of mojibake must be spent in vectorised passes, not in a Python loop
    # over its characters (15 s on half a megabyte). Counted in calls, not timed.
    normalizer = Normalizer()
    normalizer(MOJIBAKE * 10)  # tables and rules built
    small = _python_calls(lambda: normalizer(MOJIBAKE * 2_000))
    large = _python_calls(lambda: normalizer(MOJIBAKE * 8_000))
    assert large < 1.2 * small + 200


def test_mojibake_repair_stops_at_the_scan_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    # With no time at all, repairs are given up at once and the runs kept as they are.
    scan = CorruptionRepairer.__call__
    monkeypatch.setattr(
        CorruptionRepairer, "__call__", lambda self, text, s, e, budget: scan(self, text, s, e, 0.0)
    )
    text = MOJIBAKE * 3_000
    result = Normalizer(convert=None)(text)
    codes = [w.code for w in result.warnings]
    assert "repair-skipped" in codes and "corrupted-run" in codes
    assert result.text == text  # nothing lost, nothing changed
    (run,) = [w for w in result.warnings if w.code == "corrupted-run"]
    assert len(run.message) < 300  # the run is quoted in part, not whole


# -- a stage out of time ----------------------------------------------------------

PLAN = (
    "工会工作计划\n一、加强组织建设\n1、3月底前召开会员代表大会，由工会办公室牵头。\n"
    "二、做好职工服务\n1、春节前走访慰问困难职工，女工委员会配合。\n"
)


def test_a_plan_stage_out_of_time_keeps_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    from unionnlp import parties

    whole = unionnlp.parse(PLAN)[0]
    assert any(p for _, m in whole.measures() for p in m.parties if not p.implicit)
    monkeypatch.setattr(parties, "scan_budget", lambda n: 0.0)  # every party scan times out
    _every_scan_timed(monkeypatch)
    (plan,) = Pipeline.default().parse(PLAN)
    # every other stage's output is kept: sections, measures, deadlines, themes
    assert [s.marker for s in plan.sections] == [s.marker for s in whole.sections]
    assert [m.deadlines for _, m in plan.measures()] == [m.deadlines for _, m in whole.measures()]
    assert [s.themes for s in plan.sections] == [s.themes for s in whole.sections]
    assert all(not m.parties for _, m in plan.measures())  # the stage's items are absent
    (notice,) = [w for w in plan.warnings if w.code == "stage-timeout"]
    first = next(m for _, m in whole.measures())
    assert notice.span == first.span  # the measure whose scan ran out of time
    # the time spent is named (it depends on the machine's load, so only its form is checked)
    gave_up = r"the parties stage gave up after \d+\.\d+ s"
    assert regex.match(gave_up, notice.message), notice.message
    assert f"characters {first.span.start:,}-{first.span.end:,}" in notice.message


LONG_MEASURE = (
    "一、加强组织建设\n1、" + "组织职工参加技能培训和劳动竞赛，" * 18 + "由工会办公室牵头。\n"
)


@pytest.mark.parametrize(("text", "timed"), [(PLAN, False), (LONG_MEASURE, True)])
def test_only_scans_longer_than_a_clause_or_a_measure_read_the_clock(
    monkeypatch: pytest.MonkeyPatch, text: str, timed: bool
) -> None:
    from unionnlp import parties

    # No time at all: a timed party scan gives up at once. The short measures of PLAN
    # (under UNTIMED_CHARS) are scanned without a budget, the long one with it.
    assert all(len(line) <= errors.UNTIMED_CHARS for line in PLAN.splitlines())
    assert len(LONG_MEASURE) > errors.UNTIMED_CHARS
    monkeypatch.setattr(parties, "scan_budget", lambda n: 0.0)
    monkeypatch.setattr(errors, "UNTIMED_BOUNDED_CHARS", -1)  # the bounded slots too
    (plan,) = Pipeline.default().parse(text)
    out_of_time = [w for w in plan.warnings if w.code == "stage-timeout"]
    found = [p.name for _, m in plan.measures() for p in m.parties if not p.implicit]
    if timed:
        assert [w.message.split(" stage")[0] for w in out_of_time] == ["the parties"]
        assert not found
    else:
        assert not out_of_time
        assert "工会办公室" in found and "女工委员会" in found


def test_every_party_slot_on_a_long_measure_asks_for_its_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each slot's scan (clause-anchored or free, and its trigger) asks regex_timeout
    # whether it needs a budget: none passes ``None`` on its own.
    from unionnlp import parties, parties_scan
    from unionnlp.parties import PartyExtractor

    asked: list[tuple[str, int]] = []

    def spy(pattern: regex.Pattern[str], n: int, budget: float | None = None) -> float | None:
        asked.append((pattern.pattern, n))
        return errors.regex_timeout(pattern, n, budget)

    monkeypatch.setattr(parties, "regex_timeout", spy)
    monkeypatch.setattr(parties_scan, "regex_timeout", spy)
    extractor = PartyExtractor()
    text = LONG_MEASURE.split("\n")[1] + "会同区人社局、区财政局等有关部门落实。"
    slots = extractor._slots_for(text)
    found = extractor.find(text)
    assert "工会办公室" in [f.name for f in found]
    patterns = {p for p, n in asked if n == len(text)}
    kinds = {
        (slot.clause is not None, slot.trigger is not None and slot.plain_trigger is None)
        for slot in slots
        if slot.rule.pattern.pattern in patterns
    }
    assert (True, False) in kinds or (True, True) in kinds  # a clause-anchored slot
    assert (False, False) in kinds or (False, True) in kinds  # a free one
    triggers = {s.trigger.pattern for s in slots if s.trigger is not None and not s.plain_trigger}
    assert triggers & patterns  # and a trigger scanned by regex (、…等有关部门)


def test_regex_timeout_leaves_out_only_scans_that_cannot_run_away() -> None:
    short, bounded_long = errors.UNTIMED_CHARS, errors.UNTIMED_BOUNDED_CHARS
    loose = regex.compile(r"工会\s*牵头")  # \s* has no upper count
    tight = regex.compile(r"[一二三]{1,3}[、.]")
    assert errors.regex_timeout(loose, short) is None
    assert errors.regex_timeout(loose, short + 1) == errors.scan_budget(short + 1)
    assert errors.regex_timeout(loose, short + 1, 7.5) == 7.5  # the caller's budget
    assert errors.regex_timeout(tight, bounded_long) is None
    assert errors.regex_timeout(tight, bounded_long + 1) == errors.scan_budget(bounded_long + 1)


def test_a_batch_stage_out_of_time_keeps_the_documents() -> None:
    class Hangs:
        name = "slow"

        def __call__(self, plan: Plan) -> Plan:
            raise AssertionError("the batch method is used")

        def batch(self, plans: list[Plan]) -> list[Plan]:
            raise TimeoutError("regex timed out")

    plans = Pipeline(stages=[Hangs()]).parse(PLAN + "\n篇二\n一、学习\n二、宣传\n")
    assert len(plans) == 2
    for plan in plans:
        (notice,) = [w for w in plan.warnings if w.code == "stage-timeout"]
        assert notice.span == plan.span and "the slow stage" in notice.message
        assert plan.sections


@pytest.mark.slow
def test_a_repeated_party_phrase_loses_only_the_party_stage() -> None:
    text = "一、加强组织建设\n" + "工会办公室牵头，" * 52_500  # 420,000 characters
    (plan,) = unionnlp.parse(text)
    (notice,) = [w for w in plan.warnings if w.code == "stage-timeout"]
    assert "the parties stage" in notice.message
    assert plan.sections[0].marker == "一、" and plan.sections[0].themes
    assert all(not m.parties for _, m in plan.measures())
