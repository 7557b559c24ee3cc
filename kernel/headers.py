"""Text that becomes part of an email's header, such as a bulletin's or an event's title or a
federation's name in a subject: one line, always.

A line break in a header would let the text add headers of its own, so Django refuses to send
it (BadHeaderError) and a queued copy fails on every retry. Such titles and names are refused
with a line break where they are written (``refuse_line_breaks`` on the form field,
``has_line_break`` in the service), and a subject is made one line as it is built
(``one_line``), for anything stored before the rule.
"""

from __future__ import annotations

# Every character str.splitlines() breaks a line at.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def refusal(what: str) -> str:
    """Why ``what`` (such as "the title") is refused: a form error or a service's refusal."""
    return (
        f"Write {what} on one line: it becomes the subject of emails, which cannot hold a "
        "line break"
    )


def has_line_break(text: str) -> bool:
    return any(c in LINE_BREAKS for c in text or "")


def refuse_line_breaks(value: str) -> None:
    """A form field's validator."""
    from django.core.exceptions import ValidationError

    if has_line_break(value):
        raise ValidationError(refusal("this"))


def one_line(text: str) -> str:
    """The text with each run of line breaks (and the spaces around them) as one space."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())
