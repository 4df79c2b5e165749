"""Recurrences: weekdays and units of repetition as RFC 5545 rules.

``每周一、三、五`` -> ``FREQ=WEEKLY;BYDAY=MO,WE,FR`` (:func:`_weekly`);
``每季度``, ``一年两次`` -> ``FREQ=MONTHLY;INTERVAL=3``, ``…INTERVAL=6``
(:func:`_every`, the units in :data:`_UNITS`).
"""

from __future__ import annotations

from typing import Any

import regex

_WEEKDAYS = {
    "一": "MO",
    "二": "TU",
    "三": "WE",
    "四": "TH",
    "五": "FR",
    "六": "SA",
    "日": "SU",
    "天": "SU",
}
_WEEK_ORDER = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
_WEEKLY_TOKEN = regex.compile(r"[一二三四五六日天]|至|到|-")


def _weekly(days: str) -> str | None:
    codes: list[str] = []
    chars = _WEEKLY_TOKEN.findall(days)
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch in ("至", "到", "-") and codes and i + 1 < len(chars):
            a = _WEEK_ORDER.index(codes[-1])
            b = _WEEK_ORDER.index(_WEEKDAYS[chars[i + 1]])
            codes.extend(_WEEK_ORDER[a + 1 : b + 1])
            i += 2
            continue
        if ch in _WEEKDAYS:
            codes.append(_WEEKDAYS[ch])
        i += 1
    if not codes:
        return None
    ordered = sorted(set(codes), key=_WEEK_ORDER.index)
    return "FREQ=WEEKLY;BYDAY=" + ",".join(ordered)


_UNITS = {
    "月": "FREQ=MONTHLY",
    "个月": "FREQ=MONTHLY",
    "月度": "FREQ=MONTHLY",
    "季度": "FREQ=MONTHLY;INTERVAL=3",
    "个季度": "FREQ=MONTHLY;INTERVAL=3",
    "季": "FREQ=MONTHLY;INTERVAL=3",
    "半年": "FREQ=MONTHLY;INTERVAL=6",
    "半月": "FREQ=WEEKLY;INTERVAL=2",
    "年": "FREQ=YEARLY",
    "年度": "FREQ=YEARLY",
    "周": "FREQ=WEEKLY",
    "星期": "FREQ=WEEKLY",
    "双周": "FREQ=WEEKLY;INTERVAL=2",
    "两周": "FREQ=WEEKLY;INTERVAL=2",
    "两个月": "FREQ=MONTHLY;INTERVAL=2",
    "两月": "FREQ=MONTHLY;INTERVAL=2",
    "二个月": "FREQ=MONTHLY;INTERVAL=2",
    "双月": "FREQ=MONTHLY;INTERVAL=2",
    "二月": "FREQ=MONTHLY;INTERVAL=2",
    "两年": "FREQ=YEARLY;INTERVAL=2",
    "二年": "FREQ=YEARLY;INTERVAL=2",
    "三年": "FREQ=YEARLY;INTERVAL=3",
    "四年": "FREQ=YEARLY;INTERVAL=4",
    "五年": "FREQ=YEARLY;INTERVAL=5",
    "天": "FREQ=DAILY",
    "日": "FREQ=DAILY",
    "学期": "FREQ=MONTHLY;INTERVAL=6",
    "学年": "FREQ=YEARLY",
}


def _every(g: dict[str, Any]) -> str | None:
    if g.get("weekend"):
        return "FREQ=WEEKLY;BYDAY=SA,SU"
    if g.get("twice"):
        return "FREQ=WEEKLY;INTERVAL=2"
    if g.get("yearly"):
        return "FREQ=YEARLY"
    if g.get("biyear"):
        return "FREQ=YEARLY;INTERVAL=2"
    if g.get("ytimes"):
        return "FREQ=YEARLY" if g["ytimes"] == "一次" else "FREQ=MONTHLY;INTERVAL=6"
    if g.get("bimonth"):
        return "FREQ=MONTHLY;INTERVAL=2"
    unit = g.get("unit") or g.get("unit2") or g.get("unit3") or g.get("half")
    if unit is None:
        return None
    base = _UNITS.get(unit)
    if base is None:
        return None
    times = g.get("times") or g.get("times3") or ""
    if unit in ("年", "年度") and times in ("两次", "二次"):
        return "FREQ=MONTHLY;INTERVAL=6"
    if unit in ("月", "个月") and times in ("两次", "二次"):
        return "FREQ=WEEKLY;INTERVAL=2"
    return base
