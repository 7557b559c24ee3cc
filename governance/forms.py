from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q

from accounts.models import User
from accounts.permissions import FEDERATION_ROLES
from governance.models import Articles, Member, Resolution, Vote
from kernel.dates import formfield_in_years, validate_years
from registry.selectors import today

DATE = forms.DateInput(attrs={"type": "date"})


class ArticlesForm(forms.ModelForm):
    class Meta:
        model = Articles
        fields = [
            "voting_rule",
            "share_rule",
            "quorum_members",
            "notice_days",
            "written_lapse_days",
        ]
        widgets = {"voting_rule": forms.RadioSelect, "share_rule": forms.RadioSelect}
        formfield_callback = formfield_in_years


def voter_choices(federation, practice):
    """The people who may be a practice's nominated voter: a role at the practice granted
    within this federation, or a role in the federation itself, today."""
    day = today()
    current = Q(role_grants__start_date__lte=day) & (
        Q(role_grants__end_date__isnull=True) | Q(role_grants__end_date__gte=day)
    )
    where = Q(role_grants__through=federation) & (
        Q(role_grants__practice=practice)
        | Q(role_grants__federation=federation, role_grants__role__in=FEDERATION_ROLES)
    )
    return User.objects.filter(current & where, is_active=True).distinct().order_by("full_name")


class MemberForm(forms.Form):
    nominated_voter = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Nominated voter",
        empty_label="None yet",
        help_text="Someone with a role at the practice or in the federation.",
    )
    liability = forms.ChoiceField(
        choices=Member.Liability.choices, widget=forms.RadioSelect, label="Member by"
    )
    share_class = forms.CharField(max_length=40, required=False, label="Class of shares")
    shares = forms.IntegerField(min_value=0, max_value=10_000_000, label="Number of shares")
    guarantee = forms.DecimalField(
        min_value=Decimal(0),
        max_value=Decimal(1_000_000),
        decimal_places=2,
        required=False,
        label="Guarantee (£)",
        help_text="For a member by guarantee: what it undertakes to pay, usually £1.",
    )

    def __init__(self, *args, federation, practice, **kwargs):
        super().__init__(*args, **kwargs)
        people = voter_choices(federation, practice)
        self.fields["nominated_voter"].queryset = people
        self.fields["nominated_voter"].label_from_instance = lambda u: u.full_name or u.email


class ResolutionForm(forms.Form):
    title = forms.CharField(max_length=200)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="The resolution")
    kind = forms.ChoiceField(choices=Resolution.Kind.choices, widget=forms.RadioSelect)
    mode = forms.ChoiceField(
        choices=Resolution.Mode.choices, widget=forms.RadioSelect, label="Put to members"
    )
    circulated_on = forms.DateField(
        widget=DATE, label="Circulated on", validators=[validate_years], initial=today
    )
    meeting_on = forms.DateField(
        widget=DATE,
        required=False,
        label="Date of the general meeting",
        help_text="At a meeting only.",
        validators=[validate_years],
    )


class VoteForm(forms.Form):
    practice = forms.ChoiceField(label="Voting for")
    choice = forms.ChoiceField(choices=Vote.Choice.choices, widget=forms.RadioSelect, label="Vote")

    def __init__(self, *args, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.practices = {str(p.pk): p for p in practices}
        self.fields["practice"].choices = [(str(p.pk), p.name) for p in practices]
        if len(practices) == 1:
            self.fields["practice"].widget = forms.HiddenInput()
            self.fields["practice"].initial = str(practices[0].pk)


class PaperVoteForm(VoteForm):
    cast_on = forms.DateField(
        widget=DATE, label="Received on", validators=[validate_years], initial=today
    )
