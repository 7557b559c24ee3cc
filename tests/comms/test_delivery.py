"""Bulletins: audience, a real SMTP conversation, preferences and digests, retries with
back-off, resuming after a worker dies, schedules, and corrections instead of changes."""

import email
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from comms import services
from comms.models import Bulletin, Delivery, Preference
from registry.models import PCN, Federation

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def draft(**extra):
    federation = Federation.objects.get(slug=FED)
    bulletin = Bulletin(
        federation=federation,
        title="Winter access plan",
        body="## What changes\n\n- Saturday hubs open **09:00**\n- <script>alert(1)</script>",
        created_by=User.objects.get(email="comms@demo.gpfed.example"),
        **extra,
    )
    return services.bulletin_save(bulletin, by=None)


def emails(users):
    return {u.email for u in users}


def test_the_audience_is_the_federations_people_narrowed_by_choice(demo):
    bulletin = draft()
    everyone = set(services.recipients(bulletin).values())
    assert "manager.c82001@demo.gpfed.example" in everyone
    assert "cd.crosscounties@demo.gpfed.example" in everyone
    assert "network@demo.gpfed.example" not in everyone  # a network role, not this federation
    bulletin.audience_roles = ["practice_manager"]
    bulletin.save()
    assert set(services.recipients(bulletin).values()) == {"manager.c82001@demo.gpfed.example"}
    bulletin.audience_roles = []
    bulletin.save()
    bulletin.audience_pcns.set([PCN.objects.get(code="U30213")])
    assert set(services.recipients(bulletin).values()) == {"cd.crosscounties@demo.gpfed.example"}
    manager = User.objects.get(email="manager.c82001@demo.gpfed.example")
    manager.is_active = False
    manager.save()
    bulletin.audience_pcns.clear()
    assert "manager.c82001@demo.gpfed.example" not in services.recipients(bulletin).values()


def test_a_bulletin_goes_by_smtp_with_text_and_html_parts(demo, smtp_server):
    bulletin = draft()
    queued = services.bulletin_send(bulletin, by=None)
    assert queued == len(smtp_server) or queued > 0
    counts = services.deliver_due()
    assert counts["sent"] == queued == len(smtp_server)
    message = next(m for m in smtp_server if m["To"] == "manager.c82001@demo.gpfed.example")
    assert message["Subject"] == "Winter access plan"
    delivery = Delivery.objects.get(email="manager.c82001@demo.gpfed.example")
    assert message["Message-ID"] == delivery.message_id
    parsed = email.message_from_string(message.as_string())
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in parsed.walk()
             if not p.is_multipart()}  # fmt: skip
    assert "Saturday hubs open **09:00**" in parts["text/plain"]
    assert "<strong>09:00</strong>" in parts["text/html"]
    assert "<script>" not in parts["text/html"]  # raw HTML is not passed through
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.SENT
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert services.deliver_due()["sent"] == 0  # nothing goes twice
    assert len(smtp_server) == queued


def test_preferences_inbox_only_digest_and_essential(demo, smtp_server):
    manager = User.objects.get(email="manager.c82001@demo.gpfed.example")
    director = User.objects.get(email="cd.crosscounties@demo.gpfed.example")
    Preference.objects.create(user=manager, category="news", choice="off")
    Preference.objects.create(user=director, category="news", choice="digest")
    services.bulletin_send(draft(), by=None)
    services.deliver_due()
    to = {m["To"] for m in smtp_server}
    assert manager.email not in to and director.email not in to
    assert Delivery.objects.get(user=manager).status == "inbox"
    assert services.digest_send() == 1
    digest = smtp_server[-1]
    assert digest["To"] == director.email and "weekly digest" in digest["Subject"]
    assert "Winter access plan" in digest.get_payload()
    assert set(Delivery.objects.filter(user=director).values_list("status", flat=True)) == {"sent"}
    essential = draft(essential=True, category="news")
    services.bulletin_send(essential, by=None)
    services.deliver_due()
    assert manager.email in {m["To"] for m in smtp_server}  # essential reaches everyone


def test_a_failure_is_retried_with_back_off_then_delivered(demo, smtp_server, settings):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens: every attempt fails
    services.bulletin_send(draft(audience_roles=["practice_manager"]), by=None)
    counts = services.deliver_due()
    assert counts == {"sent": 0, "retry": 1, "failed": 0}
    delivery = Delivery.objects.get()
    assert delivery.status == "queued" and delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.error
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert services.deliver_due()["retry"] == 0  # not yet due
    settings.EMAIL_PORT = port
    later = timezone.now() + timedelta(minutes=2)
    assert services.deliver_due(later)["sent"] == 1
    assert len(smtp_server) == 1


