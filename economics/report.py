"""The modeller's results for people and programs: the JSON the command line (and later the
API) prints, the text summary, and the plain-English paragraph the pages will reuse.

Money in the JSON is pounds as text with two decimals ("-1234.50", as gpfed's CSV files write
it), rounded half-up to the penny: exact, where a JSON number would be a float. Shares,
volumes and percentages are JSON numbers. Pure: no database.
"""

from __future__ import annotations

import statistics
from decimal import Decimal

from economics.engine import (
    AT_SCALE,
    FEDERATION,
    FROM_FEDERATION_RATE,
    LEVELS,
    NONE,
    PCN,
    PRACTICE,
    SURE,
    Results,
    Spread,
    pence,
)
from economics.scenario import Scenario
from kernel.formats import counted, money_csv, money_text

LEVEL_NAMES = {PRACTICE: "practice", PCN: "PCN", FEDERATION: "federation"}


def money(amount: float) -> str:
    return money_csv(pence(amount))


def percent_text(value: Decimal) -> str:
    """6.50 -> 6.5%, 7.00 -> 7%, 12.25 -> 12.25%."""
    return f"{value.normalize():f}%"


def _spread(spread: Spread) -> dict:
    return {
        "mean": money(spread.mean),
        "p5": money(spread.p5),
        "p50": money(spread.p50),
        "p95": money(spread.p95),
    }


def results_json(results: Results, scenario: Scenario | None = None) -> dict:
    out: dict = {}
    if scenario is not None:
        out |= {
            "federation": scenario.federation,
            "as_of": scenario.as_of.isoformat(),
            "unit": scenario.unit,
        }
    out |= {"draws": results.draws, "seed": results.seed, "certain": results.certain}
    out["income_basis"] = results.income_basis
    if scenario is not None:
        out["volume_basis"] = scenario.volume_basis
        if scenario.ages is not None:
            out["volume_ages"] = {"from": scenario.ages[0], "to": scenario.ages[1]}
        if scenario.service is not None:
            out["volume_service"] = scenario.service
    out["levels"] = {
        level: {
            "total_net": _spread(result.total_net),
            "practices_worse_off": list(result.worse_off),
        }
        for level, result in results.levels.items()
    }
    out["practices"] = [
        {
            "code": p.code,
            "list_size": p.list_size,
            "pcn": p.pcn,
            "volume_mean": round(p.volume_mean, 2),
            "volume_from": p.volume_from,
            "breakeven_overhead_percent": None
            if p.breakeven_overhead_percent is None
            else float(p.breakeven_overhead_percent),
            "levels": {
                level: {
                    "net_mean": money(line.net.mean),
                    "net_p5": money(line.net.p5),
                    "net_p50": money(line.net.p50),
                    "net_p95": money(line.net.p95),
                    "diff_vs_alone_mean": money(line.diff.mean),
                    "diff_vs_alone_p5": money(line.diff.p5),
                    "diff_vs_alone_p50": money(line.diff.p50),
                    "diff_vs_alone_p95": money(line.diff.p95),
                    "prob_not_worse": round(line.prob_not_worse, 4),
                }
                for level, line in p.levels.items()
            },
        }
        for p in results.practices
    ]
    breakeven = results.breakeven_overhead_percent
    out["breakeven_overhead_percent"] = None if breakeven is None else float(breakeven)
    out["recommended_level"] = results.recommended_level
    out["sensitivity"] = [
        {
            "input": scenario.path(bar.input) if scenario is not None else bar.input,
            "low": str(bar.low),
            "high": str(bar.high),
            "level": bar.level,
            "total_net_at_low": money(bar.at_low),
            "total_net_at_high": money(bar.at_high),
            "swing": money(bar.swing),
        }
        for bar in results.sensitivity
    ]
    out["summary"] = paragraph(results)
    return out


def _codes(codes) -> str:
    codes = list(codes)
    if len(codes) <= 1:
        return "".join(codes)
    return ", ".join(codes[:-1]) + " and " + codes[-1]


