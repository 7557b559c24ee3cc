"""Governance's models: the members' side (``members``), the board and its meetings
(``board``) and the register of interests (``interests``)."""

from governance.models.board import (
    Action,
    AgendaItem,
    Attendance,
    Body,
    Decision,
    Meeting,
    Minutes,
    MinutesApproval,
    Seat,
)
from governance.models.interests import Interest, InterestReturn, InterestRound, ItemDeclaration
from governance.models.members import (
    Articles,
    EligibleMember,
    Member,
    Once,
    Resolution,
    Vote,
)

__all__ = [
    "Action",
    "AgendaItem",
    "Articles",
    "Attendance",
    "Body",
    "Decision",
    "EligibleMember",
    "Interest",
    "InterestReturn",
    "InterestRound",
    "ItemDeclaration",
    "Meeting",
    "Member",
    "Minutes",
    "MinutesApproval",
    "Once",
    "Resolution",
    "Seat",
    "Vote",
]
