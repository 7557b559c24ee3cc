"""Forms of the gifts and hospitality register and the risk register. Money is entered in
pounds and pence and reaches the services as integer pence."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from accounts.models import User
from governance import risk_matrix
from governance.models import Gift, Risk
from kernel.dates import validate_years

DATE = forms.DateInput(attrs={"type": "date"})
YES_NO = [("yes", "Yes"), ("no", "No")]


def pounds_field(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_value=Decimal(1_000_000),
        decimal_places=2,
        max_digits=9,
        **kwargs,
    )


def pence(pounds: Decimal) -> int:
    return int(pounds * 100)


def _people_field(field: forms.ModelChoiceField, people) -> None:
    field.queryset = people.order_by("full_name", "email")
    field.label_from_instance = lambda u: u.full_name or u.email


class GiftForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Whose entry")
    kind = forms.ChoiceField(choices=Gift.Kind.choices, widget=forms.RadioSelect, label="Kind")
    direction = forms.ChoiceField(
        choices=Gift.Direction.choices, widget=forms.RadioSelect, label="Offered or given"
    )
    party = forms.CharField(max_length=200, label="From (or to) whom")
    supplier = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        label="Is it a supplier, or a company that may bid to supply us?",
    )
    description = forms.CharField(max_length=500, label="What it is")
    value = pounds_field("Value (£)", help_text="Its value, or a fair estimate, in pounds.")
    on = forms.DateField(widget=DATE, validators=[validate_years], label="Date")
    accepted = forms.ChoiceField(
        choices=[("yes", "Accepted"), ("no", "Declined")],
        widget=forms.RadioSelect,
        label="Accepted or declined",
    )
    approved_by = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="Nobody",
        label="Approved by (hospitality over the approval threshold)",
    )

    def __init__(self, *args, people, approvers, **kwargs):
        super().__init__(*args, **kwargs)
        _people_field(self.fields["user"], people)
        _people_field(self.fields["approved_by"], approvers)

    def entry(self) -> dict:
        d = self.cleaned_data
        return {
            "user": d["user"],
            "kind": d["kind"],
            "direction": d["direction"],
            "party": d["party"],
            "supplier": d["supplier"] == "yes",
            "description": d["description"],
            "value_pence": pence(d["value"]),
            "on": d["on"],
            "accepted": d["accepted"] == "yes",
            "approved_by": d["approved_by"],
        }


class GiftsPolicyForm(forms.Form):
    supplier_gift_decline_over = pounds_field("Decline a supplier's gift worth over (£)")
    gift_declare_over = pounds_field("Declare a gift worth over (£)")
    hospitality_declare_over = pounds_field("Declare hospitality worth over (£)")
    hospitality_approval_over = pounds_field("Hospitality worth over this needs approval (£)")

    def values(self) -> dict:
        return {f"{name}_pence": pence(value) for name, value in self.cleaned_data.items()}


def _score_field(label: str, names: dict[int, str]) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=[(n, f"{n}: {text}") for n, text in names.items()], coerce=int, label=label
    )


class ScoresForm(forms.Form):
    likelihood_before = _score_field("Likelihood before controls", risk_matrix.LIKELIHOOD)
    impact_before = _score_field("Impact before controls", risk_matrix.IMPACT)
    likelihood_after = _score_field("Likelihood after controls", risk_matrix.LIKELIHOOD)
    impact_after = _score_field("Impact after controls", risk_matrix.IMPACT)


class RiskForm(ScoresForm):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    owner = forms.ModelChoiceField(queryset=User.objects.none())
    controls = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Controls in place"
    )
    review_on = forms.DateField(widget=DATE, validators=[validate_years], label="Next review")
    field_order = ["title", "description", "owner", "controls", "review_on"]

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        _people_field(self.fields["owner"], people)


class RiskEditForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    owner = forms.ModelChoiceField(queryset=User.objects.none())
    controls = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Controls in place"
    )
    review_on = forms.DateField(widget=DATE, validators=[validate_years], label="Next review")
    status = forms.ChoiceField(choices=Risk.Status.choices, widget=forms.RadioSelect)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        _people_field(self.fields["owner"], people)


class RiskReviewForm(ScoresForm):
    note = forms.CharField(max_length=500, required=False, label="What changed (optional)")
    review_on = forms.DateField(widget=DATE, validators=[validate_years], label="Next review")


class CiteRiskForm(forms.Form):
    item = forms.ModelChoiceField(queryset=None, label="Agenda item")
    risk = forms.ModelChoiceField(queryset=None, label="Risk")

    def __init__(self, *args, items, risks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["risk"].queryset = risks
