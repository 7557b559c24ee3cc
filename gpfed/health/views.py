"""``/health/live`` and ``/health/ready``: JSON, no sign-in, nothing but the checks' names and
answers (no versions, host names or errors)."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from gpfed.health.selectors import PASSED, readiness


@login_not_required
@never_cache
@require_safe
def live(request):
    """The process answers."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
@require_safe
def ready(request):
    """200 when the database is reachable and migrated, the document storage writable and a
    task worker seen lately; else 503 naming the check that failed."""
    checks = readiness()
    ok = all(answer == PASSED for answer in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503
    )
