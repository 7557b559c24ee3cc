"""The service economics modeller's arithmetic, worked by hand where every input is certain, and
its Monte Carlo path's properties where some are ranges. No database."""

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from economics.engine import (
    FEDERATION,
    INCOME,
    INPUTS,
    OVERHEAD,
    PCN,
    PRACTICE,
    VOLUME,
    PracticeInput,
    Shape,
    Value,
    check_size,
    draw,
    fixed,
    level_totals,
    pence,
    per_practice,
    per_unit,
    pert,
    pert_mean,
    run,
)
from economics.report import paragraph, results_json

# Three practices of 1,000 / 2,000 / 7,000 patients in two PCNs.
THREE = [
    PracticeInput("C00003", 7_000, "U00002"),  # given out of order: the engine sorts by code
    PracticeInput("A00001", 1_000, "U00001"),
    PracticeInput("B00002", 2_000, "U00001"),
]


def inputs(**changed) -> dict:
    """The first hand-worked scenario's inputs (every one certain), with ``changed`` replacing
    some: keyword ``fed_fixed`` for ``levels.federation.fixed_per_year`` and so on."""
    names = {
        "volume": VOLUME,
        "income": INCOME,
        "practice_fixed": fixed(PRACTICE),
        "practice_unit": per_unit(PRACTICE),
        "pcn_fixed": fixed(PCN),
        "pcn_unit": per_unit(PCN),
        "fed_fixed": fixed(FEDERATION),
        "fed_unit": per_unit(FEDERATION),
        "overhead": OVERHEAD,
        "pcn_site": per_practice(PCN),
        "fed_site": per_practice(FEDERATION),
    }
    values = {
        VOLUME: Value.certain(30),  # units a year per 1,000 registered patients
        INCOME: Value.certain(10),  # £ a unit
        fixed(PRACTICE): Value.certain(500),
        per_unit(PRACTICE): Value.certain(2),
        fixed(PCN): Value.certain(400),
        per_unit(PCN): Value.certain(3),
        fixed(FEDERATION): Value.certain(600),
        per_unit(FEDERATION): Value.certain(1),
        OVERHEAD: Value.certain(5),
    }
    for key, value in changed.items():
        values[names[key]] = value if isinstance(value, Value) else Value.certain(value)
    return values


def nets(results, level):
    return {p.code: p.levels[level].net.p50 for p in results.practices}


def diffs(results, level):
    return {p.code: p.levels[level].diff.p50 for p in results.practices}


def test_three_practices_two_pcns_to_the_penny():
    results = run(values=inputs(), practices=THREE)
    # Volume = 30 x list / 1,000: A 30, B 60, C 210 units; income at £10: £300, £600, £2,100.
    assert [p.code for p in results.practices] == ["A00001", "B00002", "C00003"]
    assert [p.volume_mean for p in results.practices] == [30, 60, 210]
    assert results.certain
    # Alone: £500 fixed + £2 a unit. A 300 - (500 + 60) = -260; B 600 - (500 + 120) = -20;
    # C 2,100 - (500 + 420) = 1,180. Total 900.
    assert nets(results, PRACTICE) == {"A00001": -26_000, "B00002": -2_000, "C00003": 118_000}
    assert results.levels[PRACTICE].total_net.p50 == 90_000
    # PCN: U00001's £400 falls on A and B by volume, 1:2: 40,000p / 3 = 13,333.33p and
    # 26,666.67p; whole pence 13,333 + 26,666 = 39,999, the penny left to the larger remainder
    # (B: 80,000 mod 3 = 2 against A's 1): A 133.33, B 266.67. Plus £3 a unit: A 90, B 180.
    # A 300 - 223.33 = 76.67; B 600 - 446.67 = 153.33; C alone in U00002:
    # 2,100 - (400 + 630) = 1,070. Total 1,300.00.
    assert nets(results, PCN) == {"A00001": 7_667, "B00002": 15_333, "C00003": 107_000}
    assert results.levels[PCN].total_net.p50 == 130_000
    # Differences from alone: A 76.67 + 260 = 336.67; B 153.33 + 20 = 173.33; C 1,070 - 1,180.
    assert diffs(results, PCN) == {"A00001": 33_667, "B00002": 17_333, "C00003": -11_000}
    assert results.levels[PCN].worse_off == ("C00003",)
    # Federation: £600 by list 1:2:7 = 60, 120, 420; £1 a unit: 30, 60, 210; top-slice 5% of
    # income: 15, 30, 105. A 300 - 90 - 15 = 195; B 600 - 180 - 30 = 390;
    # C 2,100 - 630 - 105 = 1,365. Total = 1,950 + the 150 top-slice kept = 2,100.
    assert nets(results, FEDERATION) == {"A00001": 19_500, "B00002": 39_000, "C00003": 136_500}
    assert results.levels[FEDERATION].total_net.p50 == 210_000
    assert diffs(results, FEDERATION) == {"A00001": 45_500, "B00002": 41_000, "C00003": 18_500}
    assert results.levels[FEDERATION].worse_off == ()
    # Every figure of a certain scenario is the same in every run.
    for p in results.practices:
        for level in (PRACTICE, PCN, FEDERATION):
            line = p.levels[level]
            assert line.net.mean == line.net.p5 == line.net.p50 == line.net.p95
            assert line.prob_not_worse == (0.0 if line.diff.p50 < 0 else 1.0)
    # PCN level leaves C worse off; the federation level does not and makes more: recommended.
    assert results.recommended_level == FEDERATION
    assert results.sensitivity == []


