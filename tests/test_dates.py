"""The one parser for dates, weeks, months and periods that every page, API endpoint and
command uses: a value outside the years 1900 to 2200 is refused like any other that is not a
date, so no arithmetic after it runs off the calendar."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel import dates


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (dates.parse_day, "2026-12-07", date(2026, 12, 7)),
        (dates.parse_day, " 1900-01-01 ", date(1900, 1, 1)),
        (dates.parse_day, "2200-12-31", date(2200, 12, 31)),
        (dates.parse_month, "2026-10", date(2026, 10, 1)),
        (dates.parse_month, "1900-01", date(1900, 1, 1)),
        (dates.parse_month, "2200-12", date(2200, 12, 1)),
        (dates.parse_week, "2026-12-10", date(2026, 12, 7)),  # a Thursday: its Monday
        (dates.parse_week, "1900-01-03", date(1900, 1, 1)),
        (dates.parse_week, "2200-12-31", date(2200, 12, 29)),
    ],
)
def test_a_date_in_range_is_read(parse, text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("parse", "text", "says"),
    [
        (dates.parse_day, "0001-01-01", "1900 to 2200"),
        (dates.parse_day, "9999-12-31", "1900 to 2200"),
        (dates.parse_day, "1899-12-31", "1900 to 2200"),
        (dates.parse_day, "2201-01-01", "1900 to 2200"),
        (dates.parse_day, "2026-02-30", "not a date"),
        (dates.parse_day, "tomorrow", "not a date"),
        (dates.parse_day, "", "not a date"),
        (dates.parse_month, "0001-01", "1900 to 2200"),
        (dates.parse_month, "9999-12", "1900 to 2200"),
        (dates.parse_month, "2026-13", "not a month"),
        (dates.parse_month, "2026-00", "not a month"),
        (dates.parse_month, "2026-1", "not a month"),
        (dates.parse_month, "２０２６-１０", "not a month"),  # full-width digits
        (dates.parse_week, "9999-12-27", "1900 to 2200"),
        (dates.parse_week, "0001-01-01", "1900 to 2200"),
        (dates.parse_week, "2026-W50", "not a date"),
    ],
)
def test_a_value_that_is_not_a_date_in_range_is_refused_with_a_reason(parse, text, says):
    with pytest.raises(ValueError, match=says):
        parse(text)


@pytest.mark.parametrize(
    ("text", "kind", "first", "last"),
    [
        ("2026-10", "month", date(2026, 10, 1), date(2026, 10, 1)),
        ("2026-27-Q3", "quarter", date(2026, 10, 1), date(2026, 12, 1)),
        ("2026-27", "year", date(2026, 4, 1), date(2027, 3, 1)),
        ("2199-00-Q4", "quarter", date(2200, 1, 1), date(2200, 3, 1)),
    ],
)
def test_a_period_is_a_month_a_quarter_or_a_financial_year(text, kind, first, last):
    period = dates.parse_period(text)
    assert (period.kind, period.first, period.last) == (kind, first, last)


@pytest.mark.parametrize(
    "text", ["9999-00-Q4", "9999-00", "0001-02", "0001-01", "1899-00-Q4", "2200-01-Q4", "2026-28"]
)
def test_a_period_outside_the_years_is_refused(text):
    with pytest.raises(ValueError):
        dates.parse_period(text)


@given(st.text(max_size=12))
def test_every_parser_reads_a_date_in_range_or_refuses_with_value_error(text):
    for parse in (dates.parse_day, dates.parse_month, dates.parse_week, dates.parse_period):
        try:
            found = parse(text)
        except ValueError:
            continue
        first = getattr(found, "first", found)
        assert dates.EARLIEST <= first <= dates.LATEST
        # what people do next with it stays on the calendar
        dates.add_months(first, -1), dates.add_months(first, 12), dates.month_end(first)


@given(st.dates())
def test_any_date_is_in_range_or_refused(day):
    if dates.EARLIEST <= day <= dates.LATEST:
        assert dates.parse_day(day.isoformat()) == day
    else:
        with pytest.raises(ValueError, match="1900 to 2200"):
            dates.parse_day(day.isoformat())


@pytest.mark.django_db
def test_a_form_date_outside_the_years_is_a_form_error():
    from django.core.exceptions import ValidationError

    from comms.forms import SendForm
    from finance.forms import MonthField
    from registry.forms import NhsDateField
    from rota.forms import ChangeForm, PlanForm

    for field, value in ((NhsDateField(), "1/1/0001"), (MonthField(), "9999-12")):
        with pytest.raises(ValidationError, match="1900 to 2200"):
            field.clean(value)
    assert "1900 to 2200" in PlanForm({"start": "9999-12-27", "weeks": "1"}).errors["start"][0]
    assert "1900 to 2200" in SendForm({"send_at": "9999-12-31 23:00"}).errors["send_at"][0]
    change = ChangeForm({"date_from": "0001-01-01", "date_to": "2026-01-01", "start": "09:00"})
    assert "1900 to 2200" in change.errors["date_from"][0]
    assert NhsDateField().clean("1/4/2025") == date(2025, 4, 1)
