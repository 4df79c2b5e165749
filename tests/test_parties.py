"""Parties: the case table, the stage, implicit author units, and the shortcuts that
must never change what the slots find."""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unionnlp import parties, parties_scan
from unionnlp.errors import DataFileError, PipelineError
from unionnlp.model import Plan, Span
from unionnlp.normalize import Normalizer
from unionnlp.parties import PartyExtractor
from unionnlp.pipeline import Pipeline
from unionnlp.readers import read
from unionnlp.resources import Rule, _expand, data_path, load_rules, load_toml, load_wordlist

CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "cases" / "parties.toml").read_text(encoding="utf-8")
)["case"]
EXTRACTOR = PartyExtractor()
CORPUS_TEXTS = sorted((Path(__file__).resolve().parent.parent / "corpora").rglob("*.txt"))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    found = EXTRACTOR.find(case["text"])
    assert [[f.name, f.role] for f in found] == case["expected"]
    for f in found:
        assert case["text"][f.start : f.end] == f.name


def test_canonical_names_come_from_the_lexicon() -> None:
    (party,) = EXTRACTOR.find("由县总工会女职委负责。")
    assert party.name == "县总工会女职委"
    assert party.canonical == "县总工会女职工委员会"


def test_stage_attaches_parties_and_implicit_unit() -> None:
    text = "2023年机关工会工作计划\n一、组织建设\n1、由院办牵头开展评议。\n2、调整工会小组。"
    plan = Pipeline.default().parse(text)[0]
    first, second = (sec for sec in plan.sections if sec.level == 2)
    (party,) = first.measures[0].parties
    assert (party.name, party.role, party.implicit) == ("院办", "lead", False)
    assert party.span.slice(text) == "院办"
    (implicit,) = second.measures[0].parties
    assert (implicit.name, implicit.implicit) == ("机关工会", True)
    assert implicit.span == second.measures[0].span


def test_text_outside_the_measures_is_read_for_parties() -> None:
    # a sentence the structure leaves out of the measures (no action verb among three action
    # sentences) still names a party, given to the measure before it; the title of a section
    # that heads sub-items is not read (it named more false parties than true ones)
    text = (
        "2023年街道工会工作计划\n一、关爱职工\n（一）主动配合社区党委，做好帮扶工作\n"
        "1、开展春节慰问活动，走访困难家庭。\n"
        "2、健康服务。开展职工健康体检。女工委员会利用微信群推送健康知识。"
        "举办心理健康讲座。落实职工疗休养。\n"
    )
    plan = Pipeline.default().parse(text)[0]
    measures = [m for _, m in plan.measures()]
    assert "女工委员会利用" not in "".join(m.text for m in measures)  # left out by the structure
    named = [[(p.name, p.role) for p in m.parties if not p.implicit] for m in measures]
    assert named == [[], [("女工委员会", "lead")], [], []]
    # its span: in its section, outside its measure (as the Party docstring says)
    (party,) = measures[1].parties
    (section,) = [s for s in plan.sections if measures[1] in s.measures]
    assert not measures[1].span.start <= party.span.start < measures[1].span.end
    assert section.span.start <= party.span.start and party.span.end <= section.span.end
    for m in measures:
        for p in m.parties:
            assert p.implicit or p.span.slice(text) == p.name


def test_spans_point_into_traditional_source() -> None:
    text = "一、加強學習\n1、配合機關黨委抓好理論學習。"
    plan = Pipeline.default().parse(text)[0]
    (party,) = [p for _, m in plan.measures() for p in m.parties]
    assert party.name == "机关党委" and party.span.slice(text) == "機關黨委"


def test_stage_needs_the_structure_stage() -> None:
    with pytest.raises(PipelineError, match="structure stage"):
        EXTRACTOR(Plan(index=0, span=Span(0, 0)))


def test_table_rows_become_measures_with_their_columns() -> None:
    from unionnlp.model import Source, Table

    text = (
        "2024年机关工会工作计划\n一、重点工作\n序号 | 工作内容 | 责任单位 | 完成时限\n"
        "1 | 召开职代会 | 工会办公室 | 3月底前\n"
        "2 | 组织运动会 | 各分工会、人事科 | 10月\n二、其他工作\n"
    )

    def cell(value: str, after: str) -> tuple[str, Span]:
        i = text.index(value, text.index(after))
        return value, Span(i, i + len(value))

    header = tuple(cell(v, "序号") for v in ("序号", "工作内容", "责任单位", "完成时限"))
    rows = (
        tuple(cell(v, "1 |") for v in ("1", "召开职代会", "工会办公室", "3月底前")),
        tuple(cell(v, "2 |") for v in ("2", "组织运动会", "各分工会、人事科", "10月")),
    )
    table = Table(header, rows, Span(text.index("序号"), text.index("二、") - 1))
    plan = Pipeline.default().parse(text, source=Source.from_text(text, tables=[table]))[0]
    first = plan.sections[0]
    assert [m.text for m in first.measures] == ["召开职代会", "组织运动会"]
    assert [[(p.name, p.role) for p in m.parties] for m in first.measures] == [
        [("工会办公室", "lead")],
        [("各分工会", "lead"), ("人事科", "lead")],
    ]
    assert [[d.value for d in m.deadlines] for m in first.measures] == [["2024-03"], ["2024-10"]]
    for m in first.measures:
        for p in m.parties:
            assert p.span.slice(text) == p.name


