"""The settlement arithmetic: pure functions on plain data, no database.

For one federation and one month, each income line is handled in the same five steps:

1. the federation's overhead top-slice is ``gross x overhead %``, rounded half-up to the penny;
2. the cost of delivering the line's service that month (fixed monthly costs plus cost per unit
   times the units delivered) is recovered from the service's income lines in proportion to
   their amounts, never more than is left after the top-slice;
3. what is left is shared between the practices by the line's rule (equal shares, fixed
   amounts, percentages, registered list, weighted or adjusted population, activity, points);
4. every split is made by the largest-remainder rule: each practice gets the whole pennies of
   its exact share, and the pennies left over go one each to the largest fractions, ties to
   the practice whose ODS code comes first, so no penny is created or lost;
5. each practice's share of the top-slice and of the costs is split in the same proportions,
   so that for every practice *income = costs + overhead + net* and for every line
   *gross = paid out + kept by the federation*, to the penny.

An adjusting entry (one that corrects an earlier settlement) carries no costs, may reach the
practices whole (no top-slice) and, shared by fixed amounts, may be negative: a clawback from
or a top-up to named practices. Its rows are kept apart from the month's own, naming the
settlement they correct.

Beside what the federation paid, each practice's row carries the estimate of doing the same
activity alone: the service's cost per unit times the units, plus its fixed monthly cost for
one practice. For a service measured by activity that month, the fixed cost counts only when
the practice had some activity, unless the service says it is a standing charge (a retainer
paid whether used or not).

What a service cost to deliver and its income lines did not recover (no income line for it,
or costs beyond the income after the top-slice) is carried by the federation, and said so.
"""

# Over 500 lines: the pure settlement engine; settle and its rules are one calculation.

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from kernel.formats import counted, money_text

EQUAL = "equal"
FIXED = "fixed"
PERCENT = "percent"
REGISTERED = "registered"
WEIGHTED = "weighted"
ADJUSTED = "adjusted"
ACTIVITY = "activity"
POINTS = "points"


def round_pence(value: Decimal) -> int:
    """Half-up to the penny (halves away from zero, for refunds too)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` pence in proportion to non-negative integer ``weights`` by the largest
    remainder rule; ties go to the earlier position. The parts always add up to ``total``."""
    whole = sum(weights)
    if whole <= 0:
        raise ValueError("nothing to share by: every weight is zero")
    sign = -1 if total < 0 else 1
    amount = abs(total)
    parts = []
    remainders = []
    for weight in weights:
        part, remainder = divmod(amount * weight, whole)
        parts.append(part)
        remainders.append(remainder)
    left = amount - sum(parts)
    if left:
        order = sorted(range(len(weights)), key=lambda i: -remainders[i])
        for i in order[:left]:
            parts[i] += 1
    return [sign * p for p in parts] if sign < 0 else parts


@dataclass(frozen=True)
class ServiceInput:
    id: int
    fixed_monthly_pence: int = 0
    cost_per_unit_pence: int = 0
    alone_fixed_monthly_pence: int = 0
    alone_per_unit_pence: int = 0
    participants: frozenset[int] = frozenset()  # practice ids taking part this month
    alone_fixed_standing: bool = False
    measured: bool = False  # activity recorded for it this month or in the six before


@dataclass(frozen=True)
class EntryInput:
    key: int
    description: str
    amount_pence: int
    rule: str
    service_id: int | None = None
    shares: dict[int, Decimal] = field(default_factory=dict)  # practice id -> value
    corrects_id: int | None = None  # the settlement an adjusting entry corrects
    top_slice: bool = True

    @property
    def is_adjustment(self) -> bool:
        return self.corrects_id is not None


@dataclass
class MonthInputs:
    """Everything one federation-month's settlement needs, loaded in a handful of queries."""

    federation_id: int
    month: str  # YYYY-MM
    overhead_percent: Decimal
    members: list[int]  # practice ids, in ODS code order (the tie-break order)
    codes: dict[int, str]
    registered: dict[int, int] = field(default_factory=dict)
    adjusted: dict[int, Decimal] = field(default_factory=dict)
    weighted: dict[int, Decimal] = field(default_factory=dict)
    activity: dict[tuple[int, int], int] = field(default_factory=dict)  # (service, practice)
    pcn_activity: dict[tuple[int, int], int] = field(default_factory=dict)  # (service, pcn)
    pcn_practices: dict[int, list[int]] = field(default_factory=dict)  # pcn -> practice ids
    services: dict[int, ServiceInput] = field(default_factory=dict)
    entries: list[EntryInput] = field(default_factory=list)


