"""The public API: parse, parse_file, normalize, errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import unionnlp
from unionnlp.errors import (
    DataFileError,
    DecodeError,
    EmptyInputError,
    InputError,
    InputTypeError,
    UnionNLPError,
    UnsupportedFormatError,
)

from .conftest import SEEDS


def test_parse_returns_plans_with_spans_into_the_text() -> None:
    text = "机关工会工作计划\n一、加强组织建设\n1、调整工会小组。"
    plans = unionnlp.parse(text)
    assert len(plans) == 1
    sec = plans[0].sections[1]
    assert sec.marker_span.slice(text) == "1、"
    assert sec.title_span.slice(text) == "调整工会小组"


def test_parse_file_keeps_the_source(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes("工會工作計劃\n一、加強學習\n二、關愛職工".encode("big5"))
    plans = unionnlp.parse_file(path)
    assert plans[0].source is not None
    assert plans[0].source.encoding == "big5hkscs"
    assert plans[0].text_of(plans[0].sections[0].title_span) == "加強學習"
    assert plans[0].sections[0].title == "加强学习"


def test_normalize_is_public() -> None:
    assert unionnlp.normalize("工會(huì)").text == "工会"


def test_errors_form_one_tree() -> None:
    for cls in (InputError, InputTypeError, EmptyInputError, DecodeError, UnsupportedFormatError):
        assert issubclass(cls, UnionNLPError)
    assert issubclass(InputError, ValueError) and issubclass(InputTypeError, TypeError)


def test_bytes_are_refused() -> None:
    with pytest.raises(InputTypeError, match="parse_file"):
        unionnlp.parse(b"\xe5\xb7\xa5")  # type: ignore[arg-type]


def test_empty_is_refused() -> None:
    with pytest.raises(EmptyInputError, match="empty"):
        unionnlp.parse("")


def test_unsupported_format_lists_supported(tmp_path: Path) -> None:
    path = tmp_path / "plan.xyz"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(UnsupportedFormatError, match=r"\.txt"):
        unionnlp.parse_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        unionnlp.parse_file(tmp_path / "nope.txt")


def test_binary_text_file_names_encodings_tried(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(DecodeError, match="gb18030"):
        unionnlp.parse_file(path)


def test_every_seed_parses() -> None:
    for path in SEEDS:
        plans = unionnlp.parse_file(path)
        assert plans and all(p.sections for p in plans)


def test_import_runs_nothing_heavy() -> None:
    code = (
        "import sys, unionnlp; "
        "heavy = [m for m in ('opencc', 'jieba', 'sklearn', 'numpy') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_plan_stage_timeout_becomes_a_warning_on_the_plan() -> None:
    from unionnlp.model import Plan
    from unionnlp.pipeline import Pipeline

    def slow(plan: Plan) -> Plan:
        raise TimeoutError("regex time-out")

    slow.name = "slow-stage"  # type: ignore[attr-defined]
    (plan,) = Pipeline(stages=[slow]).parse("一、组织建设\n1、调整")
    (notice,) = plan.warnings
    assert notice.code == "stage-timeout" and notice.span == plan.span
    assert notice.message.startswith("the slow-stage stage gave up after 0.0 s on characters 0-11")


def test_warm_loads_everything_lazy_up_front(tmp_path: Path) -> None:
    from unionnlp.parties import PartyExtractor
    from unionnlp.pipeline import Pipeline

    pipeline = Pipeline.default()
    assert "suspicious" not in vars(pipeline.normalizer.chars)  # built on rare input only
    parties = pipeline.stages[1]
    assert isinstance(parties, PartyExtractor)
    pipeline.parse("一、组织建设\n1、由工会负责调整小组。")
    compiled = ["pattern" in vars(rule) for rule in parties.slots]
    assert any(compiled) and not all(compiled)  # a parse compiles the slots it tries
    assert pipeline.warm() is pipeline
    assert "suspicious" in vars(pipeline.normalizer.chars)
    assert "model" in vars(pipeline.stages[-1])  # the theme model
    assert all("pattern" in vars(rule) for rule in parties.slots)  # held in a list
    bad = tmp_path / "parties.toml"
    bad.write_text("heads = []\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"parties\.toml"):
        Pipeline(stages=[PartyExtractor(lexicon=bad)]).warm()


def test_documented_names_import_as_documented() -> None:
    """README: "in Python the same is `unionnlp.compare`"; loading it waits for first use."""
    code = (
        "import sys, unionnlp\n"
        "loaded = 'unionnlp.compare' in sys.modules\n"
        "corpus = unionnlp.compare.load_corpus\n"
        "print(loaded, callable(corpus), 'compare' in dir(unionnlp))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True"]
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        unionnlp.nonesuch  # type: ignore[attr-defined]  # noqa: B018
