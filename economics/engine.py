"""The service economics modeller's arithmetic: pure functions on plain data, no database.

A service can be delivered by each practice alone (**practice** level), by each PCN for its
practices (**pcn**) or by the federation for all of them (**federation**). For each level the
modeller works out what every practice would make a year, and how that compares with doing it
alone:

- a practice's volume is the volume input times its base: ``volume_per_1000 x list size /
  1000`` units a year (or per 1,000 patients in chosen ages, or its own last year's activity
  times a scale); its income is ``volume x`` the income per unit, or its list times the income
  per registered patient, or its share by list of a block a year;
- alone, it pays its own ``fixed_per_year`` and ``cost_per_unit x volume``;
- at PCN level each PCN's ``fixed_per_year`` falls on its practices in proportion to their
  volume, plus ``cost_per_unit x volume``, plus ``fixed_per_practice`` (a cost the PCN bears
  for each practice it serves, whatever its volume: each practice bears its own); a practice
  in no PCN on the day delivers alone;
- at federation level the federation's ``fixed_per_year`` falls on all the practices in
  proportion to volume, plus ``cost_per_unit x volume``, plus the federation's
  ``fixed_per_practice`` (each practice its own), plus the top-slice the federation keeps,
  ``overhead_percent x income``;
- a practice's net is its income less its costs (and top-slice); its difference is its net at
  the level less its net alone, in the same run; the level's total net is the sum of the
  practices' nets and, at federation level, the top-slice (it stays in the federation).

Every input may be certain or a range (low, most likely, high), drawn from a PERT distribution
once a run and shared by every practice: it is uncertainty in the figure, not variation between
practices. With every input certain the answer is worked in integer pence, rounded half-up once
where an amount is worked out, and shared costs split by the largest remainder
(``finance.engine.allocate``, ADR 8): exact to the penny. With any range it is a Monte Carlo
run, vectorised over the draws with numpy, from a fixed seed. See docs/economics.md.
"""

# Over 500 lines: the modeller's one calculation, in exact pence when certain and vectorised
# draws when not; the two paths must agree, so they sit together.

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

import numpy as np

from finance.engine import allocate, round_pence

PRACTICE = "practice"
PCN = "pcn"
FEDERATION = "federation"
LEVELS = (PRACTICE, PCN, FEDERATION)
AT_SCALE = (PCN, FEDERATION)
NONE = "none"

VOLUME = "volume_per_1000"  # the volume input: a rate per 1,000, or a scale on last year's
INCOME = "income_per_unit"  # the income input: per unit, per registered patient or a block

# What the income input is paid on.
PER_UNIT, PER_PATIENT, BLOCK = "per_unit", "per_patient", "block"
INCOME_BASES = (PER_UNIT, PER_PATIENT, BLOCK)

# Where a practice's volume came from (``PracticeInput.volume_from``).
FROM_LIST, FROM_AGES, FROM_ACTIVITY, FROM_FEDERATION_RATE = (
    "list",
    "ages",
    "activity",
    "federation_rate",
)
OVERHEAD = "levels.federation.overhead_percent"


def fixed(level: str) -> str:
    return f"levels.{level}.fixed_per_year"


def per_unit(level: str) -> str:
    return f"levels.{level}.cost_per_unit"


def per_practice(level: str) -> str:
    """A cost a year the level bears for each member practice it serves, whatever its volume
    (the phlebotomist's travel to each surgery, a courier collection from each site)."""
    return f"levels.{level}.fixed_per_practice"


# Every input, in the order they are drawn (the same seed gives the same runs) and listed.
INPUTS = (
    VOLUME,
    INCOME,
    fixed(PRACTICE),
    per_unit(PRACTICE),
    fixed(PCN),
    per_unit(PCN),
    fixed(FEDERATION),
    per_unit(FEDERATION),
    OVERHEAD,
    # Last, so that a scenario without them draws its other inputs as it always did.
    per_practice(PCN),
    per_practice(FEDERATION),
)
# Inputs a scenario may leave out, and what they are then.
OPTIONAL_INPUTS = {per_practice(PCN): 0, per_practice(FEDERATION): 0}
# Inputs in pounds (the rest are units per 1,000 patients and a percentage).
MONEY = frozenset(INPUTS) - {VOLUME, OVERHEAD}

