"""Filters for the audit trail's page."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.filter
def dot_breaks(value) -> str:
    """A dotted name (``federation.membership.consent_asked``) that may wrap after each dot
    in a narrow column: each part escaped, with ``<wbr>`` after every dot."""
    *parts, last = str(value).split(".")
    return format_html_join("", "{}.<wbr>", ((part,) for part in parts)) + format_html("{}", last)
