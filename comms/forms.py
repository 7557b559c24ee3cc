from __future__ import annotations

from django import forms

from comms.models import (
    ROLE_CHOICES,
    Bulletin,
    Category,
    Event,
    Folder,
    MailSettings,
    Preference,
    Resource,
)
from kernel.dates import formfield_in_years, validate_years
from kernel.headers import refuse_line_breaks
from registry.models import PCN, Federation, Network, Practice
from registry.selectors import federation_pcns_on, federation_practices_on


class AudienceForm(forms.ModelForm):
    """Who a bulletin or event is for, within the sender's membership."""

    audience_roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Only people holding these roles",
        help_text="Leave empty for everyone in the audience.",
    )

    def __init__(self, *args, sender, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(sender, Network):
            del self.fields["audience_pcns"], self.fields["audience_practices"]
            self.fields.pop("to_contacts", None)  # a federation's own directory only
            self.fields["audience_federations"].queryset = Federation.objects.filter(
                network_memberships__network=sender
            ).distinct()
        else:
            del self.fields["audience_federations"]
            self.fields["audience_pcns"].queryset = PCN.objects.filter(
                pk__in=[e["pcn"].pk for e in federation_pcns_on(sender)]
            )
            self.fields["audience_practices"].queryset = Practice.objects.filter(
                pk__in=[p.pk for p in federation_practices_on(sender)]
            )
        for name in ("audience_federations", "audience_pcns", "audience_practices"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = "Leave empty for everyone."

    def clean_title(self):
        """A title is one line: a bulletin's or an event's becomes the subject of emails."""
        title = self.cleaned_data["title"]
        refuse_line_breaks(title)
        return title

    def audience(self) -> dict:
        return {
            name: self.cleaned_data.get(f"audience_{name}", [])
            for name in ("federations", "pcns", "practices")
            if f"audience_{name}" in self.fields
        }


class BulletinForm(AudienceForm):
    class Meta:
        model = Bulletin
        fields = [
            "title",
            "category",
            "essential",
            "body",
            "to_contacts",
            "audience_federations",
            "audience_pcns",
            "audience_practices",
            "audience_roles",
        ]
        widgets = {
            "audience_federations": forms.CheckboxSelectMultiple,
            "audience_pcns": forms.CheckboxSelectMultiple,
            "audience_practices": forms.CheckboxSelectMultiple,
        }
        labels = {
            "audience_federations": "Only these member federations",
            "audience_pcns": "Only people of these PCNs",
            "audience_practices": "Only people of these practices",
            "essential": "Essential: reaches everyone by email, whatever their preferences",
        }


class MailSettingsForm(forms.ModelForm):
    class Meta:
        model = MailSettings
        fields = ["reply_to"]
        error_messages = {
            "reply_to": {
                "invalid": "Enter an email address in the right form, like comms@example.nhs.uk"
            }
        }

    def clean_reply_to(self):
        address = self.cleaned_data["reply_to"].strip()
        refuse_line_breaks(address)
        return address


class SendForm(forms.Form):
    send_at = forms.DateTimeField(
        required=False,
        validators=[validate_years],
        label="Send at (optional)",
        help_text="Leave empty to send now, or give a date and time, e.g. 2026-12-01 09:00.",
    )


class CorrectionForm(forms.Form):
    change_note = forms.CharField(
        label="What the correction changes", max_length=500, widget=forms.Textarea
    )


class PreferencesForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)

        held = dict(Preference.objects.filter(user=user).values_list("category", "choice"))
        for value, label in Category.choices:
            self.fields[value] = forms.ChoiceField(
                label=label,
                choices=Preference.Choice.choices,
                initial=held.get(value, Preference.Choice.EMAIL),
                widget=forms.RadioSelect,
            )


class EventForm(AudienceForm):
    online_link = forms.URLField(
        required=False, assume_scheme="https", label="Online link (optional)"
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "description",
            "agenda",
            "starts_at",
            "ends_at",
            "place",
            "online_link",
            "capacity",
            "audience_federations",
            "audience_pcns",
            "audience_practices",
            "audience_roles",
        ]
        widgets = BulletinForm.Meta.widgets
        labels = {
            **BulletinForm.Meta.labels,
            "starts_at": "Starts (date and time, e.g. 2026-12-03 12:30)",
            "ends_at": "Ends",
        }
        formfield_callback = formfield_in_years

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The end must be after the start")
        return data


class MaterialForm(forms.Form):
    title = forms.CharField(max_length=200)
    file = forms.FileField(help_text="PDF, Word, Excel, CSV or text.")


class BulletinFileForm(forms.Form):
    file = forms.FileField(
        label="Add an image or a file",
        help_text="An image (PNG or JPEG) to show in the bulletin, or a PDF, Word, Excel, CSV or "
        "text file to send with it; 5 MB together. Files are checked for NHS numbers; "
        "images cannot be, so never upload a picture of patient details.",
    )


class ResourceForm(AudienceForm):
    file = forms.FileField(help_text="PDF, Word, Excel, CSV or text.")

    class Meta:
        model = Resource
        fields = [
            "folder",
            "title",
            "description",
            "audience_federations",
            "audience_pcns",
            "audience_practices",
            "audience_roles",
        ]
        widgets = BulletinForm.Meta.widgets
        labels = {
            "audience_federations": "Only people of these member federations may see it",
            "audience_pcns": "Only people of these PCNs may see it",
            "audience_practices": "Only people of these practices may see it",
        }

    def __init__(self, *args, sender, **kwargs):
        super().__init__(*args, sender=sender, **kwargs)
        owner = "network" if isinstance(sender, Network) else "federation"
        self.fields["folder"].queryset = Folder.objects.filter(**{owner: sender})


class VersionForm(forms.Form):
    file = forms.FileField(help_text="PDF, Word, Excel, CSV or text.")
    note = forms.CharField(max_length=300, label="What changed")


class FolderForm(forms.Form):
    name = forms.CharField(max_length=120, label="Folder name")