def test_breakeven_top_slice_by_hand():
    results = run(values=inputs(), practices=THREE)
    # Before the top-slice the federation saves A 560 - 90 = 470, B 620 - 180 = 440 and
    # C 920 - 630 = 290 against alone. C limits it: 5% of 2,100 = 105 <= 290 holds up to
    # 290 / 2,100 = 13.8095%; to 0.01 point: 13.80% of 210,000p = 28,980p <= 29,000p, while
    # 13.81% = 29,001p > 29,000p.
    assert results.breakeven_overhead_percent == Decimal("13.80")
    # The same with the federation's fixed cost raised by £100 (C's share +£70): C saves 220,
    # 220 / 2,100 = 10.476%: 10.47% = 21,987p <= 22,000p; 10.48% = 22,008p > 22,000p.
    raised = run(values=inputs(fed_fixed=700), practices=THREE)
    assert raised.breakeven_overhead_percent == Decimal("10.47")


def test_breakeven_is_none_when_someone_loses_at_no_top_slice_and_100_when_none_can():
    # Federation fixed £2,000: C's share 1,400 + 210 = 1,610 > 920 alone, even at 0%.
    assert run(values=inputs(fed_fixed=2_000), practices=THREE).breakeven_overhead_percent is None
    # Federation free to run and income £1 a unit while alone costs £500 a practice: even a
    # 100% top-slice (every penny of income) leaves each practice better off than alone.
    free = inputs(fed_fixed=0, fed_unit=0, income=1)
    assert run(values=free, practices=THREE).breakeven_overhead_percent == Decimal("100.00")


# A second scenario where pennies must be rounded and split: fractional volumes and rates.
# A 1,234 and B 2,345 patients in PCN U00001; C 3,456 patients in no PCN.
ROUNDING = [
    PracticeInput("A00001", 1_234, "U00001"),
    PracticeInput("B00002", 2_345, "U00001"),
    PracticeInput("C00003", 3_456, None),
]
ROUNDING_INPUTS = {
    VOLUME: Value.certain("12.5"),
    INCOME: Value.certain("7.33"),
    fixed(PRACTICE): Value.certain(100),
    per_unit(PRACTICE): Value.certain("1.255"),
    fixed(PCN): Value.certain(1000),
    per_unit(PCN): Value.certain("0.5"),
    fixed(FEDERATION): Value.certain(1000),
    per_unit(FEDERATION): Value.certain("0.25"),
    OVERHEAD: Value.certain("2.5"),
}