# -- the data file's examples -------------------------------------------------------


@pytest.mark.parametrize("rule", EXTRACTOR.slots, ids=[r.name for r in EXTRACTOR.slots])
def test_slot_examples_and_their_shortcuts(rule: Rule) -> None:
    assert rule.must_match, f"{rule.name} has no `match` examples"
    requires = rule.get("requires", [])
    trigger = EXTRACTOR.triggers.get(rule.name)
    for example in rule.must_match:
        m = rule.pattern.search(example)
        assert m, f"{rule.name} should match {example!r}"
        # each match holds what the slot requires and its trigger
        assert not requires or any(word in m.group() for word in requires), example
        assert trigger is None or trigger.pattern.search(m.group()), example
    for example in rule.must_not_match:
        assert rule.pattern.search(example) is None, f"{rule.name} should not match {example!r}"


def test_slots_built_from_heads_are_tried_only_where_a_head_is() -> None:
    # a slot naming parties by {NAME}, {NAMES} or {LONG_NAME} is skipped on text holding no
    # head or body alias: each of its examples holds one, and text without any finds nothing
    slots, scan = EXTRACTOR._plan
    head_bit = 1 << len(slots)
    words = set(load_toml("parties.toml")["heads"]) | set(EXTRACTOR.canonical_names)
    named = [slot for slot in slots if slot.needs & head_bit]
    assert {"subject", "by_lead", "help_lead"} <= {slot.rule.name for slot in named}
    assert "labelled_lead" not in {slot.rule.name for slot in named}
    for slot in named:
        for example in slot.rule.must_match:
            m = slot.rule.pattern.search(example)
            assert m and any(word in m.group("names") for word in words), example
            assert scan.met(example) & head_bit, example
    assert not scan.met("组织职工开展健步走活动") & head_bit
    assert EXTRACTOR.find("负责：张三、李四") != []  # a labelled field needs no head


# -- the shortcuts ------------------------------------------------------------------
# `requires`, triggers and clause starts skip tries that cannot match, and HEADS is
# written as a trie: slot by slot, the stage must find exactly what each slot's plain
# `finditer` finds with HEADS as the plain longest-first alternation.


def _plain_heads() -> str:
    heads = set(load_toml("parties.toml")["heads"]) | set(EXTRACTOR.canonical_names)
    return "|".join(regex.escape(w) for w in sorted(heads, key=len, reverse=True))


PLAIN = load_rules("parties.toml", "slot", variables={"HEADS": _plain_heads(), "HEAD_ENDS": ""})
BREAKS = "。；;！!？?\n：:，,"
MARKERS = ["", "1、", "12.", "3，", "（一）", "(二)", "一、", "十二", "  \n1、", "\n（三）"]


def _plain(text: str) -> list[tuple[str, tuple[int, int]]]:
    return [(rule.name, m.span()) for rule in PLAIN for m in rule.pattern.finditer(text)]


def _found(text: str, extractor: PartyExtractor = EXTRACTOR) -> list[tuple[str, tuple[int, int]]]:
    return [(slot.rule.name, m.span()) for slot, m in extractor._matches(text)]


@pytest.mark.parametrize("rule", PLAIN, ids=[r.name for r in PLAIN])
def test_shortcuts_keep_every_example(rule: Rule) -> None:
    # each example at the start of a text, after each item marker and clause break
    for example in rule.must_match:
        texts = [marker + example for marker in MARKERS]
        texts += [f"开展活动{brk}{example}。工会要做好" for brk in BREAKS]
        for text in texts:
            assert _found(text) == _plain(text), text