def test_copies_end_failed_with_the_reason_after_the_last_retry(demo, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    services.bulletin_send(draft(audience_roles=["practice_manager"]), by=None)
    moment = timezone.now()
    for _ in range(len(services.BACKOFF) + 1):
        services.deliver_due(moment)
        moment += timedelta(hours=7)
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == len(services.BACKOFF) + 1
    assert delivery.error


def test_a_worker_that_died_holding_copies_is_resumed_without_second_copies(demo, smtp_server):
    services.bulletin_send(draft(), by=None)
    claimed = services._claim(timezone.now())  # a worker claims a batch and dies
    assert claimed and all(d.status == "sending" for d in Delivery.objects.all())
    assert services.deliver_due()["sent"] == 0  # still leased: nobody else sends them
    assert services.deliver_due(timezone.now() + services.LEASE + timedelta(seconds=1))[
        "sent"
    ] == len(claimed)
    to = [m["To"] for m in smtp_server]
    assert len(to) == len(set(to)) == len(claimed)


def test_scheduled_bulletins_go_when_their_time_comes(demo, smtp_server):
    bulletin = draft()
    when = timezone.now() + timedelta(hours=1)
    assert services.bulletin_send(bulletin, by=None, at=when) == 0
    bulletin.refresh_from_db()
    assert bulletin.status == "scheduled" and not Delivery.objects.exists()
    services.deliver_due()
    assert not smtp_server
    services.deliver_due(when + timedelta(seconds=1))
    assert smtp_server and Bulletin.objects.get().status == "sent"


def test_a_sent_bulletin_is_never_changed_a_correction_says_what_changed(demo, smtp_server):
    bulletin = draft()
    services.bulletin_send(bulletin, by=None)
    bulletin.refresh_from_db()
    bulletin.body = "Something else"
    with pytest.raises(ValueError, match="cannot be changed"):
        bulletin.save()
    with pytest.raises(services.CommsError):
        services.bulletin_send(Bulletin.objects.get(pk=bulletin.pk), by=None)
    with pytest.raises(services.CommsError, match="Say what"):
        services.correction_start(Bulletin.objects.get(pk=bulletin.pk), by=None, change_note="")
    fixed = services.correction_start(
        Bulletin.objects.get(pk=bulletin.pk), by=None, change_note="Hubs open at 08:30"
    )
    assert fixed.version == 2 and fixed.corrects_id == bulletin.pk and fixed.status == "draft"
    services.bulletin_send(fixed, by=None)
    services.deliver_due()
    subjects = [message["Subject"] for message in smtp_server]
    assert "Winter access plan" in subjects
    latest = smtp_server[subjects.index("Winter access plan (version 2)")]
    assert "What changed: Hubs open at 08:30" in latest.get_payload()[0].get_payload()
    assert Bulletin.objects.get(pk=bulletin.pk).body.startswith("## What changes")


def test_a_network_bulletin_reaches_its_member_federations_people(demo, smtp_server, capsys):
    from gpfed.cli import main
    from registry.models import Network

    network = Network.objects.get()
    bulletin = services.bulletin_save(
        Bulletin(
            network=network,
            title="Network briefing",
            body="For chairs and COOs",
            audience_roles=["federation_admin"],
        ),
        by=None,
    )
    assert set(services.recipients(bulletin).values()) == {"coo@demo.gpfed.example"}
    services.bulletin_send(bulletin, by=None)
    assert main(["bulletins", "deliver", "--format", "json"]) == 0
    assert '"sent": 1' in capsys.readouterr().out
    assert [m["To"] for m in smtp_server] == ["coo@demo.gpfed.example"]


class Killed(BaseException):
    """The worker process dying: not an error it can catch and handle."""


@pytest.mark.parametrize("moment", ["before the commit", "after the final dot"])
def test_a_worker_killed_mid_copy_sends_nobody_a_second_copy(
    demo, smtp_server, monkeypatch, moment
):
    import smtplib

    services.bulletin_send(draft(), by=None)
    expected = set(Delivery.objects.values_list("email", flat=True))
    real_mark, real_reply = services._mark_sent, smtplib.SMTP.getreply
    state = {"armed": True}

    def mark(delivery):
        if moment == "before the commit" and state["armed"]:
            state["armed"] = False
            raise Killed  # all the data is on the wire; the final dot is not
        real_mark(delivery)

    def reply(self):
        if (
            moment == "after the final dot"
            and state["armed"]
            and services.Delivery.objects.filter(status="sent").exists()
        ):
            state["armed"] = False
            raise Killed  # the server has the whole message; its 250 is never read
        return real_reply(self)

    monkeypatch.setattr(services, "_mark_sent", mark)
    monkeypatch.setattr(smtplib.SMTP, "getreply", reply)
    with pytest.raises(Killed):
        services.deliver_due()
    # a new worker, once the dead one's lease has run out
    services.deliver_due(timezone.now() + services.LEASE + timedelta(seconds=1))
    received = [m["To"] for m in smtp_server]
    assert sorted(received) == sorted(expected)  # every copy, exactly once
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def png(width=4, height=3) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (0, 94, 184)).save(out, format="PNG")
    return out.getvalue()


def pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/CreationDate": "D:20261101000000"})
    writer.write(out)
    return out.getvalue()


def test_images_travel_inside_the_email_and_files_are_attached(demo, smtp_server):
    bulletin = draft(audience_roles=["practice_manager"])
    bulletin.body = (
        "Where the hubs are:\n\n![Map of the hubs](hubs.png)\n\n![x](https://e.example/t.gif)"
    )
    bulletin.save()
    services.bulletin_file_add(bulletin, file_name="hubs.png", data=png(), by=None)
    services.bulletin_file_add(bulletin, file_name="Rota December.pdf", data=pdf(), by=None)
    services.bulletin_send(bulletin, by=None)
    services.deliver_due()
    (received,) = smtp_server
    parts = {p.get_content_type(): p for p in received.walk()}
    assert received.get_content_type() == "multipart/related"
    html = parts["text/html"].get_payload(decode=True).decode()
    image = parts["image/png"]
    content_id = image["Content-ID"].strip("<>")
    assert f'<img src="cid:{content_id}" alt="Map of the hubs">' in html
    assert "e.example" not in html  # no image from elsewhere: nothing tracks who opens it
    assert image.get_payload(decode=True) == png()
    document = parts["application/pdf"]
    assert document.get_filename() == "Rota-December.pdf"
    assert document.get_payload(decode=True) == pdf()
    assert "Attached: Rota-December.pdf" in parts["text/plain"].get_payload(decode=True).decode()


def test_files_are_checked_and_fixed_once_sent_and_a_correction_carries_them(demo, smtp_server):
    bulletin = draft()
    with pytest.raises(services.CommsError, match=r"named \.png but its content is not"):
        services.bulletin_file_add(bulletin, file_name="a.png", data=b"GIF89a", by=None)
    with pytest.raises(services.CommsError, match="cannot be read"):
        services.bulletin_file_add(bulletin, file_name="a.png", data=png()[:40], by=None)
    with pytest.raises(services.CommsError, match="NHS number"):
        services.bulletin_file_add(
            bulletin, file_name="list.csv", data=b"patient,nhs\nA,943 476 5919\n", by=None
        )
    with pytest.raises(services.CommsError, match="PNG or JPEG"):
        services.bulletin_file_add(bulletin, file_name="a.exe", data=b"MZ", by=None)
    big = b"x" * (3 * 1024 * 1024)
    services.bulletin_file_add(bulletin, file_name="one.txt", data=big, by=None)
    with pytest.raises(services.CommsError, match="the most is 5 MB"):
        services.bulletin_file_add(bulletin, file_name="two.txt", data=big, by=None)
    with pytest.raises(services.CommsError, match=r"already has a file called one\.txt"):
        services.bulletin_file_add(bulletin, file_name="one.txt", data=b"again", by=None)
    services.bulletin_send(bulletin, by=None)
    attached = bulletin.files.get()
    with pytest.raises(services.CommsError, match="send a correction"):
        services.bulletin_file_add(bulletin, file_name="late.txt", data=b"late", by=None)
    with pytest.raises(services.CommsError, match="send a correction"):
        services.bulletin_file_remove(attached, by=None)
    with pytest.raises(ValueError, match="cannot be changed"):
        attached.delete()
    bulletin = Bulletin.objects.get(pk=bulletin.pk)
    fixed = services.correction_start(bulletin, by=None, change_note="Smaller file")
    copy = fixed.files.get()
    assert copy.file.name == attached.file.name and copy.sha256 == attached.sha256
    services.bulletin_file_remove(copy, by=None)
    assert bulletin.files.count() == 1 and fixed.files.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_digest_runs_at_once_send_each_person_one_digest(smtp_server, monkeypatch):
    """Two workers running the weekly digest at the same moment: each person's copies are
    taken under a lock, so one run sends the digest and the other finds nothing to send."""
    import threading
    import time

    from django.core.mail import EmailMultiAlternatives

    from tests.factories import BulletinFactory, DeliveryFactory

    first = DeliveryFactory(
        status=Delivery.Status.DIGEST, bulletin=BulletinFactory(sent_at=timezone.now())
    )
    director = first.user
    DeliveryFactory(
        status=Delivery.Status.DIGEST,
        user=director,
        bulletin=BulletinFactory(federation=first.bulletin.federation, sent_at=timezone.now()),
    )
    sending = EmailMultiAlternatives.send

    def slow_send(message, *args, **kwargs):
        time.sleep(0.5)  # the other run reaches the same copies meanwhile
        return sending(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", slow_send)
    start = threading.Barrier(2)
    counts = []

    def run():
        start.wait()
        try:
            counts.append(services.digest_send())
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 1]
    assert [m["To"] for m in smtp_server if "weekly digest" in m["Subject"]] == [director.email]
    assert set(Delivery.objects.filter(user=director).values_list("status", flat=True)) == {"sent"}
