"""What around a match decides how it is read: background time, signatures, quotation marks.

Past and background time (``去年…``, ``…以来``: :func:`_is_background`), a
clause telling what was done (``5月举办了…``: :func:`_is_narrated`), a date inside a
book title (``《3月份工作通报》``: :func:`_in_title`; the three together:
:func:`_told_otherwise`), a date alone on a short line (a signature:
:func:`_is_signature`) and a recurrence opening a quoted slogan or name
(:func:`_opens_quote`) are not deadlines; a quoted name keeps its quotation marks
balanced (:func:`_quoted_whole`).
"""

from __future__ import annotations

import re

from .interpret import Found

# Past and background time (去年…, …以来, 回顾…, 已于…): not deadlines of the plan. A past
# word counts in the 12 characters before an expression, back to the sentence's start.
# 回顾 only opening a sentence (回顾2023年，…: a look back), not as a measure's verb
# (…，7月回顾总结上半年工作, 回顾总结…). Every branch begins with its word, which is looked
# behind from: a branch opening with a look-behind costs ``re`` its fast scan for the words'
# first characters (it made all of ``parse`` 3.8 % dearer in instructions).
#: what ends a sentence, and a clause (the comma too: 了 two clauses on tells of another time)
_SENTENCE_STOPS = "。；;！？!?\n"
_CLAUSE_STOPS = "，," + _SENTENCE_STOPS
# 截至 / 截止 tell a state reached by then (截至目前, 截至6月底已…), but right before the
# expression they set its limit (截至11月30日完成…: see interpret._DUE_BY).
_PAST_WORDS = (
    "去年|前年|过去|上年度?|以往|曾经|(?:截至|截止)(?!(?:到|至|于)?\\s*\\Z)|已于|已在|已经|"
    f"回顾(?<![^{_SENTENCE_STOPS}]回顾)(?!总结)"
)
# (来 as in 一年来; not 来临, 春节来临之际: a time that comes)
_SINCE_WORDS = "以来|来(?!临)|期间已|已经|已"
_PAST_BEFORE = re.compile(rf"(?:{_PAST_WORDS})[^{_SENTENCE_STOPS}]*\Z")
_PAST_BEFORE_REACH = 12
_PAST_AFTER = re.compile(rf"\s*(?:{_SINCE_WORDS})")
#: a verb's perfective 了 (举办了, 做了): what was done. Not 为了, 除了, 罢了, 了解, 了结, 了如指掌,
#: 了却, 不了了之 (了 after 了 or before 之)
_PERFECTIVE = re.compile(r"(?<![为除罢了])了(?![解结如却了之])")
_CLAUSE_END = re.compile(f"[{_CLAUSE_STOPS}]")
#: how far a time that is its whole clause reaches (十月份，…举办了…。)
_SENTENCE_END = re.compile(f"[{_SENTENCE_STOPS}]")
_CLAUSE_ENDS = frozenset(_CLAUSE_STOPS)
#: what may stand before a time that is the whole of its clause: spaces, 在/于, an item's number
_LEAD_INS = " \u3000\t在于0123456789、.．()（）"
#: a document issued then (3月5日印发的通知) or a meeting whose spirit is studied (9月召开的
#: 全会精神, 2月28日会议精神): the date says when it was, not when a measure is due
_DOCUMENT_VERBS = "下发|印发|发布|出台|颁布|签发|转发"
_DOCUMENT_AFTER = re.compile(
    rf"[^，,。；;\n]{{0,8}}?(?:{_DOCUMENT_VERBS})的"
    r"|[^，,。；;\n]{0,8}?(?:召开|举行)的[^，,。；;\n]{0,12}?精神"
    r"|的?(?:会议|全会|大会|讲话)精神"
)
#: the checks' words: a text without one holds no background time
_PAST_ANY = re.compile(f"{_PAST_WORDS}|{_SINCE_WORDS}|{_DOCUMENT_VERBS}|精神")
_QUOTES = "“”\"‘’'「」『』〝〞＂"
_QUOTE_SET = frozenset(_QUOTES)
#: a signature date's year begins so (in figures, or in words: 二〇二四年, 二零二四年)
_CENTURIES = ("19", "20", "一九", "二〇", "二零", "二○", "二0")
_OPENING_QUOTES = "“‘「『〝\"'＂"
_CLOSING_QUOTES = "”’」』〞\"'＂"
# A date alone on a short line (a signature or publication date: 2023年9月, 2023.9.1), not a
# deadline.
_SIGNATURE_LINE = 25
#: the last characters of a signature's date (a month, a day): a quarter or a half year on a
#: line of its own (2024年第一季度 in a table's time column) is a deadline
_DATE_ENDS = frozenset("月日号0123456789")
_RANGE_MARKS = frozenset("至到-—－~～")
_SIGNATURE_YEAR = re.compile(
    r"(?:19|20)\d{2}(?: ?年|[.．][01]?\d)|(?:一九|二[〇零○0])[〇零○0一二三四五六七八九]{2}年"
)
#: a month written with a point after its year and no day (2018.09): the cell of a
#: flattened table's time column on a line of its own, where a signature gives its day
_DOTTED_MONTH = re.compile(r"(?:19|20)\d{2}[.．][01]?\d")
#: a time-limit column's header alone on its line, in a table whose cells a page put one
#: to a line, and how far above its dates it may stand (a dozen rows)
_TIME_COLUMN = re.compile(r"(?m)^[ \t]*(?:完成时限|完成时间|完成期限|时限|时间节点)[ \t]*$")
_TIME_COLUMN_REACH = 3000
#: a label of the date a document was issued (发文日期：, 印发时间：): a signature's date
_ISSUE_LABEL = re.compile(r"(?:发文|印发|发布|签发|成文|落款)(?:日期|时间)\s*[:：]$")
_CLOSING_BRACKETS = ")）]】"
#: a book title's marks: a date inside one is part of a document's name (《3月份工作通报》)
_TITLE_OPEN, _TITLE_CLOSE = "《", "》"


