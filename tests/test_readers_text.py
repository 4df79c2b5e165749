"""Text files in the encodings Chinese plans come in."""

from __future__ import annotations

from pathlib import Path

import pytest

from unionnlp.errors import DecodeError
from unionnlp.readers import read
from unionnlp.readers.text import decode

SAMPLE = "工会工作计划\n一、加强组织建设，推选工会小组长。\n二、关心职工生活，做好送温暖工作。"
SAMPLE_TRAD = "工會工作計劃\n一、加強組織建設，推選工會小組長。\n二、關心職工生活，做好送溫暖工作。"


@pytest.mark.parametrize(
    ("text", "codec", "expected"),
    [
        (SAMPLE, "utf-8", "utf-8"),
        (SAMPLE, "utf-8-sig", "utf-8"),
        (SAMPLE, "gb18030", "gb18030"),
        (SAMPLE, "gbk", "gb18030"),
        (SAMPLE, "gb2312", "gb18030"),
        (SAMPLE_TRAD, "big5", "big5hkscs"),
        (SAMPLE_TRAD, "big5hkscs", "big5hkscs"),
        (SAMPLE, "utf-16", "utf-16"),
    ],
)
def test_round_trip(tmp_path: Path, text: str, codec: str, expected: str) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(text.encode(codec))
    source = read(path)
    assert source.text == text
    assert source.encoding == expected
    assert source.encoding_confidence is not None and source.encoding_confidence > 0.5


def test_big5_is_not_taken_for_gb18030() -> None:
    raw = SAMPLE_TRAD.encode("big5")
    raw.decode("gb18030")  # decodes without error, into garbage
    text, codec, _ = decode(raw)
    assert codec == "big5hkscs" and text == SAMPLE_TRAD


def test_random_bytes_are_refused() -> None:
    with pytest.raises(DecodeError):
        decode(bytes(range(128, 256)) * 10)
