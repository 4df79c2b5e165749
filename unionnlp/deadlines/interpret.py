"""Interpretation: a rule's match read into a deadline's kind, EDTF value and recurrence.

:class:`Found` is one expression found in a text. :class:`_Interpreter`, which
:class:`~unionnlp.deadlines.DeadlineExtractor` inherits, holds the festival
table (``data/festivals.toml``) and the handlers named by the rules: dates,
month and day ranges, thirds of a month, halves and quarters of the year,
seasons and school holidays, festivals (one period or two deadlines), and
recurrences; relative years resolve against the plan's year (school-year
plans: months before September fall in the next year).
"""

from __future__ import annotations

import calendar
import itertools
import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import regex

from .._numerals import read_number
from ..errors import DataFileError
from ..model import Deadline, DeadlineKind, Span
from ..resources import load_toml
from .festivals import _AFTER, _BEFORE, _day_before, _Festival, _festival_kind, _lunar_to_solar
from .recurrences import _WEEKDAYS, _every, _weekly
from .scan import _ScanRule

# (a year in words may hold a zero in digits: 二0二三, from a full-width ０)
_MONTH_WORDS = {"元": 1, "正": 1, "0": 0}
#: A third of a month (旬) as its first and last day; 0 is the month's last day.
_DEKADS: dict[str, tuple[int, int]] = {"上旬": (1, 10), "中旬": (11, 20), "下旬": (21, 0)}

#: what after a time says "within it" (3月份内, 本季度以内): during it
_WITHIN = ("内", "以内")
#: what right before a date sets it as a limit (截至11月30日, 不晚于9月30日, 最迟于6月,
#: 最迟不超过6月底, 到6月底完成, 力争到10月份): due by it. (到 or 至 after a date or a number
#: joins a range; after a verb of moving, 调整到10月, 推迟至5月, it names when a thing is held.)
_DUE_BY = re.compile(
    r"(?:截至|截止|(?:最迟)?不(?:晚于|迟于|超过)|最迟|最晚|(?:力争)?"
    r"(?<![0-9一二三四五六七八九十月日号周起整迟期延提排改移放])[到至])(?:到|至|于|在)?[ \t]*\Z"
)
#: what after 年内 / 年度内 says an event is held within the year (年内举办一次…: during),
#: not a result due by its end (年内完成, 年内新建两个…: by)
_HELD_IN_YEAR = re.compile(r"[ \t]*(?:常规|再|各|分别|先后|至少)?(?:举办|举行|开展|安排|召开)")
_DIGITS = re.compile(r"[0-9]+")
# EDTF season codes; 高温(期间) is the summer's heat
_SEASONS = {"春季": "21", "夏季": "22", "秋季": "23", "冬季": "24", "高温": "22"}
# School holidays are months, not seasons: the summer one July and August, the winter
# one January and February (of the school year's second calendar year).
_HOLIDAYS = {"暑假": (7, 8), "暑期": (7, 8), "寒假": (1, 2)}
_new_tuple = tuple.__new__
_NTH_MARK = regex.compile(r"[第个]")
#: two festivals named as a pair after them (中秋国庆双节, 元旦春节“两节”)
_JOINT_NAME = regex.compile(r"[双两]节")


@lru_cache(maxsize=4096)
def _number(token: str | None) -> int | None:
    """Read ``12``, ``十二``, ``二十三``, ``元`` (the first month), ``二〇二四``."""
    return read_number(token, extra=_MONTH_WORDS)


def _forward(start: str, end: str) -> str:
    """``start`` moved to the year of ``end`` when the school year's rule for months put
    it after the end: a range that runs into September leads into the school year
    (8月25日至9月5日 of 2023-2024 is 2023-08-25/2023-09-05, and 第三至第四季度 is
    2023-35/2023-36), as an interval never ends before it starts."""
    if start > end and start[:4].isdigit() and end[:4].isdigit():
        return end[:4] + start[4:]
    return start


_NUMERAL_PAIR = regex.compile(r"[一二三四五六七八九十]{2}")
#: the numbers of a list after its first: days (每月10日、20日 → 20) or months (每年5月、11月 → 11)
_LISTED = regex.compile(r"[0-9]{1,2}|[一二三四五六七八九十]{1,3}")
_DIGIT_PAIR = regex.compile(r"[0-9]{1,2}·[0-9]{1,2}")


