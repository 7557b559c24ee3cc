"""The members' side of a federation's governance: its articles' voting rule, the register of
members (Companies Act 2006 s.113), members' resolutions and their votes.

A cast vote is evidence: it is written once and never changed or deleted (ADR 0009), and a
practice votes once on a resolution (a database constraint). The eligible members of a
resolution and their weights are fixed on the day it is circulated (s.289), so a later change
of shares or list sizes never changes a resolution already put to the members."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from governance import tally


class Articles(models.Model):
    """What a federation's articles of association say about its members' votes."""

    class VotingRule(models.TextChoices):
        PRACTICE = tally.PRACTICE, "One practice, one vote"
        SHARES = tally.SHARES, "Weighted by shares held"
        LIST_SIZE = tally.LIST_SIZE, "Weighted by registered list"

    class ShareRule(models.TextChoices):
        ONE_PER_PRACTICE = "one_per_practice", "One share per practice"
        PER_THOUSAND = "per_thousand", "£1 share per 1,000 registered patients"

    federation = models.OneToOneField(
        "registry.Federation", on_delete=models.CASCADE, related_name="articles"
    )
    voting_rule = models.CharField(
        max_length=10, choices=VotingRule.choices, default=VotingRule.PRACTICE
    )
    share_rule = models.CharField(
        max_length=20, choices=ShareRule.choices, default=ShareRule.ONE_PER_PRACTICE
    )
    quorum_members = models.PositiveSmallIntegerField(
        "general meeting quorum (members present)",
        default=2,
        help_text="Two members present unless the articles say otherwise (s.318).",
    )
    notice_days = models.PositiveSmallIntegerField(
        "notice of a general meeting (clear days)",
        default=14,
        help_text="At least 14 clear days (s.307).",
    )
    written_lapse_days = models.PositiveSmallIntegerField(
        "a written resolution lapses after (days)",
        default=28,
        help_text="28 days from circulation unless the articles say otherwise (s.297).",
    )
    shares_allocated_at = models.DateTimeField(
        null=True, blank=True, help_text="When shares were last allocated by the rule."
    )
    shares_basis = models.DateField(
        null=True,
        blank=True,
        help_text="The latest list-size extract the shares were last allocated from.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "articles"
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_members__gte=1), name="articles_quorum_at_least_one"
            ),
            models.CheckConstraint(
                condition=Q(notice_days__gte=14), name="articles_notice_at_least_14_days"
            ),
            models.CheckConstraint(
                condition=Q(written_lapse_days__gte=1), name="articles_lapse_at_least_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"Articles of {self.federation}"


class Member(models.Model):
    """A member practice's line in the register of members: its nominated voter and what it
    holds. The dates it joined and left are its federation memberships', read from them."""

    class Liability(models.TextChoices):
        SHARES = "shares", "Shares"
        GUARANTEE = "guarantee", "Guarantee"

    federation = models.ForeignKey(
        "registry.Federation", on_delete=models.CASCADE, related_name="register_of_members"
    )
    practice = models.ForeignKey(
        "registry.Practice", on_delete=models.PROTECT, related_name="register_entries"
    )
    nominated_voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nominated_for",
    )
    liability = models.CharField(max_length=10, choices=Liability.choices, default=Liability.SHARES)
    share_class = models.CharField(max_length=40, default="Ordinary £1", blank=True)
    shares = models.PositiveIntegerField(default=0)
    guarantee_pence = models.PositiveIntegerField(
        default=0, help_text="What a member by guarantee undertakes to pay (usually £1)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["federation", "practice__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "practice"], name="one_register_entry_per_practice"
            ),
            models.CheckConstraint(
                condition=Q(liability="shares") | Q(shares=0),
                name="member_by_guarantee_holds_no_shares",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice} in the register of {self.federation}"


