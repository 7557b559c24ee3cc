from __future__ import annotations

from django import forms

from directory.models import BoardSeat, Contact
from kernel.dates import formfield_in_years, validate_years
from kernel.uploads import UploadRefused, check_size
from registry.models import PCN, Federation, Practice
from registry.selectors import federation_pcns_on, federation_practices_on

DATE = forms.DateInput(attrs={"type": "date"})


class JoinForm(forms.Form):
    federation = forms.ModelChoiceField(
        queryset=Federation.objects.none(), label="Federation", empty_label=None
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label="Message to the network",
        help_text="For example who you are, why you want to join, who to talk to.",
    )

    def __init__(self, *args, federations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["federation"].queryset = federations


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")], widget=forms.RadioSelect
    )
    start_date = forms.DateField(
        required=False,
        widget=DATE,
        label="Membership starts",
        help_text="Needed to approve.",
        validators=[validate_years],
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        label="Note to the federation",
        help_text="Needed to decline: say why.",
    )


class EndForm(forms.Form):
    end_date = forms.DateField(widget=DATE, label="Last day", validators=[validate_years])


class BoardSeatForm(forms.ModelForm):
    class Meta:
        model = BoardSeat
        fields = ["position", "name", "federation", "start_date", "end_date"]
        widgets = {"start_date": DATE, "end_date": DATE}
        formfield_callback = formfield_in_years

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["federation"].queryset = Federation.objects.filter(
            network_memberships__network=network
        ).distinct()


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "email", "phone", "practice", "pcn", "in_network_directory"]
        help_texts = {
            "practice": "Leave practice and PCN empty for a contact of the federation itself.",
        }

    def __init__(self, *args, federation, practices_only=None, **kwargs):
        super().__init__(*args, **kwargs)
        practices = federation_practices_on(federation)
        if practices_only is not None:
            practices = [p for p in practices if p.pk in practices_only]
            del self.fields["pcn"], self.fields["in_network_directory"]
            self.fields["practice"].required = True
            self.fields["practice"].empty_label = None
            self.fields["practice"].help_text = ""
        self.fields["practice"].queryset = Practice.objects.filter(
            pk__in=[p.pk for p in practices]
        ).order_by("name")
        if "pcn" in self.fields:
            self.fields["pcn"].queryset = PCN.objects.filter(
                pk__in=[e["pcn"].pk for e in federation_pcns_on(federation)]
            ).order_by("name")
            self.fields["pcn"].required = False
        self.fields["practice"].label_from_instance = lambda p: f"{p.name} ({p.code})"


class MemberFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search members",
        help_text="A federation's name, or a practice (ODS code, name, town, postcode) or PCN "
        "it includes",
    )
    region = forms.ChoiceField(required=False, label="NHS England region")
    icb = forms.ChoiceField(required=False, label="Integrated care board")
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[
            ("name", "Name"),
            ("population", "Registered patients"),
            ("practices", "Practices"),
            ("joined", "Date joined"),
        ],
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "All regions")] + [
            (c.code, c.display_name) for c in choices["regions"]
        ]
        self.fields["icb"].choices = [("", "All ICBs")] + [
            (c.code, c.display_name) for c in choices["icbs"]
        ]

    def values(self) -> dict:
        """The filters as given, with anything not on offer ignored."""
        if not self.is_bound or not self.is_valid():
            clean = {}
            for name in ("q", "region", "icb", "sort"):
                try:
                    clean[name] = self.fields[name].clean(self.data.get(name, ""))
                except forms.ValidationError:
                    clean[name] = ""
            return {**clean, "sort": clean["sort"] or "name"}
        return {**self.cleaned_data, "sort": self.cleaned_data["sort"] or "name"}


class ContactsFileForm(forms.Form):
    file = forms.FileField(
        label="Contacts file (CSV)",
        help_text="Columns: organisation, name, role, email, phone, network directory. The "
        "organisation is a member practice's or PCN's ODS code, or empty for the federation. "
        "Download the directory first to get a file in this shape.",
    )

    def clean_file(self):
        # The size limit here; the service screens the file before it writes anything.
        upload = self.cleaned_data["file"]
        try:
            check_size("contacts", upload.size)
        except UploadRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return upload