@pytest.mark.parametrize("prefix", [*MARKERS, *(f"开展活动{brk}" for brk in BREAKS), " " * 40])
@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("工会办公室负责收集提案", [["工会办公室", "lead"]]),
        ("分工会将组织培训", [["分工会", "lead"]]),
        ("2023年上半年，院工会要做好摸底", [["院工会", "lead"]]),
        ("工会（牵头）、人事科负责", [["工会", "lead"], ["人事科", "support"]]),
    ],
)
def test_a_party_at_any_clause_start_is_found(
    prefix: str, clause: str, expected: list[list[str]]
) -> None:
    # the clause slots are tried at clause starts only: at the very start of a text,
    # after its item marker (`1、`, `（一）`) and after every clause break. (A name may
    # take a bracketed marker in: `（一）工会办公室`, as `各街道（镇）总工会`.)
    found = EXTRACTOR.find(prefix + clause)
    assert len(found) == len(expected)
    for f, (name, role) in zip(found, expected, strict=True):
        assert f.name.endswith(name) and f.role == role, (f, prefix)
    assert _found(prefix + clause) == _plain(prefix + clause)


@pytest.fixture(scope="module")
def corpus_lines() -> list[str]:
    """Every line of every corpus file, normalised as the stage sees it."""
    normalizer = Normalizer()
    lines: list[str] = []
    for path in CORPUS_TEXTS:
        lines.extend(normalizer(read(path).text).text.splitlines())
    return [line for line in lines if line.strip()]


def test_shortcuts_on_the_corpora(corpus_lines: list[str]) -> None:
    assert corpus_lines
    for line in corpus_lines:
        assert _found(line) == _plain(line), line


def test_triggers_run_by_re_find_what_regex_finds(corpus_lines: list[str]) -> None:
    # a trigger that the standard `re` reads alike runs there (its sets scan faster); its
    # hits must be those of `regex`, on the corpora and on the slots' examples
    slots = [slot for slot in EXTRACTOR._plan[0] if slot.plain_trigger is not None]
    assert {"subject", "named_lead", "jointly"} <= {slot.rule.name for slot in slots}
    for slot in slots:
        assert slot.trigger is not None
        texts = [
            *corpus_lines,
            *slot.rule.must_match,
            *EXTRACTOR.triggers[slot.rule.name].must_match,
        ]
        for text in texts:
            expected = [m.span() for m in slot.trigger.finditer(text)]
            assert slot.trigger_spans(text, 1.0) == expected, (slot.rule.name, text)
            assert slot.triggered(text, 1.0) == bool(expected), (slot.rule.name, text)


@pytest.mark.parametrize(
    ("pattern", "runs_in_re"),
    [
        ("[会局](?:具体)?(?:牵头|负责(?!人))", True),
        ("[会局][ \\t]?(?:要|将|[0-9]{1,2}月)", True),
        ("[会局](?:的[^\\P{Han}的]{0,10}?)?作用", False),  # no \p{Han} in re
        ("[会局]\\s?负责", False),  # \s follows each module's own Unicode tables
        ("[会局].*负责", False),  # a repeat without bound: re has no time budget
        ("[会局]{2,}负责", False),
        ("(?i)[会局]负责", False),  # flags
        ("[*+][会局]\\+", True),  # * and + in a set or escaped repeat nothing
    ],
)
def test_which_triggers_run_in_re(pattern: str, runs_in_re: bool) -> None:
    plain = parties_scan._standard(regex.compile(pattern))
    assert (plain is not None) == runs_in_re
    if plain is not None:
        assert plain.pattern == pattern


PIECES = st.sampled_from(
    [
        *MARKERS,
        *BREAKS,
        " ",
        "、",
        "和",
        "2023年",
        "XX年度",
        "上半年",
        "工会",
        "分工会",
        "工会办公室",
        "院办",
        "党委",
        "人事科",
        "委员会",
        "经审委员会",
        "职工",
        "（牵头）",
        "(配合)",
        "（镇）",
        "要",
        "将",
        "负责",
        "负责人",
        "牵头",
        "配合",
        "协助",
        "具体",
        "联合",
        "与",
        "由",
        "经",
        "审议",
        "发挥",
        "作用",
        "调动",
        "积极性",
        "参加",
        "组织的",
        "开展",
        "12月",
        "加强",
        "责任单位：",
        "牵头：",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(PIECES, st.text(max_size=3)), min_size=1, max_size=30).map("".join))
def test_shortcuts_on_generated_text(text: str) -> None:
    assert _found(text) == _plain(text)


def _lexicon(tmp_path: Path, old: str, new: str) -> Path:
    """The shipped data file with ``old`` replaced by ``new``."""
    source = data_path("parties.toml").read_text(encoding="utf-8")
    assert old in source
    path = tmp_path / "parties.toml"
    path.write_text(source.replace(old, new), encoding="utf-8")
    return path