@dataclass
class LineResult:
    key: int
    description: str
    service_id: int | None
    rule: str
    gross_pence: int
    overhead_pence: int
    costs_pence: int
    paid_pence: int
    kept_pence: int
    note: str = ""


@dataclass
class RowResult:
    practice_id: int
    service_id: int | None
    corrects_id: int | None = None
    activity_units: int = 0
    income_pence: int = 0
    costs_pence: int = 0
    overhead_pence: int = 0
    net_pence: int = 0
    alone_cost_pence: int = 0


@dataclass
class Result:
    federation_id: int
    month: str
    overhead_percent: Decimal
    lines: list[LineResult]
    rows: list[RowResult]
    problems: list[str]
    warnings: list[str]
    carried: dict[int, int] = field(default_factory=dict)  # service id -> pence not recovered
    # accrued lines whose figure is no longer what their contract pays (filled in by the
    # preview, which knows the contracts; each stops the post until refreshed)
    stale: list[dict] = field(default_factory=list)

    @property
    def carried_pence(self) -> int:
        return sum(self.carried.values())

    @property
    def income_pence(self) -> int:
        return sum(line.gross_pence for line in self.lines)

    @property
    def overhead_pence(self) -> int:
        return sum(line.overhead_pence for line in self.lines)

    @property
    def costs_pence(self) -> int:
        return sum(line.costs_pence for line in self.lines)

    @property
    def paid_pence(self) -> int:
        return sum(line.paid_pence for line in self.lines)

    @property
    def kept_pence(self) -> int:
        return sum(line.kept_pence for line in self.lines)

    @property
    def can_post(self) -> bool:
        return not self.problems and bool(self.lines)

    def as_dict(self) -> dict:
        """The month's figures and lines, as the command line and the API give them."""
        from dataclasses import asdict

        return {
            "month": self.month,
            "overhead_percent": str(self.overhead_percent),
            "income_pence": self.income_pence,
            "overhead_pence": self.overhead_pence,
            "costs_pence": self.costs_pence,
            "paid_pence": self.paid_pence,
            "kept_pence": self.kept_pence,
            "can_post": self.can_post,
            "fingerprint": self.fingerprint(),
            "problems": self.problems,
            "warnings": self.warnings,
            "carried_pence": {str(k): v for k, v in sorted(self.carried.items())},
            "lines": [asdict(line) for line in self.lines],
        }

    def fingerprint(self) -> str:
        """Changes whenever any figure that would be posted changes."""
        data = {
            "overhead": str(self.overhead_percent),
            "lines": [
                [
                    line.key,
                    line.gross_pence,
                    line.overhead_pence,
                    line.costs_pence,
                    line.paid_pence,
                    line.rule,
                ]
                for line in self.lines
            ],
            "rows": [
                [
                    r.practice_id,
                    r.service_id,
                    r.corrects_id,
                    r.activity_units,
                    r.income_pence,
                    r.costs_pence,
                    r.overhead_pence,
                    r.net_pence,
                    r.alone_cost_pence,
                ]
                for r in self.rows
            ],
        }
        encoded = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()


def practice_units(inputs: MonthInputs) -> dict[tuple[int, int], int]:
    """Units per (service, practice), with units recorded for a whole PCN split between its
    practices that take part, by registered list (largest remainder)."""
    units = dict(inputs.activity)
    for (service_id, pcn_id), pcn_units in inputs.pcn_activity.items():
        service = inputs.services.get(service_id)
        practices = [
            p
            for p in inputs.pcn_practices.get(pcn_id, [])
            if service is None or p in service.participants
        ]
        weights = [inputs.registered.get(p, 0) for p in practices]
        if not practices:
            continue
        if sum(weights) == 0:
            weights = [1] * len(practices)
        for practice_id, part in zip(practices, allocate(pcn_units, weights), strict=True):
            units[(service_id, practice_id)] = units.get((service_id, practice_id), 0) + part
    return units