DEFAULT_DRAWS = 10_000
# Draws x practices held at once: 5 million keeps a run of 85 practices under 500 MB.
MOST_PRACTICE_DRAWS = 5_000_000
PERT_LAMBDA = 4
# A practice is no worse off when its difference is not below zero once rounded to the penny
# (half-up, halves away from zero): above -0.5p.
NO_WORSE_PENCE = -0.5
SURE = 0.9  # "better off in at least 9 runs in 10"


@dataclass(frozen=True)
class Value:
    """One input: certain (low = mode = high) or a PERT range. Money in pounds."""

    low: Decimal
    mode: Decimal
    high: Decimal

    def __post_init__(self):
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"a range needs low <= mode <= high, not {self}")

    @classmethod
    def certain(cls, value) -> Value:
        number = Decimal(str(value))
        return cls(number, number, number)

    @classmethod
    def range(cls, low, mode, high) -> Value:
        return cls(Decimal(str(low)), Decimal(str(mode)), Decimal(str(high)))

    @property
    def is_certain(self) -> bool:
        return self.low == self.high

    def __str__(self) -> str:
        if self.is_certain:
            return str(self.mode)
        return f"{self.low} to {self.high}, most likely {self.mode}"


@dataclass(frozen=True)
class PracticeInput:
    code: str
    list_size: int
    pcn: str | None = None  # the PCN's code on the day, None if in none
    # Units a year for each unit of the volume input: list_size / 1,000 when None (a rate per
    # 1,000 registered patients); patients in the chosen ages / 1,000; or last year's units
    # (the volume input is then a scale, 1 for "as last year").
    volume_base: Fraction | None = None
    volume_from: str = FROM_LIST

    @property
    def base(self) -> Fraction:
        if self.volume_base is None:
            return Fraction(self.list_size, 1000)
        return Fraction(self.volume_base)


@dataclass(frozen=True)
class Spread:
    """A figure over the runs, in pence: whole pence when every input is certain (then all
    four are the same), else floats to be rounded to the penny where shown."""

    mean: float
    p5: float
    p50: float
    p95: float

    @classmethod
    def exactly(cls, pence: int) -> Spread:
        return cls(pence, pence, pence, pence)


@dataclass(frozen=True)
class PracticeLevel:
    net: Spread
    diff: Spread  # net at this level less net alone, run by run
    prob_not_worse: float  # the share of runs in which diff is not below zero


@dataclass(frozen=True)
class PracticeResult:
    code: str
    list_size: int
    pcn: str | None
    volume_mean: float
    levels: dict[str, PracticeLevel]
    volume_from: str = FROM_LIST
    # The largest top-slice at which this practice's median difference at federation level is
    # no worse than alone (0.01 of a point; None if worse even at 0%).
    breakeven_overhead_percent: Decimal | None = None


@dataclass(frozen=True)
class LevelResult:
    total_net: Spread
    worse_off: tuple[str, ...]  # codes of the practices whose median difference is negative


@dataclass(frozen=True)
class Sensitivity:
    """One bar of the tornado: the level's median total net with ``input`` at its low and at
    its high, every other input as drawn."""

    input: str
    low: Decimal
    high: Decimal
    level: str
    at_low: float
    at_high: float

    @property
    def swing(self) -> float:
        return abs(self.at_high - self.at_low)


@dataclass(frozen=True)
class Results:
    draws: int
    seed: int
    certain: bool
    overhead_percent: Value
    levels: dict[str, LevelResult]
    practices: list[PracticeResult]
    breakeven_overhead_percent: Decimal | None
    recommended_level: str  # pcn, federation or none
    sensitivity: list[Sensitivity]
    income_basis: str = PER_UNIT

    def practice(self, code: str) -> PracticeResult:
        return next(p for p in self.practices if p.code == code)


def pence(amount: float) -> int:
    """A figure in pence to the whole penny, half-up (halves away from zero)."""
    if isinstance(amount, int):
        return amount
    return round_pence(Decimal(float(amount)))


def pert(rng: np.random.Generator, value: Value, size: int) -> np.ndarray:
    """``size`` draws of ``value``: low + (high - low) x Beta(a, b), a = 1 + 4(mode - low) /
    (high - low), b = 1 + 4(high - mode) / (high - low); a certain value is repeated."""
    if value.is_certain:
        return np.full(size, float(value.mode))
    low, mode, high = float(value.low), float(value.mode), float(value.high)
    span = high - low
    alpha = 1 + PERT_LAMBDA * (mode - low) / span
    beta = 1 + PERT_LAMBDA * (high - mode) / span
    return low + span * rng.beta(alpha, beta, size)


