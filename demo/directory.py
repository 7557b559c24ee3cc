"""The demo network's members and directory: three more member federations built from the
real NHS files of four small sub-ICB locations in other regions (cut into demo/data/network),
a fourth asking to join, an advisory board, and named contacts for the demo federation, its
PCNs and practices.

The people are made up. Their phone numbers are in the ranges Ofcom keeps for drama
(0116 496 0000 to 0999 and 01632 960000 to 960999), so none of them rings anyone."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from directory.models import BoardSeat, Contact, JoinRequest
from registry.models import Federation, Network, NetworkMembership
from registry.selectors import federation_pcns_on, federation_practices_on

MEMBERS = [
    # sub-ICB, federation, founded, joined the network
    ("05V", "Stafford and Surrounds GP Federation (demo)", date(2017, 1, 1), date(2022, 3, 1)),
    ("02G", "West Lancashire GP Federation (demo)", date(2016, 10, 1), date(2023, 6, 15)),
    ("03Q", "Vale of York GP Federation (demo)", date(2015, 4, 1), date(2024, 1, 10)),
]
APPLICANT = ("99G", "Southend GP Federation (demo)", date(2018, 4, 1))
NAMES = [
    "Alex Morgan",
    "Sam Patel",
    "Jo Whitfield",
    "Chris Okafor",
    "Priya Nair",
    "Tom Reid",
    "Ruth Adeyemi",
    "Dan Cooper",
    "Mei Chen",
    "Kate Lowry",
    "Imran Hussain",
    "Beth Harding",
]


def _phone(n: int, leicester: bool) -> str:
    return f"0116 496 {n % 1000:04d}" if leicester else f"01632 960{n % 1000:03d}"


# Long: the demo's illustrative directory, written out record by record.
@transaction.atomic
def demo_directory(federation: Federation, users: list, *, by) -> dict:
    # imported on first use: the demo loader imports this module
    from demo import DEMO_NETWORK
    from demo.loader import DATA, demo_files, federation_of_area, import_files

    network = Network.objects.get(name=DEMO_NETWORK)
    if network.board_seats.exists():
        return {"created": False}
    # National NHS files: imported by the loader (the command line), not by a federation.
    import_files(demo_files(DATA / "network"), by=None, summary=[])
    others = []
    for n, (sub_icb, name, founded, joined) in enumerate(MEMBERS):
        member = federation_of_area(sub_icb, name, founded, by=by)
        NetworkMembership.objects.get_or_create(
            network=network, federation=member, defaults={"start_date": joined}
        )
        slug = member.slug.replace("-demo", "")
        Contact.objects.create(
            federation=member,
            name=NAMES[n],
            role="Chief operating officer",
            email=f"coo@{slug}.demo.gpfed.example",
            phone=_phone(100 + n, False),
            in_network_directory=True,
        )
        others.append(member)
    sub_icb, name, founded = APPLICANT
    applicant = federation_of_area(sub_icb, name, founded, by=by)
    JoinRequest.objects.get_or_create(
        network=network,
        federation=applicant,
        status=JoinRequest.Status.PENDING,
        defaults={
            "message": "We are 24 practices in Southend with a new Enhanced Access hub, and "
            "would like to learn from federations that have run one longer. Our chair and "
            "COO would join the network's meetings."
        },
    )

    people = {u.email.split("@")[0]: u for u in users}
    seats = [
        ("chair", "Dr Helen Carter", others[2], None, date(2024, 4, 1)),
        ("vice_chair", people["coo"].full_name, federation, people["coo"], date(2024, 4, 1)),
        ("member", NAMES[0], others[0], None, date(2023, 4, 1)),
        ("member", NAMES[1], others[1], None, date(2024, 9, 1)),
    ]
    for position, person, home, user, start in seats:
        BoardSeat.objects.create(
            network=network,
            position=position,
            name=person,
            federation=home,
            user=user,
            start_date=start,
        )

    contacts = [
        Contact(
            federation=federation,
            name=people[key].full_name,
            role=role,
            email=people[key].email,
            phone=_phone(n, True),
            user=people[key],
            in_network_directory=listed,
        )
        for n, (key, role, listed) in enumerate(
            [
                ("coo", "Chief operating officer", True),
                ("finance", "Finance lead", False),
                ("operations", "Operations lead", False),
                ("comms", "Communications lead", True),
            ]
        )
    ]
    for n, entry in enumerate(federation_pcns_on(federation)):
        pcn = entry["pcn"]
        email = f"cd.{pcn.code.lower()}@demo.gpfed.example"
        user = people.get("cd.crosscounties") if pcn.code == "U30213" else None
        contacts.append(
            Contact(
                federation=federation,
                pcn=pcn,
                name=user.full_name if user else f"Dr {NAMES[(n + 4) % len(NAMES)]}",
                role="Clinical director",
                email=user.email if user else email,
                phone=_phone(200 + n, True),
                user=user,
            )
        )
    for n, practice in enumerate(federation_practices_on(federation)):
        user = people.get(f"manager.{practice.code.lower()}")
        contacts.append(
            Contact(
                federation=federation,
                practice=practice,
                name=user.full_name if user else NAMES[n % len(NAMES)],
                role="Practice manager",
                email=f"manager.{practice.code.lower()}@demo.gpfed.example",
                phone=_phone(300 + n, True),
                user=user,
            )
        )
    Contact.objects.bulk_create(contacts)
    regions = {c.code for r in _rows(network) for c in r.regions}
    return {
        "created": True,
        "members": network.memberships.count(),
        "regions": len(regions),
        "board": len(seats),
        "contacts": len(contacts) + len(others),
    }


def _rows(network):
    # imported on first use: the demo loader imports this module
    from directory.selectors import member_rows

    return member_rows(network)
