"""The tally by hand-worked cases: database-free (governance/tally.py)."""

import pytest

from governance.tally import (
    MEETING,
    ORDINARY,
    SPECIAL,
    WRITTEN,
    TallyError,
    meets,
    required,
    shares_for_patients,
    tally,
)

FOUR = {"A00001": 1, "A00002": 1, "A00003": 1, "A00004": 1}
# By list size: 10,000 + 6,000 + 3,000 + 1,000 = 20,000 patients.
LISTS = {"A00001": 10_000, "A00002": 6_000, "A00003": 3_000, "A00004": 1_000}


def test_ordinary_at_a_meeting_exactly_half_of_votes_cast_fails():
    t = tally(
        eligible=FOUR,
        votes={"A00001": "for", "A00002": "against"},
        kind=ORDINARY,
        mode=MEETING,
    )
    assert (t.for_weight, t.against_weight, t.base_weight) == (1, 1, 2)
    assert t.required_weight == 2
    assert not t.passed
    assert t.not_voted == ["A00003", "A00004"]


def test_ordinary_at_a_meeting_abstentions_count_nowhere():
    # 1 for, 0 against, 3 abstain: 1 of 1 vote cast is more than half.
    t = tally(
        eligible=FOUR,
        votes={"A00001": "for", "A00002": "abstain", "A00003": "abstain", "A00004": "abstain"},
        kind=ORDINARY,
        mode=MEETING,
    )
    assert (t.for_count, t.abstain_count, t.base_weight) == (1, 3, 1)
    assert t.passed
    assert t.not_voted == []


def test_ordinary_in_writing_is_of_all_eligible_voting_rights():
    # The same single vote for, in writing: 1 of 4 rights is not more than half.
    t = tally(eligible=FOUR, votes={"A00001": "for"}, kind=ORDINARY, mode=WRITTEN)
    assert (t.base_weight, t.required_weight, t.passed) == (4, 3, False)
    two = tally(
        eligible=FOUR, votes={"A00001": "for", "A00002": "for"}, kind=ORDINARY, mode=WRITTEN
    )
    assert not two.passed  # exactly half of the rights fails
    three = tally(
        eligible=FOUR,
        votes={"A00001": "for", "A00002": "for", "A00003": "for"},
        kind=ORDINARY,
        mode=WRITTEN,
    )
    assert three.passed


def test_special_exactly_75_percent_passes_at_a_meeting():
    t = tally(
        eligible=FOUR,
        votes={"A00001": "for", "A00002": "for", "A00003": "for", "A00004": "against"},
        kind=SPECIAL,
        mode=MEETING,
    )
    assert (t.for_weight, t.base_weight, t.required_weight) == (3, 4, 3)
    assert t.passed


def test_special_just_under_75_percent_fails():
    # 74 of 100 by weight.
    eligible = {"A00001": 74, "A00002": 26}
    t = tally(
        eligible=eligible, votes={"A00001": "for", "A00002": "against"}, kind=SPECIAL, mode=MEETING
    )
    assert not t.passed
    assert t.required_weight == 75


def test_special_in_writing_weighted_by_list_size():
    # For: 10,000 + 6,000 = 16,000 of 20,000 = 80% >= 75%: passes although one practice
    # of four (by count, 2 of 4) voted for.
    t = tally(
        eligible=LISTS,
        votes={"A00001": "for", "A00002": "for", "A00003": "against"},
        kind=SPECIAL,
        mode=WRITTEN,
    )
    assert (t.for_count, t.for_weight, t.against_weight) == (2, 16_000, 3_000)
    assert (t.eligible_weight, t.required_weight) == (20_000, 15_000)
    assert t.passed
    assert t.not_voted == ["A00004"]


def test_special_in_writing_by_list_size_exactly_75_percent_passes():
    # 10,000 + 3,000 + 2,000 = 15,000 of 20,000 exactly.
    eligible = {"A00001": 10_000, "A00002": 5_000, "A00003": 3_000, "A00004": 2_000}
    t = tally(
        eligible=eligible,
        votes={"A00001": "for", "A00003": "for", "A00004": "for"},
        kind=SPECIAL,
        mode=WRITTEN,
    )
    assert t.for_weight == 15_000 and t.passed


def test_ordinary_weighted_by_list_one_big_practice_outweighs_three():
    t = tally(
        eligible=LISTS,
        votes={"A00001": "for", "A00002": "against", "A00003": "against", "A00004": "against"},
        kind=ORDINARY,
        mode=MEETING,
    )
    # 10,000 for, 10,000 against: exactly half by weight fails, whatever the count says.
    assert (t.for_count, t.against_count) == (1, 3)
    assert (t.for_weight, t.against_weight) == (10_000, 10_000)
    assert not t.passed


def test_a_special_resolution_with_no_votes_at_a_meeting_does_not_pass():
    t = tally(eligible=FOUR, votes={}, kind=SPECIAL, mode=MEETING, quorum=None)
    assert not t.passed
    assert t.not_voted == sorted(FOUR)


def test_a_meeting_without_its_quorum_passes_nothing():
    t = tally(eligible=FOUR, votes={"A00001": "for"}, kind=ORDINARY, mode=MEETING, quorum=2)
    assert (t.present, t.quorate, t.passed) == (1, False, False)
    t = tally(
        eligible=FOUR,
        votes={"A00001": "for", "A00002": "abstain"},
        kind=ORDINARY,
        mode=MEETING,
        quorum=2,
    )
    assert (t.present, t.quorate, t.passed) == (2, True, True)


def test_a_written_resolution_has_no_quorum():
    t = tally(eligible=FOUR, votes={"A00001": "for"}, kind=ORDINARY, mode=WRITTEN, quorum=2)
    assert t.quorum is None and t.quorate


@pytest.mark.parametrize(
    ("kind", "base", "least"),
    [
        (ORDINARY, 0, 1),
        (ORDINARY, 1, 1),
        (ORDINARY, 4, 3),
        (ORDINARY, 5, 3),
        (SPECIAL, 4, 3),
        (SPECIAL, 5, 4),
        (SPECIAL, 100, 75),
        (SPECIAL, 101, 76),
        (SPECIAL, 0, 1),
    ],
)
def test_required_is_the_least_weight_that_meets_the_threshold(kind, base, least):
    assert required(kind, base) == least
    assert meets(kind, least, base)
    assert not meets(kind, least - 1, base)


def test_a_huge_list_is_compared_exactly_not_in_floating_point():
    big = 10**18
    eligible = {"A00001": 3 * big, "A00002": big + 1}
    t = tally(
        eligible=eligible, votes={"A00001": "for", "A00002": "against"}, kind=SPECIAL, mode=WRITTEN
    )
    assert not t.passed  # 3e18 of 4e18 + 1 is just under 75%


def test_a_vote_from_someone_not_eligible_is_refused():
    with pytest.raises(TallyError, match="A99999 is not an eligible member"):
        tally(eligible=FOUR, votes={"A99999": "for"}, kind=ORDINARY, mode=MEETING)


@pytest.mark.parametrize(
    ("patients", "shares"), [(0, 1), (499, 1), (1_499, 1), (1_500, 2), (8_500, 9), (12_400, 12)]
)
def test_shares_at_a_pound_per_thousand_patients(patients, shares):
    assert shares_for_patients(patients) == shares