class Resolution(models.Model):
    """A members' resolution, put to a general meeting or circulated in writing."""

    class Kind(models.TextChoices):
        ORDINARY = tally.ORDINARY, "Ordinary (more than half)"
        SPECIAL = tally.SPECIAL, "Special (at least 75%)"
        BOARD = "board", "Board (more than half of the directors voting)"

    class Mode(models.TextChoices):
        MEETING = tally.MEETING, "At a general meeting"
        WRITTEN = tally.WRITTEN, "In writing"

    federation = models.ForeignKey(
        "registry.Federation", on_delete=models.PROTECT, related_name="resolutions"
    )
    title = models.CharField(max_length=200)
    text = models.TextField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    weighting = models.CharField(
        max_length=10,
        choices=Articles.VotingRule.choices,
        help_text="The articles' voting rule on the day it was circulated.",
    )
    circulated_on = models.DateField()
    lapses_on = models.DateField(
        null=True, blank=True, help_text="In writing: the last day it can be agreed (s.297)."
    )
    meeting_on = models.DateField(null=True, blank=True)
    quorum_members = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="At a meeting: the articles' quorum when circulated."
    )
    item = models.ForeignKey(
        "governance.AgendaItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
        help_text="A board resolution: the agenda item it was decided on.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-circulated_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(mode="written", lapses_on__gte=F("circulated_on"), meeting_on__isnull=True)
                    | Q(
                        mode="meeting",
                        meeting_on__gte=F("circulated_on"),
                        lapses_on__isnull=True,
                        quorum_members__gte=1,
                    )
                ),
                name="resolution_dates_fit_its_mode",
            ),
            models.CheckConstraint(
                condition=Q(kind="board", item__isnull=False, mode="meeting")
                | (~Q(kind="board") & Q(item__isnull=True)),
                name="board_resolution_is_on_an_agenda_item",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def closes_on(self):
        """The last day a vote can be cast: the lapse date, or the meeting's date."""
        return self.lapses_on if self.mode == tally.WRITTEN else self.meeting_on


class Once(models.Model):
    """Rows written once and never changed or deleted (ADR 0009, ``finance.models.Immutable``)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"A {self._meta.verbose_name} is never changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"A {self._meta.verbose_name} is never deleted.")


class EligibleMember(Once):
    """A member entitled to vote on a resolution, with its weight, fixed when circulated."""

    resolution = models.ForeignKey(
        Resolution, on_delete=models.PROTECT, related_name="eligible_members"
    )
    practice = models.ForeignKey(
        "registry.Practice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    director = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A board resolution's: one vote per director.",
    )
    weight = models.PositiveIntegerField()
    basis = models.CharField(
        max_length=100, blank=True, help_text="Where the weight came from, in words."
    )

    class Meta:
        ordering = ["resolution", "practice__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "practice"], name="eligible_once_per_resolution"
            ),
            models.UniqueConstraint(
                fields=["resolution", "director"], name="director_eligible_once_per_resolution"
            ),
            models.CheckConstraint(
                condition=Q(practice__isnull=False, director__isnull=True)
                | Q(practice__isnull=True, director__isnull=False),
                name="eligible_is_a_practice_or_a_director",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} on {self.resolution_id}: {self.weight}"


class Vote(Once):
    """A practice's vote on a resolution: cast by its nominated voter, or received on paper
    and recorded by the federation's administrator or company secretary."""

    class Choice(models.TextChoices):
        FOR = tally.FOR, "For"
        AGAINST = tally.AGAINST, "Against"
        ABSTAIN = tally.ABSTAIN, "Abstain"

    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="votes")
    practice = models.ForeignKey(
        "registry.Practice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    director = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A board resolution's: the director whose vote it is.",
    )
    choice = models.CharField(max_length=10, choices=Choice.choices)
    cast_on = models.DateField()
    on_paper = models.BooleanField(default=False)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The nominated voter who cast it, or who recorded it from paper.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["resolution", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "practice"], name="one_vote_per_practice_per_resolution"
            ),
            models.UniqueConstraint(
                fields=["resolution", "director"], name="one_vote_per_director_per_resolution"
            ),
            models.CheckConstraint(
                condition=Q(practice__isnull=False, director__isnull=True)
                | Q(practice__isnull=True, director__isnull=False),
                name="vote_is_a_practice_or_a_director",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice_id} {self.choice} on {self.resolution_id}"
