"""Writing, sending and delivering bulletins.

Sending queues one Delivery per recipient in the request (a set-based insert) and hands the
rest to the task worker, which claims queued deliveries in batches under a lease, sends each
through Django's mail framework with its own Message-ID, and records the outcome. A failure is
retried with back-off (1, 5, 30 minutes, 2 and 6 hours) and then marked failed with the reason.
A worker that dies leaves its claimed deliveries leased; when the lease runs out another worker
takes them. The one window in which a copy could go twice is between the SMTP server accepting
a message and the delivery being marked sent (docs/comms.md).
"""

# Over 500 lines: sending and delivering share the queue, lease and back-off (docs/comms.md).

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from audit.services import audit_record, snapshot
from comms.mail import send_then_commit, two_phase
from comms.models import Bulletin, BulletinFile, Delivery, MailSettings, Preference, Unsubscribe
from comms.selectors import contact_recipients, reply_to

# The reads moved to comms.selectors; these names stay importable from here for their callers.
from comms.selectors import file_urls as file_urls
from comms.selectors import inbox as inbox
from comms.selectors import recipients as recipients
from comms.text import to_html
from directory.models import Contact
from kernel.documents import DocumentError, check_document, keep, read_checked
from kernel.errors import DomainError
from kernel.headers import has_line_break, one_line, refusal
from registry.models import Network

BACKOFF = [timedelta(minutes=m) for m in (1, 5, 30, 120, 360)]
LEASE = timedelta(seconds=settings.GPFED_DELIVERY_LEASE_SECONDS)
BATCH = 200
FILES_LIMIT = 5 * 1024 * 1024  # every copy carries them: 5 MB together


class CommsError(DomainError):
    """A bulletin, event or library change refused, with the reason."""


# --- writing and sending -------------------------------------------------------------------

FIELDS = [
    "title",
    "category",
    "essential",
    "to_contacts",
    "body",
    "audience_roles",
    "send_at",
    "status",
]


def bulletin_save(bulletin: Bulletin, *, by, audience: dict | None = None) -> Bulletin:
    """Save a draft (new or changed). A sent bulletin is never changed."""
    if bulletin.pk and Bulletin.objects.filter(pk=bulletin.pk).exclude(status="draft").exists():
        raise CommsError("A sent bulletin cannot be changed: send a correction instead.")
    if not bulletin.title.strip() or not bulletin.body.strip():
        raise CommsError("A bulletin needs a title and something to say", field="body")
    if has_line_break(bulletin.title):
        raise CommsError(refusal("the title"), field="title")
    if bulletin.to_contacts and not bulletin.federation_id:
        raise CommsError(
            "Only a federation's bulletin can go to its directory contacts", field="to_contacts"
        )
    with transaction.atomic():
        addressed_save(bulletin, by=by, fields=FIELDS, noun="bulletin", audience=audience)
    return bulletin


def audience_of(item) -> dict:
    """Who a bulletin, event or document is for, as the audit trail records it: the chosen
    member federations (a network's) or PCNs and practices (a federation's) by name, and the
    roles; empty means everyone."""
    names = ("federations",) if item.network_id else ("pcns", "practices")
    chosen = {
        f"audience_{name}": sorted(str(o) for o in getattr(item, f"audience_{name}").all())
        for name in names
    }
    return {**chosen, "audience_roles": sorted(item.audience_roles or [])}


def addressed_write(item, *, fields: list[str], audience: dict | None) -> tuple[dict | None, dict]:
    """Save a bulletin, event or document with its audience. Returns its fields and audience
    as they were (None for a new one) and as they are. Call in a transaction."""
    fields = [f for f in fields if f != "audience_roles"]
    before = None
    if item.pk:
        stored = type(item).objects.get(pk=item.pk)
        before = {**snapshot(stored, fields), **audience_of(stored)}
    item.save()
    for name, values in (audience or {}).items():
        getattr(item, f"audience_{name}").set(values)
    return before, {**snapshot(item, fields), **audience_of(item)}


