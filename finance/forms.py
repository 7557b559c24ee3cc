from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from finance.inputs import parse_month
from finance.models import Contract, IncomeEntry, Rule, Service, Settlement
from kernel.dates import YEARS, parse_period
from kernel.uploads import UploadRefused, check_size
from registry.forms import NhsDateField, WhoseFiguresMixin, clean_upload
from registry.models import PCN, Commissioner, Practice


class PoundsField(forms.DecimalField):
    """Money typed in pounds (1,234.56 or £1234.56), cleaned to integer pence."""

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        self.allow_negative = allow_negative
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        kwargs.setdefault(
            "error_messages", {"invalid": "Enter an amount in pounds, for example 1,250.00"}
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("£", "").replace(",", "").strip()
        return super().to_python(value)

    def clean(self, value):
        pounds = super().clean(value)
        if pounds is None:
            return None
        if pounds < 0 and not self.allow_negative:
            raise forms.ValidationError("Enter an amount of £0 or more")
        return int(pounds * 100)

    def prepare_value(self, value):
        if isinstance(value, int):
            return f"{Decimal(value) / 100:.2f}"
        return value


class MonthField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "For example, 2026-10")
        kwargs.setdefault("max_length", 7)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        try:
            return parse_month(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class OrganisationCodeField(forms.CharField):
    """A practice or PCN ODS code, cleaned to the Practice or PCN."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", "A practice (C82001) or PCN (U12345) ODS code")
        super().__init__(**kwargs)

    def clean(self, value):
        code = (super().clean(value) or "").strip().upper()
        found = Practice.objects.filter(code=code).first() or PCN.objects.filter(code=code).first()
        if found is None:
            raise forms.ValidationError(f"There is no practice or PCN with the ODS code {code}")
        return found


class SettingsForm(forms.Form):
    overhead_percent = forms.DecimalField(
        label="Overhead top-slice (%)",
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text="The share of every income line the federation keeps to run itself.",
    )
    bank_account = forms.CharField(label="Bank account code", max_length=20)
    accrued_income_account = forms.CharField(label="Accrued income account code", max_length=20)
    due_to_practices_account = forms.CharField(
        label="Amounts due to practices account code", max_length=20
    )
    income_account = forms.CharField(label="Contract income account code", max_length=20)
    distributions_account = forms.CharField(
        label="Distributions to practices account code", max_length=20
    )


class ServiceForm(forms.Form):
    name = forms.CharField(max_length=200)
    code = forms.SlugField(
        max_length=40, help_text="Used in activity files: lower case, for example phlebotomy"
    )
    description = forms.CharField(required=False, widget=forms.Textarea)
    category = forms.ChoiceField(choices=Service.Category.choices)
    level = forms.ChoiceField(label="Delivered at", choices=Service.Level.choices)
    unit = forms.CharField(
        label="Unit of activity", max_length=60, help_text="For example appointment, blood test"
    )
    staff_monthly_pence = PoundsField(label="Staff cost per month (£)", initial=0)
    premises_monthly_pence = PoundsField(label="Premises cost per month (£)", initial=0)
    management_monthly_pence = PoundsField(label="Management cost per month (£)", initial=0)
    costs_from_rota = forms.BooleanField(
        label="Cost of delivery from the rota",
        required=False,
        help_text="Each month's cost is the Enhanced Access rota's: the hours of its sessions "
        "(planned, until the month has passed) times each person's hourly cost. The staff, "
        "premises and management figures above are then not used; the cost per unit still is",
    )
    cost_per_unit_pence = PoundsField(label="Cost per unit (£)", initial=0)
    alone_fixed_monthly_pence = PoundsField(
        label="Alone: one practice's fixed cost per month (£)",
        initial=0,
        help_text="What it would cost one practice each month to organise the service itself",
    )
    alone_per_unit_pence = PoundsField(label="Alone: cost per unit (£)", initial=0)
    alone_fixed_standing = forms.BooleanField(
        label="The alone fixed cost is a standing charge",
        required=False,
        help_text="A practice alone would pay it every month, used or not (a retainer). "
        "Otherwise, for a service measured by activity, it counts only in months with some",
    )
    alone_source = forms.CharField(
        label="Source of the alone estimate",
        widget=forms.Textarea,
        help_text="Say where the figures come from, so members can challenge them",
    )
    active = forms.BooleanField(label="In use", required=False, initial=True)


class ParticipationForm(forms.Form):
    organisation = OrganisationCodeField(label="Practice or PCN ODS code")
    start_date = NhsDateField(label="Takes part from")


class EndDateForm(forms.Form):
    end_date = NhsDateField(label="Last day")


class ContractForm(forms.Form):
    reference = forms.CharField(max_length=60)
    title = forms.CharField(max_length=200)
    commissioner = forms.CharField(
        label="ICB or sub-ICB code (optional)",
        required=False,
        max_length=10,
        help_text="For example QK1 or 03W. Leave empty and name the body below if it is not one.",
    )
    other_body = forms.CharField(label="Other commissioning body", required=False, max_length=200)
    start_date = NhsDateField(label="Start date")
    end_date = NhsDateField(label="End date (optional)", required=False)
    notice_months = forms.IntegerField(label="Notice period (months)", min_value=0, max_value=60)
    annual_value_pence = PoundsField(label="Annual value (£)")
    basis = forms.ChoiceField(label="Payment basis", choices=Contract.Basis.choices)
    block_annual_pence = PoundsField(label="Block payment per year (£)", initial=0, required=False)
    per_head_rate = forms.DecimalField(
        label="Rate per head per year (£)",
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=4,
    )
    notes = forms.CharField(required=False, widget=forms.Textarea)

    def clean_commissioner(self):
        code = self.cleaned_data["commissioner"].strip().upper()
        if not code:
            return None
        found = Commissioner.objects.filter(
            code=code, kind__in=[Commissioner.Kind.ICB, Commissioner.Kind.SUB_ICB]
        ).first()
        if found is None:
            raise forms.ValidationError(f"There is no ICB or sub-ICB location with the code {code}")
        return found

    def clean(self):
        data = super().clean()
        if data.get("block_annual_pence") is None:
            data["block_annual_pence"] = 0
        return data


class FundedServiceForm(forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    rule = forms.ChoiceField(
        label="Share its money",
        choices=[
            (r.value, r.label) for r in Rule if r not in (Rule.FIXED, Rule.PERCENT, Rule.POINTS)
        ],
    )
    unit_price_pence = PoundsField(label="Price per unit (£, optional)", required=False)
    block_share_percent = forms.DecimalField(
        label="Share of the block payment (%)",
        min_value=0,
        max_value=100,
        decimal_places=2,
        initial=0,
    )

    def __init__(self, *args, federation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(federation=federation)


class KpiForm(forms.Form):
    name = forms.CharField(label="KPI", max_length=200)
    target = forms.CharField(max_length=100, help_text="For example 95% within 2 weeks")
    measure = forms.CharField(label="How it is measured", required=False, max_length=200)


class SubcontractForm(forms.Form):
    organisation = OrganisationCodeField(label="Practice or PCN ODS code")
    share_percent = forms.DecimalField(
        label="Share of the contract (%)", min_value=Decimal("0.01"), max_value=100
    )
    description = forms.CharField(required=False, max_length=300)


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=200)
    file = forms.FileField(help_text="PDF, Word (.docx), Excel (.xlsx), CSV or text")

    def clean_file(self):
        # The size limit here; the kind, content and NHS numbers in the service.
        upload = self.cleaned_data["file"]
        try:
            check_size("contract", upload.size)
        except UploadRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return upload


class ActivityUploadForm(forms.Form):
    file = forms.FileField(
        label="Activity file (CSV or XLSX)",
        help_text=(
            "Columns: ODS code, Service, Month, Units. One row per practice, service and month."
        ),
    )

    def clean_file(self):
        # Screened here, in the request: a refused file is never stored for the worker.
        return clean_upload(self.cleaned_data["file"], door="activity", kinds=(".csv", ".xlsx"))


class ActivityEntryForm(forms.Form):
    organisation = OrganisationCodeField(label="Practice or PCN ODS code")
    service = forms.ModelChoiceField(queryset=Service.objects.none())
    month = MonthField()
    units = forms.IntegerField(min_value=0)

    def __init__(self, *args, federation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(federation=federation)


class IncomeForm(forms.Form):
    description = forms.CharField(max_length=200)
    amount_pence = PoundsField(
        label="Amount (£)",
        allow_negative=True,
        help_text="A refund or clawback is negative, and names the settlement it corrects",
    )
    status = forms.ChoiceField(choices=IncomeEntry.Status.choices)
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="No particular service"
    )
    rule = forms.ChoiceField(label="Share it", choices=Rule.choices)
    shares = forms.CharField(
        label="Fixed amounts, percentages or points (for those rules)",
        required=False,
        widget=forms.Textarea,
        help_text="One practice a line: ODS code and figure, for example C82001 250.00. A "
        "clawback's fixed amounts are negative: C82001 -250.00",
    )
    corrects = forms.ModelChoiceField(
        label="Corrects a posted settlement (adjusting entry)",
        queryset=Settlement.objects.none(),
        required=False,
        empty_label="No: this is this month's income",
    )
    top_slice = forms.TypedChoiceField(
        label="The federation's top-slice",
        choices=[
            ("1", "Take the top-slice before sharing"),
            ("0", "No top-slice: each practice gets exactly its amount (adjusting entries only)"),
        ],
        coerce=lambda value: value == "1",
        initial="1",
        required=False,
        empty_value=True,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, federation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(federation=federation)
        self.fields["corrects"].queryset = Settlement.objects.filter(federation=federation)

    def clean_shares(self):
        text = self.cleaned_data["shares"]
        shares = {}
        codes = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.replace(",", " ").split()
            if len(parts) != 2:
                raise forms.ValidationError(f"Line {number}: write an ODS code and a figure")
            code, figure = parts[0].upper(), parts[1].replace("£", "")
            try:
                value = Decimal(figure)
            except InvalidOperation:
                raise forms.ValidationError(f"Line {number}: {figure!r} is not a number") from None
            if not value.is_finite() or abs(value) >= Decimal(10) ** 10:
                raise forms.ValidationError(
                    f"Line {number}: {figure!r} is not a figure to share by"
                )
            if value < 0 and self.data.get(self.add_prefix("rule")) != Rule.FIXED:
                raise forms.ValidationError(
                    f"Line {number}: a percentage or points cannot be negative (only a fixed "
                    "amount, in a clawback)"
                )
            if code in codes:
                raise forms.ValidationError(
                    f"Line {number}: {code} is already on line {codes[code]}"
                )
            codes[code] = number
            shares[code] = value
        practices = {p.code: p for p in Practice.objects.filter(code__in=shares)}
        unknown = sorted(set(shares) - set(practices))
        if unknown:
            raise forms.ValidationError(f"No practice has the ODS code {', '.join(unknown)}")
        return {practices[c]: v for c, v in shares.items()}


class PeriodForm(forms.Form):
    """The period box of a page read with GET (a statement, the returns): empty is the page's
    own default; a period that is not one is an error on the box, the page still shown."""

    period = forms.CharField(
        required=False,
        max_length=12,
        help_text="A month (2026-10), a quarter (2026-27-Q3) or a financial year (2026-27)",
    )

    def __init__(self, request=None, *, period: str = "", **kwargs):
        text = request.GET.get("period", "") if request is not None else period
        super().__init__({"period": text}, auto_id="%s", **kwargs)

    @classmethod
    def showing(cls, period) -> PeriodForm:
        """The box filled with the period the page shows."""
        form = cls(period=period.key)
        form.is_valid()
        return form

    def clean_period(self):
        text = self.cleaned_data["period"].strip()
        if not text:
            return None
        try:
            return parse_period(text)
        except ValueError as error:
            raise forms.ValidationError(_period_error(text, error)) from None


def _period_error(text: str, error: ValueError) -> str:
    if YEARS in str(error):
        return f"Enter a period in the years {YEARS}, not {text}"
    return (
        f"Enter the period as a month (2026-10), a quarter of a financial year (2026-27-Q3) "
        f"or a financial year (2026-27), not {text}"
    )


class PcnFiguresForm(WhoseFiguresMixin, forms.Form):
    national_label = "The national figures, used by every federation without its own"
    own_label = "{name}'s own figures, used by it alone"
    federation = forms.ChoiceField(
        label="Whose figures", required=False, widget=forms.RadioSelect, choices=()
    )
    financial_year = forms.IntegerField(
        label="Financial year starting in", min_value=2019, max_value=2100
    )
    care_home_beds = forms.IntegerField(label="Care-home beds aligned", min_value=0, required=False)
    iif_points = forms.DecimalField(
        label="IIF points achieved", min_value=0, max_digits=8, decimal_places=2, required=False
    )
    source = forms.CharField(max_length=300, help_text="For example CQC bed list, 1 April 2026")

    def __init__(self, *args, federations=(), national: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.whose(federations=list(federations), national=national)
