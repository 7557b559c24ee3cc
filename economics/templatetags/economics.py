"""Filters for the modeller's pages: money from the results' pounds-as-text, shares of runs."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from kernel.formats import money_text

register = template.Library()


@register.filter
def pounds_text(text) -> str:
    """ "-1234.50" (as the results hold money) -> "£1,234.50" after a minus sign."""
    try:
        return money_text(int((Decimal(str(text)) * 100).to_integral_value()))
    except (InvalidOperation, ValueError, TypeError):
        return ""


@register.filter
def share(value) -> str:
    """0.9312 -> "93%"."""
    try:
        return f"{float(value):.0%}"
    except (TypeError, ValueError):
        return ""


@register.filter
def figure(value) -> str:
    """An input as the scenario holds it: a number, or "low to high, most likely mode"."""
    if isinstance(value, dict):
        return f"{value['low']:,} to {value['high']:,}, most likely {value['mode']:,}"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


@register.filter
def item(mapping, key):
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def whole(value) -> str:
    """12345 -> "12,345"."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return ""
