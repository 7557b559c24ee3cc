from __future__ import annotations

from django import forms

from kernel.dates import validate_years
from kernel.headers import refuse_line_breaks
from kernel.uploads import UploadRefused, check_size
from registry.importers.base import ImportFileError
from registry.importers.detect import Kind, detect
from registry.importers.populations import parse_financial_year
from registry.importers.screening import MESSAGE, screen
from registry.importing import national_only
from registry.models import AnnualPopulation, Federation, Practice
from registry.services import CORRECTABLE_PRACTICE_FIELDS


class NhsDateField(forms.DateField):
    """Dates typed the way NHS forms ask for them: 1/4/2025, 01/04/2025 or 2025-04-01."""

    input_formats = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %m %Y", "%d %B %Y", "%d %b %Y"]
    default_validators = [validate_years]  # 1900 to 2200, like every date gpfed reads

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "For example, 1/4/2025")
        kwargs.setdefault("error_messages", {"invalid": "Enter a real date, for example 1/4/2025"})
        super().__init__(**kwargs)


class SearchForm(forms.Form):
    q = forms.CharField(label="ODS code, name, town or postcode", required=False, max_length=100)
    icb = forms.ChoiceField(label="Integrated care board", required=False)
    sub_icb = forms.ChoiceField(label="Sub-ICB location", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *Practice.Status.choices],
    )

    def __init__(self, *args, icbs=(), sub_icbs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["icb"].choices = [("", "All ICBs")] + [(c.code, c.name) for c in icbs]
        self.fields["sub_icb"].choices = [("", "All sub-ICB locations")] + [
            (c.code, c.name) for c in sub_icbs
        ]


class FederationForm(forms.Form):
    name = forms.CharField(label="Federation name", max_length=200, validators=[refuse_line_breaks])
    legal_form = forms.ChoiceField(label="Legal form", choices=Federation.LegalForm.choices)
    company_number = forms.CharField(
        label="Companies House number (optional)",
        max_length=8,
        required=False,
        help_text="8 characters, for example 09123456",
    )

    def clean_company_number(self):
        value = self.cleaned_data["company_number"].strip().upper()
        if value and (len(value) != 8 or not value.isalnum()):
            raise forms.ValidationError("Enter the 8-character Companies House number")
        return value


class MembershipAddForm(forms.Form):
    practice = forms.CharField(
        label="Practice ODS code",
        max_length=10,
        help_text="For example, C82001. Find codes with the practice search.",
    )
    start_date = NhsDateField(label="Date the practice joined")
    join_reason = forms.CharField(label="Reason (optional)", required=False, max_length=300)

    def clean_practice(self):
        code = self.cleaned_data["practice"].strip().upper()
        practice = Practice.objects.filter(code=code).first()
        if practice is None:
            raise forms.ValidationError(f"There is no practice with the ODS code {code}")
        return practice


class MembershipEndForm(forms.Form):
    end_date = NhsDateField(label="Last day of membership")
    leave_reason = forms.CharField(label="Reason", required=False, max_length=300)


class MembershipEndChangeForm(forms.Form):
    """A leaving date not yet passed, corrected or removed (the ``action`` button pressed)."""

    CHANGE, REMOVE = "change", "remove"

    end_date = NhsDateField(label="New last day of membership", required=False)
    leave_reason = forms.CharField(label="Reason", required=False, max_length=300)

    def __init__(self, *args, action: str = CHANGE, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action if action in (self.CHANGE, self.REMOVE) else self.CHANGE

    def clean(self):
        data = super().clean()
        if self.action == self.CHANGE and not data.get("end_date") and not self.errors:
            self.add_error("end_date", "Enter the new last day of membership")
        return data


class PracticeCorrectionForm(forms.Form):
    name = forms.CharField(max_length=200)
    address_1 = forms.CharField(label="Address line 1", max_length=100, required=False)
    address_2 = forms.CharField(label="Address line 2", max_length=100, required=False)
    address_3 = forms.CharField(label="Address line 3", max_length=100, required=False)
    address_4 = forms.CharField(label="Address line 4", max_length=100, required=False)
    address_5 = forms.CharField(label="Address line 5", max_length=100, required=False)
    postcode = forms.CharField(max_length=10, required=False)
    phone = forms.CharField(label="Telephone", max_length=40, required=False)
    release = forms.MultipleChoiceField(
        label="Let imports update these fields again",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(f, f.replace("_", " ").capitalize()) for f in CORRECTABLE_PRACTICE_FIELDS],
    )


NATIONAL = ""  # the federation field's value for the national figures


class WhoseFiguresMixin:
    """A ``federation`` field: whose figures these are. The national figures, which every
    federation shares, are offered to the installation's operators alone; a federation's own
    to the people who may keep them. With one choice it is chosen already."""

    national_label = "The national figure, used by every federation without its own"
    own_label = "{name}'s own figure, used by it alone"

    def whose(self, *, federations, national: bool) -> None:
        self.federations = {f.slug: f for f in federations}
        self.national = national
        choices = [(NATIONAL, self.national_label)] if national else []
        choices += [(f.slug, self.own_label.format(name=f.name)) for f in federations]
        field = self.fields["federation"]
        field.choices = choices
        if len(choices) == 1:
            field.initial = choices[0][0]

    def clean_federation(self):
        value = self.cleaned_data.get("federation") or NATIONAL
        if value == NATIONAL:
            if self.national:
                return None
            if len(self.federations) == 1:
                return next(iter(self.federations.values()))
            raise forms.ValidationError("Choose whose figures these are")
        if value not in self.federations:
            raise forms.ValidationError("Choose whose figures these are")
        return self.federations[value]


class PopulationForm(WhoseFiguresMixin, forms.Form):
    federation = forms.ChoiceField(
        label="Whose figure", required=False, widget=forms.RadioSelect, choices=()
    )
    financial_year = forms.CharField(
        label="Financial year", max_length=7, help_text="For example, 2025-26"
    )
    measure = forms.ChoiceField(
        label="Population", choices=AnnualPopulation.Measure.choices, widget=forms.RadioSelect
    )
    value = forms.DecimalField(
        label="Figure", min_value=0, max_digits=12, decimal_places=2, help_text="Patients"
    )
    source = forms.CharField(
        label="Source",
        max_length=300,
        required=False,
        help_text="Where the figure comes from, for example the NHS England publication",
    )

    def __init__(self, *args, federations=(), national: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.whose(federations=list(federations), national=national)

    def clean_financial_year(self):
        try:
            return parse_financial_year(self.cleaned_data["financial_year"])
        except ValueError:
            raise forms.ValidationError("Enter a financial year such as 2025-26") from None


class ImportUploadForm(WhoseFiguresMixin, forms.Form):
    national_label = "National: the NHS files every federation shares"
    own_label = "{name}'s own populations, used by it alone"
    file = forms.FileField(
        label="Upload a file",
        help_text=(
            "ODS epraccur (.csv), the ODS ePCN workbook (.xlsx), a Patients Registered at a GP "
            "Practice file or mapping (.csv), the Appointments in General Practice mapping "
            "(.csv) or a populations CSV"
        ),
    )
    kind = forms.ChoiceField(
        label="Publication",
        required=False,
        choices=[("", "Recognise it from the file"), *Kind.choices()],
    )
    as_at = NhsDateField(
        label="Month the file describes (optional)",
        required=False,
        help_text="Needed for the Appointments mapping if its name has no date, e.g. 1/8/2025",
    )
    federation = forms.ChoiceField(
        label="Whose figures",
        required=False,
        widget=forms.RadioSelect,
        choices=(),
        help_text="A federation imports its own adjusted and weighted populations (gpfed's "
        "populations CSV) only; the installation's operators import the national NHS files",
    )
    dry_run = forms.BooleanField(
        label="Check the file only: show what would change and write nothing", required=False
    )

    def __init__(self, *args, federations=(), national: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.whose(federations=list(federations), national=national)
        if not national:
            self.fields["file"].help_text = (
                "Your federation's populations CSV: CODE, FINANCIAL_YEAR, ADJUSTED_POPULATION, "
                "WEIGHTED_POPULATION and SOURCE columns"
            )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is None or "federation" not in data or data["federation"] is None:
            return data
        kind = data.get("kind")
        if not kind:
            try:
                kind = detect(upload.read(), upload.name)
            except ImportFileError:
                kind = ""  # not recognised: the import lists why, for this federation alone
            upload.seek(0)
        if kind and national_only(kind):
            self.add_error("file", f"{national_only(kind)}. Nothing was stored.")
        return data

    def clean_file(self):
        return clean_upload(self.cleaned_data["file"], door="import")


KINDS = {
    (".csv", ".xlsx", ".txt"): "The selected file must be a CSV or an XLSX workbook",
    (".csv", ".xlsx"): "The selected file must be a CSV or an XLSX workbook",
    (".csv", ".txt"): "The selected file must be a CSV file",
}


def clean_upload(upload, *, door: str, kinds: tuple[str, ...] = (".csv", ".xlsx", ".txt")):
    """The upload policy (kernel/uploads.py) for a file read as rows, in the form, so a file
    it refuses is never stored: the door's size limit, a name its contents agree with, a
    workbook safe to open, and no NHS number (the row and column are named)."""
    try:
        check_size(door, upload.size)
    except UploadRefused as refused:
        raise forms.ValidationError(str(refused)) from None
    name = upload.name.lower()
    if not name.endswith(kinds):
        default = f"The selected file must be one of {', '.join(kinds)}"
        raise forms.ValidationError(KINDS.get(kinds, default))
    head = upload.read(8)
    upload.seek(0)
    if name.endswith(".xlsx") != head.startswith(b"PK\x03\x04"):
        raise forms.ValidationError(
            "The file's contents do not match its name: save it again as CSV or XLSX"
        )
    try:
        problems = screen(upload.read(), upload.name)
    except ImportFileError as error:
        raise forms.ValidationError(f"{error.summary()} Nothing was stored.") from None
    finally:
        upload.seek(0)
    if problems:
        first = problems[0]
        raise forms.ValidationError(
            f"Row {first.row}, column {first.column} {MESSAGE}. Nothing was stored."
        )
    return upload
