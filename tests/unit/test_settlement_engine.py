"""Known answers for every distribution rule, worked by hand, and the reconciliation property."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.engine import (
    ACTIVITY,
    ADJUSTED,
    EQUAL,
    FIXED,
    PERCENT,
    POINTS,
    REGISTERED,
    WEIGHTED,
    EntryInput,
    MonthInputs,
    ServiceInput,
    allocate,
    settle,
)

A, B, C = 1, 2, 3
CODES = {A: "A00001", B: "B00002", C: "C00003"}


def month(entries, *, overhead="0", services=None, **figures) -> MonthInputs:
    return MonthInputs(
        federation_id=1,
        month="2026-10",
        overhead_percent=Decimal(overhead),
        members=[A, B, C],
        codes=CODES,
        services=services or {},
        entries=entries,
        **figures,
    )


def nets(result) -> dict[int, int]:
    out: dict[int, int] = {}
    for r in result.rows:
        out[r.practice_id] = out.get(r.practice_id, 0) + r.net_pence
    return out


def test_largest_remainder_gives_left_over_pennies_to_the_largest_fractions():
    # 100p by 1:1:1 -> 33.33 each; one penny left goes to the first (ties by position).
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    # 1000p by 1:2:3 -> 166.67, 333.33, 500: the penny goes to the .67
    assert allocate(1000, [1, 2, 3]) == [167, 333, 500]
    # refunds split the same way, signs kept
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    # a zero weight never receives a penny
    assert allocate(7, [0, 1, 1]) == [0, 4, 3]
    with pytest.raises(ValueError):
        allocate(5, [0, 0])


def test_equal_shares_of_an_awkward_sum():
    result = settle(month([EntryInput(1, "Block", 100_001, EQUAL)]))
    assert nets(result) == {A: 33_334, B: 33_334, C: 33_333}
    assert result.paid_pence == 100_001 and result.kept_pence == 0


def test_overhead_top_slice_is_rounded_half_up_and_kept():
    # 2.5% of £100.10 = 250.25p -> 250p; 10,010 - 250 = 9,760 shared equally
    result = settle(month([EntryInput(1, "Block", 10_010, EQUAL)], overhead="2.5"))
    line = result.lines[0]
    assert line.overhead_pence == 250
    assert line.paid_pence == 9_760 and line.kept_pence == 250
    assert nets(result) == {A: 3_254, B: 3_253, C: 3_253}
    # each practice's share of the top-slice is split in the same proportions
    assert sorted(r.overhead_pence for r in result.rows) == [83, 83, 84]


def test_half_a_penny_of_overhead_rounds_up():
    # 5% of 10p = 0.5p -> 1p
    result = settle(month([EntryInput(1, "Tiny", 10, EQUAL)], overhead="5"))
    assert result.lines[0].overhead_pence == 1


def test_registered_list():
    result = settle(
        month(
            [EntryInput(1, "Per head", 1_000_000, REGISTERED)],
            registered={A: 7_000, B: 11_000, C: 3_000},
        )
    )
    # 1,000,000 x 7/21 = 333,333.33; x 11/21 = 523,809.52; x 3/21 = 142,857.14
    # floors 333,333 + 523,809 + 142,857 = 999,999; the penny goes to B (.52 is largest)
    assert nets(result) == {A: 333_333, B: 523_810, C: 142_857}


def test_registered_list_missing_is_a_problem_that_blocks_posting():
    result = settle(month([EntryInput(1, "Per head", 1_000, REGISTERED)], registered={A: 1, B: 1}))
    assert not result.can_post
    assert "no registered list for C00003" in result.problems[0]


@pytest.mark.parametrize("rule, figure", [(ADJUSTED, "adjusted"), (WEIGHTED, "weighted")])
def test_population_rules_use_the_figure_to_the_hundredth(rule, figure):
    result = settle(
        month(
            [EntryInput(1, "Per head", 10_000, rule)],
            **{figure: {A: Decimal("1000.50"), B: Decimal("999.50"), C: Decimal("0.00")}},
        )
    )
    # weights 100050 : 99950 : 0 -> 5002.5 and 4997.5: the tie goes to A (first code)
    assert nets(result) == {A: 5_003, B: 4_997}
    assert result.paid_pence == 10_000


def test_activity_shares_among_participants_and_costs_come_off_first():
    service = ServiceInput(
        id=10,
        fixed_monthly_pence=1_000,
        cost_per_unit_pence=50,
        alone_fixed_monthly_pence=20_000,
        alone_per_unit_pence=300,
        participants=frozenset({A, B}),
    )
    result = settle(
        month(
            [EntryInput(1, "Phlebotomy", 30_000, ACTIVITY, service_id=10)],
            overhead="10",
            services={10: service},
            activity={(10, A): 60, (10, B): 40},
        )
    )
    line = result.lines[0]
    # overhead 3,000; costs 1,000 + 50 x 100 = 6,000; shared 21,000 by 60:40
    assert (line.overhead_pence, line.costs_pence, line.paid_pence) == (3_000, 6_000, 21_000)
    rows = {r.practice_id: r for r in result.rows}
    assert set(rows) == {A, B}  # C does not take part
    assert (rows[A].net_pence, rows[A].costs_pence, rows[A].overhead_pence) == (
        12_600,
        3_600,
        1_800,
    )
    assert rows[A].income_pence == 18_000
    # alone: 20,000 + 300 x 60 = 38,000
    assert rows[A].alone_cost_pence == 38_000 and rows[A].activity_units == 60


def test_costs_beyond_income_are_borne_by_the_federation_with_a_note():
    service = ServiceInput(id=10, fixed_monthly_pence=50_000, participants=frozenset({A, B, C}))
    result = settle(
        month(
            [EntryInput(1, "ECG", 30_000, EQUAL, service_id=10)],
            services={10: service},
        )
    )
    line = result.lines[0]
    assert line.costs_pence == 30_000 and line.paid_pence == 0 and line.kept_pence == 30_000
    assert "exceed" in line.note and result.warnings
    assert result.can_post


def test_activity_recorded_for_a_pcn_is_split_by_registered_list():
    service = ServiceInput(id=10, participants=frozenset({A, B, C}))
    result = settle(
        month(
            [EntryInput(1, "Enhanced access", 9_000, ACTIVITY, service_id=10)],
            services={10: service},
            registered={A: 2_000, B: 1_000, C: 1_000},
            pcn_activity={(10, 77): 10},
            pcn_practices={77: [A, B]},
        )
    )
    rows = {r.practice_id: r for r in result.rows}
    # 10 units split 2:1 -> 6.67, 3.33 -> 7 and 3; then 9,000 by 7:3
    assert rows[A].activity_units == 7 and rows[B].activity_units == 3
    assert rows[A].net_pence == 6_300 and rows[B].net_pence == 2_700
    assert rows[C].activity_units == 0 and rows[C].net_pence == 0


def test_fixed_amounts_leave_the_rest_with_the_federation():
    entry = EntryInput(
        1, "Leads", 100_000, FIXED, shares={A: Decimal("250.00"), B: Decimal("99.99")}
    )
    result = settle(month([entry]))
    assert nets(result) == {A: 25_000, B: 9_999}
    assert result.lines[0].kept_pence == 100_000 - 34_999


def test_fixed_amounts_larger_than_the_money_are_refused():
    entry = EntryInput(1, "Leads", 100, FIXED, shares={A: Decimal("2.00")})
    result = settle(month([entry]))
    assert not result.can_post and "do not fit" in result.problems[0]


def test_percentages():
    entry = EntryInput(
        1, "Split", 10_001, PERCENT, shares={A: Decimal("50"), B: Decimal("33.3333")}
    )
    result = settle(month([entry]))
    # 83.3333% of 10,001 = 8,334.16 -> 8,334; split 50 : 33.3333 -> 5,000.40 / 3,333.60
    assert nets(result) == {A: 5_000, B: 3_334}
    assert result.lines[0].kept_pence == 10_001 - 8_334


def test_percentages_over_100_are_refused():
    entry = EntryInput(1, "Split", 100, PERCENT, shares={A: Decimal("60"), B: Decimal("41")})
    assert "over 100%" in settle(month([entry])).problems[0]


def test_points():
    entry = EntryInput(
        1, "IIF", 1_000, POINTS, shares={A: Decimal("12.5"), B: Decimal("12.5"), C: Decimal("25")}
    )
    assert nets(settle(month([entry]))) == {A: 250, B: 250, C: 500}


def test_shares_naming_a_practice_outside_the_federation_are_refused():
    entry = EntryInput(1, "IIF", 1_000, POINTS, shares={A: Decimal(1), 99: Decimal(1)})
    assert "not a member" in settle(month([entry])).problems[0]


def test_an_adjusting_refund_carries_no_costs_and_splits_negatively():
    service = ServiceInput(id=10, fixed_monthly_pence=500, participants=frozenset({A, B, C}))
    refund = EntryInput(1, "Clawback", -1_000, EQUAL, service_id=10, corrects_id=99)
    result = settle(month([refund], services={10: service}, overhead="10"))
    line = result.lines[0]
    assert line.costs_pence == 0 and line.overhead_pence == -100
    assert nets(result) == {A: -300, B: -300, C: -300}
    assert result.paid_pence + result.kept_pence == -1_000


def test_fingerprint_changes_with_any_figure():
    base = settle(month([EntryInput(1, "Block", 100, EQUAL)]))
    same = settle(month([EntryInput(1, "Block", 100, EQUAL)]))
    other = settle(month([EntryInput(1, "Block", 101, EQUAL)]))
    assert base.fingerprint() == same.fingerprint() != other.fingerprint()


RULES = [EQUAL, REGISTERED, WEIGHTED, ADJUSTED, ACTIVITY, POINTS, PERCENT, FIXED]


@st.composite
def federation_months(draw):
    n = draw(st.integers(min_value=1, max_value=12))
    ids = list(range(1, n + 1))
    codes = {i: f"P{i:05d}" for i in ids}
    registered = {i: draw(st.integers(min_value=1, max_value=40_000)) for i in ids}
    weighted = {i: Decimal(draw(st.integers(min_value=1, max_value=5_000_000))) / 100 for i in ids}
    participants = frozenset(draw(st.sets(st.sampled_from(ids), min_size=1)))
    service = ServiceInput(
        id=10,
        fixed_monthly_pence=draw(st.integers(min_value=0, max_value=500_000)),
        cost_per_unit_pence=draw(st.integers(min_value=0, max_value=5_000)),
        alone_fixed_monthly_pence=draw(st.integers(min_value=0, max_value=500_000)),
        alone_per_unit_pence=draw(st.integers(min_value=0, max_value=5_000)),
        participants=participants,
    )
    activity = {
        (10, p): draw(st.integers(min_value=0, max_value=2_000)) for p in sorted(participants)
    }
    entries = []
    for key in range(draw(st.integers(min_value=1, max_value=6))):
        rule = draw(st.sampled_from(RULES))
        amount = draw(st.integers(min_value=-1_000_000, max_value=50_000_000))
        shares = {}
        if rule in (POINTS, PERCENT):
            chosen = draw(st.sets(st.sampled_from(ids), min_size=1))
            top = 100 // len(chosen) if rule == PERCENT else 1_000
            shares = {p: Decimal(draw(st.integers(min_value=0, max_value=top))) for p in chosen}
        corrects = 1 if amount < 0 or draw(st.booleans()) else None
        if rule == FIXED:
            # signed amounts to named practices, a correction's (negative) as often as not
            chosen = draw(st.sets(st.sampled_from(ids), min_size=1))
            sign = -1 if corrects and draw(st.booleans()) else 1
            shares = {
                p: Decimal(sign * draw(st.integers(min_value=1, max_value=500_000))) / 100
                for p in chosen
            }
            if draw(st.booleans()):  # a line that is exactly its shares
                amount = sum(int(v * 100) for v in shares.values())
        entries.append(
            EntryInput(
                key,
                f"Line {key}",
                amount,
                rule,
                service_id=10 if rule == ACTIVITY or draw(st.booleans()) else None,
                shares=shares,
                corrects_id=corrects,
                top_slice=not corrects or draw(st.booleans()),
            )
        )
    return MonthInputs(
        federation_id=1,
        month="2026-10",
        overhead_percent=Decimal(draw(st.integers(min_value=0, max_value=2_000))) / 100,
        members=ids,
        codes=codes,
        registered=registered,
        weighted=weighted,
        adjusted=weighted,
        activity=activity,
        services={10: service},
        entries=entries,
    )


@settings(max_examples=300, deadline=None)
@given(federation_months())
def test_every_settlement_reconciles_to_the_penny(inputs):
    result = settle(inputs)
    # each line: what is paid out plus what the federation keeps is what came in
    for line in result.lines:
        assert line.paid_pence + line.kept_pence == line.gross_pence
    # the whole month
    assert result.paid_pence + result.kept_pence == sum(e.amount_pence for e in inputs.entries)
    # what the practices' rows say they were paid is exactly what the lines paid out
    assert sum(r.net_pence for r in result.rows) == result.paid_pence
    for r in result.rows:
        assert r.income_pence == r.net_pence + r.costs_pence + r.overhead_pence


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=40).filter(any),
)
def test_allocate_never_creates_or_loses_a_penny(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = total * weight / whole
        assert abs(part - exact) < 1 + 1e-6 * abs(exact)
