"""Reads of the gifts and hospitality register and the risk register: the federation's
thresholds, each entry with what the rule asked of it, the CSV rows, who may approve
hospitality; each risk with its current scores, bands and whether its review is overdue, its
history, and the risks reviewed at a meeting (cited on its agenda). Bounded in queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q

from accounts.models import Role, RoleGrant, User
from governance import risk_matrix, thresholds
from governance.board_selectors import current
from governance.models import Gift, GiftsPolicy, ItemRisk, Meeting, Risk, RiskScore
from kernel.formats import money_csv
from registry.models import Federation
from registry.selectors import today

GIFT_COLUMNS = [
    "date",
    "name",
    "kind",
    "offered or given",
    "from or to",
    "supplier",
    "description",
    "value",
    "accepted",
    "approved by",
    "the rule",
]
APPROVER_ROLES = [Role.FEDERATION_ADMIN, Role.COMPANY_SECRETARY, Role.BOARD_MEMBER]


def _name(user) -> str:
    return (user.full_name or user.email) if user else ""


# --- gifts and hospitality ---------------------------------------------------------------


def gifts_policy_of(federation: Federation) -> GiftsPolicy:
    """The federation's thresholds: its own, or the NHS defaults (not saved) until set."""
    return GiftsPolicy.objects.filter(federation=federation).first() or GiftsPolicy(
        federation=federation
    )


def thresholds_of(federation: Federation) -> thresholds.Thresholds:
    policy = gifts_policy_of(federation)
    return thresholds.Thresholds(
        supplier_gift_decline_over_pence=policy.supplier_gift_decline_over_pence,
        gift_declare_over_pence=policy.gift_declare_over_pence,
        hospitality_declare_over_pence=policy.hospitality_declare_over_pence,
        hospitality_approval_over_pence=policy.hospitality_approval_over_pence,
    )


def federation_people(federation: Federation, day: date | None = None):
    """Anyone with a role in or within the federation today."""
    day = day or today()
    grants = RoleGrant.objects.filter(current(day)).filter(
        Q(through=federation) | Q(federation=federation)
    )
    return User.objects.filter(pk__in=grants.values("user_id"), is_active=True)


def gift_approvers(federation: Federation, day: date | None = None):
    """Who may approve hospitality over the threshold: the federation's administrators,
    company secretary and board members."""
    day = day or today()
    grants = RoleGrant.objects.filter(current(day), federation=federation, role__in=APPROVER_ROLES)
    return User.objects.filter(pk__in=grants.values("user_id"), is_active=True)


def gift_requirement(gift: Gift, limits: thresholds.Thresholds) -> thresholds.Requirement:
    return thresholds.requirement(
        limits,
        kind=gift.kind,
        direction=gift.direction,
        supplier=gift.supplier,
        value_pence=gift.value_pence,
        accepted=gift.accepted,
        approved=gift.approved_by_id is not None,
    )


@dataclass
class GiftRow:
    gift: Gift
    rule: str


def gift_register(federation: Federation) -> list[GiftRow]:
    limits = thresholds_of(federation)
    gifts = federation.gifts.select_related("user", "approved_by").order_by("-on", "-id")
    return [GiftRow(g, gift_requirement(g, limits).says) for g in gifts]


def gift_csv_rows(rows: list[GiftRow]) -> list[list]:
    return [
        [
            r.gift.on.isoformat(),
            _name(r.gift.user),
            r.gift.get_kind_display(),
            r.gift.get_direction_display(),
            r.gift.party,
            "yes" if r.gift.supplier else "no",
            r.gift.description,
            money_csv(r.gift.value_pence),
            "yes" if r.gift.accepted else "no",
            _name(r.gift.approved_by),
            r.rule,
        ]
        for r in rows
    ]


# --- the risk register ---------------------------------------------------------------------


@dataclass
class RiskRow:
    risk: Risk
    score: RiskScore | None
    overdue: bool

    @property
    def before(self) -> risk_matrix.Band | None:
        s = self.score
        return risk_matrix.band(s.likelihood_before, s.impact_before) if s else None

    @property
    def after(self) -> risk_matrix.Band | None:
        s = self.score
        return risk_matrix.band(s.likelihood_after, s.impact_after) if s else None


def _latest_scores(lookup: str = "scores"):
    return Prefetch(
        lookup,
        queryset=RiskScore.objects.order_by("-assessed_on", "-id"),
        to_attr="scores_newest_first",
    )


def _row(risk: Risk, day: date) -> RiskRow:
    scores = risk.scores_newest_first
    overdue = risk.status != Risk.Status.CLOSED and risk.review_on < day
    return RiskRow(risk, scores[0] if scores else None, overdue)


def risk_register(federation: Federation, day: date | None = None) -> list[RiskRow]:
    """Every risk of the federation, open ones first, each with its current scores; in two
    queries."""
    day = day or today()
    risks = (
        federation.risks.select_related("owner")
        .prefetch_related(_latest_scores())
        .order_by("number")
    )
    rows = [_row(r, day) for r in risks]
    return sorted(rows, key=lambda r: (r.risk.status == Risk.Status.CLOSED, r.risk.number))


def risk_row(risk: Risk, day: date | None = None) -> RiskRow:
    risk = Risk.objects.select_related("owner").prefetch_related(_latest_scores()).get(pk=risk.pk)
    return _row(risk, day or today())


def risk_history(risk: Risk) -> list[RiskScore]:
    return list(risk.scores.select_related("assessed_by").order_by("-assessed_on", "-id"))


def risk_meetings(risk: Risk) -> list[ItemRisk]:
    return list(
        risk.citations.select_related("item__meeting__body").order_by("-item__meeting__starts_at")
    )


def risks_overdue(federation: Federation, day: date | None = None):
    day = day or today()
    return federation.risks.exclude(status=Risk.Status.CLOSED).filter(review_on__lt=day)


@dataclass
class ReviewedRisk:
    row: RiskRow
    items: list  # the agenda items that cite it


def risks_reviewed_at(meeting: Meeting, day: date | None = None) -> list[ReviewedRisk]:
    """The risks cited on a meeting's agenda, each once with the items citing it."""
    day = day or today()
    cited = list(
        ItemRisk.objects.filter(item__meeting=meeting)
        .select_related("item", "risk__owner")
        .prefetch_related(_latest_scores("risk__scores"))
        .order_by("risk__number", "item__number")
    )
    out: dict[int, ReviewedRisk] = {}
    for c in cited:
        if c.risk_id not in out:
            out[c.risk_id] = ReviewedRisk(_row(c.risk, day), [])
        out[c.risk_id].items.append(c.item)
    return list(out.values())
