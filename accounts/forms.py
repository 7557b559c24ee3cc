from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from accounts.models import Role


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": "Enter a correct email address and password.",
        "inactive": "This account has been deactivated. Ask your federation administrator.",
    }


class PasswordResetRequestForm(PasswordResetForm):
    """The address to send a reset link to. It only collects the address: the request goes
    through ``accounts.services.password_reset_request``, which throttles and audits it."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(label="Role", choices=[])
    organisation = forms.CharField(
        label="Practice or PCN ODS code",
        required=False,
        max_length=10,
        help_text="For a practice or PCN role, for example C82001 or U30213. Leave blank for a "
        "role in the federation.",
    )

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in roles]


class EndRoleForm(forms.Form):
    confirm = forms.BooleanField(required=False)


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label="Your full name", max_length=200)
    password = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common password and not all numbers",
    )
    password_again = forms.CharField(
        label="Enter the password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The passwords do not match")
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="What will use it")
    days = forms.IntegerField(label="Days until it expires", min_value=1, max_value=365, initial=90)


FEDERATION_INVITE_ROLES = [
    Role.FEDERATION_ADMIN,
    Role.FINANCE_LEAD,
    Role.OPERATIONS_LEAD,
    Role.COMMUNICATIONS_LEAD,
    Role.BOARD_MEMBER,
    Role.PCN_CLINICAL_DIRECTOR,
    Role.PRACTICE_MANAGER,
    Role.PRACTICE_STAFF,
]


class OtpForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=12,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
