"""The bids pipeline's forms: an opportunity, its criteria and documents, moving its stage,
the bid/no-bid decision, won (the contract pre-filled), lost (the feedback), withdrawn, a
practice's commitment and the OCDS import."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import forms

from bids.models import Commitment, Opportunity, Route, Stage
from bids.ocds import DEFAULT_CPV
from kernel.dates import validate_years
from kernel.uploads import UploadRefused, check_size
from registry.forms import NhsDateField

DOOR = "import"
MOST_POUNDS = Decimal(10_000_000_000)


def to_pence(pounds: Decimal | None) -> int:
    if pounds is None:
        return 0
    return int((pounds * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def deadline_field(label: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        required=False,
        validators=[validate_years],
        label=label,
        input_formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d"],
        help_text="A date and time, for example 2027-01-15 12:00.",
    )


class OpportunityForm(forms.Form):
    title = forms.CharField(max_length=300)
    buyer = forms.CharField(
        max_length=200, help_text="The commissioner running the procurement (usually an ICB)."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    value = forms.DecimalField(
        label="Value (£)",
        min_value=Decimal(0),
        max_value=MOST_POUNDS,
        decimal_places=2,
        required=False,
        help_text="The whole contract's estimated value over its term.",
    )
    term_months = forms.IntegerField(
        label="Term (months)", min_value=1, max_value=600, required=False
    )
    extension_months = forms.IntegerField(
        label="Possible extensions (months)", min_value=0, max_value=600, required=False
    )
    route = forms.ChoiceField(choices=Route.choices, widget=forms.RadioSelect)
    cpv_codes = forms.CharField(
        label="CPV codes",
        max_length=300,
        required=False,
        help_text="Eight digits each, separated by spaces, for example 85121100.",
    )
    clarification_deadline = deadline_field("Clarification questions close")
    submission_deadline = deadline_field("Submission deadline")
    standstill_end = NhsDateField(label="Standstill ends", required=False)
    ocid = forms.CharField(
        label="OCID (optional)",
        max_length=120,
        required=False,
        help_text="The notice's Open Contracting ID, if it was published.",
    )

    @classmethod
    def initial_for(cls, o: Opportunity) -> dict:
        fields = [f for f in cls.base_fields if f != "value"]
        return {"value": Decimal(o.value_pence) / 100, **{f: getattr(o, f) for f in fields}}

    def values(self) -> dict:
        d = dict(self.cleaned_data)
        d["value_pence"] = to_pence(d.pop("value"))
        d["extension_months"] = d["extension_months"] or 0
        return d


class CriteriaForm(forms.Form):
    criteria = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        label="Evaluation criteria",
        help_text="One a line: the criterion, a comma, its weight in percent "
        "(for example: Quality, 60). The weights add up to 100.",
    )

    def clean_criteria(self) -> list[tuple[str, int]]:
        read = []
        for n, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            name, _, weight = line.rpartition(",")
            if not name.strip() or not weight.strip().rstrip("%").isdigit():
                raise forms.ValidationError(
                    f"Line {n}: write the criterion, a comma and its weight (Quality, 60)"
                )
            read.append((name.strip()[:200], int(weight.strip().rstrip("%"))))
        return read


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=300)
    url = forms.URLField(label="Web address", max_length=1000, assume_scheme="https")


class StageForm(forms.Form):
    stage = forms.ChoiceField(widget=forms.RadioSelect, label="Move it to")
    on = NhsDateField(label="On")
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, moves, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s, Stage(s).label) for s in moves]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[c for c in Opportunity.Decision.choices if c[0]], widget=forms.RadioSelect
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    scenario = forms.ChoiceField(
        required=False,
        label="Economics scenario (optional)",
        help_text="The modeller's scenario the decision rests on.",
    )
    on = NhsDateField(label="Decided on")

    def __init__(self, *args, scenarios, **kwargs):
        super().__init__(*args, **kwargs)
        self.scenarios = {str(v.pk): v for v in scenarios}
        self.fields["scenario"].choices = [("", "None")] + [
            (str(v.pk), f"{v.scenario.name}, version {v.number}") for v in scenarios
        ]


class WonForm(forms.Form):
    reference = forms.CharField(max_length=60, label="Contract reference")
    start_date = NhsDateField(label="Contract starts")
    end_date = NhsDateField(label="Contract ends", required=False)
    annual_value = forms.DecimalField(
        label="Annual value (£)", min_value=Decimal("0.01"), max_value=MOST_POUNDS, decimal_places=2
    )
    on = NhsDateField(label="Won on")


class LostForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    on = NhsDateField(label="Lost on")

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"score_{c.pk}"] = forms.DecimalField(
                label=f"Score for {c.name} ({c.weight}%), percent",
                min_value=Decimal(0),
                max_value=Decimal(100),
                decimal_places=2,
                required=False,
            )

    def scores(self) -> dict[int, Decimal | None]:
        return {c.pk: self.cleaned_data.get(f"score_{c.pk}") for c in self.criteria}


class WithdrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    on = NhsDateField(label="Withdrawn on")


class CommitmentForm(forms.Form):
    practice = forms.ChoiceField(label="Practice")
    answer = forms.ChoiceField(
        choices=[(Commitment.Answer.SIGNED_UP, "Sign up"), (Commitment.Answer.DECLINED, "Decline")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, commitments, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitments = {str(c.pk): c for c in commitments}
        self.fields["practice"].choices = [
            (str(c.pk), f"{c.practice.name} ({c.practice.code})") for c in commitments
        ]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="OCDS file (JSON)",
        help_text="A release or record package downloaded from Find a Tender or Contracts Finder.",
    )
    cpv = forms.CharField(
        label="CPV codes",
        initial=" ".join(DEFAULT_CPV),
        max_length=300,
        help_text="Import only notices with one of these, separated by spaces.",
    )
    buyers = forms.CharField(
        label="Buyers (optional)",
        max_length=300,
        required=False,
        help_text="Import only notices whose buyer's name contains one of these, "
        "separated by commas (for example your ICBs).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_size(DOOR, upload.size)
        except UploadRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return upload

    def clean_cpv(self) -> list[str]:
        codes = self.cleaned_data["cpv"].split()
        if not codes or any(not (c.isdigit() and len(c) == 8) for c in codes):
            raise forms.ValidationError("CPV codes are eight digits each, separated by spaces")
        return codes

    def clean_buyers(self) -> list[str]:
        return [b.strip() for b in self.cleaned_data["buyers"].split(",") if b.strip()]
