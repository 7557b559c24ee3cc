"""The roll-up worked by hand: four responses, each counted once overall and once in each
dimension; means exact and rounded half up. No database."""

from decimal import Decimal

from voice.rollup import CSV_HEADER, Place, QuestionSpec, Row, csv_rows, roll_up

CHOICE = QuestionSpec(1, "choice", "Do you support it?", ("Yes", "No"))
SCALE = QuestionSpec(2, "scale", "How ready are you?")
TEXT = QuestionSpec(3, "text", "Anything else?")
HARBOUR, VALLEY = Place("U1", "Harbour PCN"), Place("U2", "Valley PCN")
ICB1, ICB2, REGION = Place("QK1", "First ICB"), Place("QK2", "Second ICB"), Place("Y60", "Midlands")


def rows():
    return [
        Row("p1", "Abbey", "Practice", HARBOUR, ICB1, REGION, {1: "Yes", 2: 5, 3: "Good"}),
        Row("p2", "Brook", "Practice", HARBOUR, ICB1, REGION, {1: "No", 2: 2}),
        Row("p3", "Castle", "Practice", VALLEY, ICB2, REGION, {1: "Yes", 2: 4, 3: "Parking"}),
        Row("c1", "Harbour PCN", "PCN", HARBOUR, ICB1, REGION, {1: "Yes", 2: 3}),
        Row("p4", "Dale", "Practice", None, None, None, {}),
    ]


def group(result, dimension, label):
    return next(g for g in result.by[dimension] if g.label == label)


def test_overall_counts_every_response_once():
    result = roll_up([CHOICE, SCALE, TEXT], rows())
    choice, scale = result.overall.tallies
    assert result.overall.responses == 5
    assert choice.rows == [("Yes", 3), ("No", 1)]
    assert choice.answered == 4
    assert scale.points == [0, 1, 1, 1, 1]
    assert scale.mean == Decimal("3.5")  # (5 + 2 + 4 + 3) / 4


def test_groups_by_type_pcn_icb_and_region():
    result = roll_up([CHOICE, SCALE, TEXT], rows())
    practices = group(result, "type", "Practice")
    assert practices.responses == 4
    assert practices.tallies[1].mean == Decimal("3.7")  # 11 / 3 = 3.67
    assert group(result, "type", "PCN").tallies[1].mean == Decimal("3.0")
    harbour = group(result, "pcn", "Harbour PCN")
    assert harbour.responses == 3
    assert harbour.tallies[0].rows == [("Yes", 2), ("No", 1)]
    assert harbour.tallies[1].mean == Decimal("3.3")  # 10 / 3
    assert group(result, "pcn", "No PCN").responses == 1
    assert [g.label for g in result.by["pcn"]] == ["Harbour PCN", "Valley PCN", "No PCN"]
    assert group(result, "icb", "First ICB").responses == 3
    assert group(result, "icb", "Second ICB").responses == 1
    assert group(result, "region", "Midlands").responses == 4
    assert group(result, "region", "Region not known").responses == 1
    for dimension in ("type", "pcn", "icb", "region"):
        assert sum(g.responses for g in result.by[dimension]) == 5


def test_a_mean_rounds_half_up():
    answered = [
        Row(f"p{n}", f"P{n}", "Practice", answers={2: s}) for n, s in enumerate([2, 2, 2, 3])
    ]
    assert roll_up([SCALE], answered).overall.tallies[0].mean == Decimal("2.3")  # 2.25


def test_free_text_is_listed_with_who_wrote_it():
    result = roll_up([CHOICE, SCALE, TEXT], rows())
    assert [(t["organisation"], t["text"]) for t in result.free_text] == [
        ("Abbey", "Good"),
        ("Castle", "Parking"),
    ]


def test_the_csv_rows_carry_every_group_and_the_free_text():
    result = roll_up([CHOICE, SCALE, TEXT], rows())
    table = csv_rows(result)
    assert all(len(r) == len(CSV_HEADER) for r in table)
    assert ["All", "All responses", 5, "Do you support it?", "Yes", 3] in table
    assert ["PCN", "Harbour PCN", 3, "How ready are you?", "mean", "3.3"] in table
    assert ["Free text", "Castle", "", "Anything else?", "Parking", ""] in table