def _is_background(text: str, start: int, end: int) -> bool:
    """Past or background time: 去年…, 过去五年, 回顾…, 已于…, …以来 (see :data:`_PAST_BEFORE`),
    the date of a document or a meeting referred to (:data:`_DOCUMENT_AFTER`)."""
    if _PAST_BEFORE.search(text, max(0, start - _PAST_BEFORE_REACH), start):
        return True
    if _PAST_AFTER.match(text, end, end + 4) is not None:
        return True
    return _DOCUMENT_AFTER.match(text, end) is not None


def _hints(text: str) -> tuple[bool, bool, bool]:
    """Whether ``text`` may hold background time (a past word), a narrated clause (a 了) and
    a book title (《): one scan of the text each, so that an expression is checked for
    what its text cannot hold only where it can (see :func:`_told_otherwise`)."""
    return _PAST_ANY.search(text) is not None, "了" in text, _TITLE_OPEN in text


def _told_otherwise(
    text: str, start: int, end: int, every: bool, hints: tuple[bool, bool, bool]
) -> bool:
    """The expression at ``[start, end)`` says when something was, not when a measure is
    due: background time (:func:`_is_background`), the time of a narrated clause
    (:func:`_is_narrated`; not asked of a recurrence, ``every``) or part of a book title
    (:func:`_in_title`). ``hints``: :func:`_hints` of ``text``."""
    past, told, titled = hints
    return (
        (past and _is_background(text, start, end))
        or (told and not every and _is_narrated(text, start, end))
        or (titled and _in_title(text, start, end))
    )


def _is_narrated(text: str, start: int, end: int) -> bool:
    """The clause of the expression tells what was done (5月举办了…, 上半年我们做了…):
    a perfective 了 (:data:`_PERFECTIVE`) in it. An expression that is the whole of its
    clause, but for an item's number or 在/于 (十月份，工会…举办了…), dates the rest of its
    sentence, which is read too. (The extractor does not ask it of recurrences: 每月开展了…
    tells of a practice that goes on.)
    """
    clause_start = start
    while clause_start > 0 and text[clause_start - 1] not in _CLAUSE_ENDS:
        clause_start -= 1
        if start - clause_start >= _PAST_BEFORE_REACH:
            break
    stop = _CLAUSE_END.search(text, end)
    clause_end = len(text) if stop is None else stop.start()
    alone = clause_end == end and stop is not None and stop.group() in "，,"
    if alone and not text[clause_start:start].strip(_LEAD_INS):
        # 十月份，…: the time of the sentence after it
        after = _SENTENCE_END.search(text, clause_end + 1)
        clause_end = len(text) if after is None else after.start()
    return _PERFECTIVE.search(text, clause_start, clause_end) is not None


