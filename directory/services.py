"""Changes to the network's membership, its advisory board and the directory's contacts.

Each validates fully before it writes, runs in one transaction and records what changed in
the audit trail. A join request's decision is final: an approved request points at the
membership it created, and a declined one can be followed by a new request."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record, save_audited, snapshot
from directory.models import PHONE, BoardSeat, Contact, JoinRequest
from kernel.errors import DomainError
from kernel.exports import read_cell
from registry.importers.base import ImportFileError, Problem, read_csv
from registry.importers.screening import admit
from registry.models import PCN, Federation, Network, NetworkMembership, Practice, PracticePCN
from registry.selectors import covering, today


class DirectoryError(DomainError):
    """A directory change refused, with the reason."""


def _email_later(join_request: JoinRequest, kind: str) -> None:
    # imported here, not at the top: the task module imports this one to run it
    from directory.tasks import join_email

    transaction.on_commit(lambda: join_email.enqueue(join_request.pk, kind))


def _member_on(network: Network, federation: Federation, day: date) -> NetworkMembership | None:
    return covering(network.memberships.filter(federation=federation), day).first()


# --- joining and leaving --------------------------------------------------------------------


def join_request(*, network: Network, federation: Federation, message: str, by) -> JoinRequest:
    """A federation asks to join. Refused while it is a member or has a request waiting."""
    if _member_on(network, federation, today()):
        raise DirectoryError(f"{federation} is already a member of {network}", field="federation")
    if JoinRequest.objects.filter(
        network=network, federation=federation, status=JoinRequest.Status.PENDING
    ).exists():
        raise DirectoryError(
            f"{federation} has already asked to join: the network's administrators will decide",
            field="federation",
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                request = JoinRequest.objects.create(
                    network=network,
                    federation=federation,
                    message=message.strip(),
                    requested_by=by if getattr(by, "pk", None) else None,
                )
        except IntegrityError as error:  # a second request raced this one
            raise DirectoryError(
                f"{federation} has already asked to join", field="federation"
            ) from error
        audit_record(
            by=by,
            action="directory.join_request",
            obj=request,
            after={"network": network.name, "message": request.message},
            federation=federation,
        )
        _email_later(request, "received")
    return request


def _decide(request: JoinRequest, status: str, *, by, note: str) -> None:
    request.status = status
    request.decided_by = by if getattr(by, "pk", None) else None
    request.decided_at = timezone.now()
    request.decision_note = note.strip()


def _locked_pending(request: JoinRequest) -> JoinRequest:
    current = JoinRequest.objects.select_for_update().get(pk=request.pk)
    if current.status != JoinRequest.Status.PENDING:
        raise DirectoryError(
            f"This request was already {current.get_status_display().lower()}", field=None
        )
    return current


def join_approve(
    request: JoinRequest, *, start_date: date, by, note: str = ""
) -> NetworkMembership:
    """Approve a request: the federation is a member from ``start_date``."""
    if start_date is None:
        raise DirectoryError("Enter the date membership starts", field="start_date")
    overlapping = request.network.memberships.filter(federation=request.federation).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start_date)
    )
    if overlapping.exists():
        raise DirectoryError(
            f"{request.federation} is already a member on {start_date:%-d %B %Y}",
            field="start_date",
        )
    with transaction.atomic():
        request = _locked_pending(request)
        membership = NetworkMembership.objects.create(
            network=request.network, federation=request.federation, start_date=start_date
        )
        _decide(request, JoinRequest.Status.APPROVED, by=by, note=note)
        request.membership = membership
        request.save()
        audit_record(
            by=by,
            action="directory.join_approve",
            obj=request,
            after={"start_date": start_date, "note": request.decision_note},
            federation=request.federation,
        )
        _email_later(request, "approved")
    return membership


def join_decline(request: JoinRequest, *, by, note: str) -> JoinRequest:
    if not note.strip():
        raise DirectoryError("Say why the request is declined", field="note")
    with transaction.atomic():
        request = _locked_pending(request)
        _decide(request, JoinRequest.Status.DECLINED, by=by, note=note)
        request.save()
        audit_record(
            by=by,
            action="directory.join_decline",
            obj=request,
            after={"note": request.decision_note},
            federation=request.federation,
        )
        _email_later(request, "declined")
    return request


def join_withdraw(request: JoinRequest, *, by) -> JoinRequest:
    with transaction.atomic():
        request = _locked_pending(request)
        _decide(request, JoinRequest.Status.WITHDRAWN, by=by, note="")
        request.save()
        audit_record(
            by=by,
            action="directory.join_withdraw",
            obj=request,
            federation=request.federation,
        )
    return request


def membership_end(membership: NetworkMembership, *, end_date: date, by) -> NetworkMembership:
    """Record the last day a federation is a member. A later date may replace an earlier one;
    a past membership keeps its dates."""
    if end_date is None:
        raise DirectoryError("Enter the last day of membership", field="end_date")
    if end_date < membership.start_date:
        raise DirectoryError(
            f"The last day cannot be before it joined on {membership.start_date:%-d %B %Y}",
            field="end_date",
        )
    if membership.end_date and membership.end_date < today():
        raise DirectoryError("This membership has already ended", field="end_date")
    with transaction.atomic():
        before = {"end_date": membership.end_date}
        membership.end_date = end_date
        membership.save(update_fields=["end_date"])
        audit_record(
            by=by,
            action="directory.membership_end",
            obj=membership,
            before=before,
            after={"end_date": end_date},
            federation=membership.federation,
        )
    return membership


# --- the advisory board ---------------------------------------------------------------------

SEAT_FIELDS = ["position", "name", "federation_id", "user_id", "start_date", "end_date"]


def board_seat_save(seat: BoardSeat, *, by) -> BoardSeat:
    """Add or change a seat. A network has one chair and one vice-chair at a time."""
    if not seat.name.strip():
        raise DirectoryError("Enter the person's name", field="name")
    if seat.end_date and seat.end_date < seat.start_date:
        raise DirectoryError("The end cannot be before the start", field="end_date")
    if (
        seat.federation_id
        and not seat.network.memberships.filter(federation_id=seat.federation_id).exists()
    ):
        raise DirectoryError("That federation is not a member of this network", field="federation")
    if seat.position != BoardSeat.Position.MEMBER:
        clash = seat.network.board_seats.filter(position=seat.position).exclude(pk=seat.pk)
        clash = clash.filter(Q(end_date__isnull=True) | Q(end_date__gte=seat.start_date))
        if seat.end_date:
            clash = clash.filter(start_date__lte=seat.end_date)
        other = clash.first()
        if other:
            raise DirectoryError(
                f"{other.name} is {other.get_position_display().lower()} from "
                f"{other.start_date:%-d %B %Y}: end that seat first",
                field="position",
            )
    with transaction.atomic():
        save_audited(
            seat, action="directory.board_seat", fields=SEAT_FIELDS, by=by, federation=None
        )
    return seat


def board_seat_end(seat: BoardSeat, *, end_date: date, by) -> BoardSeat:
    if end_date is None or end_date < seat.start_date:
        raise DirectoryError("The last day cannot be before the first", field="end_date")
    seat.end_date = end_date
    return board_seat_save(seat, by=by)


# --- contacts -------------------------------------------------------------------------------

CONTACT_FIELDS = [
    "name",
    "role",
    "email",
    "phone",
    "practice_id",
    "pcn_id",
    "in_network_directory",
    "user_id",
]


def contact_save(contact: Contact, *, by) -> Contact:
    """Add or change a contact of the federation, one of its member practices or a PCN of
    those practices."""
    day = today()
    federation = contact.federation
    member_ids = set(
        covering(federation.memberships.all(), day).values_list("practice_id", flat=True)
    )
    if contact.practice_id and contact.practice_id not in member_ids:
        raise DirectoryError(
            f"{contact.practice} is not a member of {federation}", field="practice"
        )
    if (
        contact.pcn_id
        and not covering(
            PracticePCN.objects.filter(pcn_id=contact.pcn_id, practice_id__in=member_ids), day
        ).exists()
    ):
        raise DirectoryError(f"None of {federation}'s practices is in {contact.pcn}", field="pcn")
    if contact.practice_id and contact.pcn_id:
        raise DirectoryError("A contact belongs to a practice or a PCN, not both", field="pcn")
    if not contact.email and not contact.phone:
        raise DirectoryError("Enter an email address or a phone number", field="email")
    try:
        contact.full_clean(exclude=["federation", "practice", "pcn", "user"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise DirectoryError(messages[0], field=field) from error
    with transaction.atomic():
        save_audited(
            contact, action="directory.contact", fields=CONTACT_FIELDS, by=by, federation=federation
        )
    return contact


def contact_delete(contact: Contact, *, by) -> None:
    with transaction.atomic():
        audit_record(
            by=by,
            action="directory.contact.delete",
            obj=contact,
            before={f: getattr(contact, f) for f in CONTACT_FIELDS},
            federation=contact.federation,
        )
        contact.delete()


# --- contacts in bulk -----------------------------------------------------------------------

CONTACT_COLUMNS = ["organisation", "name", "role", "email", "phone", "network directory"]
YES, NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


def contact_rows(federation: Federation):
    """The federation's contacts as the CSV columns (what the import reads back)."""
    for c in federation.contacts.select_related("practice", "pcn").order_by(
        "practice__code", "pcn__code", "role", "name"
    ):
        code = c.practice.code if c.practice_id else c.pcn.code if c.pcn_id else ""
        yield [code, c.name, c.role, c.email, c.phone, "yes" if c.in_network_directory else "no"]