def pert_mean(value: Value) -> Decimal:
    return (value.low + 4 * value.mode + value.high) / 6


def complete(values: dict[str, Value]) -> dict[str, Value]:
    """``values`` with the optional inputs it leaves out, at 0."""
    return {name: Value.certain(v) for name, v in OPTIONAL_INPUTS.items()} | dict(values)


def all_certain(values: dict[str, Value]) -> bool:
    return all(values[name].is_certain for name in INPUTS if name in values)


def check_size(practices: Sequence[PracticeInput], draws: int) -> None:
    """Refuse a run the modeller cannot hold at once (ValueError, naming the most draws)."""
    if not practices:
        raise ValueError("there are no practices to model")
    if draws < 1:
        raise ValueError("a run needs at least 1 draw")
    if draws * len(practices) > MOST_PRACTICE_DRAWS:
        most = MOST_PRACTICE_DRAWS // len(practices)
        raise ValueError(
            f"{draws:,} draws for {len(practices):,} practices is more than the modeller holds "
            f"at once: at most {most:,} draws for {len(practices):,} practices"
        )


def run(
    *,
    values: dict[str, Value],
    practices: Sequence[PracticeInput],
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    exact: bool | None = None,
    income_basis: str = PER_UNIT,
) -> Results:
    """The modeller's answer for one scenario. ``values`` holds every name in ``INPUTS`` (those
    in ``OPTIONAL_INPUTS`` may be left out: 0);
    ``income_basis`` says what ``INCOME`` is paid on (``INCOME_BASES``).
    ``exact`` defaults to whether every input is certain (the tests force the Monte Carlo path
    on certain inputs to compare it with the exact one); only a Monte Carlo run is limited in
    size (``check_size``)."""
    if income_basis not in INCOME_BASES:
        raise ValueError(f"income is paid per unit, per patient or as a block, not {income_basis}")
    values = complete(values)
    missing = [name for name in INPUTS if name not in values]
    if missing:
        raise ValueError(f"missing inputs: {', '.join(missing)}")
    certain = all_certain(values)
    if exact is None:
        exact = certain
    if exact and not certain:
        raise ValueError("only a scenario whose every input is certain can be worked exactly")
    if exact and not practices:
        raise ValueError("there are no practices to model")
    if not exact:
        check_size(practices, draws)
    ordered = sorted(practices, key=lambda p: p.code)  # the largest remainder's tie order
    if exact:
        worked = _exact(values, ordered, income_basis)
    else:
        worked = _simulate(values, ordered, draws, seed, income_basis)
    levels, practice_results, breakeven, totals_at = worked
    recommended = recommend(levels)
    sensitivity = [] if exact else _sensitivity(values, recommended, totals_at, draws)
    return Results(
        draws=draws,
        seed=seed,
        certain=certain,
        overhead_percent=values[OVERHEAD],
        levels=levels,
        practices=practice_results,
        breakeven_overhead_percent=breakeven,
        recommended_level=recommended,
        sensitivity=sensitivity,
        income_basis=income_basis,
    )


def recommend(levels: dict[str, LevelResult]) -> str:
    """The level at scale with the highest median total net among those where no practice's
    median is worse than alone and which make more in total than every practice alone; ties
    go to the PCN. ``none`` if there is no such level."""
    alone = pence(levels[PRACTICE].total_net.p50)
    candidates = [
        level
        for level in AT_SCALE
        if not levels[level].worse_off and pence(levels[level].total_net.p50) > alone
    ]
    if not candidates:
        return NONE
    return max(candidates, key=lambda level: pence(levels[level].total_net.p50))


def _groups(practices: Sequence[PracticeInput]) -> dict[str, list[int]]:
    """Positions of the practices in each PCN (practices in no PCN are left out)."""
    groups: dict[str, list[int]] = {}
    for i, practice in enumerate(practices):
        if practice.pcn:
            groups.setdefault(practice.pcn, []).append(i)
    return groups


def _split(total: int, weights: list[int]) -> list[int]:
    """A shared amount in proportion to ``weights`` (volumes, or lists), by the largest
    remainder; equally when every weight is zero."""
    if sum(weights) <= 0:
        weights = [1] * len(weights)
    return allocate(total, weights)


def volume_weights(practices: Sequence[PracticeInput]) -> list[int]:
    """Whole numbers in proportion to the practices' volumes (their bases, exact fractions,
    brought to a common denominator): what shared costs are split by."""
    bases = [p.base for p in practices]
    denominator = math.lcm(*(b.denominator for b in bases)) if bases else 1
    return [int(b * denominator) for b in bases]