def _level_sentence(results: Results, level: str) -> str:
    n = len(results.practices)
    sure = sum(1 for p in results.practices if p.levels[level].prob_not_worse >= SURE)
    runs = "" if results.certain else " in at least 9 runs in 10"
    return (
        f"At {LEVEL_NAMES[level]} level {sure} of {counted(n, 'practice')} "
        f"{'is' if sure == 1 else 'are'} at least as well off as alone{runs}"
    )


def _losers_clause(results: Results, level: str) -> str:
    """Who is worse off (in the middle run) at the level, and what would change it."""
    losers = results.levels[level].worse_off
    middle = "" if results.certain else " in the middle run"
    breakeven = results.breakeven_overhead_percent
    if not losers:
        clause = f"no practice is worse off{middle}"
        if level == FEDERATION and breakeven is not None and breakeven < 100:
            clause += (
                f", and the top-slice could rise to {percent_text(breakeven)} before one would be"
            )
        return clause
    one = len(losers) == 1
    who = f"{len(losers)} {size_word(results, losers)}{'practice' if one else 'practices'}"
    clause = f"{who} ({_codes(losers)}; {_lists(results, losers)}) {'is' if one else 'are'} "
    clause += f"worse off{middle}"
    its = "its" if one else "their"
    if level == FEDERATION:
        if breakeven is None:
            clause += _no_breakeven(results, losers)
        else:
            clause += (
                f" unless the top-slice is {percent_text(breakeven)} or less: "
                f"{'it saves' if one else 'they save'} less against doing it alone than the "
                f"top-slice takes from {its} income"
            )
    else:
        clause += f": {its} share of the PCN's costs is more than {its} costs alone"
    return clause


def _no_breakeven(results: Results, losers) -> str:
    """Why practices are worse off at federation level when no top-slice leaves them all no
    worse: those worse off even at 0%, and what top-slice would do for each of the others."""
    never = [code for code in losers if results.practice(code).breakeven_overhead_percent is None]
    if len(never) == len(losers):
        its = "its" if len(losers) == 1 else "their"
        return (
            f" even with no top-slice: {its} share of the federation's costs is more than "
            f"{its} costs alone"
        )
    its = "its" if len(never) == 1 else "their"
    parts = [
        f"{_codes(never)} even with no top-slice ({its} share of the federation's costs is "
        f"more than {its} costs alone)"
    ]
    for code in losers:
        breakeven = results.practice(code).breakeven_overhead_percent
        if breakeven is not None:
            parts.append(f"{code} unless the top-slice is {percent_text(breakeven)} or less")
    return ": " + ", ".join(parts[:-1]) + " and " + parts[-1]


def size_word(results: Results, codes) -> str:
    """ "small " when every practice named has a list below the federation's median list,
    "large " when every one is above it, else nothing."""
    median_list = statistics.median(p.list_size for p in results.practices)
    sizes = [results.practice(code).list_size for code in codes]
    if all(n < median_list for n in sizes):
        return "small "
    if all(n > median_list for n in sizes):
        return "large "
    return ""


def _lists(results: Results, codes) -> str:
    median_list = statistics.median(p.list_size for p in results.practices)
    sizes = sorted(results.practice(code).list_size for code in codes)
    lists = f"a list of {sizes[0]:,}" if len(sizes) == 1 else f"lists {sizes[0]:,} to {sizes[-1]:,}"
    return f"{lists} against the median {int(median_list):,}"


def volume_sentence(results: Results) -> str:
    """Which practices' volume is the federation's rate, having recorded no activity."""
    fallback = [p for p in results.practices if p.volume_from == FROM_FEDERATION_RATE]
    if not fallback:
        return ""
    p = fallback[0]
    rate = p.volume_mean * 1000 / p.list_size if p.list_size else 0
    one = len(fallback) == 1
    return (
        f"{_codes(x.code for x in fallback)} {'recorded' if one else 'each recorded'} none of "
        f"the service in the last 12 months: {'its' if one else 'their'} volume is the "
        f"federation's rate, {rate:,.1f} a year per 1,000 registered patients."
    )


