"""The OCDS notices Find a Tender and Contracts Finder publish, read into opportunities: pure,
no database.

A file is a release package (``{"releases": [...]}``) or a record package (``{"records":
[{"ocid": ..., "compiledRelease": {...}}]}``), as both services give them (Open Contracting
Data Standard 1.1 with the UK's extensions). A release is kept when one of its CPV codes
(``tender.classification``, each item's ``classification`` and ``additionalClassifications``
with scheme CPV) is one of those asked for, and, if buyers are named, its buyer's name contains
one of them or its identifier is one. What is read from a kept release:

===========================  ==============================================================
``ocid``                     the opportunity's key: a second import updates, never duplicates
``buyer.name``               or the party whose ``roles`` include ``buyer``
``tender.title``             and ``tender.description``
``tender.value.amount``      in pounds (``currency`` GBP), held in pence
``tender.contractPeriod``    ``durationInDays``, or ``startDate`` to ``endDate``: the term;
                             ``maxExtentDate`` past ``endDate``: the extensions (in months).
                             A lot's is read when the tender has none
``tender.procurementMethodDetails`` / ``tender.specialRegime``: the PSR route
``tender.enquiryPeriod.endDate``  the clarification deadline
``tender.tenderPeriod.endDate``   the submission deadline
``awards[].standstillPeriod.endDate``  the standstill end (the latest)
``tender.awardCriteria.criteria[]`` (or a lot's): ``name`` (or ``description``) and the weight
                             (``numbers[0].number``, or ``weight``); the weights add up to 100
``tender.documents[]``       ``title`` and ``url`` (http or https)
``date``                     when the release was published
===========================  ==============================================================

The file is checked whole before anything is kept: a problem names the release (its place in
the file, from 0) and the field, and nothing is imported."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from kernel.dates import within
from kernel.uploads import MESSAGE, contains_nhs_number

DEFAULT_CPV = ("85121100", "85120000", "85100000")
MOST_PROBLEMS = 20
DAYS_A_MONTH = Decimal("30.436875")  # 365.2425 / 12

ROUTES = (  # (words in the method's details, route), the first found wins
    ("direct award process a", "direct_a"),
    ("direct award a", "direct_a"),
    ("direct award process b", "direct_b"),
    ("direct award b", "direct_b"),
    ("direct award process c", "direct_c"),
    ("direct award c", "direct_c"),
    ("most suitable provider", "most_suitable"),
)


@dataclass(frozen=True)
class Problem:
    index: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"release {self.index}, " if self.index is not None else ""
        return f"{where}{self.field}: {self.message}"

    def as_dict(self) -> dict:
        return {"release": self.index, "field": self.field, "message": self.message}


class OcdsError(Exception):
    """The file cannot be imported; ``problems`` says where (release and field) and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__(str(problems[0]))
        self.problems = problems

    def summary(self) -> str:
        more = len(self.problems) - 1
        return str(self.problems[0]) + (f" (and {more} more)" if more else "")


@dataclass(frozen=True)
class Notice:
    index: int
    ocid: str
    buyer: str
    buyer_id: str
    title: str
    description: str = ""
    value_pence: int = 0
    term_months: int | None = None
    extension_months: int = 0
    route: str = "other"
    cpv_codes: tuple[str, ...] = ()
    clarification_deadline: datetime | None = None
    submission_deadline: datetime | None = None
    standstill_end: date | None = None
    criteria: tuple[tuple[str, int], ...] = ()
    documents: tuple[tuple[str, str], ...] = ()
    published: datetime | None = None


@dataclass
class Reading:
    """The notices kept, and how many releases the file held."""

    notices: list[Notice] = field(default_factory=list)
    releases: int = 0