def test_a_clause_made_otherwise_is_tried_everywhere(tmp_path: Path) -> None:
    # CLAUSE no longer begins as the clause-start shortcut expects: its slots are
    # tried at every position, and still find what they find
    lexicon = _lexicon(tmp_path, "CLAUSE = '(?:^|", "CLAUSE = '(?:(?<=「)|^|")
    extractor = PartyExtractor(lexicon=lexicon)
    assert extractor._clause_starts is None
    plain = load_rules(lexicon, "slot", variables={"HEADS": _plain_heads(), "HEAD_ENDS": ""})
    for text in ["「工会要做好", "1、工会办公室负责", "开展活动，分工会将组织"]:
        expected = [(r.name, m.span()) for r in plain for m in r.pattern.finditer(text)]
        assert _found(text, extractor) == expected


def test_a_trigger_must_name_a_slot(tmp_path: Path) -> None:
    lexicon = _lexicon(
        tmp_path, '[[trigger]]\nname = "organiser"', '[[trigger]]\nname = "organizer"'
    )
    with pytest.raises(DataFileError, match="trigger 'organizer' names no slot"):
        _ = PartyExtractor(lexicon=lexicon).triggers


def test_requires_must_be_strings(tmp_path: Path) -> None:
    lexicon = _lexicon(tmp_path, 'requires = ["由"]', 'requires = "由"')
    with pytest.raises(DataFileError, match="'requires' must be a list of strings"):
        PartyExtractor(lexicon=lexicon).find("由院办牵头")


def test_a_long_run_of_spaces_before_a_marker_stays_linear() -> None:
    # a text that may still be starting an item marker after many characters has
    # all its positions tried (not one marker check per position from the start)
    text = " " * 20_000 + "1、工会办公室负责收集提案"
    started = time.process_time()
    assert [f.name for f in EXTRACTOR.find(text)] == ["工会办公室"]
    assert time.process_time() - started < 3  # about 0.2 s; 9 s when quadratic


#: the characters of the Basic Multilingual Plane (surrogates left out)
_BMP_CHARS = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]


@pytest.mark.parametrize(("start", "words"), [("VERB_START", "VERBS"), ("ACTS_START", "ACTS")])
def test_a_start_set_holds_the_first_characters(start: str, words: str) -> None:
    # NAME checks VERBS, and the clause slots try ACTS, only where a character of the
    # start set stands: a character missing from it would lose matches (a verb starting
    # a name, a subject before 亦), one too many would only cost time
    env = {str(k): str(v) for k, v in load_toml("parties.toml")["vars"].items()}
    raw = env[words].replace(f"(?={{{start}}})", "")  # the words without their guard
    assert "\\p" not in raw.lower()  # no Unicode class: a match begins within the BMP
    body = regex.compile("(?:" + _expand(raw, env, data_path("parties.toml"), words) + ")")
    firsts = {ch for ch in _BMP_CHARS if body.fullmatch(ch, partial=True) is not None}
    listed = regex.compile(env[start])
    assert firsts == {ch for ch in _BMP_CHARS if listed.fullmatch(ch)}
    assert {"要", "3"} <= firsts if words == "ACTS" else {"组", "加"} <= firsts


def test_after_name_start_holds_the_first_characters() -> None:
    # the subject trigger looks for AFTER_NAME_START after a possible end of a name: it
    # must hold every character (?:{PERSON}|{NOTE})??[ \t]?{ACTS} may begin with (PERSON
    # without the look-behind at its start, which reads the name before it)
    env = {str(k): str(v) for k, v in load_toml("parties.toml")["vars"].items()}
    person = regex.sub(r"^\(\?<=[^()]*\)", "", env["PERSON"])
    assert person != env["PERSON"]
    env["PERSON_HERE"] = person
    raw = "(?:{PERSON_HERE}|{NOTE})??[ \t]?{ACTS}"
    body = regex.compile(_expand(raw, env, data_path("parties.toml"), "AFTER_NAME"))
    firsts = {ch for ch in _BMP_CHARS if body.fullmatch(ch, partial=True) is not None}
    listed = regex.compile(_expand(env["AFTER_NAME_START"], env, data_path("parties.toml"), "A"))
    assert firsts == {ch for ch in _BMP_CHARS if listed.fullmatch(ch)}
    assert {" ", "（", "某", "王", "要", "3"} <= firsts


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text("abc", min_size=1, max_size=4), min_size=1, max_size=8, unique=True),
    st.text("abcd", max_size=12),
)
def test_trie_matches_as_the_alternation(words: list[str], text: str) -> None:
    words.sort(key=len, reverse=True)
    plain, trie = "|".join(words), parties._trie(words)
    for form in ("(?:{})", "(?:{})+", "(?:{})+?d", "(?:{})+c", "(?:{}){{2}}(?:a|b)"):
        expected = [m.span() for m in regex.finditer(form.format(plain), text, overlapped=True)]
        got = [m.span() for m in regex.finditer(form.format(trie), text, overlapped=True)]
        assert got == expected, (form, words, text)


