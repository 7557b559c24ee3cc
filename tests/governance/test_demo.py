"""The demo's board: the PCN clinical directors in their seats, approved minutes and a board
decision, a declared conflict on an item, an upcoming meeting with its pack, and a special
resolution passed in writing weighted by list size; gifts and hospitality (a supplier's
hospitality over £75 declined) and a risk register of six, two up for review next time."""

import pytest

from demo.comms import demo_library
from demo.governance import demo_governance
from demo.loader import demo_users
from governance import board_selectors as reads
from governance import register_selectors as registers
from governance.models import Body, Gift, Resolution
from governance.pack import board_pack
from governance.selectors import resolution_result
from registry.models import PCN, Federation

pytestmark = pytest.mark.django_db
FED = "east-leicestershire-and-rutland-gp-federation"


def test_the_demo_board_its_meetings_and_resolution(demo):
    federation = Federation.objects.get(slug=FED)
    users = demo_users(password_reset=False)
    demo_library(federation, by=users[3])
    assert demo_governance(federation, users)
    assert demo_governance(federation, users) == []  # safe to run again
    body = Body.objects.get(federation=federation, kind="board")
    seats = reads.seats_on(body)
    pcns = {s.pcn_id for s in seats if s.reserved_for == "pcn_clinical_director"}
    assert len(pcns) == 9 and PCN.objects.get(code="U30213").pk in pcns
    first, second, upcoming = body.meetings.order_by("starts_at")
    approved = reads.approved_minutes(first)
    assert approved is not None and approved.approval.at_meeting == second
    assert first.decisions.count() == 1
    conflicted = [q for q in reads.item_quorums(first) if q.conflicted]
    assert len(conflicted) == 1 and conflicted[0].quorate
    board_resolution = first.items.get(number=1).resolutions.get()
    assert reads.board_result(board_resolution).status == "passed"
    assert board_pack(upcoming).startswith(b"%PDF")
    special = Resolution.objects.get(federation=federation, kind="special")
    result = resolution_result(special)
    assert (special.mode, special.weighting, result.status) == ("written", "list-size", "passed")
    declined = Gift.objects.get(federation=federation, party="Harbour Health Ltd")
    assert (declined.kind, declined.value_pence, declined.accepted) == ("hospitality", 9_000, False)
    approved = Gift.objects.get(federation=federation, value_pence=12_000)
    assert approved.accepted and approved.approved_by is not None
    register = registers.risk_register(federation)
    assert len(register) == 6 and not any(r.overdue for r in register)
    assert len(registers.risk_history(register[1].risk)) == 2
    reviewed = registers.risks_reviewed_at(upcoming)
    assert [r.row.risk.number for r in reviewed] == [1, 2]
