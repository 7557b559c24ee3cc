"""The registry as JSON under /api/v1/. Thin: validate, ask the selectors, shape the answer."""

from datetime import date, datetime
from typing import Annotated

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import AfterValidator

from accounts import permissions as perms
from kernel.dates import within
from registry import selectors
from registry.models import PCN, ListSize, Practice

router = Router(tags=["registry"])

# A date asked for: one in the years gpfed works with (1900 to 2200), else 422.
Day = Annotated[date, AfterValidator(within)]
# The most rows any list is asked to skip or return: larger answers 422, not a database error.
MOST_ROWS = 2**31 - 1


class Pages(LimitOffsetPagination):
    """ninja's limit and offset, each at most MOST_ROWS."""

    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1, le=MOST_ROWS)
        offset: int = Field(0, ge=0, le=MOST_ROWS)


class PracticeOut(Schema):
    code: str
    name: str
    status: str = Field(..., description="A active, C closed, D dormant, P proposed")
    postcode: str
    open_date: date | None
    close_date: date | None


class Org(Schema):
    code: str
    name: str


class PcnRef(Org):
    since: date


class FederationRef(Schema):
    id: int
    slug: str
    name: str
    since: date


class ListSizeRef(Schema):
    patients: int
    extract_date: date


class PracticeDetail(Schema):
    code: str
    name: str
    status: str
    status_code: str
    address: list[str]
    postcode: str
    open_date: date | None
    close_date: date | None
    as_at: date
    pcn: PcnRef | None
    sub_icb: Org | None
    icb: Org | None
    region: Org | None
    list_size: ListSizeRef | None
    federation: FederationRef | None


class ListSizeOut(Schema):
    extract_date: date
    sex: str
    age_band: str
    patients: int


class PracticeFilters(Schema):
    q: str = Field("", description="ODS code, name or postcode")
    icb: str = Field("", description="ICB code, e.g. QK1")
    sub_icb: str = Field("", description="Sub-ICB location code, e.g. 03W")
    status: str = Field("", description="A, C, D or P")
    federation: str = Field("", description="Federation slug: its members, past and present")


@router.get("/practices", response=list[PracticeOut], summary="Search practices")
@paginate(Pages)
def practice_list(request, filters: Query[PracticeFilters]):
    perms.require(perms.can_read_registry(request.auth))
    federation = (
        get_object_or_404(perms.visible_federations(request.auth), slug=filters.federation)
        if filters.federation
        else None
    )
    return selectors.practice_search(
        q=filters.q,
        icb=filters.icb,
        sub_icb=filters.sub_icb,
        status=filters.status,
        federation=federation,
    )


@router.get("/practices/{code}", response=PracticeDetail, summary="One practice")
def practice_detail(request, code: str, on: Day | None = None):
    perms.require(perms.can_read_registry(request.auth))
    practice = get_object_or_404(Practice, code=code.upper())
    return selectors.practice_report(
        practice, on, federations=perms.visible_federations(request.auth)
    )


@router.get(
    "/practices/{code}/list-sizes", response=list[ListSizeOut], summary="A practice's list sizes"
)
@paginate(Pages)
def practice_list_sizes(request, code: str, sex: str = "ALL", age_band: str = "ALL"):
    perms.require(perms.can_read_registry(request.auth))
    practice = get_object_or_404(Practice, code=code.upper())
    qs = ListSize.objects.filter(practice=practice).order_by("extract_date", "age_from")
    if sex:
        qs = qs.filter(sex=sex.upper())
    if age_band:
        qs = qs.filter(age_band=age_band.upper())
    return qs


class PcnOut(Schema):
    code: str
    name: str
    sub_icb: str | None = Field(None, alias="sub_icb.code")
    open_date: date | None
    close_date: date | None


class RegisteredListOut(Schema):
    patients: int
    practices: int
    practices_without_figure: int
    extract_dates: list[date]


class PcnDetail(Schema):
    code: str
    name: str
    sub_icb: Org | None
    open_date: date | None
    close_date: date | None
    practices: list[PracticeOut]
    registered_list: RegisteredListOut


class PcnFilters(Schema):
    q: str = ""
    icb: str = ""
    sub_icb: str = ""


@router.get("/pcns", response=list[PcnOut], summary="Search PCNs")
@paginate(Pages)
def pcn_list(request, filters: Query[PcnFilters]):
    perms.require(perms.can_read_registry(request.auth))
    return selectors.pcn_search(q=filters.q, icb=filters.icb, sub_icb=filters.sub_icb)


@router.get("/pcns/{code}", response=PcnDetail, summary="One PCN and its practices today")
def pcn_detail(request, code: str, on: Day | None = None):
    perms.require(perms.can_read_registry(request.auth))
    pcn = get_object_or_404(PCN.objects.select_related("sub_icb"), code=code.upper())
    day = on or selectors.today()
    return {
        "code": pcn.code,
        "name": pcn.name,
        "sub_icb": pcn.sub_icb,
        "open_date": pcn.open_date,
        "close_date": pcn.close_date,
        "practices": selectors.pcn_practices_on(pcn, day),
        "registered_list": selectors.pcn_registered_list(pcn, day).__dict__,
    }