def _weights(
    entry: EntryInput,
    recipients: list[int],
    inputs: MonthInputs,
    units: dict[tuple[int, int], int],
    problems: list[str],
) -> list[int]:
    rule = entry.rule
    label = f"{entry.description}:"
    if rule == EQUAL:
        return [1] * len(recipients)
    if rule == REGISTERED:
        missing = [inputs.codes[p] for p in recipients if p not in inputs.registered]
        if missing:
            problems.append(f"{label} no registered list for {', '.join(missing[:10])}")
        return [inputs.registered.get(p, 0) for p in recipients]
    if rule in (ADJUSTED, WEIGHTED):
        figures = inputs.adjusted if rule == ADJUSTED else inputs.weighted
        missing = [inputs.codes[p] for p in recipients if p not in figures]
        if missing:
            problems.append(
                f"{label} no {rule} population for {', '.join(missing[:10])}"
                + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
                + "; enter it on the practice's population page"
            )
        return [int(figures.get(p, 0) * 100) for p in recipients]
    if rule == ACTIVITY:
        if entry.service_id is None:
            problems.append(f"{label} sharing by activity needs the service it pays for")
            return [0] * len(recipients)
        return [units.get((entry.service_id, p), 0) for p in recipients]
    if rule in (POINTS, PERCENT, FIXED):
        return [int(entry.shares.get(p, 0) * 10_000) for p in recipients]
    problems.append(f"{label} unknown rule {rule!r}")
    return [0] * len(recipients)


def _recipients(entry: EntryInput, inputs: MonthInputs, problems: list[str]) -> list[int]:
    members = inputs.members
    if entry.rule in (POINTS, PERCENT, FIXED):
        outsiders = [p for p in entry.shares if p not in inputs.codes]
        if outsiders:
            problems.append(
                f"{entry.description}: shares name {counted(len(outsiders), 'practice')} that "
                f"{'is not a member' if len(outsiders) == 1 else 'are not members'} of the "
                "federation this month"
            )
        if not entry.shares:
            problems.append(f"{entry.description}: the rule needs a share for each practice")
        return [p for p in members if p in entry.shares]
    if entry.service_id is not None:
        service = inputs.services.get(entry.service_id)
        if service is None:
            problems.append(f"{entry.description}: the service is not the federation's")
            return []
        return [p for p in members if p in service.participants]
    return list(members)


def settle(inputs: MonthInputs) -> Result:
    """One federation-month's settlement, step by step as docs/finance.md sets out: the cost
    of delivering each service, to be recovered from its income lines; then each line's
    top-slice, costs and shares, attributed to the practices' rows; the estimate of doing it
    alone; and what the federation carries."""
    problems: list[str] = []
    warnings: list[str] = []
    units = practice_units(inputs)
    rows: dict[tuple[int, int | None, int | None], RowResult] = {}
    service_units = _service_units(units)
    service_cost, entry_costs = _costs_of_delivery(inputs, service_units)
    recovered: dict[int, int] = defaultdict(int)
    lines = [
        _settle_line(entry, inputs, units, entry_costs, rows, recovered, problems, warnings)
        for entry in inputs.entries
    ]
    _alone_estimates(inputs, units, service_units, rows)
    carried = {
        service_id: cost - recovered.get(service_id, 0)
        for service_id, cost in service_cost.items()
        if cost > recovered.get(service_id, 0)
    }
    ordered = sorted(
        rows.values(),
        key=lambda r: (inputs.codes.get(r.practice_id, ""), r.service_id or 0, r.corrects_id or 0),
    )
    return Result(
        federation_id=inputs.federation_id,
        month=inputs.month,
        overhead_percent=inputs.overhead_percent,
        lines=lines,
        rows=ordered,
        problems=problems,
        warnings=warnings,
        carried=carried,
    )


def _row(
    rows: dict, practice_id: int, service_id: int | None, corrects_id: int | None = None
) -> RowResult:
    """The practice's row for the service (and the settlement it corrects), made when first
    needed."""
    key = (practice_id, service_id, corrects_id)
    found = rows.get(key)
    if found is None:
        found = rows[key] = RowResult(practice_id, service_id, corrects_id)
    return found


def _service_units(units: dict[tuple[int, int], int]) -> dict[int, int]:
    """The units delivered of each service this month, every practice's together."""
    service_units: dict[int, int] = defaultdict(int)
    for (service_id, _practice), n in units.items():
        service_units[service_id] += n
    return service_units