def test_norm_ranges_are_norm_range(seed_texts: dict[str, str]) -> None:
    bare = Pipeline(stages=[])
    for text in list(seed_texts.values())[:3]:
        for plan in bare.parse(text):
            norm = plan.require_normalized("test")
            spans = [m.span for _, m in plan.measures()] + [
                Span(i, j) for i in range(0, len(text), 97) for j in (i, i + 1, i + 50)
            ]
            assert norm.norm_ranges(spans) == [norm.norm_range(s) for s in spans]


@pytest.mark.parametrize("marker", ["（一）", "(二)", "（十二）"])
def test_a_bracketed_list_marker_is_not_part_of_a_name(marker: str) -> None:
    found = PartyExtractor().find(f"{marker}工会办公室负责组织春季运动会")
    assert [(f.name, f.role) for f in found] == [("工会办公室", "lead")]


# -- constructions across the genre ---------------------------------------------------


def _roles(text: str) -> list[tuple[str, str]]:
    """Each party the shipped extractor finds in ``text``, as (name, role)."""
    return [(f.name, f.role) for f in EXTRACTOR.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[3]女工委要组织女职工开展健康知识讲座。", [("女工委", "lead")]),
        ("②、经审委员会于12月份对全年经费收支情况进行审查；", [("经审委员会", "lead")]),
        ("⑴ 女职工委员会组织开展“三八”节系列活动。", [("女职工委员会", "lead")]),
        ("【2】工会办公室负责收集提案。", [("工会办公室", "lead")]),
    ],
)
def test_a_subject_after_enclosed_and_bracketed_markers(
    text: str, expected: list[tuple[str, str]]
) -> None:
    # `[3]`, `②、`, `⑴`, `【2】` are item markers like `1、` and `（一）`
    assert _roles(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9月份配合院行政装备处组织全体干警进行体检。", [("院行政装备处", "lead")]),
        ("配合机关服务中心做好食堂管理。", [("机关服务中心", "lead")]),
        ("配合党委教师工作部开展师德师风教育。", [("党委教师工作部", "lead")]),
        ("对拖欠工资等问题配合县人社局及时依法处置。", [("县人社局", "lead")]),
        (
            "矿工会会同职业卫生管理部门对井下粉尘开展检查。",
            [("矿工会", "lead"), ("职业卫生管理部门", "support")],
        ),
        ("联合区教育局基教科先后开展教学竞赛。", [("区教育局基教科", "support")]),
        ("配合街道社区卫生服务中心举办义诊。", [("街道社区卫生服务中心", "lead")]),
    ],
)
def test_the_body_helped_or_joined_is_named_up_to_the_verb(
    text: str, expected: list[tuple[str, str]]
) -> None:
    # 配合X… / 会同X…: X runs to the verb after it, not to the first head inside it
    assert _roles(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("配合市消防支队做好消防安全演练。", [("市消防支队", "lead")]),
        ("配合后勤组做好午餐满意度测评。", [("后勤组", "lead")]),
        ("各类比赛报名，各协会会长负责组织。", [("各协会会长", "lead")]),
        ("⑵ 劳动保护监督检查员每月开展一次现场检查。", [("劳动保护监督检查员", "lead")]),
        ("由镇总工会负责，镇劳动保障所配合。", [("镇总工会", "lead"), ("镇劳动保障所", "support")]),
        ("配合街道做好文明城区复审工作。", [("街道", "lead")]),
        ("今年公司将举行技能比武。", [("公司", "lead")]),
    ],
)
def test_departments_units_and_posts_are_heads(text: str, expected: list[tuple[str, str]]) -> None:
    assert _roles(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "由宣传委员会负责组织，各二级工会配合。",
            [("宣传委员会", "lead"), ("各二级工会", "support")],
        ),
        ("由组织部牵头开展考核。", [("组织部", "lead")]),
        ("，组织部分职工参加培训。", []),
        ("，加强宣传工会工作。", []),
    ],
)
def test_a_department_may_begin_with_a_verb(text: str, expected: list[tuple[str, str]]) -> None:
    assert _roles(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("职工生病住院，由机关工会及时上门看望慰问。", [("机关工会", "lead")]),
        ("工会经费支出由工会主席审批。", [("工会主席", "lead")]),
        ("重要事项由教代会执委会研究解决。", [("教代会执委会", "lead")]),
        ("由各兴趣小组负责人定期组织活动。", [("各兴趣小组负责人", "lead")]),
        ("工资由项目部直接代发到本人银行卡。", [("项目部", "lead")]),
    ],
)
def test_by_a_body_with_an_adverb_or_another_verb(
    text: str, expected: list[tuple[str, str]]
) -> None:
    # 由X + (及时/定期/直接…) + 审批/研究/接待/上门/组织…: X is the lead
    assert _roles(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("职工退休时，工会委员上门看望慰问。", [("工会委员", "lead")]),
        ("各工区工会小组设立群众安全监督员。", [("各工区工会小组", "lead")]),
        ("签订目标责任书，明确各社区工会联合会建会入会目标。", []),
        ("兴趣小组成立后推荐一名组长。", []),
        ("成功举办纪念市总成立70周年活动。", []),
        ("以年级组为单位开展比赛。", []),
    ],
)
def test_acting_subjects_and_words_that_start_no_name(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert _roles(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # must: a count of the bodies or posts that act is no part of their name
        ("五百名工会干部为一线班组送清凉。", [("工会干部", "lead")]),
        ("。3个分工会要轮流承办联谊会。", [("分工会", "lead")]),
        ("12所学校工会将结对开展帮扶。", [("学校工会", "lead")]),
        ("，两名工会委员负责收集提案。", [("工会委员", "lead")]),
        ("要求每一名分会主席都要走访困难会员。", [("分会主席", "lead")]),
        ("，每位联络员要按月上报情况。", [("联络员", "lead")]),
        # counts of three or four figures, of teams (支), and vague ones (数十名, 几位)
        ("。300名工会干部为一线职工送清凉。", [("工会干部", "lead")]),
        ("。一千二百名工会干部为一线职工送清凉。", [("工会干部", "lead")]),
        ("。两支志愿服务队为职工义诊。", [("志愿服务队", "lead")]),
        ("。数十名工会干部为一线职工送清凉。", [("工会干部", "lead")]),
        ("，几位分会主席要轮流值班。", [("分会主席", "lead")]),
        # must not: 每个 before a body counts targets; a head that begins with a numeral
        # keeps it; a count of beneficiaries names no party
        ("，每个班组完成两项小发明。", []),
        ("，领导一班人要带头学习。", [("领导一班人", "lead")]),
        ("，三名职工要参加培训。", []),
    ],
)
def test_a_count_before_a_name_is_no_part_of_it(text: str, expected: list[tuple[str, str]]) -> None:
    assert _roles(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # must: a body or post opening a clause before a verb of an action it takes
        ("，女工委员会督促落实孕期保护规定。", [("女工委员会", "lead")]),
        ("。分会主席走访每户困难会员。", [("分会主席", "lead")]),
        ("，工会鼓励会员报名参加义诊。", [("工会", "lead")]),
        ("，机关工会表彰优秀会员。", [("机关工会", "lead")]),
        # the body or post presiding over a meeting (a congress's presidium, the chair)
        ("。大会主席团主持大会并审议报告。", [("大会主席团", "lead")]),
        ("，工会主席主持召开委员会议。", [("工会主席", "lead")]),
        # must: a body that gives what the measure needs backs it; a union body runs it
        ("，各分工会负责报名，校医院提供急救保障。", [("各分工会", "lead"), ("校医院", "support")]),
        ("。座谈会上，校领导发表讲话。", [("校领导", "support")]),
        ("，工会赞助部分场地费用。", [("工会", "lead")]),
        ("，校医院资助困难教工的子女入学。", [("校医院", "support")]),
        ("，体育学院 提供场地。", [("体育学院", "support")]),
        ("，校医院共同提供急救保障。", [("校医院", "support")]),
        ("，校医院无偿提供体检。", [("校医院", "support")]),
        # must not: beneficiaries, and a verb with no body before it
        ("，职工提供合理化建议。", []),
        ("，为困难职工提供帮助。", []),
        ("，会员鼓励家属参加。", []),
        ("。工会主持人要熟悉流程。", []),  # 主持人 is a post of the meeting, not 主持
        ("，职工主持节目。", []),
    ],
)
def test_a_body_acting_or_giving_opens_a_clause(text: str, expected: list[tuple[str, str]]) -> None:
    assert _roles(text) == expected