def addressed_save(item, *, by, fields: list[str], noun: str, audience: dict | None):
    """Save a bulletin, event or document with its audience, and audit what changed (its
    fields and its audience, before and after) in one record; a save that changes nothing
    records nothing. Call in a transaction. Returns the fields as they were (None for a new
    one)."""
    before, after = addressed_write(item, fields=fields, audience=audience)
    addressed_audit(item, by=by, action=f"comms.{noun}", before=before, after=after)
    return before


def addressed_audit(item, *, by, action: str, before: dict | None, after: dict):
    """One record of a change to a bulletin, event or document, for its sender's readers."""
    if before is not None and all(before.get(k) == v for k, v in after.items()):
        return None
    return audit_record(
        by=by,
        action=f"{action}.{'create' if before is None else 'update'}",
        obj=item,
        before=before or {},
        after=after,
        federation=item.federation,
        network=item.network,
    )


def correction_start(bulletin: Bulletin, *, by, change_note: str) -> Bulletin:
    """A new draft version of a sent bulletin, to the same audience, saying what changed."""
    if not bulletin.is_sent:
        raise CommsError("Only a sent bulletin needs a correction: change the draft instead.")
    if not change_note.strip():
        raise CommsError("Say what the correction changes", field="change_note")
    draft = Bulletin(
        federation=bulletin.federation,
        network=bulletin.network,
        title=bulletin.title,
        category=bulletin.category,
        essential=bulletin.essential,
        to_contacts=bulletin.to_contacts,
        body=bulletin.body,
        audience_roles=bulletin.audience_roles,
        version=bulletin.version + 1,
        corrects=bulletin,
        change_note=change_note.strip(),
        created_by=by,
    )
    with transaction.atomic():
        draft = bulletin_save(
            draft,
            by=by,
            audience={
                "federations": list(bulletin.audience_federations.all()),
                "pcns": list(bulletin.audience_pcns.all()),
                "practices": list(bulletin.audience_practices.all()),
            },
        )
        BulletinFile.objects.bulk_create(  # the same stored files, now the draft's own rows
            BulletinFile(
                bulletin=draft,
                file=f.file.name,
                file_name=f.file_name,
                content_type=f.content_type,
                size=f.size,
                sha256=f.sha256,
                uploaded_by=f.uploaded_by,
            )
            for f in bulletin.files.all()
        )
    return draft


# --- images and attachments -------------------------------------------------------------------


def _unsent(bulletin: Bulletin) -> None:
    if Bulletin.objects.get(pk=bulletin.pk).status != Bulletin.Status.DRAFT:
        raise CommsError("A sent or scheduled bulletin cannot be changed: send a correction.")


def bulletin_file_add(bulletin: Bulletin, *, file_name: str, data: bytes, by) -> BulletinFile:
    """Attach a file (PDF, Word, Excel, CSV, text) or an image (PNG, JPEG) to a draft: checked
    before it is stored, as every upload is. Each copy of the bulletin carries its files, so
    together they may be 5 MB at most."""

    _unsent(bulletin)
    try:
        safe_name, content_type = check_document(file_name, data, door="bulletin", images=True)
    except DocumentError as error:
        raise CommsError(str(error), field="file") from None
    if bulletin.files.filter(file_name=safe_name).exists():
        raise CommsError(f"The bulletin already has a file called {safe_name}", field="file")
    total = sum(bulletin.files.values_list("size", flat=True)) + len(data)
    if total > FILES_LIMIT:
        raise CommsError(
            f"Every copy carries its files: together they would be {total / 1024 / 1024:.1f} MB, "
            "and the most is 5 MB. Put large documents in the library and link to them.",
            field="file",
        )
    with transaction.atomic():
        attached = BulletinFile(
            bulletin=bulletin,
            content_type=content_type,
            uploaded_by=by if getattr(by, "pk", None) else None,
        )
        keep(attached, file_name=safe_name, data=data).save()
        audit_record(
            by=by,
            action="comms.bulletin.file_add",
            obj=bulletin,
            after={"file": safe_name, "sha256": attached.sha256, "size": len(data)},
            federation=bulletin.federation,
            network=bulletin.network,
        )
    return attached


def bulletin_file_remove(attached: BulletinFile, *, by) -> None:
    _unsent(attached.bulletin)
    with transaction.atomic():
        audit_record(
            by=by,
            action="comms.bulletin.file_remove",
            obj=attached.bulletin,
            before={"file": attached.file_name, "sha256": attached.sha256},
            federation=attached.bulletin.federation,
            network=attached.bulletin.network,
        )
        attached.delete()