class PopulationOut(Schema):
    value: float | None
    is_estimate: bool
    is_override: bool = Field(
        False, description="The federation's own figure, not the national one"
    )
    basis: str


class PopulationYear(Schema):
    financial_year: str
    adjusted: PopulationOut
    weighted: PopulationOut


def _population_rows(request, org, federation: str) -> list[dict]:
    """The national figures; with ``federation`` (the slug of one of the reader's federations
    holding the practice or PCN), as that federation uses them: its own where it keeps them."""
    perms.require(perms.can_read_registry(request.auth))
    chosen = (
        get_object_or_404(perms.own_population_federations(request.auth, org), slug=federation)
        if federation
        else None
    )
    return [
        {
            "financial_year": row["label"],
            **{
                m: {
                    "value": float(row[m].value) if row[m].value is not None else None,
                    "is_estimate": row[m].is_estimate,
                    "is_override": row[m].is_override,
                    "basis": row[m].basis,
                }
                for m in ("adjusted", "weighted")
            },
        }
        for row in selectors.population_table(org, chosen)
    ]


@router.get(
    "/pcns/{code}/populations",
    response=list[PopulationYear],
    summary="A PCN's adjusted and weighted populations by financial year",
)
def pcn_populations(request, code: str, federation: str = ""):
    return _population_rows(request, get_object_or_404(PCN, code=code.upper()), federation)


@router.get(
    "/practices/{code}/populations",
    response=list[PopulationYear],
    summary="A practice's adjusted and weighted populations by financial year",
)
def practice_populations(request, code: str, federation: str = ""):
    return _population_rows(request, get_object_or_404(Practice, code=code.upper()), federation)


class FederationOut(Schema):
    id: int
    slug: str
    name: str
    legal_form: str
    company_number: str


class MembershipOut(Schema):
    practice: str = Field(..., alias="practice.code")
    practice_name: str = Field(..., alias="practice.name")
    start_date: date
    end_date: date | None
    join_reason: str
    leave_reason: str


class PcnMembership(Schema):
    code: str
    name: str
    member_practices: int
    all_practices: int


class FederationDetail(FederationOut):
    as_at: date
    practice_count: int
    registered_patients: int
    registered_extract_dates: list[date] = Field(
        description="The extracts the member practices' latest list sizes come from"
    )
    pcns: list[PcnMembership]
    memberships: list[MembershipOut]


@router.get("/federations", response=list[FederationOut], summary="Federations")
@paginate(Pages)
def federation_list(request, q: str = ""):
    qs = perms.visible_federations(request.auth)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


@router.get("/federations/{slug}", response=FederationDetail, summary="One federation")
def federation_detail(request, slug: str, on: Day | None = None):
    federation = get_object_or_404(perms.visible_federations(request.auth), slug=slug)
    summary = selectors.federation_summary(federation, on)
    return {
        "id": federation.pk,
        "slug": federation.slug,
        "name": federation.name,
        "legal_form": federation.legal_form,
        "company_number": federation.company_number,
        "as_at": summary["as_at"],
        "practice_count": summary["practice_count"],
        "registered_patients": summary["registered"].patients,
        "registered_extract_dates": summary["registered"].extract_dates,
        "pcns": [
            {
                "code": e["pcn"].code,
                "name": e["pcn"].name,
                "member_practices": e["member_practices"],
                "all_practices": e["all_practices"],
            }
            for e in summary["pcns"]
        ],
        "memberships": list(selectors.federation_memberships(federation)),
    }


class TrendPoint(Schema):
    date: date
    patients: int
    practices: int


class AgeBand(Schema):
    label: str
    male: int
    female: int
    total: int


class AgeProfile(Schema):
    extract_date: date
    bands: list[AgeBand]
    total: int


class FederationPopulations(Schema):
    trend: list[TrendPoint]
    age_profile: AgeProfile | None


@router.get(
    "/federations/{slug}/populations",
    response=FederationPopulations,
    summary="A federation's registered population over time and by age band",
)
def federation_populations(request, slug: str):
    federation = get_object_or_404(perms.visible_federations(request.auth), slug=slug)
    return {
        "trend": selectors.federation_population_trend(federation),
        "age_profile": selectors.federation_age_profile(federation),
    }


class ImportRunOut(Schema):
    id: int
    federation: str | None = Field(None, description="Its federation's slug; null if national")
    kind: str
    file_name: str
    sha256: str
    status: str
    dry_run: bool
    as_at: date | None
    counts: dict
    problem_total: int
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_federation(run) -> str | None:
        return run.federation.slug if run.federation_id else None


@router.get(
    "/imports",
    response=list[ImportRunOut],
    summary="Imports, newest first: your federations' own, or (operators) every import",
)
@paginate(Pages)
def import_list(request):
    perms.require(perms.can_import(request.auth))
    return perms.visible_imports(request.auth)