def test_pennies_are_rounded_half_up_once_and_shared_by_the_largest_remainder():
    results = run(values=ROUNDING_INPUTS, practices=ROUNDING)
    # Volumes 12.5 x list / 1,000: A 15.425, B 29.3125, C 43.2 units.
    # Income at £7.33: A 113.06525 -> 11,307p; B 214.860625 -> 21,486p; C 316.656 -> 31,666p.
    # Alone, £100 + £1.255 a unit: A 19.358375 -> 1,936p, B 36.7871875 -> 3,679p,
    # C 54.216 -> 5,422p. Nets: A 11,307 - 11,936 = -629; B 21,486 - 13,679 = 7,807;
    # C 31,666 - 15,422 = 16,244.
    assert nets(results, PRACTICE) == {"A00001": -629, "B00002": 7_807, "C00003": 16_244}
    # PCN U00001's 100,000p by 1,234 : 2,345 (of 3,579): A 34,478.905, B 65,521.095; the
    # penny left goes to A (remainder 3,238 against 341): 34,479 + 65,521. Per unit £0.50:
    # A 7.7125 -> 771p, B 14.65625 -> 1,466p. A 11,307 - 35,250 = -23,943;
    # B 21,486 - 66,987 = -45,501. C is in no PCN: it delivers alone, 16,244.
    assert nets(results, PCN) == {"A00001": -23_943, "B00002": -45_501, "C00003": 16_244}
    assert diffs(results, PCN) == {"A00001": -23_314, "B00002": -53_308, "C00003": 0}
    # Federation's 100,000p by 1,234 : 2,345 : 3,456 (of 7,035): 17,540.867, 33,333.333,
    # 49,125.800; floors 99,998, two pennies left to A (.867) and C (.800): 17,541, 33,333,
    # 49,126. Per unit £0.25: 385.625 -> 386p, 732.8125 -> 733p, 1,080p. Top-slice 2.5%:
    # 282.675 -> 283p, 537.15 -> 537p, 791.65 -> 792p.
    # A 11,307 - 17,541 - 386 - 283 = -6,903; B 21,486 - 33,333 - 733 - 537 = -13,117;
    # C 31,666 - 49,126 - 1,080 - 792 = -19,332.
    assert nets(results, FEDERATION) == {"A00001": -6_903, "B00002": -13_117, "C00003": -19_332}
    # Totals: alone -629 + 7,807 + 16,244 = 23,422; PCN -23,943 - 45,501 + 16,244 = -53,200;
    # federation -39,352 + the 1,612 top-slice = -37,740.
    totals = {level: r.total_net.p50 for level, r in results.levels.items()}
    assert totals == {PRACTICE: 23_422, PCN: -53_200, FEDERATION: -37_740}


def test_recommended_none_names_who_loses():
    results = run(values=ROUNDING_INPUTS, practices=ROUNDING)
    assert results.recommended_level == "none"
    assert results.levels[PCN].worse_off == ("A00001", "B00002")
    assert results.levels[FEDERATION].worse_off == ("A00001", "B00002", "C00003")
    assert results.breakeven_overhead_percent is None
    text = paragraph(results)
    assert "No level is recommended" in text
    assert "at PCN level A00001 and B00002 would lose" in text
    assert "at federation level A00001, B00002 and C00003 would lose" in text
    assert "even with no top-slice" in text


def test_no_level_recommended_when_scale_makes_no_more_than_alone():
    # Every level costs the same as alone for each practice: nobody is worse off, but there is
    # nothing to gain, so no level at scale is recommended.
    one = [PracticeInput("A00001", 1_000, "U00001")]
    same = inputs(pcn_fixed=500, pcn_unit=2, fed_fixed=500, fed_unit=2, overhead=0)
    results = run(values=same, practices=one)
    assert all(not r.worse_off for r in results.levels.values())
    assert results.recommended_level == "none"
    assert "makes more in total" in paragraph(results)


def test_pcn_recommended_when_it_beats_the_federation():
    # A cheap PCN level (£0 fixed, £1 a unit) and a dearer federation (£1.50 a unit): nobody loses
    # at either, and the PCN makes more.
    results = run(
        values=inputs(pcn_fixed=0, pcn_unit=1, fed_fixed=0, fed_unit=Decimal("1.5")),
        practices=THREE,
    )
    assert not results.levels[PCN].worse_off and not results.levels[FEDERATION].worse_off
    # PCN: 3,000 - 300 units x £1 = 2,700; federation: 3,000 - 450 = 2,550.
    assert results.levels[PCN].total_net.p50 == 270_000
    assert results.levels[FEDERATION].total_net.p50 == 255_000
    assert results.recommended_level == PCN


def test_monte_carlo_path_on_certain_inputs_matches_the_exact_one_within_a_penny():
    for values, practices in ((inputs(), THREE), (ROUNDING_INPUTS, ROUNDING)):
        exact = run(values=values, practices=practices)
        simulated = run(values=values, practices=practices, draws=50, exact=False)
        for e, s in zip(exact.practices, simulated.practices, strict=True):
            for level in (PRACTICE, PCN, FEDERATION):
                assert abs(e.levels[level].net.p50 - s.levels[level].net.p50) <= 1
                assert e.levels[level].prob_not_worse == s.levels[level].prob_not_worse
        for level in (PRACTICE, PCN, FEDERATION):
            assert (
                abs(exact.levels[level].total_net.p50 - simulated.levels[level].total_net.p50) <= 2
            )
            assert exact.levels[level].worse_off == simulated.levels[level].worse_off
        assert simulated.recommended_level == exact.recommended_level
        assert simulated.breakeven_overhead_percent == exact.breakeven_overhead_percent


