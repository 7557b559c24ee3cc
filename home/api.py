"""What needs the signed-in person today, as JSON: the list the home page shows."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from ninja import Field, Router, Schema

from home.needs import needs_for

router = Router(tags=["home"])


class NeedOut(Schema):
    area: str = Field(description="finance, rota, comms, directory, voice or bids")
    title: str
    detail: str
    url: str = Field(description="Where it is done: a path in gpfed you may open")
    due: date | None
    severity: str = Field(description="urgent, soon or info")


class Needs(Schema):
    today: date
    needs: list[NeedOut]


@router.get(
    "/me/needs",
    response=Needs,
    summary="What needs you today, newest risk first: the list on your home page",
)
def me_needs(request):
    today = timezone.localdate()
    return {"today": today, "needs": [n.as_dict() for n in needs_for(request.user, today)]}
