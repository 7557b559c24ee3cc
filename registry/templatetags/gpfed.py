from datetime import date, datetime, time

from django import template
from django.utils import timezone

from kernel.formats import field_required, money_text, rate_text
from kernel.needs import duration_text

register = template.Library()


@register.filter
def widget_type(field) -> str:
    return field.field.widget.__class__.__name__.lower()


@register.filter
def date_or_value(value):
    """Show dates in a text input the way the form asks for them (1/4/2025), and times as
    24-hour HH:MM (not "6:30 p.m.", which no time field reads back); a date and time as
    2026-12-03 12:30 in local time, as the event form asks (the day alone lost the time)."""
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{local:%Y-%m-%d %H:%M}"
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


@register.filter
def rate(value):
    """A rate in pounds to the penny, or past it where it has more: Decimal('7.4600') shows
    £7.46, Decimal('27.668') £27.668."""
    return "–" if value is None else rate_text(value)


_KINDS = {
    "select": "select",
    "selectmultiple": "select",
    "radioselect": "radio",
    "checkboxselectmultiple": "radio",
    "checkboxinput": "tick",
    "fileinput": "file",
    "clearablefileinput": "file",
}


@register.filter
def field_error(error, field):
    """A field's error as the error summary shows it: Django's bare "This field is required."
    names the field ("Enter the period"); any other message is shown as it is."""
    if str(error) == str(field.field.error_messages.get("required", "")):
        return field_required(str(field.label), _KINDS.get(widget_type(field), "text"))
    return error


@register.filter
def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: "Practice manager" -> "practice manager", but
    "PCN clinical director" and "Federation administrator (COO)" keep their capitals."""
    label = str(label)
    first = label.split(" ", 1)[0]
    if not label or first.isupper():
        return label
    return label[0].lower() + label[1:]


@register.filter
def duration(minutes) -> str:
    """3286 -> "54 hours 46 minutes" (kernel.needs.duration_text); empty stays empty."""
    if minutes in (None, ""):
        return ""
    return duration_text(minutes)