def test_pert_mean_and_bounds_with_100000_draws():
    rng = np.random.default_rng(7)
    for value in (Value.range(2, 5, 12), Value.range(0, 0, 10), Value.range(100, 900, 1000)):
        draws = pert(rng, value, 100_000)
        low, high = float(value.low), float(value.high)
        assert draws.min() >= low and draws.max() <= high
        # (low + 4 mode + high) / 6; the PERT's standard deviation is at most (high - low) / 6
        # roughly, so the mean of 100,000 draws is within 0.5% of the span of it.
        assert abs(draws.mean() - float(pert_mean(value))) < 0.005 * (high - low)
    assert pert_mean(Value.range(2, 5, 12)) == Decimal(34) / 6
    assert set(pert(rng, Value.certain(3), 10)) == {3.0}


def test_the_same_seed_gives_the_same_results_and_another_seed_others():
    ranged = inputs(
        volume=Value.range(20, 30, 45),
        fed_unit=Value.range("0.5", 1, 3),
        overhead=Value.range(2, 5, 12),
    )
    first = results_json(run(values=ranged, practices=THREE, draws=2_000, seed=11))
    again = results_json(run(values=ranged, practices=THREE, draws=2_000, seed=11))
    other = results_json(run(values=ranged, practices=THREE, draws=2_000, seed=12))
    assert first == again
    assert first["levels"] != other["levels"]


def test_one_draw_of_an_input_is_shared_by_every_practice():
    # A range on the volume moves every practice's volume together: each run's volumes stay
    # in the ratio of the lists, so their means do too.
    ranged = inputs(volume=Value.range(10, 30, 80))
    results = run(values=ranged, practices=THREE, draws=5_000, seed=3)
    a, b, c = (p.volume_mean for p in results.practices)
    assert b == pytest.approx(2 * a) and c == pytest.approx(7 * a)
    p = draw(ranged, 5_000, 3)
    assert a == pytest.approx(p[VOLUME].mean())  # A has 1,000 patients


def test_prob_not_worse_is_the_share_of_runs_no_worse_than_alone():
    # Only the federation's fixed cost F is uncertain, £0 to £3,000, most likely £600.
    # C's difference from alone: 920 alone - (0.7 F + 210) - the £105 top-slice = 605 - 0.7 F,
    # no worse (to the penny) while 60,500p - 0.7 F > -0.5p: about F <= £864.29.
    ranged = inputs(fed_fixed=Value.range(0, 600, 3_000))
    results = run(values=ranged, practices=THREE, draws=20_000, seed=5)
    p = draw(ranged, 20_000, 5)
    expected = float((60_500 - 0.7 * p[fixed(FEDERATION)] > -0.5).mean())
    got = results.practice("C00003").levels[FEDERATION].prob_not_worse
    assert got == pytest.approx(expected, abs=1e-9)
    assert 0 < got < 1


def test_sensitivity_orders_inputs_by_swing_of_the_recommended_levels_median_total():
    ranged = inputs(
        fed_fixed=Value.range(300, 600, 900),  # moves the total by 900 - 300 = £600 exactly
        fed_unit=Value.range("0.5", 1, 2),  # about 300 units x (2 - 0.5) = £450
        volume=Value.range(29, 30, 31),  # 20 units x (£10 - about £1.1) = about £178
        pcn_fixed=Value.range(100, 400, 800),  # no effect at federation level
        overhead=Value.range(2, 5, 12),  # the top-slice stays in the system: no effect
    )
    results = run(values=ranged, practices=THREE, draws=10_000, seed=1)
    assert results.recommended_level == FEDERATION
    order = [bar.input for bar in results.sensitivity]
    assert order == [
        fixed(FEDERATION),
        per_unit(FEDERATION),
        VOLUME,
        fixed(PCN),  # zero swings, in the order the inputs are listed
        OVERHEAD,
    ]
    bars = {bar.input: bar for bar in results.sensitivity}
    assert pence(bars[fixed(FEDERATION)].swing) == 60_000
    assert bars[fixed(FEDERATION)].at_low > bars[fixed(FEDERATION)].at_high
    assert 43_000 < pence(bars[per_unit(FEDERATION)].swing) < 47_000
    assert 15_000 < pence(bars[VOLUME].swing) < 20_000
    assert bars[VOLUME].at_high > bars[VOLUME].at_low
    assert pence(bars[OVERHEAD].swing) == 0 and pence(bars[fixed(PCN)].swing) == 0
    assert all(bar.level == FEDERATION for bar in results.sensitivity)