def _round(amount: Fraction) -> int:
    """An exact amount in pence to the whole penny, half-up (halves away from zero)."""
    whole = (abs(amount) * 2 + 1) // 2
    return int(-whole if amount < 0 else whole)


def _fraction(value: Decimal) -> Fraction:
    return Fraction(value)


# --- every input certain: integer pence ---------------------------------------------------


def _exact_income(
    basis: str, rate: Fraction, volumes: list[Fraction], lists: list[int]
) -> list[int]:
    """Each practice's income in pence: per unit on its volume, per registered patient on its
    list, or its share by list of the block (largest remainder; equally if every list is 0)."""
    if basis == PER_UNIT:
        return [_round(v * rate * 100) for v in volumes]
    if basis == PER_PATIENT:
        return [_round(n * rate * 100) for n in lists]
    return _split(_round(rate * 100), lists)


def _exact(values: dict[str, Value], practices: Sequence[PracticeInput], basis: str = PER_UNIT):
    # Exact fractions throughout; each amount is rounded once, where it is worked out.
    m = {name: _fraction(values[name].mode) for name in INPUTS}
    lists = [p.list_size for p in practices]
    weights = volume_weights(practices)
    volumes = [m[VOLUME] * p.base for p in practices]
    income = _exact_income(basis, m[INCOME], volumes, lists)

    def unit_costs(level: str) -> list[int]:
        return [_round(v * m[per_unit(level)] * 100) for v in volumes]

    fixed_pence = {level: _round(m[fixed(level)] * 100) for level in LEVELS}
    site_pence = {level: _round(m[per_practice(level)] * 100) for level in AT_SCALE}
    alone = [fixed_pence[PRACTICE] + c for c in unit_costs(PRACTICE)]
    at_pcn = list(alone)
    pcn_units = unit_costs(PCN)
    for positions in _groups(practices).values():
        shares = _split(fixed_pence[PCN], [weights[i] for i in positions])
        for i, share in zip(positions, shares, strict=True):
            at_pcn[i] = share + pcn_units[i] + site_pence[PCN]
    at_federation = [
        share + c + site_pence[FEDERATION]
        for share, c in zip(
            _split(fixed_pence[FEDERATION], weights), unit_costs(FEDERATION), strict=True
        )
    ]
    top_slice = [_round(i * m[OVERHEAD] / 100) for i in income]
    nets = {
        PRACTICE: [i - c for i, c in zip(income, alone, strict=True)],
        PCN: [i - c for i, c in zip(income, at_pcn, strict=True)],
        FEDERATION: [i - c - t for i, c, t in zip(income, at_federation, top_slice, strict=True)],
    }
    totals = {level: sum(nets[level]) for level in LEVELS}
    totals[FEDERATION] += sum(top_slice)
    levels = {}
    for level in LEVELS:
        diffs = [n - a for n, a in zip(nets[level], nets[PRACTICE], strict=True)]
        losers = tuple(p.code for p, d in zip(practices, diffs, strict=True) if d < 0)
        levels[level] = LevelResult(Spread.exactly(totals[level]), losers)
    results = []
    for i, practice in enumerate(practices):
        per_level = {}
        for level in LEVELS:
            diff = nets[level][i] - nets[PRACTICE][i]
            per_level[level] = PracticeLevel(
                net=Spread.exactly(nets[level][i]),
                diff=Spread.exactly(diff),
                prob_not_worse=1.0 if diff >= 0 else 0.0,
            )
        results.append(
            PracticeResult(
                code=practice.code,
                list_size=practice.list_size,
                pcn=practice.pcn,
                volume_mean=float(volumes[i]),
                levels=per_level,
                volume_from=practice.volume_from,
            )
        )
    # Before the top-slice, what the federation level saves each practice against alone.
    saving = [a - f for a, f in zip(alone, at_federation, strict=True)]

    def not_worse(hundredths: np.ndarray) -> np.ndarray:
        return np.array(
            [
                _round(Fraction(i * int(h), 10_000)) <= s
                for i, s, h in zip(income, saving, hundredths, strict=True)
            ]
        )

    results, breakeven = _with_breakevens(results, not_worse)
    return levels, results, breakeven, None


def _with_breakevens(results: list[PracticeResult], not_worse):
    """Each practice's break-even top-slice, and the scenario's: the lowest of them (None if
    any is None), the largest at which no practice is worse off."""
    each = _largest_each(not_worse, len(results))
    results = [
        replace(result, breakeven_overhead_percent=b)
        for result, b in zip(results, each, strict=True)
    ]
    return results, None if None in each else min(each)