def contacts_export(federation: Federation, *, by) -> list[list]:
    """The federation's contacts as CSV rows (``CONTACT_COLUMNS``), recorded in its audit
    trail whichever door they leave by."""
    rows = list(contact_rows(federation))
    audit_record(
        by=by,
        action="directory.contacts.export",
        obj=federation,
        after={"rows": len(rows)},
        federation=federation,
    )
    return rows


# Long: checks every row before writing any, then writes in one transaction.
def contacts_import(federation: Federation, data: bytes, *, by) -> dict:
    """Contacts from CSV (the columns of ``contact_rows``): the organisation is a member
    practice's or a PCN's ODS code, or empty for the federation itself. A contact with the
    same organisation, name and role is updated; any other is added. The whole file is checked
    first (and screened for NHS numbers); any problem writes nothing."""
    from django.core.validators import validate_email

    admit("contacts", data, "contacts.csv")  # the upload policy: size, safe to open, NHS numbers
    rows = read_csv(data)
    header = [str(h or "").strip().lower() for h in rows[0]]
    missing = [c for c in CONTACT_COLUMNS[:5] if c not in header]
    if missing or len(set(header)) != len(header):
        raise ImportFileError(
            [Problem(1, None, f"the columns must be {', '.join(CONTACT_COLUMNS)}")]
        )
    unknown = [h for h in header if h not in CONTACT_COLUMNS]
    if unknown:
        raise ImportFileError([Problem(1, unknown[0], "gpfed does not know this column")])
    day = today()
    member_ids = set(
        covering(federation.memberships.all(), day).values_list("practice_id", flat=True)
    )
    practices = {p.code: p for p in Practice.objects.filter(pk__in=member_ids)}
    pcn_ids = covering(PracticePCN.objects.filter(practice_id__in=member_ids), day).values("pcn_id")
    pcns = {p.code: p for p in PCN.objects.filter(pk__in=pcn_ids)}
    found, seen, problems = [], set(), []
    for number, row in enumerate(rows[1:], start=2):
        # read_cell: the apostrophe the export put before a formula start is not the value's
        cells = dict(zip(header, [read_cell(str(c or "").strip()) for c in row], strict=False))
        code = cells.get("organisation", "").upper()
        name, role = cells.get("name", ""), cells.get("role", "")
        email, phone = cells.get("email", ""), cells.get("phone", "")
        listed = cells.get("network directory", "").lower()
        practice, pcn = practices.get(code), pcns.get(code)
        if code and not (practice or pcn):
            problems.append(
                Problem(number, "organisation", f"{code} is not a member practice or their PCN")
            )
            continue
        for column, value in (("name", name), ("role", role)):
            if not value:
                problems.append(Problem(number, column, f"enter the contact's {column}"))
        if not email and not phone:
            problems.append(Problem(number, "email", "enter an email address or a phone number"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(Problem(number, "email", f"{email!r} is not an email address"))
        if phone:
            try:
                PHONE(phone)
            except ValidationError:
                problems.append(Problem(number, "phone", f"{phone!r} is not a phone number"))
        if listed not in YES | NO:
            problems.append(Problem(number, "network directory", "write yes or no"))
        elif listed in YES and code:
            problems.append(
                Problem(
                    number,
                    "network directory",
                    "only the federation's own contacts are listed for the network",
                )
            )
        key = (code, name.lower(), role.lower())
        if key in seen:
            problems.append(Problem(number, "name", f"{name}, {role} is in the file twice"))
        seen.add(key)
        found.append((practice, pcn, name, role, email, phone, listed in YES))
    if problems:
        raise ImportFileError(problems)
    existing = {
        (
            c.practice.code if c.practice_id else c.pcn.code if c.pcn_id else "",
            c.name.lower(),
            c.role.lower(),
        ): c
        for c in federation.contacts.select_related("practice", "pcn")
    }
    created = updated = 0
    with transaction.atomic():
        for practice, pcn, name, role, email, phone, listed in found:
            code = practice.code if practice else pcn.code if pcn else ""
            contact = existing.get((code, name.lower(), role.lower()))
            if contact is None:
                save_audited(  # each new contact recorded with its fields
                    Contact(
                        federation=federation,
                        practice=practice,
                        pcn=pcn,
                        name=name,
                        role=role,
                        email=email,
                        phone=phone,
                        in_network_directory=listed,
                    ),
                    action="directory.contact",
                    fields=CONTACT_FIELDS,
                    by=by,
                    federation=federation,
                    before=None,
                )
                created += 1
            elif (contact.email, contact.phone, contact.in_network_directory) != (
                email,
                phone,
                listed,
            ):
                before = snapshot(contact, CONTACT_FIELDS)
                contact.email, contact.phone, contact.in_network_directory = email, phone, listed
                save_audited(  # each changed contact recorded with what changed
                    contact,
                    action="directory.contact",
                    fields=CONTACT_FIELDS,
                    by=by,
                    federation=federation,
                    before=before,
                )
                updated += 1
        result = {
            "created": created,
            "updated": updated,
            "unchanged": len(found) - created - updated,
        }
        audit_record(
            by=by,
            action="directory.contacts.import",
            obj=federation,
            after=result,
            federation=federation,
        )
    return result