def bulletin_send(bulletin: Bulletin, *, by, at=None) -> int:
    """Queue a copy for every recipient now (or schedule it), and hand delivery to the
    worker. Returns how many copies were queued."""
    now = timezone.now()
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        if locked.status != Bulletin.Status.DRAFT:
            raise CommsError(f"“{locked}” has already been sent or scheduled")
        people = recipients(locked)
        contacts = contact_recipients(locked, people)
        if not people and not contacts:
            raise CommsError("Nobody is in this audience: choose who it goes to")
        if at and at > now:
            locked.status, locked.send_at = Bulletin.Status.SCHEDULED, at
            locked.save(update_fields=["status", "send_at"])
            audit_record(
                by=by,
                action="comms.bulletin.schedule",
                obj=locked,
                after={"send_at": at, "recipients": len(people) + len(contacts)},
                federation=locked.federation,
                network=locked.network,
            )
            # imported here, not at the top: the task module imports this one to run it
            from comms import tasks

            tasks.at(at, tasks.deliver)  # the worker sends it then
            return 0
        count = _queue(locked, people, now, contacts)
        audit_record(
            by=by,
            action="comms.bulletin.send",
            obj=locked,
            after={"recipients": count},
            federation=locked.federation,
            network=locked.network,
        )
    # imported here, not at the top: the task module imports this one to run it
    from comms.tasks import deliver

    transaction.on_commit(lambda: deliver.enqueue())
    return count


def _queue(
    bulletin: Bulletin, people: dict[int, str], now, contacts: dict[int, str] | None = None
) -> int:
    """One copy for each person (as their preferences say) and, email only, for each of the
    federation's directory contacts it also goes to. Returns how many copies."""
    if contacts is None:
        contacts = contact_recipients(bulletin, people)
    chosen = dict(
        Preference.objects.filter(user_id__in=people, category=bulletin.category).values_list(
            "user_id", "choice"
        )
    )

    def status(user_id):
        if bulletin.essential:
            return Delivery.Status.QUEUED
        return {
            Preference.Choice.OFF: Delivery.Status.INBOX,
            Preference.Choice.DIGEST: Delivery.Status.DIGEST,
        }.get(chosen.get(user_id), Delivery.Status.QUEUED)

    Delivery.objects.bulk_create(
        [
            Delivery(
                bulletin=bulletin,
                user_id=user_id,
                email=email,
                status=status(user_id),
                next_attempt_at=now,
                message_id=Delivery.new_message_id(),
            )
            for user_id, email in people.items()
        ]
        + [
            Delivery(
                bulletin=bulletin,
                contact_id=contact_id,
                email=email,
                status=Delivery.Status.QUEUED,
                next_attempt_at=now,
                message_id=Delivery.new_message_id(),
            )
            for contact_id, email in contacts.items()
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    bulletin.status, bulletin.sent_at = Bulletin.Status.SENDING, now
    bulletin.save(update_fields=["status", "sent_at"])
    if Delivery.Status.DIGEST in {status(user_id) for user_id in people}:
        # imported here, not at the top: the task module imports this one to run it
        from comms import tasks

        tasks.at(tasks.next_digest_time(now), tasks.digest)
    return len(people) + len(contacts)


def release_scheduled(now=None) -> int:
    """Queue the scheduled bulletins whose time has come (the worker calls this)."""
    now = now or timezone.now()
    released = 0
    for bulletin in Bulletin.objects.filter(status=Bulletin.Status.SCHEDULED, send_at__lte=now):
        with transaction.atomic():
            locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
            if locked.status != Bulletin.Status.SCHEDULED:
                continue
            locked.status = Bulletin.Status.DRAFT  # so the same path queues it
            people = recipients(locked)
            _queue(locked, people, now)
            released += 1
    return released


# --- delivering ------------------------------------------------------------------------------


def _claim(now) -> list[Delivery]:
    """Take a batch of queued copies whose time has come, or whose lease ran out (a worker
    died holding them), under a new lease."""
    with transaction.atomic():
        due = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=Delivery.Status.QUEUED, next_attempt_at__lte=now)
                | Q(status=Delivery.Status.SENDING, lease_until__lt=now)
            )
            .order_by("next_attempt_at", "pk")[:BATCH]
        )
        ids = list(due.values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids).update(
            status=Delivery.Status.SENDING, lease_until=now + LEASE
        )
    return list(
        Delivery.objects.filter(pk__in=ids)
        .select_related("bulletin__federation", "bulletin__network", "user")
        .order_by("next_attempt_at", "pk")
    )