def test_level_totals_are_the_sum_of_the_practices_nets_and_the_top_slice():
    ranged = {name: Value.range(1, 5, 20) for name in INPUTS}
    practices = [*THREE, PracticeInput("D00004", 4_321, None)]
    results = run(values=ranged, practices=practices, draws=3_000, seed=9)
    # The closed form the sensitivity uses gives the same medians as summing the practices.
    p = draw(ranged, 3_000, 9)
    lists = np.array([1_000, 2_000, 4_321, 7_000], dtype=float)  # in code order
    shape = Shape(
        practices=4, pcns=2, base=lists.sum() / 1000, base_in_pcns=10.0, practices_in_no_pcn=1
    )
    totals = level_totals(p, shape)
    for level in (PRACTICE, PCN, FEDERATION):
        assert np.median(totals[level]) == pytest.approx(
            results.levels[level].total_net.p50, rel=1e-9, abs=1e-6
        )


def test_a_practice_in_no_pcn_delivers_alone_at_pcn_level():
    practices = [PracticeInput("A00001", 1_000, None), PracticeInput("B00002", 2_000, "U00001")]
    results = run(values=inputs(), practices=practices)
    a = results.practice("A00001")
    assert a.pcn is None
    assert a.levels[PCN].net == a.levels[PRACTICE].net
    assert a.levels[PCN].diff.p50 == 0


def test_shared_costs_split_equally_when_every_list_is_empty():
    practices = [PracticeInput("A00001", 0, "U00001"), PracticeInput("B00002", 0, "U00001")]
    results = run(values=inputs(pcn_fixed="0.03"), practices=practices)
    # 3p between two empty lists: 2p and 1p (the odd penny to the first by code).
    assert nets(results, PCN) == {"A00001": -2, "B00002": -1}


def test_a_run_too_large_to_hold_is_refused_naming_the_most_draws():
    with pytest.raises(ValueError, match="at most 58,823 draws for 85 practices"):
        check_size([PracticeInput(f"A{i:05d}", 5_000, None) for i in range(85)], 100_000)
    with pytest.raises(ValueError, match="no practices"):
        check_size([], 10)


def test_a_range_must_run_low_to_high():
    with pytest.raises(ValueError):
        Value.range(5, 3, 10)
    assert Value.range(4, 4, 4).is_certain


# --- income per registered patient and a block; volumes of a practice's own ---------------


def test_income_per_registered_patient_by_hand():
    # £0.25 a registered patient a year: A 1,000 -> £250, B 2,000 -> £500, C 7,000 -> £1,750,
    # whatever the volume (30, 60, 210 units as before).
    results = run(values=inputs(income="0.25"), practices=THREE, income_basis="per_patient")
    assert results.income_basis == "per_patient"
    # Alone (500 fixed + £2 a unit): 560, 620, 920: nets -310, -120, 830. Total 400.
    assert nets(results, PRACTICE) == {"A00001": -31_000, "B00002": -12_000, "C00003": 83_000}
    # PCN: A 133.33 + 90, B 266.67 + 180, C 400 + 630: 26.67, 53.33, 720. Total 800.
    assert nets(results, PCN) == {"A00001": 2_667, "B00002": 5_333, "C00003": 72_000}
    # Federation: costs 90, 180, 630; 5% of income 12.50, 25, 87.50:
    # 147.50, 295, 1,032.50; total 1,475 + the 125 top-slice = 1,600.
    assert nets(results, FEDERATION) == {"A00001": 14_750, "B00002": 29_500, "C00003": 103_250}
    assert results.levels[FEDERATION].total_net.p50 == 160_000
    # Savings before the top-slice 470, 440, 290 against incomes 250, 500, 1,750: C limits it,
    # 290 / 1,750 = 16.571%: 16.57% of 175,000p = 28,997.5 -> 28,998p <= 29,000p; 16.58% is
    # 29,015p.
    assert results.breakeven_overhead_percent == Decimal("16.57")


