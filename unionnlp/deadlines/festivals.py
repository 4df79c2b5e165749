"""Festivals: an entry of ``data/festivals.toml`` and the dates it gives.

:class:`_Festival` (a solar, lunar or month date and the end of its public
holiday), the kind a festival takes from the word after it (:func:`_festival_kind`:
期间, 前夕, 前), the day before a date (:func:`_day_before`) and lunar dates in
the solar calendar (:func:`_lunar_to_solar`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache

from ..model import DeadlineKind


@dataclass(frozen=True)
class _Festival:
    name: str
    solar: str | None
    lunar: str | None
    month: str | None
    #: the last day of its public holiday (month-day), by year and otherwise
    holiday_end: str | None = None
    holiday_ends: tuple[tuple[str, str], ...] = ()

    def last_day(self, date: str) -> str:
        """The last day of the holiday around ``date`` (``date`` itself without one)."""
        if self.holiday_end is None or date.startswith("XXXX"):
            return date
        year = date[:4]
        return f"{year}-{dict(self.holiday_ends).get(year, self.holiday_end)}"

    @property
    def nominal_month(self) -> int:
        """The month it falls in, roughly (a lunar date runs about a month behind)."""
        if self.solar:
            return int(self.solar[:2])
        if self.lunar:
            return int(self.lunar[:2]) + 1
        return int(self.month or 0)


#: what after a time says "by then" (前夕, the eve, is read before these by the festivals)
_BEFORE = ("前", "之前", "以前", "前夕")
#: what after a time says "from then on": an open period
_AFTER = ("后", "之后", "以后")


def _festival_kind(
    kind: DeadlineKind, suffix: str, value: str | None
) -> tuple[DeadlineKind, str | None]:
    """The kind and value of a festival followed by ``suffix`` (期间, 前夕, 前, 后…)."""
    if suffix in ("期间", "前后", "之际"):  # (之际: on the occasion of, the days around it)
        return "during", value
    if suffix == "前夕":  # the eve: the day before
        return "on", _day_before(value)
    if suffix in _BEFORE:
        return "by", value
    if suffix in _AFTER:  # from the festival on: an open period
        return "during", None if value is None else f"{value}/.."
    return kind, value


def _day_before(value: str | None) -> str | None:
    """The EDTF day before ``value`` (``XXXX-05-01`` -> ``XXXX-04-30``); None if not a day."""
    if value is None or len(value) != 10:
        return None
    year = value[:4]
    try:
        day = datetime.date.fromisoformat(("2001" if year == "XXXX" else year) + value[4:])
    except ValueError:
        return None
    before = day - datetime.timedelta(days=1)
    out = before.isoformat()
    return "XXXX" + out[4:] if year == "XXXX" else out


@lru_cache(maxsize=1024)
def _lunar_to_solar(year: int, month: int, day: int) -> str | None:
    try:
        from lunardate import LunarDate
    except ImportError:  # pragma: no cover - lunardate is a core dependency
        return None
    try:
        solar = LunarDate(year, month, day).to_solar_date()
    except (ValueError, AttributeError):
        try:
            solar = LunarDate(year, month, day).toSolarDate()
        except ValueError:
            return None
    return f"{solar.year:04d}-{solar.month:02d}-{solar.day:02d}"