class _Release:
    """One release being read: each getter records a problem (and answers None) rather than
    raising, so the whole file is checked before it is refused."""

    def __init__(self, index: int, data, problems: list[Problem]):
        self.index = index
        self.data = data
        self.problems = problems

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.index, path, message))

    def get(self, path: str, kind=dict, within_=None, name: str = ""):
        node = self.data if within_ is None else within_
        for part in path.split("."):
            if not isinstance(node, dict):
                return None
            node = node.get(part)
            if node is None:
                return None
        if not isinstance(node, kind) or (kind is int and isinstance(node, bool)):
            self.problem(name or path, f"expected {_KIND_NAMES.get(kind, kind.__name__)}")
            return None
        return node

    def text(self, path: str, node=None) -> str:
        value = self.get(path, str, node)
        return (value or "").strip()

    def when(self, path: str, node=None, name: str = "") -> datetime | None:
        value = self.get(path, str, node, name)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            within(moment)
        except ValueError:
            self.problem(name or path, f"{value[:40]!r} is not a date and time (ISO 8601)")
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_KIND_NAMES = {dict: "an object", list: "a list", str: "text", int: "a whole number"}


def cpv_of(code: str) -> str:
    """'85121100-4' -> '85121100': the code without its check digit."""
    return code.strip().split("-")[0]


def _cpv_codes(r: _Release, tender: dict) -> tuple[str, ...]:
    found: list[str] = []

    def take(classification, path: str) -> None:
        if not isinstance(classification, dict):
            return
        scheme = str(classification.get("scheme") or "CPV").upper()
        code = classification.get("id")
        if scheme == "CPV" and isinstance(code, (str, int)) and cpv_of(str(code)):
            found.append(cpv_of(str(code)))

    take(tender.get("classification"), "tender.classification")
    items = r.get("tender.items", list) or []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            r.problem(f"tender.items[{n}]", "expected an object")
            continue
        take(item.get("classification"), f"tender.items[{n}].classification")
        for extra in item.get("additionalClassifications") or []:
            take(extra, f"tender.items[{n}].additionalClassifications")
    return tuple(dict.fromkeys(found))


def _buyer(r: _Release) -> tuple[str, str]:
    name, ident = r.text("buyer.name"), r.text("buyer.id")
    parties = r.get("parties", list) or []
    for party in parties:
        if isinstance(party, dict) and "buyer" in (party.get("roles") or []):
            if not name and isinstance(party.get("name"), str):
                name = party["name"].strip()
            if not ident and isinstance(party.get("id"), str):
                ident = party["id"].strip()
    return name, ident