def test_income_as_a_block_shared_by_list_to_the_penny():
    # A block of £1,000.01 by list 1:2:7: 10,000.1p, 20,000.2p, 70,000.7p; the penny left over
    # goes to the largest remainder, C: A £100.00, B £200.00, C £700.01.
    results = run(values=inputs(income="1000.01"), practices=THREE, income_basis="block")
    # Alone 560, 620, 920: -460, -420, -219.99.
    assert nets(results, PRACTICE) == {"A00001": -46_000, "B00002": -42_000, "C00003": -21_999}
    # Federation: costs 90, 180, 630; 5%: 5.00, 10.00, 35.0005 -> 35.00: 5.00, 10.00, 35.01.
    assert nets(results, FEDERATION) == {"A00001": 500, "B00002": 1_000, "C00003": 3_501}
    # The block less the federation's costs, 1,000.01 - 900: the top-slice stays within.
    assert results.levels[FEDERATION].total_net.p50 == 10_001
    assert results.recommended_level == FEDERATION


def test_a_small_practice_with_little_use_loses_when_paid_per_patient():
    # Volumes are each practice's own (a scale of 1 on last year's units): A 30 units on 1,000
    # patients (30 per 1,000), B 120 on 2,000 (60), C 630 on 7,000 (90). Income £0.50 a
    # registered patient; alone £10 a year + £2 a unit; the federation £0 fixed + £1 a unit and a
    # 10% top-slice. A practice's difference is 10 + £1 x its units - 10% of its income:
    # A 10 + 30 - 50 = -10; B 10 + 120 - 100 = 30; C 10 + 630 - 350 = 290.
    own = [
        PracticeInput("A00001", 1_000, "U00001", Fraction(30), "activity"),
        PracticeInput("B00002", 2_000, "U00001", Fraction(120), "activity"),
        PracticeInput("C00003", 7_000, "U00002", Fraction(630), "activity"),
    ]
    values = inputs(volume=1, income="0.5", practice_fixed=10, fed_fixed=0, overhead=10)
    results = run(values=values, practices=own, income_basis="per_patient")
    assert [p.volume_mean for p in results.practices] == [30, 120, 630]
    assert diffs(results, FEDERATION) == {"A00001": -1_000, "B00002": 3_000, "C00003": 29_000}
    assert results.levels[FEDERATION].worse_off == ("A00001",)
    # PCN U00001's £400 falls by volume, 30:120: A £80, B £320 (not by list, 1:2).
    assert nets(results, PCN)["A00001"] == 50_000 - 8_000 - 9_000
    # A saves 40 against an income of 500: 8.00% is 4,000p <= 4,000p; 8.01% is 4,005p.
    assert results.breakeven_overhead_percent == Decimal("8.00")
    text = paragraph(results)
    assert (
        "1 small practice (A00001; a list of 1,000 against the median 2,000) is worse off "
        "unless the top-slice is 8% or less" in text
    )


def test_monte_carlo_matches_the_exact_path_for_income_per_patient_and_a_block():
    for basis, income in (("per_patient", "0.25"), ("block", "1000.01")):
        values = inputs(income=income)
        exact = run(values=values, practices=THREE, income_basis=basis)
        simulated = run(values=values, practices=THREE, draws=50, exact=False, income_basis=basis)
        for e, s in zip(exact.practices, simulated.practices, strict=True):
            for level in (PRACTICE, PCN, FEDERATION):
                assert abs(e.levels[level].net.p50 - s.levels[level].net.p50) <= 1
        assert simulated.breakeven_overhead_percent == exact.breakeven_overhead_percent


def test_the_tornado_moves_income_per_patient_by_the_patients_and_a_block_by_itself():
    ranged = inputs(income=Value.range("0.2", "0.25", "0.3"), fed_fixed=Value.range(500, 600, 800))
    results = run(values=ranged, practices=THREE, draws=4_000, seed=2, income_basis="per_patient")
    bars = {bar.input: bar for bar in results.sensitivity}
    # 10,000 registered patients x (£0.30 - £0.20) = £1,000 at every level.
    assert pence(bars[INCOME].swing) == 100_000
    block = inputs(income=Value.range(900, 1000, 1200))
    results = run(values=block, practices=THREE, draws=4_000, seed=2, income_basis="block")
    assert pence(results.sensitivity[0].swing) == 30_000  # the block's own 1,200 - 900


