"""The board pack: one PDF of a meeting's agenda, the risks it reviews, a front sheet for each
paper, the previous meeting's minutes, the open actions and the interests declared, laid out
by WeasyPrint from an HTML template made for print, the house way (``finance/pdf.py``)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from finance.pdf import PANGO_HINT, PdfUnavailable
from governance import board_selectors as board
from governance.models import Meeting
from governance.register_selectors import risks_reviewed_at

__all__ = ["PdfUnavailable", "board_pack", "pack_context"]


def pack_context(meeting: Meeting) -> dict:
    view = board.meeting_view(meeting)
    seated = {s.user_id for s in view.seats}
    interests = [
        i
        for i in board.register_of_interests(meeting.body.federation)
        if i.user_id in seated
        and i.start_date <= board.meeting_day(meeting)
        and (i.end_date is None or i.end_date >= board.meeting_day(meeting))
    ]
    return {
        "meeting": meeting,
        "body": meeting.body,
        "federation": meeting.body.federation,
        "view": view,
        "papers": [q.item for q in view.quorums if q.item.paper_id],
        "interests": interests,
        "declarations": [d for q in view.quorums for d in q.item.declarations.all()],
        "risks": risks_reviewed_at(meeting, board.meeting_day(meeting)),
        "generated": timezone.localtime(),
    }


def board_pack(meeting: Meeting) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as error:  # the shared library is missing
        raise PdfUnavailable(PANGO_HINT) from error
    html = render_to_string("governance/pack_pdf.html", pack_context(meeting))
    # No base URL: the template carries everything it needs, so nothing is fetched.
    return HTML(string=html, base_url=None).write_pdf()
