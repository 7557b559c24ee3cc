"""A consultation's results rolled up, pure and database-free: every response counted once in
the whole and once in each group of each dimension (organisation type, PCN, ICB, region);
choices counted, scales counted by point with the mean worked in integers (rounded half up to
one place), free text listed with who wrote it. ``voice.selectors`` loads the rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

DIMENSIONS = [
    ("type", "organisation type"),
    ("pcn", "PCN"),
    ("icb", "ICB"),
    ("region", "region"),
]
UNKNOWN = {
    "type": "Not known",
    "pcn": "No PCN",
    "icb": "ICB not known",
    "region": "Region not known",
}


@dataclass(frozen=True)
class Place:
    code: str
    name: str


@dataclass(frozen=True)
class QuestionSpec:
    id: int
    kind: str  # "choice", "scale" or "text"
    text: str
    choices: tuple[str, ...] = ()


@dataclass
class Row:
    """One organisation's response: who it is, where it sits and its answers by question id
    (a choice's text, a scale's 1 to 5, free text)."""

    key: str
    name: str
    kind: str
    pcn: Place | None = None
    icb: Place | None = None
    region: Place | None = None
    answers: dict[int, object] = field(default_factory=dict)


@dataclass
class Tally:
    question: QuestionSpec
    answered: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    points: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])

    @property
    def mean(self) -> Decimal | None:
        """The mean of a scale, exact in integers and rounded half up to one place."""
        if self.question.kind != "scale" or not self.answered:
            return None
        total = sum(point * n for point, n in enumerate(self.points, start=1))
        return (Decimal(total) / Decimal(self.answered)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def rows(self) -> list[tuple[str, int]]:
        """(answer, how many) in the order the question offers them."""
        if self.question.kind == "scale":
            return [(str(point), n) for point, n in enumerate(self.points, start=1)]
        return [(choice, self.counts.get(choice, 0)) for choice in self.question.choices]


@dataclass
class Group:
    code: str
    label: str
    responses: int = 0
    tallies: list[Tally] = field(default_factory=list)


@dataclass
class Rollup:
    questions: list[QuestionSpec]
    overall: Group
    by: dict[str, list[Group]]
    free_text: list[dict]


def _group(code: str, label: str, questions: list[QuestionSpec]) -> Group:
    return Group(code=code, label=label, tallies=[Tally(q) for q in questions if q.kind != "text"])


def _count(group: Group, answers: dict) -> None:
    group.responses += 1
    for tally in group.tallies:
        value = answers.get(tally.question.id)
        if value is None or value == "":
            continue
        tally.answered += 1
        if tally.question.kind == "scale":
            tally.points[int(value) - 1] += 1
        else:
            tally.counts[value] = tally.counts.get(value, 0) + 1


def _where(row: Row, dimension: str) -> tuple[str, str]:
    if dimension == "type":
        return row.kind, row.kind
    place = getattr(row, dimension)
    return (place.code, place.name) if place else ("", UNKNOWN[dimension])


def roll_up(questions: list[QuestionSpec], rows: list[Row]) -> Rollup:
    overall = _group("", "All responses", questions)
    groups: dict[str, dict[str, Group]] = {d: {} for d, _ in DIMENSIONS}
    free_text = []
    texts = [q for q in questions if q.kind == "text"]
    for row in rows:
        _count(overall, row.answers)
        for dimension, found in groups.items():
            code, label = _where(row, dimension)
            group = found.get(code)
            if group is None:
                group = found[code] = _group(code, label, questions)
            _count(group, row.answers)
        for question in texts:
            text = row.answers.get(question.id)
            if text:
                free_text.append(
                    {"question": question, "organisation": row.name, "kind": row.kind, "text": text}
                )
    by = {
        d: sorted(found.values(), key=lambda g: (g.code == "", g.label))
        for d, found in groups.items()
    }
    free_text.sort(key=lambda t: (t["question"].id, t["organisation"]))
    return Rollup(questions=questions, overall=overall, by=by, free_text=free_text)


def csv_rows(rollup: Rollup) -> list[list]:
    """The roll-up as rows of a CSV: dimension, group, responses, question, answer, count (and
    a scale's mean on a row of its own); then each free-text answer."""
    rows = []
    named = {"all": "All", **{d: label[:1].upper() + label[1:] for d, label in DIMENSIONS}}
    for dimension, groups in [("all", [rollup.overall]), *rollup.by.items()]:
        for group in groups:
            head = [named[dimension], group.label, group.responses]
            for tally in group.tallies:
                for answer, n in tally.rows:
                    rows.append([*head, tally.question.text, answer, n])
                if tally.mean is not None:
                    rows.append([*head, tally.question.text, "mean", str(tally.mean)])
    for item in rollup.free_text:
        rows.append(
            ["Free text", item["organisation"], "", item["question"].text, item["text"], ""]
        )
    return rows


CSV_HEADER = ["Dimension", "Group", "Responses", "Question", "Answer", "Count"]