def test_shared_costs_fall_by_volume_not_list_when_volumes_are_a_practices_own():
    own = [
        PracticeInput("A00001", 1_000, None, Fraction(300), "activity"),
        PracticeInput("B00002", 9_000, None, Fraction(100), "federation_rate"),
    ]
    results = run(values=inputs(volume=1, fed_fixed=600, fed_unit=0), practices=own)
    # The £600 falls 3:1 by volume (not 1:9 by list): A £450, B £150; income £10 a unit,
    # 3,000 and 1,000, top-slice 5%: 150 and 50. A 3,000 - 450 - 150; B 1,000 - 150 - 50.
    assert nets(results, FEDERATION) == {"A00001": 240_000, "B00002": 80_000}
    assert results.practice("B00002").volume_from == "federation_rate"


# The per-site cost: borne by each practice a level serves, whatever its volume. The first
# scenario with a practice's own £4 a unit alone, a federation that costs £300 a year, £1 a
# unit and £550 for each practice it serves, and £50 for each practice a PCN serves.
SITES = {"practice_unit": 4, "fed_fixed": 300, "fed_site": 550, "pcn_site": 50}


def test_a_cost_for_each_practice_served_falls_on_each_practice_whatever_its_volume():
    results = run(values=inputs(**SITES), practices=THREE)
    # Alone: £500 + £4 a unit: A 500 + 120 = 620, B 500 + 240 = 740, C 500 + 840 = 1,340;
    # nets A 300 - 620 = -320, B 600 - 740 = -140, C 2,100 - 1,340 = 760.
    assert nets(results, PRACTICE) == {"A00001": -32_000, "B00002": -14_000, "C00003": 76_000}
    # Federation: £300 by volume 1:2:7 (30, 60, 210) + £1 a unit (30, 60, 210) + £550 each,
    # whatever its volume: A 610, B 670, C 970; top-slice 5%: 15, 30, 105.
    # A 300 - 610 - 15 = -325; B 600 - 670 - 30 = -100; C 2,100 - 970 - 105 = 1,025.
    assert nets(results, FEDERATION) == {"A00001": -32_500, "B00002": -10_000, "C00003": 102_500}
    # diff = 500 alone - 550 a site + volume x (4 - 1 - 300 / 300 - 5% x 10) = -50 + 1.5 v:
    # A -50 + 45 = -5, B -50 + 90 = 40, C -50 + 315 = 265. The smallest loses: the cost of
    # reaching it outweighs what its small volume saves.
    assert diffs(results, FEDERATION) == {"A00001": -500, "B00002": 4_000, "C00003": 26_500}
    assert results.levels[FEDERATION].worse_off == ("A00001",)
    # Total: income 3,000 - (300 + 300 a unit + 3 x 550) = 750 (the top-slice stays in it).
    assert results.levels[FEDERATION].total_net.p50 == 75_000
    # PCN: U00001's £400 on A and B 1:2 (133.33, 266.67), £3 a unit (90, 180), £50 each;
    # C alone in U00002: 400 + 630 + 50. A 300 - 273.33 = 26.67; B 600 - 496.67 = 103.33;
    # C 2,100 - 1,080 = 1,020. Total 3,000 - (800 + 900 + 150) = 1,150.
    assert nets(results, PCN) == {"A00001": 2_667, "B00002": 10_333, "C00003": 102_000}
    assert results.levels[PCN].total_net.p50 == 115_000


def test_breakeven_with_a_cost_for_each_practice_served_by_hand():
    results = run(values=inputs(**SITES), practices=THREE)
    # Before the top-slice the federation saves A 620 - 610 = 10, B 740 - 670 = 70 and
    # C 1,340 - 970 = 370. A limits it: 10 / 300 = 3.333%; 3.33% of 30,000p = 999p <= 1,000p,
    # 3.34% = 1,002p > 1,000p.
    assert results.breakeven_overhead_percent == Decimal("3.33")
    assert (
        "1 small practice (A00001; a list of 1,000 against the median 2,000) is worse off "
        "unless the top-slice is 3.33% or less" in paragraph(results)
    )
    # £20 more a site: A saves -10 before any top-slice, worse off even at 0%.
    dearer = run(values=inputs(**{**SITES, "fed_site": 570}), practices=THREE)
    assert dearer.breakeven_overhead_percent is None
    # Left out, the cost for each practice served is nothing.
    none = run(values=inputs(**{**SITES, "fed_site": 0, "pcn_site": 0}), practices=THREE)
    values = inputs(**SITES)
    del values[per_practice(FEDERATION)], values[per_practice(PCN)]
    assert run(values=values, practices=THREE) == none


