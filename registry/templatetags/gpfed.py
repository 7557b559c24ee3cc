from datetime import date, time

from django import template

from kernel.formats import money_text

register = template.Library()


@register.filter
def widget_type(field) -> str:
    return field.field.widget.__class__.__name__.lower()


@register.filter
def date_or_value(value):
    """Show dates in a text input the way the form asks for them (1/4/2025), and times as
    24-hour HH:MM (not "6:30 p.m.", which no time field reads back)."""
    if isinstance(value, date):
        return f"{value.day}/{value.month}/{value.year}"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    return value


@register.filter
def pounds_or_patients(value):
    if value is None:
        return "–"
    return f"{value:,.0f}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def pence(value):
    """Integer pence as pounds: 83908612 -> £839,086.12."""
    return "–" if value is None else money_text(value)


@register.filter
def pounds(value):
    """Pounds with the sign in front (a minus sign, U+2212): Decimal('-0.28') shows -£0.28."""
    if value is None:
        return "–"
    sign = "−" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"