def _files_of(bulletin: Bulletin, cache: dict | None) -> list[tuple[BulletinFile, bytes]]:
    """A bulletin's files with their bytes, read once per worker batch, not once per copy."""
    if cache is not None and bulletin.pk in cache:
        return cache[bulletin.pk]
    files = []
    for attached in bulletin.files.all():  # a damaged copy fails the delivery, with the reason
        files.append((attached, read_checked(attached.file, sha256=attached.sha256)))
    if cache is not None:
        cache[bulletin.pk] = files
    return files


def _reply_to_of(sender, cache: dict | None) -> str:
    """The sender's reply-to address, read once per worker batch."""
    key = ("reply_to", type(sender).__name__, sender.pk)
    if cache is not None and key in cache:
        return cache[key]
    found = reply_to(sender)
    if cache is not None:
        cache[key] = found
    return found


def message_for(delivery: Delivery, cache: dict | None = None) -> EmailMultiAlternatives:
    """One copy: a plain-text part and an HTML part whose images travel inside the message
    (``cid:``, so nothing is fetched from elsewhere when it is opened), and the other files
    as attachments."""
    from email.mime.image import MIMEImage

    bulletin = delivery.bulletin
    files = _files_of(bulletin, cache)
    images = {f.file_name: f"cid:{f.content_id}" for f, _data in files if f.is_image}
    headers = {"Message-ID": delivery.message_id, "X-gpfed-bulletin": str(bulletin.pk)}
    unsubscribe_url = ""
    if delivery.to_contact:  # email only: no gpfed to read it in, and a way to stop them
        unsubscribe_url = (
            f"{settings.GPFED_BASE_URL}/comms/unsubscribe/"
            f"{unsubscribe_token(delivery.contact_id, bulletin.federation_id)}"
        )
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"  # RFC 8058: one click, by POST
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    context = {
        "bulletin": bulletin,
        "html_body": to_html(bulletin.body, images),
        "sender": bulletin.sender,
        "url": f"{settings.GPFED_BASE_URL}/comms/bulletins/{bulletin.pk}/",
        "preferences_url": f"{settings.GPFED_BASE_URL}/comms/preferences/",
        "unsubscribe_url": unsubscribe_url,
        "attachments": [f for f, _data in files if not f.is_image],
    }
    answer_to = _reply_to_of(bulletin.sender, cache)
    message = EmailMultiAlternatives(
        subject=one_line(f"{'[Essential] ' if bulletin.essential else ''}{bulletin}"),
        body=render_to_string("comms/email.txt", context),
        to=[delivery.email],
        reply_to=[answer_to] if answer_to else None,
        headers=headers,
    )
    html = render_to_string("comms/email.html", context)
    message.attach_alternative(html, "text/html")
    for attached, data in files:
        if attached.is_image and f"cid:{attached.content_id}" in html:
            part = MIMEImage(data, _subtype=attached.content_type.split("/", 1)[1])
            part.add_header("Content-ID", f"<{attached.content_id}>")
            part.add_header("Content-Disposition", "inline", filename=attached.file_name)
            message.attach(part)
            message.mixed_subtype = "related"
        else:
            message.attach(attached.file_name, data, attached.content_type)
    return message


