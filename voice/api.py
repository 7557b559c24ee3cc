"""A consultation's results as JSON: the same roll-up as the page, the CSV and the PDF."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from voice import access, selectors
from voice.models import Consultation

router = Router(tags=["voice"])


class Count(Schema):
    answer: str
    count: int


class QuestionResult(Schema):
    question: str
    kind: str
    answered: int
    counts: list[Count]
    mean: str | None


class GroupResult(Schema):
    dimension: str
    group: str
    responses: int
    questions: list[QuestionResult]


class FreeText(Schema):
    question: str
    organisation: str
    text: str


class Results(Schema):
    consultation: str
    responses: int
    groups: list[GroupResult]
    free_text: list[FreeText]


def _group(dimension: str, group) -> dict:
    return {
        "dimension": dimension,
        "group": group.label,
        "responses": group.responses,
        "questions": [
            {
                "question": t.question.text,
                "kind": t.question.kind,
                "answered": t.answered,
                "counts": [{"answer": a, "count": n} for a, n in t.rows],
                "mean": None if t.mean is None else str(t.mean),
            }
            for t in group.tallies
        ],
    }


@router.get(
    "/consultations/{pk}/results",
    response=Results,
    summary="A consultation's results rolled up by organisation type, PCN, ICB and region",
)
def consultation_results(request, pk: int):
    consultation = get_object_or_404(
        Consultation.objects.select_related("federation", "network"), pk=pk
    )
    if not access.can_see_results(request.user, consultation):
        raise Http404("No such consultation")
    results = selectors.results_of(consultation)
    return {
        "consultation": consultation.title,
        "responses": results.overall.responses,
        "groups": [
            _group("all", results.overall),
            *(_group(d, g) for d, groups in results.by.items() for g in groups),
        ],
        "free_text": [
            {"question": i["question"].text, "organisation": i["organisation"], "text": i["text"]}
            for i in results.free_text
        ],
    }