def test_the_organiser_of_what_the_union_takes_part_in_leads() -> None:
    # 参与X组织的…: X organises; the 与 of 参与 names no partner
    found = _roles("积极参与市总工会及上级工会组织的各项文体活动。")
    assert found == [("市总工会", "lead"), ("上级工会", "lead")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("充分发挥县总工会职工法律援助工作站作用。", [("县总工会职工法律援助工作站", "lead")]),
        (
            "充分发挥企业劳动争议调解委员会作用，及时调处纠纷。",
            [("企业劳动争议调解委员会", "lead")],
        ),
        ("充分发挥工会在构建和谐劳动关系中的作用。", []),
    ],
)
def test_play_role_takes_a_long_official_name(text: str, expected: list[tuple[str, str]]) -> None:
    assert _roles(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("责任科室：宣传科、医务科。", [("宣传科", "lead"), ("医务科", "lead")]),
        ("牵头处室：人事处；配合处室：财务处", [("人事处", "lead"), ("财务处", "support")]),
        (
            "责任科室：院工会办公室（牵头）、院办公室。",
            [("院工会办公室", "lead"), ("院办公室", "support")],
        ),
        (
            "配合单位：各村（社区）工会、镇市场监管所。",
            [("各村（社区）工会", "support"), ("镇市场监管所", "support")],
        ),
        (
            "责任部门：办公室（党委办公室）、各基层单位",
            [("办公室（党委办公室）", "lead"), ("各基层单位", "lead")],
        ),
    ],
)
def test_labelled_offices_and_bracketed_names(text: str, expected: list[tuple[str, str]]) -> None:
    # Hospitals, schools and organs label their offices 科室 / 处室; a bracketed part
    # inside a name is part of it, a role mark after it is not.
    assert _roles(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "由街道女职工委员会联合街道妇联组织女职工开展活动",
            [("街道女职工委员会", "lead"), ("街道妇联", "support")],
        ),
        (
            "，各村（社区）工会、各企业工会结合实际组织职工学习。",
            [("各村（社区）工会", "lead"), ("各企业工会", "lead")],
        ),
        ("二是强化监督。各班组安全员每周一早班前组织安全讲话", [("各班组安全员", "lead")]),
    ],
)
def test_subjects_that_join_or_adapt(text: str, expected: list[tuple[str, str]]) -> None:
    assert _roles(text) == expected


