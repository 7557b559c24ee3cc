"""What needs a person today, gathered from each area: every area answers for itself in its own
``needs`` module (finance, rota, comms, voice, bids; the directory in its selectors) and says
only what the person may open. The home page and ``GET /api/v1/me/needs`` show the same list."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from accounts import permissions as perms
from bids.needs import bids_needs
from comms.needs import comms_needs
from directory.selectors import directory_needs
from finance.needs import finance_needs
from governance.needs import governance_needs
from kernel.needs import Need, newest_risk_first
from rota.needs import rota_needs
from voice.needs import voice_needs

AREAS = (
    finance_needs,
    rota_needs,
    comms_needs,
    directory_needs,
    voice_needs,
    bids_needs,
    governance_needs,
)


def needs_for(user, today: date | None = None) -> list[Need]:
    """Everything that needs this person, newest risk first: nothing for someone with no
    active role. An installation administrator is told what their own roles need, not every
    federation's (they may open everything, but it is not all theirs to do)."""
    if not perms.scope_for(user).grants:
        return []
    today = today or timezone.localdate()
    return newest_risk_first(need for area in AREAS for need in area(user, today))