def _costs_of_delivery(
    inputs: MonthInputs, service_units: dict[int, int]
) -> tuple[dict[int, int], dict[int, int]]:
    """What each service cost to deliver this month (fixed monthly costs plus cost per unit
    times the units), and each income line's part of it: recovered from the service's lines
    in proportion to their amounts (adjusting entries and refunds carry no costs)."""
    bearing: dict[int, list[EntryInput]] = defaultdict(list)
    for entry in inputs.entries:
        if entry.service_id is not None and entry.amount_pence > 0 and not entry.is_adjustment:
            bearing[entry.service_id].append(entry)
    entry_costs: dict[int, int] = {}
    service_cost = {
        service.id: service.fixed_monthly_pence
        + service.cost_per_unit_pence * service_units.get(service.id, 0)
        for service in inputs.services.values()
    }
    for service_id, entries in bearing.items():
        cost = service_cost.get(service_id, 0)
        if cost:
            for entry, part in zip(
                entries, allocate(cost, [e.amount_pence for e in entries]), strict=True
            ):
                entry_costs[entry.key] = part
    return service_cost, entry_costs


def _settle_line(
    entry: EntryInput,
    inputs: MonthInputs,
    units: dict[tuple[int, int], int],
    entry_costs: dict[int, int],
    rows: dict,
    recovered: dict[int, int],
    problems: list[str],
    warnings: list[str],
) -> LineResult:
    """One income line: the top-slice (step 1), the costs it bears (2), what is left shared
    between the practices by its rule (3, 4), and each practice's part attributed to its row
    (5). A line with a problem pays nothing."""
    gross = entry.amount_pence
    percent = inputs.overhead_percent
    overhead = round_pence(Decimal(gross) * percent / 100) if entry.top_slice else 0
    available = gross - overhead
    costs, note = _costs_borne(entry, available, entry_costs.get(entry.key, 0), warnings)
    if entry.service_id is not None:
        recovered[entry.service_id] += costs
    distributable = available - costs
    line_problems: list[str] = []
    recipients = _recipients(entry, inputs, line_problems)
    weights = _weights(entry, recipients, inputs, units, line_problems)
    nets, paid, weights = _shares(
        entry, recipients, weights, distributable, overhead, percent, line_problems
    )
    kept = _unshared(entry, recipients, weights, line_problems, warnings)
    note = note or kept
    problems.extend(line_problems)
    if sum(weights) and not line_problems:
        _attribute(rows, entry, recipients, weights, nets, overhead, costs)
    else:
        paid = 0
    return LineResult(
        key=entry.key,
        description=entry.description,
        service_id=entry.service_id,
        rule=entry.rule,
        gross_pence=gross,
        overhead_pence=overhead,
        costs_pence=costs,
        paid_pence=paid,
        kept_pence=gross - paid,
        note=note,
    )


def _costs_borne(
    entry: EntryInput, available: int, costs: int, warnings: list[str]
) -> tuple[int, str]:
    """The line's part of its service's costs, never more than is left after the top-slice
    (the federation bears the rest, with a warning and a note on the line)."""
    note = ""
    if costs > max(available, 0):
        note = (
            f"Costs of delivery exceed the income after the top-slice by "
            f"£{(costs - max(available, 0)) / 100:,.2f}; the federation bears the difference."
        )
        warnings.append(f"{entry.description}: {note}")
        costs = max(available, 0)
    return costs, note


