"""A small federation for the members' voice: four member practices, two in Harbour PCN (of
the sub-ICB location under the first ICB), one in Valley PCN and one in no PCN (both under the
second ICB), both ICBs in one region; its administrator, company secretary, two managers of
the first practice, Harbour's clinical director and a member of staff; another federation with
its administrator; a network of the two with its administrator."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from accounts.services import role_grant
from registry.models import (
    Commissioner,
    Federation,
    FederationMembership,
    Network,
    NetworkMembership,
)
from registry.selectors import today
from tests.factories import (
    PCNFactory,
    PracticeCommissionerFactory,
    PracticeFactory,
    PracticePCNFactory,
    UserFactory,
)
from voice import services


@dataclass
class Voice:
    federation: Federation
    other: Federation
    network: Network
    practices: dict
    pcns: dict
    outsider: object
    admin: object
    secretary: object
    manager: object
    manager2: object
    cd: object
    staff: object
    other_admin: object
    network_admin: object


@pytest.fixture
def v(db) -> Voice:
    region = Commissioner.objects.create(code="Y60", kind="region", name="Midlands")
    icb1 = Commissioner.objects.create(code="QK1", kind="icb", name="First ICB", parent=region)
    icb2 = Commissioner.objects.create(code="QK2", kind="icb", name="Second ICB", parent=region)
    sub1 = Commissioner.objects.create(code="03W", kind="sub_icb", name="Sub one", parent=icb1)
    sub2 = Commissioner.objects.create(code="04C", kind="sub_icb", name="Sub two", parent=icb2)
    federation = Federation.objects.create(name="Voice Federation", slug="voice-fed")
    other = Federation.objects.create(name="Other Federation", slug="other-fed")
    pcns = {
        "harbour": PCNFactory(code="U00001", name="Harbour PCN", sub_icb=sub1),
        "valley": PCNFactory(code="U00002", name="Valley PCN", sub_icb=sub2),
    }
    practices = {}
    for code, name, pcn, sub in [
        ("A00001", "Abbey Surgery", "harbour", sub1),
        ("A00002", "Brook Surgery", "harbour", sub1),
        ("A00003", "Castle Surgery", "valley", sub2),
        ("A00004", "Dale Surgery", None, sub2),
    ]:
        practice = PracticeFactory(code=code, name=name)
        practices[code] = practice
        FederationMembership.objects.create(
            federation=federation, practice=practice, start_date=date(2020, 4, 1)
        )
        PracticeCommissionerFactory(practice=practice, commissioner=sub)
        if pcn:
            PracticePCNFactory(practice=practice, pcn=pcns[pcn])
    outsider = PracticeFactory(code="B00009", name="Outside Surgery")
    FederationMembership.objects.create(
        federation=other, practice=outsider, start_date=date(2020, 4, 1)
    )
    network = Network.objects.create(name="Voice Network", slug="voice-net")
    for member in (federation, other):
        NetworkMembership.objects.create(
            network=network, federation=member, start_date=date(2022, 1, 1)
        )

    def person(email, role, organisation, name="", within=None):
        user = UserFactory(email=email, full_name=name)
        role_grant(user=user, role=role, organisation=organisation, by=None, federation=within)
        return user

    return Voice(
        federation=federation,
        other=other,
        network=network,
        practices=practices,
        pcns=pcns,
        outsider=outsider,
        admin=person("admin@voice.example", "federation_admin", federation),
        secretary=person("secretary@voice.example", "company_secretary", federation),
        manager=person(
            "pm@voice.example", "practice_manager", practices["A00001"], "Pat Manager", federation
        ),
        manager2=person(
            "pm2@voice.example", "practice_manager", practices["A00001"], "Kim Second", federation
        ),
        cd=person(
            "cd@voice.example", "pcn_clinical_director", pcns["harbour"], "Clara CD", federation
        ),
        staff=person("staff@voice.example", "practice_staff", practices["A00002"], "", federation),
        other_admin=person("admin@other.example", "federation_admin", other),
        network_admin=person("net@voice.example", "network_admin", network),
    )


def open_consultation(v: Voice, *, network: bool = False, audience="practices_and_pcns"):
    """Open from yesterday to a week today: a choice (Yes/No), a 1-5 scale and free text."""
    owner = {"network": v.network} if network else {"federation": v.federation}
    by = v.network_admin if network else v.admin
    consultation = services.consultation_create(
        **owner,
        title="Shared hubs",
        purpose="Should we share hubs?",
        audience=audience,
        opens_on=today() - timedelta(days=1),
        closes_on=today() + timedelta(days=7),
        by=by,
    )
    for kind, text, choices in [
        ("choice", "Do you support it?", ["Yes", "No"]),
        ("scale", "How ready are you?", []),
        ("text", "Anything else?", []),
    ]:
        services.question_add(
            consultation=consultation,
            kind=kind,
            text=text,
            choices=choices,
            required=kind != "text",
            by=by,
        )
    return services.consultation_open(consultation=consultation, by=by)


def answers(consultation, choice="Yes", scale=3, text=""):
    q = {x.kind: x.pk for x in consultation.questions.all()}
    return {q["choice"]: choice, q["scale"]: scale, q["text"]: text}


@pytest.fixture
def opened(v):
    return open_consultation(v)