def _is_signature(text: str, start: int, end: int) -> bool:
    """A date with its year on a short line of its own (``…工会\n2023年9月``).

    The line may close a bracket around it (``某某工会（2024年3月8日）``), the short line
    may be what follows a line's last sentence (run-on text: ``…。 某某工会 2024年3月8日``),
    and a label of an issue date may introduce it (``发文日期：2024年3月8日``). Not when
    another label introduces it (``完成时限：2024年10月底前``), it says
    ``…前``/``…底``, it names no date (``2024年第一季度``) or a period
    (``2023年12月—2024年2月``): those are deadlines,
    however short their line.
    """
    if not (text.startswith(_CENTURIES, start) and _SIGNATURE_YEAR.match(text, start, end)):
        return False
    if text.endswith(("前", "底", "末"), start, end) or text[end - 1] not in _DATE_ENDS:
        return False
    if not _RANGE_MARKS.isdisjoint(text[start:end]):
        return False  # a period (2023年12月—2024年2月), not a signature's one date
    if _DOTTED_MONTH.fullmatch(text, start, end):
        return False  # a month in a table's time column (2018.09), not a signed day
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start].rstrip()
    if before.endswith((":", "：")):
        return _ISSUE_LABEL.search(before) is not None  # 发文日期：2024年3月8日
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    # (run-on text: the signature follows the last sentence on its line, …。 某某工会 2023年2月16日)
    line_start = max(line_start, *(text.rfind(stop, line_start, start) + 1 for stop in "。！？!?"))
    line = text[line_start:line_end].strip().rstrip(_CLOSING_BRACKETS)  # （2024年3月8日）
    return len(line) <= _SIGNATURE_LINE and line.endswith(text[start:end].strip()[-2:])


def _in_time_column(text: str, start: int, end: int) -> bool:
    """A date alone on its line under a time-limit column's header alone on its line
    (``完成时限`` over rows whose cells a page put one to a line: ``…\n2018.09\n2\n…``).

    The date is the row's time limit, due by then, as after ``完成时限：`` on its line.
    """
    if (start and text[start - 1] != "\n") or (end < len(text) and text[end] != "\n"):
        return False
    return _TIME_COLUMN.search(text, max(0, start - _TIME_COLUMN_REACH), start) is not None


def _in_title(text: str, start: int, end: int) -> bool:
    """The expression stands inside a book title on its line (《关于3月份…的通知》): it is part
    of the name of a document, not when a measure is due."""
    line_start = text.rfind("\n", 0, start) + 1
    opened = text.rfind(_TITLE_OPEN, line_start, start)
    if opened < 0 or text.find(_TITLE_CLOSE, opened, start) >= 0:
        return False
    line_end = text.find("\n", end)
    closed = text.find(_TITLE_CLOSE, end, len(text) if line_end < 0 else line_end)
    return closed >= 0 and text.find(_TITLE_OPEN, end, closed) < 0


def _opens_quote(text: str, start: int, end: int) -> bool:
    """The expression opens a longer quoted text: a slogan or a name (“每天锻炼一小时，…”,
    “每月一讲”), which says what is done, not when (as season words in activity names)."""
    return (
        start > 0
        and text[start - 1] in _OPENING_QUOTES
        and end < len(text)
        and text[end] not in _CLOSING_QUOTES
    )


def _quoted_whole(f: Found, text: str) -> Found:
    """An expression with its quotation marks balanced: a quoted name stays whole.

    “三八”节, “五一”国际劳动节 and “五一” alone keep both marks, the opening one taken
    in from before the match; a mark at an edge with no partner inside or beside it is
    left out (“三八妇女节 -> 三八妇女节); a stray closing mark inside, with none to open
    it, stays where it was written (三八”妇女节: the page lost the opening mark).
    """
    start, end, expr = f.start, f.end, f.text
    while expr and expr[0] in _QUOTES and not _closes_inside(expr[1:]):
        expr, start = expr[1:], start + 1
    while expr and expr[-1] in _QUOTES and not _opens_inside(expr[:-1]):
        if (
            expr[-1] in _CLOSING_QUOTES
            and start > 0
            and text[start - 1] in _OPENING_QUOTES
            and _QUOTE_SET.isdisjoint(expr[:-1])
        ):  # “五一”: the name's opening mark is before the match
            expr, start = text[start - 1] + expr, start - 1
            break
        expr, end = expr[:-1], end - 1
    first = next((ch for ch in expr if ch in _QUOTES), "")
    # (a straight mark first in the expression opens it: "十一")
    if (
        first
        and first in _CLOSING_QUOTES
        and not expr.startswith(first)
        and start > 0
        and text[start - 1] in _OPENING_QUOTES
    ):  # the name's opening mark is before the match: “三八”节
        expr, start = text[start - 1] + expr, start - 1
    if start == f.start and end == f.end:
        return f
    return f._replace(start=start, end=end, text=expr)


def _closes_inside(expr: str) -> bool:
    return any(ch in _CLOSING_QUOTES for ch in expr)


def _opens_inside(expr: str) -> bool:
    return any(ch in _OPENING_QUOTES for ch in expr)