# -- where parties are looked for, and heads that are also verbs ----------------------


@pytest.mark.parametrize("table", ["scope", "tail", "prefix"])
def test_scope_and_tail_examples(table: str) -> None:
    rules = load_rules("parties.toml", table)
    assert rules
    for rule in rules:
        assert rule.must_match, f"{rule.name} has no `match` examples"
        # a scope is searched in a title or a measure; a tail is matched just after a name
        find = rule.pattern.search if table == "scope" else rule.pattern.match
        requires = rule.get("requires", [])
        for example in rule.must_match:
            m = find(example)
            assert m, f"{rule.name} should match {example!r}"
            # a scope is not searched in text holding none of what it requires
            assert not requires or any(word in m.group() for word in requires), example
        for example in rule.must_not_match:
            assert find(example) is None, f"{rule.name} should not match {example!r}"


def test_the_prefix_shortcut_drops_no_prefix() -> None:
    # ``_without_prefix`` tries a prefix rule only on names whose first character may begin
    # a match and that hold what it requires: it cuts what trying every rule cuts
    extractor = PartyExtractor()
    names = [name for rule in extractor.prefixes for name in rule.must_match + rule.must_not_match]
    names += ["我们的工会", "两个车间", "工作安排工会", "每月工会", "12个班组", "我区工会", "措施"]

    def every_rule(found: parties.FoundParty) -> parties.FoundParty:
        for rule in extractor.prefixes:
            m = rule.pattern.match(found.name)
            if m is None or not m.end():
                continue
            name = found.name[m.end() :]
            if len(name) >= 2 and extractor._grammar.head_starts(name):
                return extractor._narrowed(found, m.end(), len(found.name))
        return found

    for name in names:
        found = parties.FoundParty(0, len(name), name, "lead", None, "subject")
        assert extractor._without_prefix(found) == every_rule(found), name


def _stage_parties(text: str) -> list[tuple[str, str]]:
    plan = Pipeline.default().parse(text)[0]
    return [(p.name, p.role) for _, m in plan.measures() for p in m.parties if not p.implicit]


def test_the_opening_and_the_closing_name_no_parties() -> None:
    # The guiding idea (指导思想) and a closing paragraph run into the last measure name the
    # writing union and its leaders as background; inside the measures they act.
    text = (
        "2024年机关工会工作计划\n一、指导思想\n在机关党委的领导下，机关工会将团结职工。\n"
        "二、主要工作\n1、机关工会将举办职工运动会。\n2、配合人事处做好体检。\n"
        "总之，新的一年里机关工会将再接再厉。"
    )
    assert _stage_parties(text) == [("机关工会", "lead"), ("人事处", "lead")]


