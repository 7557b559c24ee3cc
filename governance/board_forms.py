"""Forms of the board side and the register of interests."""

from __future__ import annotations

from django import forms

from accounts.models import User
from comms.models import ResourceVersion
from governance.models import Action, Attendance, Body, Interest, Seat
from kernel.dates import validate_years

DATE = forms.DateInput(attrs={"type": "date"})


def _people(queryset):
    field = forms.ModelChoiceField(queryset=queryset.order_by("full_name", "email"))
    field.label_from_instance = lambda u: u.full_name or u.email
    return field


class BodyForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=Body.Kind.choices, label="Kind of body")
    quorum = forms.IntegerField(
        min_value=1, max_value=50, initial=3, help_text="Members present it needs."
    )


class SeatForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Person")
    office = forms.ChoiceField(choices=Seat.Office.choices, widget=forms.RadioSelect)
    reserved_for = forms.ChoiceField(
        choices=Seat.Reserved.choices, widget=forms.RadioSelect, label="Seat"
    )
    pcn = forms.ModelChoiceField(
        queryset=None, required=False, label="PCN (a clinical director's seat)"
    )
    start_date = forms.DateField(widget=DATE, validators=[validate_years], label="Term starts")
    end_date = forms.DateField(
        widget=DATE, validators=[validate_years], required=False, label="Term ends (optional)"
    )

    def __init__(self, *args, people, pcns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people.order_by("full_name", "email")
        self.fields["user"].label_from_instance = lambda u: u.full_name or u.email
        self.fields["pcn"].queryset = pcns


class MeetingForm(forms.Form):
    title = forms.CharField(max_length=200)
    starts_at = forms.DateTimeField(
        validators=[validate_years], label="Starts (date and time, e.g. 2026-12-03 18:30)"
    )
    ends_at = forms.DateTimeField(validators=[validate_years], label="Ends")
    place = forms.CharField(max_length=200, required=False)
    online_link = forms.URLField(
        required=False, assume_scheme="https", label="Link to join online (optional)"
    )


class ItemForm(forms.Form):
    title = forms.CharField(max_length=200)
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    paper = forms.ModelChoiceField(
        queryset=ResourceVersion.objects.none(),
        required=False,
        label="Paper (a version of a document in the library)",
    )
    for_decision = forms.BooleanField(required=False, label="For decision")

    def __init__(self, *args, people, papers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people.order_by("full_name", "email")
        self.fields["owner"].label_from_instance = lambda u: u.full_name or u.email
        self.fields["paper"].queryset = papers
        self.fields["paper"].label_from_instance = lambda v: (
            f"{v.resource.title}, version {v.number} ({v.file_name})"
        )


class AttendanceForm(forms.Form):
    def __init__(self, *args, seats, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.seats = seats
        for seat in seats:
            self.fields[f"u{seat.user_id}"] = forms.ChoiceField(
                choices=Attendance.Status.choices,
                label=seat.user.full_name or seat.user.email,
                initial=current.get(seat.user_id, Attendance.Status.PRESENT),
            )

    def statuses(self) -> dict[int, str]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}


class DeclarationForm(forms.Form):
    item = forms.ModelChoiceField(queryset=None, label="Agenda item")
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Member")
    note = forms.CharField(max_length=500, label="The interest declared")
    conflicted = forms.BooleanField(
        required=False, initial=True, label="Conflicted: leave out of the item's quorum and vote"
    )

    def __init__(self, *args, items, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["user"].queryset = people.order_by("full_name", "email")
        self.fields["user"].label_from_instance = lambda u: u.full_name or u.email


class MinutesForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), label="Minutes")


class ApproveForm(forms.Form):
    at_meeting = forms.ModelChoiceField(queryset=None, label="Approved at")

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["at_meeting"].queryset = meetings


class DecisionForm(forms.Form):
    item = forms.ModelChoiceField(queryset=None, required=False, label="Agenda item")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Decision")

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items


class ActionForm(forms.Form):
    text = forms.CharField(max_length=300, label="Action")
    owner = forms.ModelChoiceField(queryset=User.objects.none())
    due_on = forms.DateField(widget=DATE, validators=[validate_years], label="Due")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people.order_by("full_name", "email")
        self.fields["owner"].label_from_instance = lambda u: u.full_name or u.email


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Action.Status.choices, widget=forms.RadioSelect)


class BoardResolutionForm(forms.Form):
    title = forms.CharField(max_length=200)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="The resolution")


class BoardVoteForm(forms.Form):
    director = forms.ModelChoiceField(queryset=User.objects.none())
    choice = forms.ChoiceField(
        choices=[("for", "For"), ("against", "Against"), ("abstain", "Abstain")],
        widget=forms.RadioSelect,
        label="Vote",
    )

    def __init__(self, *args, directors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["director"].queryset = directors.order_by("full_name", "email")
        self.fields["director"].label_from_instance = lambda u: u.full_name or u.email


class InterestForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Whose interest")
    kind = forms.ChoiceField(choices=Interest.Kind.choices, label="Type")
    party = forms.CharField(max_length=200, help_text="The company, body or person.")
    description = forms.CharField(max_length=500, label="The interest")
    start_date = forms.DateField(widget=DATE, validators=[validate_years], label="From")
    end_date = forms.DateField(
        widget=DATE, validators=[validate_years], required=False, label="To (optional)"
    )
    occasion = forms.ChoiceField(
        choices=Interest.Occasion.choices, widget=forms.RadioSelect, label="Declared"
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people.order_by("full_name", "email")
        self.fields["user"].label_from_instance = lambda u: u.full_name or u.email


class RoundForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    due_on = forms.DateField(widget=DATE, validators=[validate_years], label="Returns due by")


class ReturnForm(forms.Form):
    nil = forms.ChoiceField(
        choices=[
            ("confirm", "My interests in the register are complete and correct"),
            ("nil", "Nil return: I have no interests to declare"),
        ],
        widget=forms.RadioSelect,
        label="Your return",
    )
