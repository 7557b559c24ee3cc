"""Governance's models: the members' side (``members``), the board and its meetings
(``board``), the register of interests (``interests``), and the gifts and hospitality and
risk registers (``registers``)."""

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
from governance.models.registers import Gift, GiftsPolicy, ItemRisk, Risk, RiskScore

__all__ = [
    "Action",
    "AgendaItem",
    "Articles",
    "Attendance",
    "Body",
    "Decision",
    "EligibleMember",
    "Gift",
    "GiftsPolicy",
    "Interest",
    "InterestReturn",
    "InterestRound",
    "ItemDeclaration",
    "ItemRisk",
    "Meeting",
    "Member",
    "Minutes",
    "MinutesApproval",
    "Once",
    "Resolution",
    "Risk",
    "RiskScore",
    "Seat",
    "Vote",
]
