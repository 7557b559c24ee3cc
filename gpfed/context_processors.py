from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site(request):
    # imported on first use: settings name this module before the apps are ready
    from accounts import permissions as perms
    from rota import selectors as rota_selectors

    user = getattr(request, "user", None)

    def nav():
        if user is None or not user.is_authenticated:
            return {}
        # imported on first use: settings name this module before the apps are ready
        from accounts.otp import needs_second_step
        from bids.access import bids_federations
        from economics.access import can_open, economics_federations
        from governance.access import can_see_governance, governance_federations
        from voice.access import can_open_voice

        # As the middleware found, unless the view has since signed someone in or verified them.
        found = getattr(request, "gpfed_second_step", None)
        if found and found[0] is user and found[1] == user.is_verified():
            pending = found[2]
        else:
            pending = not user.is_verified() and needs_second_step(user)
        if pending:
            return {"pending": True}  # nothing to offer until the second step is done
        return {
            "registry": perms.can_read_registry(user),
            "imports": perms.can_import(user),
            "manage_users": perms.managed_federations(user).exists(),
            "audit": perms.can_read_audit(user),
            "rota": perms.rota_federations(user).exists()
            or bool(rota_selectors.arrs_pcns(user))
            or user.staff_records.exists(),
            "finance": perms.finance_federations(user).exists()
            or perms.statement_practices(user).exists(),
            "governance": any(can_see_governance(user, f) for f in governance_federations(user)),
            "economics": any(can_open(user, f) for f in economics_federations(user)),
            "bids": bids_federations(user).exists(),
            "voice": can_open_voice(user),
        }

    return {
        "demo_mode": settings.DEMO_MODE,
        "service_name": "gpfed",
        "nav": SimpleLazyObject(nav),
    }
