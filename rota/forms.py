from __future__ import annotations

from datetime import date, datetime

from django import forms

from kernel.dates import formfield_in_years, validate_years
from registry.forms import clean_upload
from registry.models import PCN
from registry.selectors import federation_pcns_on, federation_practices_on
from rota.models import AgreedHours, Availability, AvailabilityChange, Site, Staff

TIME = forms.TimeInput(attrs={"type": "time", "class": "nhsuk-input nhsuk-input--width-5"})
DATE = forms.DateInput(attrs={"type": "date", "class": "nhsuk-input nhsuk-input--width-10"})


class PlanForm(forms.Form):
    start = forms.DateField(
        label="First week (a Monday)",
        widget=DATE,
        help_text="For example 7/12/2026.",
        validators=[validate_years],
    )
    weeks = forms.IntegerField(label="Number of weeks", min_value=1, max_value=12, initial=4)

    def clean_start(self):
        start = self.cleaned_data["start"]
        if start.weekday() != 0:
            raise forms.ValidationError(f"{start:%A %-d %B %Y} is not a Monday")
        return start


class SessionForm(forms.Form):
    staff = forms.ModelChoiceField(queryset=Staff.objects.none(), label="Person")
    site = forms.ModelChoiceField(queryset=Site.objects.none())
    pcn = forms.ModelChoiceField(queryset=PCN.objects.none(), label="PCN")
    day = forms.DateField(widget=DATE, validators=[validate_years])
    start = forms.TimeField(widget=TIME, help_text="On the hour or half hour.")
    end = forms.TimeField(widget=TIME)
    locked = forms.BooleanField(required=False, label="Lock: keep when planning again")

    def __init__(self, *args, federation, pcn_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Staff.objects.filter(
            federation=federation, max_hours_per_week__gt=0
        )
        self.fields["site"].queryset = Site.objects.filter(federation=federation)
        self.fields["pcn"].queryset = PCN.objects.filter(pk__in=pcn_ids)

    def clean(self):
        data = super().clean()
        if data.get("day") and data.get("start") and data.get("end"):
            data["start_at"] = datetime.combine(data["day"], data["start"])
            data["end_at"] = datetime.combine(data["day"], data["end"])
            if data["end_at"] <= data["start_at"]:
                self.add_error("end", "The session must end after it starts")
        return data


class StaffForm(forms.ModelForm):
    class Meta:
        model = Staff
        fields = [
            "name",
            "email",
            "role",
            "afc_band",
            "employer",
            "employer_practice",
            "pcn",
            "arrs_funded",
            "additional_to_baseline",
            "wte",
            "start_date",
            "end_date",
            "annual_salary_pence",
            "annual_oncosts_pence",
            "pence_per_hour",
            "max_hours_per_week",
            "sites",
        ]
        widgets = {"start_date": DATE, "end_date": DATE, "sites": forms.CheckboxSelectMultiple}
        formfield_callback = formfield_in_years
        labels = {
            "annual_salary_pence": "Annual salary (pence)",
            "annual_oncosts_pence": "Annual employer on-costs (pence)",
            "pence_per_hour": "Sessional cost per hour (pence)",
        }

    def __init__(self, *args, federation, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["sites"].queryset = Site.objects.filter(federation=federation)
        practices = federation_practices_on(federation)
        self.fields["employer_practice"].queryset = self.fields[
            "employer_practice"
        ].queryset.filter(pk__in=[p.pk for p in practices])
        self.fields["pcn"].queryset = PCN.objects.filter(
            pk__in=[e["pcn"].pk for e in federation_pcns_on(federation)]
        )


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = [
            "name",
            "address",
            "postcode",
            "pcns",
            "rooms",
            "opens",
            "closes",
            "open_weekdays",
            "open_saturdays",
        ]
        widgets = {"opens": TIME, "closes": TIME, "pcns": forms.CheckboxSelectMultiple}
        labels = {"pcns": "PCNs it may serve"}

    def __init__(self, *args, pcn_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pcns"].queryset = PCN.objects.filter(pk__in=pcn_ids)

    def clean(self):
        data = super().clean()
        if data.get("opens") and data.get("closes") and data["closes"] <= data["opens"]:
            self.add_error("closes", "The site must close after it opens")
        return data


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = Availability
        fields = ["weekday", "start", "end"]
        widgets = {"start": TIME, "end": TIME}

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "The window must end after it starts")
        return data


class ChangeForm(forms.ModelForm):
    class Meta:
        model = AvailabilityChange
        fields = ["date_from", "date_to", "start", "end", "available", "reason"]
        widgets = {"date_from": DATE, "date_to": DATE, "start": TIME, "end": TIME}
        formfield_callback = formfield_in_years
        labels = {"available": "Available (leave unticked for leave or unavailability)"}


class AgreedHoursForm(forms.ModelForm):
    class Meta:
        model = AgreedHours
        fields = ["weekday", "start", "end"]
        widgets = {"start": TIME, "end": TIME}

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            minutes = (
                datetime.combine(date.min, data["end"]) - datetime.combine(date.min, data["start"])
            ).total_seconds() / 60
            if minutes < 30:
                self.add_error("end", "Agreed blocks are at least 30 continuous minutes")
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Availability file (CSV)",
        help_text="Columns: staff, weekday, start, end. Staff by email or exact name.",
    )

    def clean_file(self):
        return clean_upload(self.cleaned_data["file"], door="availability", kinds=(".csv", ".txt"))
