"""What needs a person today: one item each area says needs them, for the home page and
``GET /api/v1/me/needs``. Each area answers for itself in its own module (``finance.needs``,
``rota.needs``, ``comms.needs``, and ``directory_needs`` in directory/selectors.py); ``home.needs``
gathers them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

URGENT = "urgent"
SOON = "soon"
INFO = "info"
SEVERITIES = (URGENT, SOON, INFO)


@dataclass(frozen=True)
class Need:
    """One thing that needs someone: which area it is in, what it is in a few words, more
    detail in a sentence, where it is done (a path in gpfed the person may open), when it is
    due (if it is), and how pressing it is: urgent (late, failed, or past a date that cannot
    come back), soon (due within weeks), info (worth knowing)."""

    area: str
    title: str
    detail: str
    url: str
    due: date | None = None
    severity: str = INFO

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}")

    def as_dict(self) -> dict:
        return {**asdict(self), "due": self.due.isoformat() if self.due else None}


def newest_risk_first(needs) -> list[Need]:
    """Urgent first, then soon, then for information; within each, the earliest due date
    first (undated last), then by area and title so the order is the same every time."""
    return sorted(
        needs,
        key=lambda n: (
            SEVERITIES.index(n.severity),
            n.due is None,
            n.due or date.max,
            n.area,
            n.title,
        ),
    )


def date_text(day: date) -> str:
    """A UK date for people: 14 December 2026."""
    return f"{day.day} {day:%B %Y}"


def count_text(n: int, one: str, many: str | None = None) -> str:
    """1 person, 2 people, 1,204 bulletins."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def duration_text(minutes: int) -> str:
    """3,286 minutes -> 54 hours 46 minutes; 60 -> 1 hour; 5 -> 5 minutes."""
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(count_text(hours, "hour"))
    if rest or not hours:
        parts.append(count_text(rest, "minute"))
    return " ".join(parts)