def _largest_each(holds: Callable[[np.ndarray], np.ndarray], n: int) -> list[Decimal | None]:
    """For each of ``n`` practices, the largest top-slice, to 0.01 of a percentage point from
    0% to 100%, at which ``holds`` (each practice's answer at its own top-slice, in
    hundredths of a percent; it only ever turns false as the top-slice rises); None for a
    practice for which it does not hold even at 0%. Bisection for all of them at once."""
    low = np.zeros(n, dtype=np.int64)
    high = np.full(n, 10_000, dtype=np.int64)
    at_zero = np.asarray(holds(low), dtype=bool)
    low = np.where(np.asarray(holds(high), dtype=bool), high, low)
    while (high - low > 1).any():
        middle = (low + high) // 2
        ok = np.asarray(holds(middle), dtype=bool)
        low = np.where(ok, middle, low)
        high = np.where(ok, high, middle)
    return [
        (Decimal(int(x)) / 100).quantize(Decimal("0.01")) if zero else None
        for x, zero in zip(low, at_zero, strict=True)
    ]


# --- any range: Monte Carlo --------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """What the level totals need to know about the practices, as numbers."""

    practices: int
    pcns: int
    base: float  # the practices' volume bases added up: the volume is the volume input x this
    base_in_pcns: float
    practices_in_no_pcn: int
    patients: float = 0.0  # registered patients, for income per patient
    income_basis: str = PER_UNIT


def draw(values: dict[str, Value], draws: int, seed: int) -> dict[str, np.ndarray]:
    """Every input's draws, in pence for money, in ``INPUTS`` order from one generator."""
    rng = np.random.default_rng(seed)
    values = complete(values)
    drawn = {}
    for name in INPUTS:
        scale = 100.0 if name in MONEY else 1.0
        drawn[name] = pert(rng, values[name], draws) * scale
    return drawn


def level_totals(p: dict[str, np.ndarray], shape: Shape) -> dict[str, np.ndarray]:
    """Each level's total net in every run, from the inputs alone (the sum of the practices'
    nets, the federation's top-slice added back, without working out each practice)."""
    volume = p[VOLUME] * shape.base
    volume_in_pcns = p[VOLUME] * shape.base_in_pcns
    if shape.income_basis == PER_UNIT:
        income = volume * p[INCOME]
    elif shape.income_basis == PER_PATIENT:
        income = shape.patients * p[INCOME]
    else:  # the block, whoever it is shared by
        income = p[INCOME]
    alone_fixed = shape.practices * p[fixed(PRACTICE)]
    at_pcn = (
        shape.pcns * p[fixed(PCN)]
        + (shape.practices - shape.practices_in_no_pcn) * p[per_practice(PCN)]
        + volume_in_pcns * p[per_unit(PCN)]
        + shape.practices_in_no_pcn * p[fixed(PRACTICE)]
        + (volume - volume_in_pcns) * p[per_unit(PRACTICE)]
    )
    return {
        PRACTICE: income - alone_fixed - volume * p[per_unit(PRACTICE)],
        PCN: income - at_pcn,
        FEDERATION: income
        - p[fixed(FEDERATION)]
        - shape.practices * p[per_practice(FEDERATION)]
        - volume * p[per_unit(FEDERATION)],
    }


def _spreads(a: np.ndarray) -> list[Spread]:
    """Each row's spread over the runs (its columns)."""
    means = a.mean(axis=1)
    p5, p50, p95 = np.percentile(a, [5, 50, 95], axis=1)
    return [
        Spread(float(m), float(x), float(y), float(z))
        for m, x, y, z in zip(means, p5, p50, p95, strict=True)
    ]


def _shares(weights: np.ndarray) -> np.ndarray:
    whole = weights.sum()
    return weights / whole if whole > 0 else np.full(len(weights), 1 / len(weights))