def deliver_due(now=None) -> dict:
    """Send every copy that is due, batch by batch, on one SMTP connection. Returns counts."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    release_scheduled(now)
    connection = get_connection()
    files: dict = {}  # each bulletin's files, read once
    # imported here, not at the top: the task module imports this one to run it
    from comms import tasks

    try:
        first = True
        while True:
            batch = _claim(now or timezone.now())
            if not batch:
                break
            if first:  # if this worker dies holding copies, another run takes them over
                tasks.at(timezone.now() + LEASE + timedelta(seconds=5), tasks.deliver)
                first = False
            for delivery in batch:
                _deliver_one(connection, delivery, counts, files)
    except BaseException:
        _abort(connection)  # never QUIT in the middle of a message's data
        raise
    connection.close()
    _finish_bulletins()
    retry = (
        Delivery.objects.filter(status=Delivery.Status.QUEUED)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if retry:  # the next retry after back-off
        tasks.at(retry, tasks.deliver)
    return counts


def _abort(connection) -> None:
    """Drop the SMTP connection at once: a message the server has not seen the end of is
    discarded, which is what makes an interrupted copy safe to send again."""
    smtp = getattr(connection, "connection", None)
    if smtp is not None:
        with contextlib.suppress(Exception):
            smtp.close()
        connection.connection = None


def _mark_sent(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        attempts=delivery.attempts + 1,
        lease_until=None,
        error="",
    )


def _deliver_one(connection, delivery: Delivery, counts: dict, cache: dict) -> None:
    """Send one copy. On Django's SMTP backend the copy is marked sent before the message is
    completed (comms/mail.py), so a worker killed at any point sends no second copy."""
    if delivery.user_id is None and delivery.contact_id is None:
        Delivery.objects.filter(pk=delivery.pk).update(  # nobody left to unsubscribe them
            status=Delivery.Status.FAILED,
            lease_until=None,
            error="The contact was removed from the directory before it was sent.",
        )
        counts["failed"] += 1
        return
    try:
        message = message_for(delivery, cache)
        if two_phase(connection):
            send_then_commit(connection, message, lambda: _mark_sent(delivery))
        else:
            connection.send_messages([message])
            _mark_sent(delivery)
    except Exception as error:  # any SMTP or network failure: retry later, then give up
        delivery.attempts += 1
        delivery.error = f"{type(error).__name__}: {error}"[:500]
        if delivery.attempts > len(BACKOFF):
            delivery.status = Delivery.Status.FAILED
            counts["failed"] += 1
        else:
            delivery.status = Delivery.Status.QUEUED
            delivery.next_attempt_at = timezone.now() + BACKOFF[delivery.attempts - 1]
            counts["retry"] += 1
        delivery.lease_until = None
        delivery.save(
            update_fields=["attempts", "error", "status", "next_attempt_at", "lease_until"]
        )
        _abort(connection)  # start again on a fresh connection
        return
    counts["sent"] += 1


def _finish_bulletins() -> None:
    """A bulletin is sent when none of its copies is still queued or being sent."""
    waiting = Delivery.objects.filter(
        status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]
    ).values("bulletin_id")
    Bulletin.objects.filter(status=Bulletin.Status.SENDING).exclude(pk__in=waiting).update(
        status=Bulletin.Status.SENT
    )


def digest_send(now=None) -> int:
    """One email per person listing the bulletins waiting for their weekly digest; run weekly
    (``gpfed bulletins digest`` from cron). Returns how many digests were sent."""
    now = now or timezone.now()
    people = sorted(
        set(
            Delivery.objects.filter(status=Delivery.Status.DIGEST).values_list("user_id", flat=True)
        )
    )
    connection = get_connection()
    sent = 0
    try:
        for user_id in people:
            # Each person's copies are taken under a lock and marked sent in the same
            # transaction: a second run at the same time (another worker) skips them, or (on
            # SQLite, whose write lock serialises) finds them sent, so nobody gets two digests.
            # A failed send rolls back and the copies wait for the next run.
            with transaction.atomic():
                copies = list(
                    Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(user_id=user_id, status=Delivery.Status.DIGEST)
                    .select_related("bulletin", "user")
                    .order_by("bulletin__sent_at")
                )
                if not copies:
                    continue
                context = {
                    "copies": copies,
                    "base_url": settings.GPFED_BASE_URL,
                    "preferences_url": f"{settings.GPFED_BASE_URL}/comms/preferences/",
                }
                message = EmailMultiAlternatives(
                    subject=(
                        f"Your weekly digest: {len(copies)} bulletin{'s' * (len(copies) != 1)}"
                    ),
                    body=render_to_string("comms/digest.txt", context),
                    to=[copies[0].email],
                    connection=connection,
                )
                Delivery.objects.filter(pk__in=[c.pk for c in copies]).update(
                    status=Delivery.Status.SENT, sent_at=now, attempts=1
                )
                message.send()
            sent += 1
    finally:
        connection.close()
    return sent


def preferences_save(user, choices: dict[str, str], *, by) -> dict:
    """Save how a person wants each category of bulletin, and audit the categories that
    changed, before and after (a category never chosen is by email). Returns the changes."""
    with transaction.atomic():
        held = dict(
            Preference.objects.select_for_update()
            .filter(user=user)
            .values_list("category", "choice")
        )
        before = {c: held.get(c, Preference.Choice.EMAIL) for c in choices}
        changed = [c for c, choice in choices.items() if before[c] != choice]
        for category, choice in choices.items():  # every category is stored, changed or not
            Preference.objects.update_or_create(
                user=user, category=category, defaults={"choice": choice}
            )
        if changed:
            audit_record(
                by=by,
                action="comms.preferences",
                obj=user,
                before={c: before[c] for c in changed},
                after={c: choices[c] for c in changed},
            )
    return {c: [before[c], choices[c]] for c in changed}


def mark_read(bulletin: Bulletin, user) -> None:
    Delivery.objects.filter(bulletin=bulletin, user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- directory contacts: unsubscribing, and where replies go ----------------------------------

UNSUBSCRIBE_SALT = "comms.unsubscribe"


def unsubscribe_token(contact_id: int, federation_id: int) -> str:
    """A signed token naming one directory contact and one federation, for the link in that
    federation's bulletins: it unsubscribes that contact alone, from that federation alone,
    without signing in. It does not expire (the link must work in an old email)."""
    return signing.dumps({"c": contact_id, "f": federation_id}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_target(token: str) -> Contact | None:
    """The contact a token names (within the federation it names), or None if that contact
    has since left the directory. A token gpfed did not sign, or one changed on the way, is
    refused (CommsError)."""
    try:
        named = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        contact_id, federation_id = int(named["c"]), int(named["f"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise CommsError(
            "This unsubscribe link is not one gpfed sent, or part of it is missing or was "
            "changed on the way. Open the link from the email again, or copy the whole of it."
        ) from None
    return (
        Contact.objects.select_related("federation")
        .filter(pk=contact_id, federation_id=federation_id)
        .first()
    )


def unsubscribe(contact) -> bool:
    """Record that a contact wants no more of its federation's bulletins: the address is left
    out of every later send. Returns False if it already was. Audited on the federation's
    trail (by nobody signed in)."""
    address = contact.email.strip().lower()
    with transaction.atomic():
        _found, created = Unsubscribe.objects.get_or_create(
            federation_id=contact.federation_id,
            email=address,
            defaults={"contact": contact},
        )
        if created:
            audit_record(
                by=None,
                actor_label=f"{address}, by the link in an email",
                action="comms.unsubscribe",
                obj=contact,
                after={"email": address, "contact": str(contact)},
                federation=contact.federation,
            )
    return created


def is_unsubscribed(contact) -> bool:
    return Unsubscribe.objects.filter(
        federation_id=contact.federation_id, email=contact.email.strip().lower()
    ).exists()


def reply_to_save(sender, address: str, *, by) -> MailSettings:
    """Set (or clear, with "") where replies to a federation's or network's bulletins and event
    emails go; audited before and after."""
    address = (address or "").strip()
    if has_line_break(address):
        raise CommsError(refusal("the address"), field="reply_to")
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise CommsError(
                "Enter an email address in the right form, like comms@example.nhs.uk",
                field="reply_to",
            ) from None
    field = "network" if isinstance(sender, Network) else "federation"
    with transaction.atomic():
        settings_, _created = MailSettings.objects.select_for_update().get_or_create(
            **{field: sender}
        )
        before = settings_.reply_to
        if before != address:
            settings_.reply_to = address
            settings_.save(update_fields=["reply_to", "updated_at"])
            audit_record(
                by=by,
                action="comms.reply_to",
                obj=settings_,
                before={"reply_to": before},
                after={"reply_to": address},
                federation=sender if field == "federation" else None,
                network=sender if field == "network" else None,
            )
    return settings_