def _shares(
    entry: EntryInput,
    recipients: list[int],
    weights: list[int],
    distributable: int,
    overhead: int,
    percent: Decimal,
    line_problems: list[str],
) -> tuple[list[int], int, list[int]]:
    """Each recipient's net, what is paid out, and the weights the top-slice and costs are
    then split by: fixed amounts as given (weighted by their size), a percentage of what
    there is to share, or all of it, split by the largest remainder."""
    gross = entry.amount_pence
    paid = 0
    nets = [0] * len(recipients)
    if entry.rule == FIXED:
        nets = [round_pence(entry.shares[p] * 100) for p in recipients]
        paid = sum(nets)
        weights = [abs(n) for n in nets]
        if any(n * gross < 0 for n in nets):
            line_problems.append(
                f"{entry.description}: each fixed amount must have the sign of the line "
                f"({'a clawback takes' if gross < 0 else 'a payment gives'} from every "
                "practice named)"
            )
        elif paid and (paid * distributable < 0 or abs(paid) > abs(distributable)):
            line_problems.append(
                f"{entry.description}: fixed amounts of {money_text(paid)} do not fit in "
                f"the {money_text(distributable)} there is to share"
                + (
                    f" after the {percent}% top-slice; take no top-slice from a "
                    "correction to pass it on whole"
                    if overhead
                    else ""
                )
            )
    elif entry.rule == PERCENT:
        total_percent = sum((entry.shares.get(p, Decimal(0)) for p in recipients), Decimal(0))
        if total_percent > 100:
            line_problems.append(
                f"{entry.description}: the percentages add up to {total_percent}%, over 100%"
            )
        elif sum(weights):
            paid = round_pence(Decimal(distributable) * total_percent / 100)
            nets = allocate(paid, weights)
    elif sum(weights):
        paid = distributable
        nets = allocate(paid, weights)
    return nets, paid, weights


def _unshared(
    entry: EntryInput,
    recipients: list[int],
    weights: list[int],
    line_problems: list[str],
    warnings: list[str],
) -> str:
    """A line with nothing to share it by: a clawback is refused, anything else is kept by the
    federation with a warning (and this note for the line); a line no practice takes part in
    is refused."""
    note = ""
    if not line_problems and recipients and not sum(weights) and entry.amount_pence < 0:
        line_problems.append(
            f"{entry.description}: a clawback with nothing to share it by "
            f"({rule_basis(entry.rule)} is zero for every practice) would be paid by the "
            "federation; share it by fixed amounts from the practices it is owed by"
        )
    elif not line_problems and recipients and not sum(weights):
        warnings.append(
            f"{entry.description}: nothing to share by ({rule_basis(entry.rule)} is zero "
            "for every practice); the federation keeps it"
        )
        note = "Nothing to share by; kept by the federation."
    if not recipients and not line_problems:
        line_problems.append(f"{entry.description}: no practice takes part this month")
    return note


def _attribute(
    rows: dict,
    entry: EntryInput,
    recipients: list[int],
    weights: list[int],
    nets: list[int],
    overhead: int,
    costs: int,
) -> None:
    """Each practice's net, and its share of the top-slice and of the costs split in the same
    proportions, added to its row: income = costs + overhead + net."""
    overheads = allocate(overhead, weights)
    cost_parts = allocate(costs, weights) if costs else [0] * len(weights)
    for practice_id, net, share_overhead, share_costs in zip(
        recipients, nets, overheads, cost_parts, strict=True
    ):
        if not (net or share_overhead or share_costs):
            continue
        r = _row(rows, practice_id, entry.service_id, entry.corrects_id)
        r.net_pence += net
        r.overhead_pence += share_overhead
        r.costs_pence += share_costs
        r.income_pence += net + share_overhead + share_costs


def _alone_estimates(
    inputs: MonthInputs,
    units: dict[tuple[int, int], int],
    service_units: dict[int, int],
    rows: dict,
) -> None:
    """The estimate of doing it alone, for every service a practice takes part in: the fixed
    cost counts only with some activity when the service is measured by activity, unless it
    is a standing charge."""
    for service in inputs.services.values():
        measured = service_units.get(service.id, 0) > 0
        for practice_id in service.participants:
            if practice_id not in inputs.codes:
                continue
            n = units.get((service.id, practice_id), 0)
            r = _row(rows, practice_id, service.id)
            r.activity_units = n
            fixed = service.alone_fixed_monthly_pence
            if (measured or service.measured) and not n and not service.alone_fixed_standing:
                fixed = 0  # no activity this month: doing it alone would not have cost it
            r.alone_cost_pence = fixed + service.alone_per_unit_pence * n


_RULE_LABELS = {
    EQUAL: "the count of practices",
    REGISTERED: "the registered list",
    WEIGHTED: "the weighted population",
    ADJUSTED: "the adjusted population",
    ACTIVITY: "the activity",
    POINTS: "the points",
    PERCENT: "the percentage",
    FIXED: "the fixed amount",
}


def rule_basis(rule: str) -> str:
    return _RULE_LABELS.get(rule, rule)