def test_a_line_stating_the_guiding_idea_names_no_parties() -> None:
    # a page whose numbering runs the opening into a measure: that line is skipped
    text = (
        "1、2025年镇工会工作的指导思想是：在镇党委的领导下，镇工会将服务大局。\n"
        "镇工会要组织劳动竞赛。\n2、由镇妇联负责三八节活动。"
    )
    assert _stage_parties(text) == [("镇工会", "lead"), ("镇妇联", "lead")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("，各级工会组织要带头学习。", [("各级工会组织", "lead")]),
        (
            "，各级工会组织、工会干部都要带头学习。",
            [("各级工会组织", "lead"), ("工会干部", "lead")],
        ),
        ("，车间工会组织开展技能比武。", [("车间工会", "lead")]),
        ("，分厂工会组织班组开展安全检查。", [("分厂工会", "lead")]),
        ("，女工组织要关心女职工。", [("女工组织", "lead")]),
    ],
)
def test_organise_after_a_union_is_a_verb_unless_a_modal_follows(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert _roles(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the subjects after 与 are partners
        ("。区总工会与区人社局继续开展春风行动。", [("区总工会", "lead"), ("区人社局", "support")]),
        # the subject of a 配合 sentence helps, whatever it is; one named after it leads
        ("，各校要主动配合党政推进校务公开。", [("各校", "support"), ("党政", "lead")]),
        (
            "配合纪委开展廉洁教育，院工会组织职工观看教育片。",
            [("纪委", "lead"), ("院工会", "lead")],
        ),
    ],
)
def test_roles_of_subjects_beside_partners_and_helped_bodies(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert _roles(text) == expected


# -- names are noun phrases ------------------------------------------------------------


def test_clause_words_are_built_from_jiebas_dictionary() -> None:
    # the shipped list is what write_clause_words() makes from the installed jieba
    shipped = [tuple(e.split(" ")) for e in load_wordlist(data_path(parties.CLAUSE_WORDS_FILE))]
    assert shipped == parties.build_clause_words()
    assert ("同时", "A") in shipped and ("感到", "V") in shipped


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a clause that starts with a function word or ends a verb on a body is no subject
        ("，同时协调卫生院为体检提供场地。", [("卫生院", "support")]),
        ("，让困难职工感到学校工会的温暖。", []),
        ("，切实彰显工会组织的作用。", []),
        # after a slot word the name starts after the verb (督促|乡镇)
        ("配合县里督促乡镇做好调解工作", [("乡镇", "lead")]),
        # verbs inside names: among the modifiers, or before a part of a body
        ("由劳动争议调解委员会负责。", [("劳动争议调解委员会", "lead")]),
        ("，困难职工帮扶中心要建立台账。", [("困难职工帮扶中心", "lead")]),
        ("，劳动保护监督检查员每月检查一次。", [("劳动保护监督检查员", "lead")]),
        ("配合政府相关职能部门做好", [("政府相关职能部门", "lead")]),
    ],
)
def test_names_are_noun_phrases(text: str, expected: list[tuple[str, str]]) -> None:
    assert _roles(text) == expected


def test_clause_end_is_the_end_of_the_last_clause_word_that_ends_a_clause(
    corpus_lines: list[str],
) -> None:
    # clause_end reads the ends of the clause words in front of a name's heads from the
    # last one back; it must give the largest end of any such word (a function word, or
    # a verb just before a body or a quantifier), as a plain search over every substring
    grammar = EXTRACTOR._grammar

    def largest(name: str) -> int:
        starts = grammar.head_starts(name)
        if not starts:
            return 0
        ends = [
            j
            for i in range(starts[-1])
            for j in range(i + 1, starts[-1] + 1)
            if (kind := grammar.words.get(name[i:j])) == "A"
            or (
                kind == "V"
                and (
                    grammar.head_at(name, j, starts) in grammar.units
                    or name.startswith(grammar.quantifiers, j)
                )
            )
        ]
        return max(ends, default=0)

    heads = sorted(grammar.heads)
    names = [
        line[i : i + size] + heads[(i + size) % len(heads)]
        for line in corpus_lines[:400]
        for i in range(0, len(line), 7)
        for size in (3, 6, 11)
    ]
    assert sum(1 for name in names if largest(name)) > 100  # names that hold clause words
    for name in names:
        assert grammar.clause_end(name) == largest(name), name


def test_gold_names_of_the_written_sets_are_noun_phrases() -> None:
    # every party the annotators of the written sets named passes the grammar whole
    import opencc

    t2s = opencc.OpenCC("t2s")
    root = Path(__file__).resolve().parent.parent / "corpora"
    names = {
        t2s.convert(str(p["name"]))
        for name in ("dev", "dev2", "dev3", "seeds")
        for gold in sorted((root / name).glob("*.gold.json"))
        for doc in json.loads(gold.read_text(encoding="utf-8"))["documents"]
        for p in doc.get("parties", ())
    }
    assert len(names) > 200
    grammar = EXTRACTOR._grammar
    assert [n for n in sorted(names) if grammar.clause_end(n)] == []
