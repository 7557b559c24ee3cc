"""Dates, weeks, months and periods as people give them: in a web address, a form, the API or
on the command line. One parser for each, used everywhere.

Every one holds a date to the years 1900 to 2200. Nothing gpfed keeps is dated outside them,
and past them the arithmetic that follows (a week on from 9999-12-27, the month before
0001-01) runs off Python's calendar; such a value is refused like any other that is not a
date, with a ValueError whose message a person can act on. Pure: no database.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

EARLIEST = date(1900, 1, 1)  # a Monday
LATEST = date(2200, 12, 31)
YEARS = f"{EARLIEST.year} to {LATEST.year}"

DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)
MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
QUARTER = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$", re.ASCII | re.IGNORECASE)


def within(day: date) -> date:
    """``day`` (a date or a datetime), if it is in the years gpfed works with; ValueError
    otherwise."""
    if not EARLIEST.year <= day.year <= LATEST.year:
        raise ValueError(f"{day.isoformat()} is outside the years gpfed works with ({YEARS})")
    return day


def validate_years(value) -> None:
    """A form field's validator: the date (or date and time) is in the years gpfed works
    with."""
    from django.core.exceptions import ValidationError

    if value is not None and not EARLIEST.year <= value.year <= LATEST.year:
        raise ValidationError(f"Enter a date in the years gpfed works with ({YEARS})")


def formfield_in_years(model_field, **kwargs):
    """A ModelForm's ``Meta.formfield_callback``: each model field's own form field, a date
    (or date and time) held to the years gpfed works with."""
    from django import forms

    field = model_field.formfield(**kwargs)
    if isinstance(field, (forms.DateField, forms.DateTimeField)):
        field.validators.append(validate_years)
    return field


def _year(digits: str, text: str) -> int:
    year = int(digits)
    if not EARLIEST.year <= year <= LATEST.year:
        raise ValueError(f"{text!r} is outside the years gpfed works with ({YEARS})")
    return year


def parse_day(text: str) -> date:
    """'2026-12-07' -> 7 December 2026."""
    match = DAY.match((text or "").strip())
    if not match:
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD, for example 2026-12-07)")
    year = _year(match[1], text)
    try:
        return date(year, int(match[2]), int(match[3]))
    except ValueError:
        raise ValueError(f"{text!r} is not a date: there is no such day") from None


def parse_week(text: str) -> date:
    """The Monday of the week holding the day: '2026-12-10' -> 7 December 2026."""
    return monday_of(parse_day(text))


def parse_month(text: str) -> date:
    """'2026-10' -> 1 October 2026."""
    match = MONTH.match((text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"{text!r} is not a month (expected YYYY-MM, for example 2026-10)")
    return date(_year(match[1], text), int(match[2]), 1)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def financial_year_of(day: date) -> int:
    """The NHS financial year a day is in, by the year it starts: 2026 for 1 April 2026 to
    31 March 2027."""
    return day.year if day.month >= 4 else day.year - 1


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def last_month() -> date:
    """The first day of last month: the month a finance page opens on (the one to settle)."""
    from django.utils import timezone

    return add_months(month_start(timezone.localdate()), -1)


# --- periods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A month (2026-10), a quarter of a financial year (2026-27-Q3: October to December
    2026) or a financial year (2026-27: April 2026 to March 2027)."""

    key: str
    kind: str
    first: date
    last: date  # the first day of the last month

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.first:%B %Y}"
        if self.kind == "quarter":
            return f"{self.first:%B} to {self.last:%B %Y} (Q{self.key[-1]} {self.key[:7]})"
        return f"financial year {self.key[:4]}/{self.key[5:7]}"

    @property
    def months(self) -> list[date]:
        out, day = [], self.first
        while day <= self.last:
            out.append(day)
            day = add_months(day, 1)
        return out


def parse_period(text: str) -> Period:
    """A period from its key; an empty key is last month. Every month of it is in the years
    gpfed works with."""
    text = (text or "").strip() or f"{last_month():%Y-%m}"
    quarter = QUARTER.match(text)
    if quarter:
        year = int(quarter[1])
        if (year + 1) % 100 != int(quarter[2]):
            raise ValueError(f"{text!r}: {quarter[2]} does not follow {year}")
        first = add_months(date(_year(quarter[1], text), 4, 1), 3 * (int(quarter[3]) - 1))
        key = f"{year}-{quarter[2]}-Q{quarter[3]}"
        period = Period(key, "quarter", first, add_months(first, 2))
    else:
        fy = MONTH.match(text)
        # 2026-27 is a financial year; 2026-10 a month (the two never clash after 2012)
        if fy and int(fy[2]) > 12 and int(fy[2]) == (int(fy[1]) + 1) % 100:
            year = _year(fy[1], text)
            period = Period(text, "year", date(year, 4, 1), date(year + 1, 3, 1))
        else:
            try:
                month = parse_month(text)
            except ValueError as error:
                if "outside" in str(error):
                    raise
                raise ValueError(
                    f"{text!r} is not a period: use a month (2026-10), a quarter of a financial "
                    "year (2026-27-Q3) or a financial year (2026-27)"
                ) from None
            period = Period(text, "month", month, month)
    if period.last > LATEST:
        raise ValueError(f"{text!r} ends after the years gpfed works with ({YEARS})")
    return period