def _simulate(
    values: dict[str, Value],
    practices: Sequence[PracticeInput],
    draws: int,
    seed: int,
    basis: str = PER_UNIT,
):
    # Arrays are practices x runs: each practice's runs lie together in memory, so the
    # percentiles and medians over the runs read each row at once.
    p = draw(values, draws, seed)
    lists = np.array([x.list_size for x in practices], dtype=float)
    bases = np.array([float(x.base) for x in practices])
    in_pcn = np.array([bool(x.pcn) for x in practices])
    pcn_weight = np.zeros(len(practices))
    for positions in _groups(practices).values():
        pcn_weight[positions] = _shares(bases[positions])
    federation_weight = _shares(bases)

    def runs(name: str) -> np.ndarray:
        return p[name][None, :]

    def each(figures: np.ndarray) -> np.ndarray:
        return figures[:, None]

    volume = each(bases) * runs(VOLUME)
    if basis == PER_UNIT:
        income = volume * runs(INCOME)
    elif basis == PER_PATIENT:
        income = each(lists) * runs(INCOME)
    else:
        income = each(_shares(lists)) * runs(INCOME)
    alone_cost = runs(fixed(PRACTICE)) + volume * runs(per_unit(PRACTICE))
    net_alone = income - alone_cost

    pcn_cost = (
        each(pcn_weight) * runs(fixed(PCN)) + runs(per_practice(PCN)) + volume * runs(per_unit(PCN))
    )
    pcn_cost[~in_pcn] = alone_cost[~in_pcn]
    net_pcn = income - pcn_cost
    del pcn_cost
    federation_cost = (
        each(federation_weight) * runs(fixed(FEDERATION))
        + runs(per_practice(FEDERATION))
        + volume * runs(per_unit(FEDERATION))
    )
    top_slice = income * (runs(OVERHEAD) / 100)
    net_federation = income - federation_cost - top_slice
    nets = {PRACTICE: net_alone, PCN: net_pcn, FEDERATION: net_federation}
    totals = {level: nets[level].sum(axis=0) for level in LEVELS}
    totals[FEDERATION] = totals[FEDERATION] + top_slice.sum(axis=0)
    del top_slice

    lines: list[dict[str, PracticeLevel]] = [{} for _ in practices]
    levels = {}
    for level in LEVELS:
        diff = nets[level] - net_alone
        net_spreads = _spreads(nets[level])
        diff_spreads = _spreads(diff)
        not_worse = (diff > NO_WORSE_PENCE).mean(axis=1)
        losers = []
        for i, practice in enumerate(practices):
            lines[i][level] = PracticeLevel(
                net=net_spreads[i], diff=diff_spreads[i], prob_not_worse=float(not_worse[i])
            )
            if diff_spreads[i].p50 <= NO_WORSE_PENCE:
                losers.append(practice.code)
        levels[level] = LevelResult(_spreads(totals[level][None, :])[0], tuple(losers))
    volume_mean = volume.mean(axis=1)
    results = [
        PracticeResult(
            code=x.code,
            list_size=x.list_size,
            pcn=x.pcn,
            volume_mean=float(volume_mean[i]),
            levels=lines[i],
            volume_from=x.volume_from,
        )
        for i, x in enumerate(practices)
    ]
    # Before the top-slice, what the federation level saves each practice against alone, in
    # each run: a practice is no worse off at top-slice t while saving - t x income is not.
    saving = alone_cost - federation_cost
    del federation_cost, net_pcn, net_federation

    def not_worse(hundredths: np.ndarray) -> np.ndarray:
        return np.median(saving - income * (hundredths[:, None] / 10_000), axis=1) > NO_WORSE_PENCE

    results, breakeven = _with_breakevens(results, not_worse)
    shape = Shape(
        practices=len(practices),
        pcns=len(_groups(practices)),
        base=float(bases.sum()),
        base_in_pcns=float(bases[in_pcn].sum()),
        practices_in_no_pcn=int((~in_pcn).sum()),
        patients=float(lists.sum()),
        income_basis=basis,
    )
    return levels, results, breakeven, (p, shape)


def _sensitivity(values: dict[str, Value], recommended: str, totals_at, draws: int):
    """For each uncertain input, the median total net at the recommended level (the federation
    level when none is recommended) with that input at its low and at its high, every other
    input as drawn; the largest swing first, ties in ``INPUTS`` order."""
    p, shape = totals_at
    level = recommended if recommended in AT_SCALE else FEDERATION
    bars = []
    for name in INPUTS:
        value = values[name]
        if value.is_certain:
            continue
        scale = 100.0 if name in MONEY else 1.0
        ends = []
        for end in (value.low, value.high):
            moved = dict(p)
            moved[name] = np.full(draws, float(end) * scale)
            ends.append(float(np.median(level_totals(moved, shape)[level])))
        bars.append(Sensitivity(name, value.low, value.high, level, ends[0], ends[1]))
    bars.sort(key=lambda bar: -pence(bar.swing))
    return bars
