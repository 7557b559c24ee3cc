from __future__ import annotations

from django import forms

from comms.models import Bulletin
from kernel.headers import refuse_line_breaks
from registry.forms import NhsDateField
from registry.models import Network, Practice
from voice.models import Audience, Milestone, Question

FEDERATION_AUDIENCES = [
    (Audience.PRACTICES_AND_PCNS, Audience.PRACTICES_AND_PCNS.label),
    (Audience.PRACTICES, Audience.PRACTICES.label),
    (Audience.PCNS, Audience.PCNS.label),
]


class ConsultationForm(forms.Form):
    title = forms.CharField(max_length=200, validators=[refuse_line_breaks])
    purpose = forms.CharField(widget=forms.Textarea, help_text="What is being decided and why.")
    audience = forms.ChoiceField(choices=FEDERATION_AUDIENCES, widget=forms.RadioSelect)
    opens_on = NhsDateField(label="Opens")
    closes_on = NhsDateField(label="Deadline", help_text="Answers are taken to the end of the day")

    def __init__(self, *args, network: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if network:
            del self.fields["audience"]


class QuestionForm(forms.Form):
    text = forms.CharField(max_length=500, label="Question")
    kind = forms.ChoiceField(
        choices=Question.Kind.choices, widget=forms.RadioSelect, label="Kind of answer"
    )
    choices = forms.CharField(
        widget=forms.Textarea,
        required=False,
        label="Answers to choose from",
        help_text="For a choice question: one answer a line",
    )
    required = forms.BooleanField(required=False, initial=True, label="An answer is required")


class AnswerForm(forms.Form):
    """A field for each question, named ``q<id>``."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        for q in questions:
            label = q.text if q.required else f"{q.text} (optional)"
            if q.kind == "choice":
                field = forms.ChoiceField(
                    choices=[(c, c) for c in q.choices], widget=forms.RadioSelect
                )
            elif q.kind == "scale":
                field = forms.ChoiceField(
                    choices=[(str(n), str(n)) for n in range(1, 6)],
                    widget=forms.RadioSelect,
                    help_text="1 is the lowest, 5 the highest",
                )
            else:
                field = forms.CharField(widget=forms.Textarea, max_length=5000)
            field.label, field.required = label, q.required
            self.fields[f"q{q.pk}"] = field

    def answers(self) -> dict[int, object]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items()}


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        widget=forms.Textarea,
        label="You said, we did",
        help_text="What members told you and what you will do about it",
    )
    bulletin = forms.ModelChoiceField(
        queryset=Bulletin.objects.none(),
        label="The bulletin that announces it",
        empty_label="Choose a bulletin",
    )

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        field = "network" if isinstance(owner, Network) else "federation"
        self.fields["bulletin"].queryset = Bulletin.objects.filter(**{field: owner})


class MilestoneForm(forms.Form):
    title = forms.CharField(max_length=200)
    owner = forms.CharField(max_length=200, help_text="The person who sees it through")
    due_on = NhsDateField(label="Due")
    rag = forms.ChoiceField(choices=Milestone.Rag.choices, widget=forms.RadioSelect, label="RAG")
    completed_on = NhsDateField(label="Completed", required=False)


class EngagementForm(forms.Form):
    agreement_signed_on = NhsDateField(label="Membership agreement signed", required=False)
    lead_name = forms.CharField(max_length=200, required=False, label="Nominated lead")
    lead_nominated_on = NhsDateField(label="Lead nominated", required=False)


class AttendanceForm(forms.Form):
    meeting = forms.CharField(
        max_length=200, label="Members' meeting", validators=[refuse_line_breaks]
    )
    meeting_on = NhsDateField(label="Date of the meeting")
    practices = forms.ModelMultipleChoiceField(
        queryset=Practice.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Practices that came",
    )

    def __init__(self, *args, practices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practices"].queryset = practices