def test_monte_carlo_matches_the_exact_path_with_a_cost_for_each_practice_served():
    practices = [*THREE, PracticeInput("D00004", 4_321, None)]
    exact = run(values=inputs(**SITES), practices=practices)
    simulated = run(values=inputs(**SITES), practices=practices, draws=50, exact=False)
    for e, s in zip(exact.practices, simulated.practices, strict=True):
        for level in (PRACTICE, PCN, FEDERATION):
            assert abs(e.levels[level].net.p50 - s.levels[level].net.p50) <= 1
            assert e.levels[level].prob_not_worse == s.levels[level].prob_not_worse
    for level in (PRACTICE, PCN, FEDERATION):
        assert abs(exact.levels[level].total_net.p50 - simulated.levels[level].total_net.p50) <= 2
        assert exact.levels[level].worse_off == simulated.levels[level].worse_off
    # D is in no PCN: it delivers alone at PCN level and bears no PCN's cost a site.
    d = exact.practice("D00004")
    assert d.levels[PCN].net == d.levels[PRACTICE].net
    assert simulated.breakeven_overhead_percent == exact.breakeven_overhead_percent
    assert simulated.recommended_level == exact.recommended_level


def test_the_tornado_names_the_cost_for_each_practice_served():
    # £0 to £200 a site: no practice is worse off, the federation is recommended.
    ranged = inputs(**{**SITES, "fed_site": Value.range(0, 100, 200)})
    results = run(values=ranged, practices=THREE, draws=4_000, seed=2)
    assert results.recommended_level == FEDERATION
    bars = {bar.input: bar for bar in results.sensitivity}
    # Three practices x (£200 - £0) = £600 at federation level, exactly.
    assert bars[per_practice(FEDERATION)].level == FEDERATION
    assert pence(bars[per_practice(FEDERATION)].swing) == 60_000
    assert bars[per_practice(FEDERATION)].at_low > bars[per_practice(FEDERATION)].at_high


def test_each_practice_has_its_own_breakeven_and_the_scenarios_is_the_lowest():
    results = run(values=inputs(**SITES), practices=THREE)
    each = {p.code: p.breakeven_overhead_percent for p in results.practices}
    # Savings before the top-slice 10, 70 and 370 on incomes 300, 600 and 2,100:
    # A 3.33% (999p <= 1,000p; 3.34% is 1,002p); B 7,000p / 60,000p: 11.66% is 6,996p, 11.67%
    # 7,002p; C 37,000p / 210,000p: 17.61% is 36,981p, 17.62% 37,002p.
    assert each == {
        "A00001": Decimal("3.33"),
        "B00002": Decimal("11.66"),
        "C00003": Decimal("17.61"),
    }
    assert results.breakeven_overhead_percent == min(each.values())
    assert results_json(results)["practices"][0]["breakeven_overhead_percent"] == 3.33
    # £570 a site and a 10% top-slice: A saves -10 before any top-slice (worse off even at
    # 0%), B 50 (5,000p / 60,000p: 8.33%), C 350 (35,000p / 210,000p: 16.66%). B's 10% top-slice
    # of 60 is more than its 50: worse off, though not at 8.33% or less.
    dearer = run(values=inputs(**{**SITES, "fed_site": 570, "overhead": 10}), practices=THREE)
    each = {p.code: p.breakeven_overhead_percent for p in dearer.practices}
    assert each == {"A00001": None, "B00002": Decimal("8.33"), "C00003": Decimal("16.66")}
    assert dearer.breakeven_overhead_percent is None
    assert dearer.levels[FEDERATION].worse_off == ("A00001", "B00002")
    assert (
        "2 practices (A00001 and B00002; lists 1,000 to 2,000 against the median 2,000) are "
        "worse off: A00001 even with no top-slice (its share of the federation's costs is more "
        "than its costs alone) and B00002 unless the top-slice is 8.33% or less"
    ) in paragraph(dearer)
    # The Monte Carlo path finds the same, practice by practice.
    simulated = run(
        values=inputs(**{**SITES, "fed_site": 570, "overhead": 10}),
        practices=THREE,
        draws=50,
        exact=False,
    )
    assert [p.breakeven_overhead_percent for p in simulated.practices] == [
        p.breakeven_overhead_percent for p in dearer.practices
    ]
