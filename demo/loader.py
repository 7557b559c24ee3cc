"""Load the demo federation: East Leicestershire and Rutland GP Federation (seed 002), built
from the shipped cuts of the real NHS files in demo/data. Safe to run again: files already
imported are not imported twice and nothing is duplicated."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import ROLES_NEEDING_OTP, RoleGrant
from accounts.otp import demo_device
from accounts.services import role_grant
from demo import DEMO_NETWORK, DEMO_USERS
from demo.bids import demo_bids
from demo.comms import demo_bulletins, demo_events, demo_library
from demo.directory import demo_directory
from demo.economics import demo_economics
from demo.governance import demo_governance
from demo.money import demo_money
from demo.rota import demo_rota
from demo.voice import demo_voice
from registry.importers.detect import Kind, detect
from registry.importing import import_file, sha256_of
from registry.models import (
    PCN,
    Commissioner,
    Federation,
    FederationMembership,
    ImportRun,
    Network,
    NetworkMembership,
    Practice,
    PracticeCommissioner,
)
from registry.selectors import federation_summary
from registry.services import (
    federation_create,
    federation_membership_add,
    federation_membership_end,
)

DATA = Path(__file__).parent / "data"
SUB_ICB = "03W"
FEDERATION_NAME = "East Leicestershire and Rutland GP Federation"
FOUNDED = date(2016, 4, 1)


def import_files(paths: list[Path], *, by, summary: list[str]) -> list[dict]:
    """Import each file unless the same bytes were imported before."""
    imported = []
    for path in paths:
        data = path.read_bytes()
        done = ImportRun.objects.filter(
            sha256=sha256_of(data), status=ImportRun.Status.SUCCEEDED, dry_run=False
        ).exists()
        if done:
            continue
        run = import_file(data=data, file_name=path.name, by=by, origin="demo loader")
        imported.append({"file": path.name, "kind": run.kind, "counts": run.counts})
        summary.append(f"Imported {path.name}: {run.summary}")
    return imported


def demo_files(folder: Path = DATA) -> list[Path]:
    files = sorted(folder.glob("*.csv")) + sorted(folder.glob("*.xlsx"))
    return sorted(files, key=lambda p: Kind.ORDER.index(detect(p.read_bytes(), p.name)))


def demo_users(password_reset: bool = True) -> list:
    User = get_user_model()
    users = []
    for spec in DEMO_USERS:
        user = User.objects.filter(email=spec["email"]).first()
        if user is None:
            user = User.objects.create_user(email=spec["email"], full_name=spec["name"])
        if password_reset or not user.has_usable_password():
            user.set_password(spec["password"])
            user.save()
        users.append(user)
    return users


def demo_load(*, by=None, money: bool = True, rota: bool | None = None) -> dict:
    summary: list[str] = []
    imported = import_files(demo_files(), by=by, summary=summary)
    users = demo_users()
    federation = _federation(by=by or users[0])
    _roles(federation, users)
    rota = money if rota is None else rota
    with_money = money
    money = demo_money(federation, by=users[1]) if money else {"created": False}
    if money["created"]:
        summary.append(
            f"A year of money: {money['services']} services, {money['settlements']} posted "
            f"settlements, {money['activity_rows']:,} activity rows."
        )
    if rota:
        shared = demo_rota(federation, by=users[2], claim_by=users[1])
        if shared["created"]:
            summary.append(
                f"Shared staff: {shared['sites']} sites, {shared['staff']} sessional staff, "
                f"{shared['sessions']} Enhanced Access sessions planned from "
                f"{shared['plan_start']:%-d %B %Y}."
            )
    if with_money:
        sent = demo_bulletins(federation, by=users[3])
        if sent["created"]:
            summary.append(f"A year of bulletins: {sent['bulletins']} sent, partly read.")
        upcoming = demo_events(federation, by=users[3])
        if upcoming["created"]:
            summary.append(f"Upcoming events: {', '.join(upcoming['events'])}.")
        shelf = demo_library(federation, by=users[3])
        if shelf["created"]:
            summary.append(f"A shared library of {shelf['documents']} documents.")
        network = demo_directory(federation, users, by=users[0])
        if network["created"]:
            summary.append(
                f"The network: {network['members']} member federations in "
                f"{network['regions']} regions, one asking to join, an advisory board of "
                f"{network['board']}, {network['contacts']} named contacts."
            )
        summary.extend(demo_voice(federation, users))
        summary.extend(demo_governance(federation, users))
        summary.extend(demo_economics(federation, by=users[1])["lines"])
        summary.extend(demo_bids(federation, users)["lines"])
    facts = federation_summary(federation)
    summary.append(
        f"Demo federation: {federation.name}: {facts['practice_count']} member practices, "
        f"{len(facts['pcns'])} PCNs, {facts['registered'].patients:,} registered patients "
        f"({facts['registered'].extracts})."
    )
    summary.append("")
    address = os.environ.get("GPFED_ADDRESS", "127.0.0.1:8000")  # `make run` says where
    summary.append(f"gpfed is at http://{address}/ -- sign in with a demo account:")
    for spec in DEMO_USERS:
        summary.append(f"  {spec['label']:55s} {spec['email']}")
    summary.append(f"  password for every demo account: {DEMO_USERS[0]['password']}")
    return {
        "federation": {"slug": federation.slug, "name": federation.name},
        "practices": facts["practice_count"],
        "pcns": len(facts["pcns"]),
        "registered_patients": facts["registered"].patients,
        "registered_extract_dates": [d.isoformat() for d in facts["registered"].extract_dates],
        "imported": imported,
        "users": [spec["email"] for spec in DEMO_USERS],
        "summary": summary,
    }


@transaction.atomic
def _roles(federation: Federation, users: list) -> None:
    """One demo person for each role, on the demo federation, its network, a PCN and a
    practice."""
    network, _ = Network.objects.get_or_create(
        name=DEMO_NETWORK, defaults={"slug": "primary-care-federation-network-demo"}
    )
    NetworkMembership.objects.get_or_create(
        network=network, federation=federation, defaults={"start_date": date(2021, 5, 12)}
    )
    admin = users[0]
    for spec, user in zip(DEMO_USERS, users, strict=True):
        kind, code = spec["organisation"]
        organisation = {
            "federation": lambda _code: federation,
            "network": lambda _code: network,
            "pcn": lambda code: PCN.objects.get(code=code),
            "practice": lambda code: Practice.objects.get(code=code),
        }[kind](code)
        held = RoleGrant.objects.filter(
            user=user, role=spec["role"], end_date__isnull=True, **{kind: organisation}
        )
        if spec["role"] in ROLES_NEEDING_OTP:
            demo_device(user)
        if not held.exists():
            role_grant(
                user=user,
                role=spec["role"],
                organisation=organisation,
                by=admin,
                start_date=FOUNDED,
                federation=federation,
            )


@transaction.atomic
def _federation(*, by) -> Federation:
    return federation_of_area(SUB_ICB, FEDERATION_NAME, FOUNDED, by=by)


def federation_of_area(sub_icb_code: str, name: str, founded: date, *, by) -> Federation:
    """A federation of every practice a sub-ICB location commissioned since the federation
    began, joining when it was founded (or when the practice came into the area) and leaving
    when the practice closed or moved out, as the published dates say."""
    federation = Federation.objects.filter(name=name).first()
    if federation is None:
        federation = federation_create(name=name, legal_form=Federation.LegalForm.LTD, by=by)
    if federation.memberships.exists():
        return federation
    sub_icb = Commissioner.objects.get(code=sub_icb_code)
    spells = PracticeCommissioner.objects.filter(commissioner=sub_icb).select_related("practice")
    for spell in spells.order_by("practice__code", "start_date"):
        practice: Practice = spell.practice
        start = max(d for d in (founded, spell.start_date, practice.open_date) if d)
        ends = [d for d in (spell.end_date, practice.close_date) if d]
        end = min(ends) if ends else None
        if end is not None and end < start:
            continue
        if FederationMembership.objects.filter(federation=federation, practice=practice).exists():
            continue
        membership = federation_membership_add(
            federation=federation,
            practice=practice,
            start_date=start,
            join_reason=("Founding member" if start == founded else "Practice came into the area"),
            by=by,
        )
        if end is not None:
            federation_membership_end(
                membership=membership,
                end_date=end,
                leave_reason="Practice closed" if practice.close_date == end else "Moved out",
                by=by,
            )
    return federation
