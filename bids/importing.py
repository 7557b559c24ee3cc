"""Importing checked OCDS notices (``bids.ocds.notices_read``) into a federation's pipeline,
in bulk: one opportunity per OCID, a second import updating what the notice says and never
adding one twice. Through ``by=``, in one transaction, with one audit event per import."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from bids import reminders
from bids.models import Criterion, Document, Opportunity, Stage, StageChange
from bids.ocds import Notice, Reading
from bids.services import FIELDS
from registry.models import Federation
from registry.selectors import today

NOTICE_FIELDS = [f for f in FIELDS if f != "ocid"] + ["notice_published"]


@dataclass
class ImportOutcome:
    releases: int
    created: int
    updated: int
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {
            "releases": self.releases,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


def _from_notice(opportunity: Opportunity, notice: Notice) -> None:
    opportunity.ocid = notice.ocid
    opportunity.buyer = notice.buyer
    opportunity.title = notice.title
    opportunity.description = notice.description
    opportunity.value_pence = notice.value_pence
    opportunity.term_months = notice.term_months
    opportunity.extension_months = notice.extension_months
    opportunity.route = notice.route
    opportunity.cpv_codes = " ".join(notice.cpv_codes)[:300]
    opportunity.clarification_deadline = notice.clarification_deadline
    opportunity.submission_deadline = notice.submission_deadline
    opportunity.standstill_end = notice.standstill_end
    opportunity.notice_published = notice.published


@transaction.atomic
def notices_import(*, federation: Federation, reading: Reading, by) -> ImportOutcome:
    """Import checked notices (``bids.ocds.notices_read``): one opportunity per OCID. A notice
    already imported updates what the notice says (never the stage, decision or commitments);
    its documents are replaced, and its criteria too unless feedback has been recorded."""
    # Imports into one federation one at a time: two of the same new notice at once would
    # otherwise both insert it, and the second fail on the one-per-OCID constraint.
    Federation.objects.select_for_update().get(pk=federation.pk)
    notices = reading.notices
    existing = {
        o.ocid: o
        for o in Opportunity.objects.select_for_update().filter(
            federation=federation, ocid__in=[n.ocid for n in notices]
        )
    }
    now = timezone.now()
    details = _details_of([o.pk for o in existing.values()])
    made, changed, renewed = [], [], []
    for notice in notices:
        opportunity = existing.get(notice.ocid) or Opportunity(federation=federation)
        before = [getattr(opportunity, f) for f in NOTICE_FIELDS]
        _from_notice(opportunity, notice)
        if opportunity.pk is None:
            opportunity.updated_at = now
            made.append(opportunity)
            continue
        if [getattr(opportunity, f) for f in NOTICE_FIELDS] != before:
            changed.append(opportunity)
        if details.get(opportunity.pk, ((), ())) != (notice.documents, notice.criteria):
            renewed.append(opportunity)
    Opportunity.objects.bulk_create(made)
    for opportunity in changed:  # a plain UPDATE each: bulk_update's CASE costs more here
        Opportunity.objects.filter(pk=opportunity.pk).update(
            updated_at=now, **{f: getattr(opportunity, f) for f in NOTICE_FIELDS}
        )
    if made and made[0].pk is None:  # a backend that does not return keys
        ids = dict(
            Opportunity.objects.filter(
                federation=federation, ocid__in=[o.ocid for o in made]
            ).values_list("ocid", "pk")
        )
        for opportunity in made:
            opportunity.pk = ids[opportunity.ocid]
    StageChange.objects.bulk_create(
        (
            StageChange(
                opportunity=o,
                stage=Stage.IDENTIFIED,
                changed_on=today(),
                note="Imported from the notice",
                changed_by=by,
            )
            for o in made
        ),
    )
    _replace_details(federation, {n.ocid: n for n in notices}, [*made, *renewed])
    updated = len({o.pk for o in [*changed, *renewed]})
    outcome = ImportOutcome(
        releases=reading.releases,
        created=len(made),
        updated=updated,
        unchanged=len(existing) - updated,
    )
    audit_record(
        by=by,
        action="bids.import",
        obj=federation,
        after=outcome.as_dict(),
        federation=federation,
    )
    reminders.schedule(*made, *changed)
    return outcome


def _details_of(ids: list[int]) -> dict[int, tuple[tuple, tuple]]:
    """Each opportunity's documents and criteria as a notice gives them, to tell whether an
    import changes them."""
    documents: dict[int, list] = {}
    for pk, title, url in (
        Document.objects.filter(opportunity_id__in=ids)
        .values_list("opportunity_id", "title", "url")
        .order_by("pk")
    ):
        documents.setdefault(pk, []).append((title, url))
    criteria: dict[int, list] = {}
    for pk, name, weight in (
        Criterion.objects.filter(opportunity_id__in=ids)
        .values_list("opportunity_id", "name", "weight")
        .order_by("pk")
    ):
        criteria.setdefault(pk, []).append((name, weight))
    return {pk: (tuple(documents.get(pk, ())), tuple(criteria.get(pk, ()))) for pk in ids}


def _replace_details(federation, notices: dict[str, Notice], opportunities: list) -> None:
    """Documents and criteria from the notice, replacing those an earlier import made."""
    ids = [o.pk for o in opportunities]
    scored = set(
        Criterion.objects.filter(opportunity_id__in=ids, feedback_score__isnull=False).values_list(
            "opportunity_id", flat=True
        )
    )
    Document.objects.filter(opportunity_id__in=ids).delete()
    Document.objects.bulk_create(
        (
            Document(opportunity=o, title=title, url=url)
            for o in opportunities
            for title, url in notices[o.ocid].documents
        ),
    )
    renew = {o.pk for o in opportunities if o.pk not in scored and notices[o.ocid].criteria}
    Criterion.objects.filter(opportunity_id__in=renew).delete()
    Criterion.objects.bulk_create(
        (
            Criterion(opportunity=o, name=name, weight=weight)
            for o in opportunities
            if o.pk in renew
            for name, weight in notices[o.ocid].criteria
        ),
    )