def paragraph(results: Results) -> str:
    """The results in plain English, e.g. "At federation level 27 of 31 practices are at least
    as well off as alone in at least 9 runs in 10; 4 small practices (...) are worse off in the
    middle run unless the top-slice is 6.5% or less. ..."."""
    sentences = [
        f"{_level_sentence(results, level)}; {_losers_clause(results, level)}."
        for level in (FEDERATION, PCN)
    ]
    recommended = results.recommended_level
    alone = results.levels[PRACTICE].total_net.p50
    if recommended in AT_SCALE:
        total = results.levels[recommended].total_net.p50
        middle = "" if results.certain else " in the middle run"
        sentences.append(
            f"Recommended: deliver it at {LEVEL_NAMES[recommended]} level, where the practices "
            f"and the federation make {money_text(pence(total))} a year{middle}, against "
            f"{money_text(pence(alone))} with every practice doing it alone."
        )
    else:
        losing = [level for level in AT_SCALE if results.levels[level].worse_off]
        if losing:
            reason = "; ".join(
                f"at {LEVEL_NAMES[level]} level {_codes(results.levels[level].worse_off)} "
                f"would lose"
                for level in losing
            )
            sentences.append(
                f"No level is recommended: no level at scale leaves every practice at least as "
                f"well off as alone ({reason})."
            )
        else:
            sentences.append(
                "No level is recommended: no level at scale makes more in total than every "
                f"practice doing it alone ({money_text(pence(alone))} a year)."
            )
    if volume_sentence(results):
        sentences.append(volume_sentence(results))
    return " ".join(sentences)


def results_text(results: Results, scenario: Scenario | None = None) -> str:
    lines = []
    if scenario is not None:
        lines.append(
            f"{scenario.federation} on {scenario.as_of:%-d %B %Y}: "
            f"{counted(len(results.practices), 'practice')}, unit: {scenario.unit}"
        )
    if results.certain:
        lines.append("Every input is certain: the figures are exact, to the penny.")
    else:
        lines.append(f"{results.draws:,} runs from seed {results.seed}; money a year.")
    lines.append("")
    lines.append(
        f"  {'Total net a year':22s} {'mean':>14s} {'5%':>14s} {'median':>14s} {'95%':>14s}"
        "  worse off"
    )
    for level in LEVELS:
        result = results.levels[level]
        t = result.total_net
        figures = " ".join(f"{money_text(pence(x)):>14s}" for x in (t.mean, t.p5, t.p50, t.p95))
        lines.append(
            f"  {LEVEL_NAMES[level] + ' level':22s} {figures}  {len(result.worse_off):>9d}"
        )
    lines.append("")
    lines.append(
        "  Practices: the median net alone; at PCN and at federation level the mean difference"
        " from alone and the share of runs no worse off"
    )
    lines.append(
        f"  {'code':8s} {'list':>7s} {'PCN':9s} {'alone':>13s}  {'PCN level':>18s}"
        f"  {'federation level':>18s}"
    )
    for p in results.practices:
        cells = [f"{money_text(pence(p.levels[PRACTICE].net.p50)):>13s}"]
        for level in AT_SCALE:
            line = p.levels[level]
            cells.append(f"{money_text(pence(line.diff.mean)):>13s} {line.prob_not_worse:>4.0%}")
        lines.append(
            f"  {p.code:8s} {p.list_size:>7,d} {p.pcn or '(no PCN)':9s} " + "  ".join(cells)
        )
    lines.append("")
    breakeven = results.breakeven_overhead_percent
    if breakeven is None:
        lines.append("Break-even top-slice: none (a practice is worse off even at 0%)")
    else:
        lines.append(
            f"Break-even top-slice: {percent_text(breakeven)} (the most at which no practice's "
            f"median is worse than alone; the scenario's is {results.overhead_percent}%)"
        )
    recommended = results.recommended_level
    lines.append(
        f"Recommended level: {recommended if recommended == NONE else LEVEL_NAMES[recommended]}"
    )
    if results.sensitivity:
        level = LEVEL_NAMES[results.sensitivity[0].level]
        lines.append(f"Sensitivity: the median total net at {level} level, each input low / high")
        for bar in results.sensitivity:
            lines.append(
                f"  {bar.input:38s} {money_text(pence(bar.at_low)):>14s} "
                f"{money_text(pence(bar.at_high)):>14s}  swing {money_text(pence(bar.swing))}"
            )
    lines.append("")
    lines.append(paragraph(results))
    return "\n".join(lines)
