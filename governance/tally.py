"""The tally of a members' resolution: pure, database-free, integer arithmetic throughout.

Given the eligible members (ODS code -> weight), their votes (code -> for, against or
abstain), the kind (ordinary or special) and the mode (at a meeting or in writing), it works
out the votes for and against by count and by weight, the weight the threshold is measured
against, the least weight "for" that passes it, whether it passed, and who did not vote.

The Companies Act 2006:

* an ordinary resolution passes by a simple majority: more than half (s.282), so exactly half
  fails;
* a special resolution passes by not less than 75% (s.283), so exactly three quarters passes;
* at a meeting, the majority is of the votes cast by those entitled to vote (s.282(4),
  s.283(5)): abstentions count nowhere;
* in writing, the majority is of the total voting rights of eligible members (s.282(2),
  s.283(2)): not voting counts the same as voting against, and an abstention is not voting.

No float is used: "more than half" is ``2 * for > base``, "at least 75%" is
``4 * for >= 3 * base``. A resolution with no vote for it never passes (a special resolution
of nobody's votes would otherwise pass 0 >= 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ORDINARY, SPECIAL = "ordinary", "special"
MEETING, WRITTEN = "meeting", "written"
PRACTICE, LIST_SIZE, SHARES = "practice", "list-size", "shares"
FOR, AGAINST, ABSTAIN = "for", "against", "abstain"

KINDS = (ORDINARY, SPECIAL)
MODES = (MEETING, WRITTEN)
WEIGHTINGS = (PRACTICE, LIST_SIZE, SHARES)
CHOICES = (FOR, AGAINST, ABSTAIN)

THRESHOLD_TEXT = {ORDINARY: "more than half", SPECIAL: "at least 75%"}
BASE_TEXT = {
    MEETING: "of the votes cast (abstentions count nowhere)",
    WRITTEN: "of the total voting rights of eligible members",
}


class TallyError(ValueError):
    """Input the tally cannot work with (a programming error or unchecked input)."""


@dataclass(frozen=True)
class Tally:
    kind: str
    mode: str
    eligible_count: int
    eligible_weight: int
    for_count: int
    against_count: int
    abstain_count: int
    for_weight: int
    against_weight: int
    abstain_weight: int
    base_weight: int  # what the threshold is measured against
    required_weight: int  # the least weight "for" that passes
    passed: bool
    not_voted: list[str] = field(default_factory=list)
    quorum: int | None = None
    present: int | None = None

    @property
    def threshold(self) -> str:
        return f"{THRESHOLD_TEXT[self.kind]} {BASE_TEXT[self.mode]}"

    @property
    def quorate(self) -> bool:
        return self.quorum is None or (self.present or 0) >= self.quorum

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "mode": self.mode,
            "eligible": {"count": self.eligible_count, "weight": self.eligible_weight},
            "for": {"count": self.for_count, "weight": self.for_weight},
            "against": {"count": self.against_count, "weight": self.against_weight},
            "abstain": {"count": self.abstain_count, "weight": self.abstain_weight},
            "threshold": self.threshold,
            "base_weight": self.base_weight,
            "required_weight": self.required_weight,
            "quorum": self.quorum,
            "present": self.present,
            "quorate": self.quorate,
            "passed": self.passed,
            "not_voted": list(self.not_voted),
        }


def meets(kind: str, for_weight: int, base_weight: int) -> bool:
    """Whether ``for_weight`` reaches the threshold of ``kind`` out of ``base_weight``."""
    if for_weight <= 0:
        return False
    if kind == ORDINARY:
        return 2 * for_weight > base_weight
    return 4 * for_weight >= 3 * base_weight


def required(kind: str, base_weight: int) -> int:
    """The least whole weight "for" that passes out of ``base_weight`` (at least 1)."""
    if kind == ORDINARY:
        return base_weight // 2 + 1
    return max(1, (3 * base_weight + 3) // 4)


def tally(
    *,
    eligible: Mapping[str, int],
    votes: Mapping[str, str],
    kind: str,
    mode: str,
    quorum: int | None = None,
    present: int | None = None,
) -> Tally:
    """The result. ``eligible`` maps each eligible member's code to its (whole, non-negative)
    weight; ``votes`` maps codes to a choice. At a meeting, ``quorum`` (members present needed)
    is checked against ``present`` (default: the members who voted, abstentions included); a
    meeting without a quorum passes nothing."""
    if kind not in KINDS:
        raise TallyError(f"unknown kind {kind!r} (expected {' or '.join(KINDS)})")
    if mode not in MODES:
        raise TallyError(f"unknown mode {mode!r} (expected {' or '.join(MODES)})")
    for code, weight in eligible.items():
        if not isinstance(weight, int) or isinstance(weight, bool) or weight < 0:
            raise TallyError(f"the weight of {code} must be a whole number, 0 or more")
    counts = {FOR: 0, AGAINST: 0, ABSTAIN: 0}
    weights = {FOR: 0, AGAINST: 0, ABSTAIN: 0}
    for code, choice in votes.items():
        if code not in eligible:
            raise TallyError(f"{code} is not an eligible member")
        if choice not in CHOICES:
            raise TallyError(f"{choice!r} is not a vote (expected for, against or abstain)")
        counts[choice] += 1
        weights[choice] += eligible[code]
    eligible_weight = sum(eligible.values())
    base = weights[FOR] + weights[AGAINST] if mode == MEETING else eligible_weight
    if mode == MEETING:
        if present is None:
            present = len(votes)
    else:
        quorum = present = None  # a written resolution has no meeting to be quorate
    passed = meets(kind, weights[FOR], base) and (quorum is None or (present or 0) >= quorum)
    return Tally(
        kind=kind,
        mode=mode,
        eligible_count=len(eligible),
        eligible_weight=eligible_weight,
        for_count=counts[FOR],
        against_count=counts[AGAINST],
        abstain_count=counts[ABSTAIN],
        for_weight=weights[FOR],
        against_weight=weights[AGAINST],
        abstain_weight=weights[ABSTAIN],
        base_weight=base,
        required_weight=required(kind, base),
        passed=passed,
        not_voted=sorted(code for code in eligible if code not in votes),
        quorum=quorum,
        present=present,
    )


def shares_for_patients(patients: int) -> int:
    """£1 shares at one per 1,000 registered patients, to the nearest thousand (half up), and
    never fewer than one: every member holds at least one share."""
    return max(1, (patients + 500) // 1000)