def _dotted(aliases: list[str], dots: dict[str, Any]) -> list[str]:
    """``aliases`` and their dotted forms (三八 -> 三·八, 三•八…; 3·8 -> 3•8…), by the
    ``[dots]`` table of the festival file."""
    out = list(aliases)
    for alias in aliases:
        if _NUMERAL_PAIR.fullmatch(alias):
            out.extend(alias[0] + dot + alias[1] for dot in dots.get("words", ()))
        elif _DIGIT_PAIR.fullmatch(alias):
            out.extend(alias.replace("·", dot) for dot in dots.get("digits", ()) if dot != "·")
    return out


class Found(NamedTuple):
    """One time expression in a text, with offsets into that text.

    (A named tuple, not a frozen dataclass: one is made for every expression
    found, and a named tuple is several times cheaper to make.)
    """

    start: int
    end: int
    text: str
    kind: DeadlineKind
    value: str | None
    rrule: str | None
    rule: str

    def deadline(self, span: Span, *, prefix: str = "") -> Deadline:
        """This expression as a :class:`Deadline` at ``span`` (``prefix`` names its context)."""
        return Deadline(self.text, span, self.kind, self.value, self.rrule, prefix + self.rule)


class _Interpreter:
    """The reading of a rule's match, inherited by the extractor (which sets the paths)."""

    rules_path: str | Path | None
    festivals_path: str | Path | None

    @cached_property
    def _festival_tables(self) -> tuple[dict[str, _Festival], dict[str, _Festival]]:
        """The festival of each alias, and of each form named only in quotes (“十一”)."""
        path = self.festivals_path or "festivals.toml"
        data = load_toml(path)
        table: dict[str, _Festival] = {}
        quoted: dict[str, _Festival] = {}
        dots = data.get("dots", {})
        for entry in data.get("festival", ()):
            try:
                fest = _Festival(
                    str(entry["name"]),
                    entry.get("solar"),
                    entry.get("lunar"),
                    entry.get("month"),
                    entry.get("holiday_end"),
                    tuple((str(y), str(d)) for y, d in entry.get("holiday_ends", {}).items()),
                )
                aliases = _dotted([str(a) for a in entry["aliases"]], dots)
                quoted_forms = _dotted([str(a) for a in entry.get("quoted", ())], dots)
            except (KeyError, TypeError) as err:
                raise DataFileError(path, f"festival entry {entry!r} lacks {err}") from err
            for alias in aliases + quoted_forms:
                if alias in table or alias in quoted:
                    raise DataFileError(path, f"alias {alias!r} given twice")
                (table if alias in aliases else quoted)[alias] = fest
        return table, quoted

    def _interpret(
        self, entry: _ScanRule, m: regex.Match[str], text: str, year: int | None, school_year: bool
    ) -> list[Found]:
        rule, handler, kind = entry.rule, entry.handler, entry.kind
        g = (
            m.groupdict()
            if entry.names is None
            # as many names as groups, by construction: the strict check would cost a third
            else dict(zip(entry.names, m.groups(), strict=False))
        )
        stated_year = _number(g.get("y"))
        if stated_year and year and stated_year < year:
            return []  # a year before the plan's own (2022年10月印发的…): background, past
        y = stated_year or year
        if g.get("next"):  # 次年: the year after the plan's
            y = None if year is None else year + 1

        def ystr(month: int | None = None) -> str:
            if y is None:
                return "XXXX"
            stated = g.get("y") or g.get("next")  # a year written out is not shifted
            if school_year and month is not None and month < 9 and not stated:
                return str(y + 1)
            return str(y)

        value: str | None = None
        rrule: str | None = None
        suf = g.get("suf") or ""
        if handler in ("month", "date"):
            month = _number(g.get("m"))
            if month is None or not 1 <= month <= 12:
                return []
            value = f"{ystr(month)}-{month:02d}"
            dekad = _DEKADS.get(g.get("part") or "")
            if dekad is not None:  # 上旬/中旬/下旬: the days of that third of the month
                first_day, last_day = dekad
                if last_day == 0:
                    known = ystr(month)  # 2001: no leap year, when the year is unknown
                    last_day = calendar.monthrange(int(known) if known.isdigit() else 2001, month)[
                        1
                    ]
                value = f"{value}-{first_day:02d}/{value}-{last_day:02d}"
            if handler == "date" or g.get("d"):  # (a month rule may read a day too)
                day = _number(g.get("d"))
                if day is None or not 1 <= day <= 31:
                    return []
                value += f"-{day:02d}"
            if suf == "前夕" and len(value) == 10:  # the eve of a day: the day before
                kind, value = "on", _day_before(value) or value
            elif suf in _BEFORE:
                kind = "by"
            elif suf in ("期间", "前后", *_WITHIN):  # (3月份内: within the month)
                kind = "during"
            elif suf == "左右":  # about then: EDTF's approximate mark (on each end of a span)
                value = "/".join(end + "~" for end in value.split("/"))
            elif suf in _AFTER:  # from then on (12月25日以后): an open period, as 从5月起
                kind, value = "during", f"{value}/.."
            elif not suf and _DUE_BY.search(text, max(0, m.start() - 5), m.start()):
                kind = "by"
        elif handler == "date_range" and g.get("year_end"):  # 9月1日至年底: to December
            month, day = _number(g.get("m")), _number(g.get("d"))
            if not month or not day or not (1 <= month <= 12 and 1 <= day <= 31):
                return []
            value = f"{ystr(month)}-{month:02d}-{day:02d}/{ystr(12)}-12"
        elif handler == "date_range":
            month, day = _number(g.get("m")), _number(g.get("d"))
            month2 = _number(g.get("m2")) if g.get("m2") else month
            day2 = _number(g.get("d2"))
            if not (month and month2 and day and day2) or not (
                1 <= month <= month2 <= 12 and 1 <= day <= 31 and 1 <= day2 <= 31
            ):
                return []
            if (month, day) >= (month2, day2):
                return []
            end_day = f"{ystr(month2)}-{month2:02d}-{day2:02d}"
            value = f"{_forward(f'{ystr(month)}-{month:02d}-{day:02d}', end_day)}/{end_day}"
        elif handler == "month_pair":
            m1, m2 = _number(g.get("m1")), _number(g.get("m2"))
            if not m1 or not m2 or not (1 <= m1 < m2 <= 12):
                return []
            if m2 == m1 + 1:  # two months in a row: one period
                value = f"{ystr(m1)}-{m1:02d}/{ystr(m2)}-{m2:02d}"
                kind = "during"
            elif g.get("own"):  # 三月、九月: each month written out
                value = f"{{{ystr(m1)}-{m1:02d},{ystr(m2)}-{m2:02d}}}"
            else:  # 三、八月份: a marker 三、 and 八月份, more likely than a set
                return []
        elif handler == "month_range":
            m1 = _number(g.get("m1") or g.get("m1b"))
            m2 = 12 if g.get("year_end") else _number(g.get("m2") or g.get("m2b"))  # 至年底
            if not m1 or not m2 or not (1 <= m1 <= 12 and 1 <= m2 <= 12):
                return []
            if g.get("y2") or g.get("next2"):  # the end's own year (2023年9月至2024年1月)
                end_y = _number(g.get("y2")) if g.get("y2") else year and year + 1
                if end_y and y and (end_y, m2) <= (y, m1):
                    return []
                end_year = str(end_y) if end_y else "XXXX"
            elif m1 > m2 and not (school_year and m1 >= 9 > m2 and not g.get("y")):
                return []  # (a school year's 11月至3月 runs into its second calendar year)
            else:
                end_year = ystr(m2)
            start, end = f"{ystr(m1)}-{m1:02d}", f"{end_year}-{m2:02d}"
            start = _forward(start, end)
            # An end given by its third of a month (7月中旬至8月中旬) is that day.
            opening = _DEKADS.get(g.get("p1") or "")
            if opening is not None:
                start += f"-{opening[0]:02d}"
            closing = _DEKADS.get(g.get("p2") or "")
            if closing is not None:
                # 2001: no leap year, when the year is unknown
                days = calendar.monthrange(int(end_year) if end_year.isdigit() else 2001, m2)[1]
                end += f"-{closing[1] or days:02d}"
            value = f"{start}/{end}"
        elif handler in ("open_until", "from_month"):  # ../X (until X), X/.. (from X on)
            month = 12 if g.get("year_end") else _number(g.get("m"))  # 即日起至年底
            if not month or month > 12:
                return []
            bound = f"{ystr(month)}-{month:02d}"
            if g.get("d"):
                day = _number(g.get("d"))
                if day is None or not 1 <= day <= 31:
                    return []
                bound += f"-{day:02d}"
            value = f"{bound}/.." if handler == "from_month" else f"../{bound}"
        elif handler == "year_part":
            part = g.get("part") or ""
            if part == "年中" and g.get("y"):
                return []  # 2023年中: in 2023, not the middle of it
            if part.startswith("上") and part.endswith("下半年"):  # 上、下半年: both halves
                value = f"{{{ystr()}-40,{ystr()}-41}}"
            elif part in ("上半年", "下半年"):
                # (a school year's 上半年, January to June, is in its second calendar year)
                value = f"{ystr(1)}-40" if part == "上半年" else f"{ystr()}-41"
                edge = g.get("edge") or ""  # 上半年末 (its end: by then), 下半年初 (its start)
                kind = (
                    "by" if suf in _BEFORE or edge in ("末", "底") else "on" if edge else "during"
                )
            elif part in ("年底", "年末", "年终", "岁末", "年末岁尾", "年终岁尾", "年终岁末"):
                value, kind = f"{ystr()}-12", ("by" if suf in _BEFORE else "on")
            elif part in ("岁末年初", "年末年初"):  # the turn of the year: December to January
                after = "XXXX" if y is None else str(y + 1)
                value, kind = f"{ystr()}-12/{after}-01", "during"
            elif part == "年初":
                value, kind = f"{ystr(1)}-01", ("by" if suf in _BEFORE else "on")
            elif part == "年中":
                value, kind = f"{ystr(6)}-06", ("by" if suf in _BEFORE else "on")
            elif part == "全年":
                value, kind = ystr(), "during"
            else:  # 年内, 年度内: an event held within the year, else due by its end
                held = _HELD_IN_YEAR.match(text, m.end()) is not None
                value, kind = ystr(), ("during" if held else "by")
        elif handler == "quarter":
            q = _number(g.get("q"))
            if not q or q > 4:
                return []
            value = f"{ystr(3 * q - 2)}-{32 + q}"  # (a school year's by its first month)
            edge = g.get("part") or ""  # 季度末, 季度底 (its end: by then), 季度初 (its start)
            if edge in ("末", "底") or suf in _BEFORE:
                kind = "by"
            elif suf in _WITHIN:
                kind = "during"
        elif handler == "quarter_set":
            q1, q2 = _number(g.get("q1")), _number(g.get("q2"))
            if not q1 or not q2 or q1 > 4 or q2 > 4 or q1 >= q2:
                return []
            y1, y2 = ystr(3 * q1 - 2), ystr(3 * q2 - 2)
            if g.get("to"):  # 第一至第三季度: one period
                last = f"{y2}-{32 + q2}"
                value, kind = f"{_forward(f'{y1}-{32 + q1}', last)}/{last}", "during"
            else:
                value = f"{{{y1}-{32 + q1},{y2}-{32 + q2}}}"
            if g.get("part") or suf in _BEFORE:  # 一、二季度末: by the end of each
                kind = "by"
        elif handler == "month_set":
            months = [int(x) for x in _DIGITS.findall(g.get("ms") or "")]  # every month
            if not all(1 <= x <= 12 for x in months) or len(set(months)) < len(months):
                return []
            if len(months) == 2 and months[1] == months[0] + 1:  # 7、8月: one period, as 七、八月份
                value = f"{ystr(months[0])}-{months[0]:02d}/{ystr(months[1])}-{months[1]:02d}"
                kind = "during"
            else:
                value = "{" + ",".join(f"{ystr(x)}-{x:02d}" for x in months) + "}"
        elif handler == "season":
            season = g.get("season") or g.get("season2") or ""
            suf = suf or g.get("suf2") or ""
            if season == "高温" and not suf:
                return []  # the heat itself (高温慰问): a period only as 高温期间
            if season in _SEASONS:
                value = f"{ystr()}-{_SEASONS[season]}"
            elif season in _HOLIDAYS:
                first_m, last_m = _HOLIDAYS[season]
                value = f"{ystr(first_m)}-{first_m:02d}"  # before the holiday: by its start
                if suf not in _BEFORE:
                    value += f"/{ystr(last_m)}-{last_m:02d}"
            elif season in ("寒暑假", "全学期", "全学年"):  # both holidays; a whole term or year
                kind = "during"
            else:  # the start or end of a term or school year: held then, month unknown
                kind = "on"
            if suf in _BEFORE:
                kind = "by"
            elif suf == "期间":
                kind = "during"
        elif handler == "festival":
            school_year = school_year and not g.get("y")  # (2024年春节: that year's)
            first = self._festival_date(g.get("f1"), y, school_year)
            if g.get("f2") and not self._one_period(m, g):
                # “五一”劳动节和“端午节”, 春节、端午节期间: two festivals, a deadline each
                at, to = m.span()
                cut, resume = m.span("join")
                second = self._festival_date(g.get("f2"), y, school_year)
                later, later_value = _festival_kind(kind, suf, second)
                return [
                    Found(at, cut, text[at:cut], kind, first, None, rule.name),
                    Found(resume, to, text[resume:to], later, later_value, None, rule.name),
                ]
            if g.get("f2"):
                # The period holds both days, to the end of the later one's holiday
                # (中秋国庆期间, 国庆中秋双节期间: 中秋 to the last day of the National Day
                # holiday).
                second = self._festival_date(g.get("f2"), y, school_year)
                if first and second:
                    last = max(
                        self._festival(g.get("f1")).last_day(first),
                        self._festival(g.get("f2")).last_day(second),
                    )
                    lo, hi = min(first, second), last
                    value = f"{lo}/{hi}" if lo != hi else lo
                kind = "during"
            else:
                kind, value = _festival_kind(kind, suf, first)
            if g.get("hol") and suf not in _BEFORE:  # its holiday (国庆长假): a period
                kind = "during"
        elif handler == "every_weekdays":
            rrule = _weekly(g.get("days") or "")
            if rrule is None:
                return []
        elif handler == "every_nth_weekday":
            nth = g.get("nth") or ""
            weekday = _WEEKDAYS.get(g.get("day") or "")
            if weekday is None:
                return []
            n = -1 if nth.startswith("最后") else (_number(_NTH_MARK.sub("", nth)) or 1)
            every = "FREQ=MONTHLY;INTERVAL=2" if g.get("bi") else "FREQ=MONTHLY"
            rrule = f"{every};BYDAY={n}{weekday}"
        elif handler == "every_yearly":  # 每年3月8日, 每年“三八”节: the date when known
            month, day = _number(g.get("m")), _number(g.get("d"))
            by_months = ""
            if g.get("m1"):  # 每年10至11月: the months of the range
                low, high = _number(g.get("m1")), _number(g.get("m2"))
                if not low or not high or not 1 <= low < high <= 12:
                    return []
                by_months = ",".join(str(x) for x in range(low, high + 1))
            elif g.get("more"):  # 每年5月、11月: the months listed, in rising order
                listed = [month or 0] + [_number(t) or 0 for t in _LISTED.findall(g["more"])]
                if any(b <= a for a, b in itertools.pairwise(listed)) or listed[-1] > 12:
                    if not month or month > 12:
                        return []
                    # not a list of one year's months: the first alone, as without the rest
                    at, to = m.start(), m.start("more")
                    rrule = f"FREQ=YEARLY;BYMONTH={month}"
                    return [Found(at, to, text[at:to], kind, None, rrule, rule.name)]
                by_months = ",".join(map(str, listed))
            if g.get("f1") and not g.get("f2"):
                fest = self._festival(g.get("f1"))
                if fest.solar:
                    month, day = int(fest.solar[:2]), int(fest.solar[3:])
                elif fest.month:
                    month = int(fest.month)
            rrule = "FREQ=YEARLY"
            if by_months:
                rrule += f";BYMONTH={by_months}"
            elif month is not None and 1 <= month <= 12:
                rrule += f";BYMONTH={month}"
                if day is not None and 1 <= day <= 31:
                    rrule += f";BYMONTHDAY={day}"
        elif handler == "every_monthday":
            day = _number(g.get("d"))
            to_day = _number(g.get("d2")) if g.get("d2") else day  # 每月1-5日: each of them
            if day is None or to_day is None or not 1 <= day <= to_day <= 31:
                return []
            month_days = list(range(day, to_day + 1))
            if g.get("more"):  # 每月10日、20日: the days listed, in rising order
                month_days += [_number(t) or 0 for t in _LISTED.findall(g["more"])]
                if any(b <= a for a, b in itertools.pairwise(month_days)) or month_days[-1] > 31:
                    return []
            rrule = f"FREQ=MONTHLY;BYMONTHDAY={','.join(map(str, month_days))}"
        elif handler == "every":
            rrule = _every(g)
            if rrule is None:
                return []
        elif handler == "every_occasion":
            pass  # 逢重大节日: each such day, which no rule of the calendar names
        elif handler == "period":  # an event's period: when it falls is not written
            # The match holds the clause boundary before the expression.
            expr_start, expr_end = m.span("expr")
            kind = _festival_kind(kind, suf, None)[0]  # (两节前: by then)
            return [Found(expr_start, expr_end, m.group("expr"), kind, None, None, rule.name)]
        else:
            raise DataFileError(
                self.rules_path or "deadlines.toml",
                f"rule {rule.name!r}: unknown handler {handler!r}",
            )
        at, to = m.span()
        # tuple.__new__ skips the named tuple's Python-level __new__: half the cost, same tuple.
        return [_new_tuple(Found, (at, to, text[at:to], kind, value, rrule, rule.name))]

    def _one_period(self, m: regex.Match[str], g: dict[str, Any]) -> bool:
        """Two festivals in one expression make one period (中秋国庆期间, 中秋、国庆).

        Written together or joined by 暨, they do; joined by 和/与, only with a
        period word after them (元旦和春节期间); joined by a list comma, only when
        one falls within a month or so of the other (中秋、国庆, 国庆、中秋; not 春节、端午)
        and the list goes no further (元旦、春节、职工生日: three occasions). (After a name
        in full, 教师节、敬老节, the grammar joins only with a period word after the
        second: 春节、元宵节期间.)
        """
        join = g.get("join") or ""
        if join in ("", "暨", "至", "到") or join.isspace():
            return True  # (元旦至春节期间: from one to the other)
        if _JOINT_NAME.search(m.string, m.end("f2"), m.end()):
            return True  # 国庆、中秋“双节”期间: named as a pair
        if join in ("和", "与"):
            return bool(g.get("suf"))
        if m.string.startswith("、", m.end()):
            return False  # 元旦、春节、职工生日…: a list of occasions, not a pair
        months = [self._festival(a).nominal_month for a in (g.get("f1"), g.get("f2")) if a]
        return len(months) == 2 and abs(months[1] - months[0]) <= 1

    def _festival(self, alias: str | None) -> _Festival:
        """The festival ``alias`` names (an alias the grammar matched)."""
        table, quoted = self._festival_tables
        return table.get(alias or "") or quoted[alias or ""]

    def _festival_date(self, alias: str | None, year: int | None, school_year: bool) -> str | None:
        if not alias:
            return None
        table, quoted = self._festival_tables
        fest = table.get(alias) or quoted.get(alias)
        if fest is None:
            return None
        if fest.solar:
            month = int(fest.solar[:2])
            y = "XXXX" if year is None else str(year + 1 if school_year and month < 9 else year)
            return f"{y}-{fest.solar}"
        if fest.month:
            return f"{'XXXX' if year is None else year}-{fest.month}"
        if fest.lunar and year is not None:
            lunar_year = year + 1 if school_year and int(fest.lunar[:2]) < 6 else year
            return _lunar_to_solar(lunar_year, int(fest.lunar[:2]), int(fest.lunar[3:]))
        return None