def _pence(r: _Release, tender: dict) -> int:
    value = r.get("value", dict, tender)
    if not value or value.get("amount") is None:
        return 0
    amount, currency = value.get("amount"), value.get("currency") or "GBP"
    if currency != "GBP":
        r.problem("tender.value.currency", f"{currency!r}: only pounds (GBP) are read")
        return 0
    try:
        if isinstance(amount, bool):
            raise InvalidOperation
        pence = (Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        r.problem("tender.value.amount", f"{str(amount)[:40]!r} is not an amount")
        return 0
    if not 0 <= pence < 10**15:
        r.problem("tender.value.amount", "expected an amount from £0 to £10 trillion")
        return 0
    return int(pence)


def _months(days) -> int:
    return int((Decimal(days) / DAYS_A_MONTH).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _period(r: _Release, tender: dict) -> tuple[int | None, int]:
    """The term and the extensions, in months."""
    period = r.get("contractPeriod", dict, tender)
    path = "tender.contractPeriod"
    if period is None:
        for lot in tender.get("lots") or []:
            if isinstance(lot, dict) and isinstance(lot.get("contractPeriod"), dict):
                period, path = lot["contractPeriod"], "tender.lots[].contractPeriod"
                break
    if not period:
        return None, 0
    days = period.get("durationInDays")
    start = r.when("startDate", period, f"{path}.startDate")
    end = r.when("endDate", period, f"{path}.endDate")
    most = r.when("maxExtentDate", period, f"{path}.maxExtentDate")
    term = None
    if days is not None:
        if not isinstance(days, int) or isinstance(days, bool) or not 0 < days < 40_000:
            r.problem(f"{path}.durationInDays", "expected a whole number of days")
        else:
            term = _months(days)
    elif start and end:
        if end < start:
            r.problem(f"{path}.endDate", "ends before it starts")
        else:
            term = _months((end - start) / timedelta(days=1))
    extension = 0
    if most and end and most > end:
        extension = _months((most - end) / timedelta(days=1))
    return term, extension


def _route(r: _Release, tender: dict) -> str:
    details = r.text("procurementMethodDetails", tender).lower()
    regimes = tender.get("specialRegime") or []
    psr = (
        "psr" in details
        or "provider selection" in details
        or any(isinstance(x, str) and x.upper() == "PSR" for x in regimes)
    )
    for words, route in ROUTES:
        if words in details:
            return route
    if psr and ("competitive" in details or tender.get("procurementMethod") == "open"):
        return "competitive"
    return "other"


def _criteria(r: _Release, tender: dict) -> tuple[tuple[str, int], ...]:
    criteria = r.get("awardCriteria.criteria", list, tender)
    path = "tender.awardCriteria.criteria"
    if criteria is None:
        for lot in tender.get("lots") or []:
            found = lot.get("awardCriteria") if isinstance(lot, dict) else None
            if isinstance(found, dict) and isinstance(found.get("criteria"), list):
                criteria, path = found["criteria"], "tender.lots[].awardCriteria.criteria"
                break
    if not criteria:
        return ()
    read = []
    for n, criterion in enumerate(criteria):
        here = f"{path}[{n}]"
        if not isinstance(criterion, dict):
            r.problem(here, "expected an object")
            continue
        name = criterion.get("name") or criterion.get("description") or ""
        numbers = criterion.get("numbers") or []
        weight = criterion.get("weight")
        if weight is None and numbers and isinstance(numbers[0], dict):
            weight = numbers[0].get("number")
        if not isinstance(name, str) or not name.strip():
            r.problem(f"{here}.name", "a criterion needs its name")
            continue
        if isinstance(weight, float) and weight.is_integer():
            weight = int(weight)
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 100:
            r.problem(f"{here}.numbers", "expected its weight, a whole percent from 1 to 100")
            continue
        read.append((name.strip()[:200], weight))
    if read and len(read) == len(criteria) and sum(w for _, w in read) != 100:
        r.problem(path, f"the weights add up to {sum(w for _, w in read)}, not 100")
    return tuple(read)


def _documents(r: _Release, tender: dict) -> tuple[tuple[str, str], ...]:
    documents = r.get("documents", list, tender) or []
    read = []
    for n, document in enumerate(documents):
        if not isinstance(document, dict):
            r.problem(f"tender.documents[{n}]", "expected an object")
            continue
        url = document.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            r.problem(f"tender.documents[{n}].url", "expected a web address (https://...)")
            continue
        title = document.get("title") or document.get("documentType") or url
        read.append((str(title).strip()[:300], url.strip()[:1000]))
    return tuple(read)


def _standstill(r: _Release) -> date | None:
    ends = []
    for n, award in enumerate(r.get("awards", list) or []):
        if isinstance(award, dict) and isinstance(award.get("standstillPeriod"), dict):
            here = f"awards[{n}].standstillPeriod.endDate"
            moment = r.when("endDate", award["standstillPeriod"], here)
            if moment is not None:
                ends.append(moment.date())
    return max(ends) if ends else None


def _wanted(cpv: tuple[str, ...], buyer: str, buyer_id: str, codes, buyers) -> bool:
    if not set(cpv) & codes:
        return False
    if not buyers:
        return True
    name = buyer.lower()
    return any(b == buyer_id.lower() or b in name for b in buyers)


def _notice(r: _Release, codes: set[str], buyers: tuple[str, ...]) -> Notice | None:
    ocid = r.get("ocid", str)
    if not ocid or not ocid.strip():
        if ocid is not None or not any(p.index == r.index for p in r.problems):
            r.problem("ocid", "every release needs its OCID")
        return None
    tender = r.get("tender", dict)
    if tender is None:
        return None  # a planning or contract release: no tender to bid for
    buyer, buyer_id = _buyer(r)
    cpv = _cpv_codes(r, tender)
    if not _wanted(cpv, buyer, buyer_id, codes, buyers):
        return None
    title = r.text("tender.title")
    if not title:
        r.problem("tender.title", "a tender needs its title")
    if not buyer:
        r.problem("buyer.name", "a tender needs its buyer")
    description = r.text("tender.description")
    term, extension = _period(r, tender)
    clarification = r.when("tender.enquiryPeriod.endDate")
    submission = r.when("tender.tenderPeriod.endDate")
    if clarification and submission and clarification > submission:
        r.problem("tender.enquiryPeriod.endDate", "the clarification deadline is after submission")
    return Notice(
        index=r.index,
        ocid=ocid.strip()[:120],
        buyer=buyer[:200],
        buyer_id=buyer_id,
        title=title[:300],
        description=description,
        value_pence=_pence(r, tender),
        term_months=term,
        extension_months=extension,
        route=_route(r, tender),
        cpv_codes=cpv,
        clarification_deadline=clarification,
        submission_deadline=submission,
        standstill_end=_standstill(r),
        criteria=_criteria(r, tender),
        documents=_documents(r, tender),
        published=r.when("date"),
    )


def releases_of(package) -> list:
    """The releases of a release package, or the compiled releases of a record package."""
    if not isinstance(package, dict):
        raise OcdsError([Problem(None, "file", "expected a JSON object (an OCDS package)")])
    if isinstance(package.get("releases"), list):
        return package["releases"]
    if isinstance(package.get("records"), list):
        releases = []
        for n, record in enumerate(package["records"]):
            compiled = record.get("compiledRelease") if isinstance(record, dict) else None
            if not isinstance(compiled, dict):
                raise OcdsError(
                    [
                        Problem(
                            n, "records[].compiledRelease", "each record needs its compiled release"
                        )
                    ]
                )
            releases.append(compiled)
        return releases
    raise OcdsError(
        [
            Problem(
                None,
                "file",
                "expected an OCDS release package ('releases') or record package ('records')",
            )
        ]
    )


def _not_a_number(name: str):
    raise ValueError(f"{name} is not a number")


def _nhs_number_in(release: dict) -> str | None:
    """The path of the first text in a release (at any depth, keys included) holding an NHS
    number, or None. Walked without recursion: the file decides the depth."""
    stack: list[tuple[str, object]] = [("", release)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                child = f"{path}.{key}" if path else str(key)
                if contains_nhs_number(str(key)):
                    return child
                stack.append((child, value))
        elif isinstance(node, list):
            stack.extend((f"{path}[{n}]", value) for n, value in enumerate(node))
        elif isinstance(node, str) and contains_nhs_number(node):
            return path or "release"
    return None


def notices_read(
    data: bytes, *, cpv: Iterable[str] = DEFAULT_CPV, buyers: Iterable[str] = ()
) -> Reading:
    """The file's notices for the CPV codes and buyers asked for, checked whole; OcdsError
    names each problem (at most ``MOST_PROBLEMS``)."""
    try:
        package = json.loads(data, parse_constant=_not_a_number)
    except (UnicodeDecodeError, ValueError) as error:
        raise OcdsError([Problem(None, "file", f"not JSON: {str(error)[:120]}")]) from None
    except RecursionError:  # lists or objects nested thousands deep
        raise OcdsError(
            [Problem(None, "file", "not an OCDS package: its lists or objects nest too deeply")]
        ) from None
    releases = releases_of(package)
    codes = {cpv_of(c) for c in cpv}
    wanted_buyers = tuple(b.strip().lower() for b in buyers if b.strip())
    problems: list[Problem] = []
    reading = Reading(releases=len(releases))
    seen: dict[str, int] = {}
    for index, data_ in enumerate(releases):
        if not isinstance(data_, dict):
            problems.append(Problem(index, "release", "expected an object"))
            continue
        where = _nhs_number_in(data_)
        if where is not None:  # anywhere in the release, not only the fields shown
            problems.append(Problem(index, where, MESSAGE))
            continue
        notice = _notice(_Release(index, data_, problems), codes, wanted_buyers)
        if notice is None:
            continue
        if notice.ocid in seen:  # a later release of the same process supersedes the earlier
            reading.notices[seen[notice.ocid]] = notice
        else:
            seen[notice.ocid] = len(reading.notices)
            reading.notices.append(notice)
        if len(problems) >= MOST_PROBLEMS:
            break
    if problems:
        raise OcdsError(problems[:MOST_PROBLEMS])
    return reading
