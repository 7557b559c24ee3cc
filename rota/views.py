"""Pages for shared staff, the Enhanced Access rota and ARRS claims. Each view checks access in
accounts.permissions, validates, calls a service or selector, and renders."""

# Over 500 lines: every rota page; to become a views package by section.

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import permissions as perms
from kernel.dates import add_months, last_month, parse_month, parse_week
from kernel.exports import csv_response
from kernel.pages import BadQuery, query_value
from registry.importers.base import ImportFileError
from registry.models import PCN, Federation
from registry.selectors import federation_pcns_on
from registry.views import posted
from rota import arrs, forms, services, tasks
from rota import selectors as rota_selectors
from rota.models import AccessPcn, PlanRun, RotaSession, Site, Staff
from rota.planner import cost_of
from rota.services import RotaError, local, monday_of

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _federation(request, slug: str, *, manage: bool = False) -> Federation:
    federation = get_object_or_404(perms.rota_federations(request.user), slug=slug)
    if manage:
        perms.require(perms.can_manage_rota(request.user, federation))
    return federation


def _pcn_ids(federation) -> list[int]:
    return list(AccessPcn.objects.filter(federation=federation).values_list("pcn_id", flat=True))


def _window(request) -> tuple[date, int]:
    start = query_value(request, "start", parse_week, monday_of(date.today()))
    try:
        weeks = max(1, min(12, int(request.GET.get("weeks", 4))))
    except ValueError:
        weeks = 4
    return start, weeks


def index(request):
    federations = perms.rota_federations(request.user)
    claims = rota_selectors.arrs_pcns(request.user)
    mine = Staff.objects.filter(user=request.user).select_related("federation")
    if federations.count() == 1 and not claims and not mine:
        return redirect("rota:federation", federations.get().slug)
    return render(
        request, "rota/index.html", {"federations": federations, "claims": claims, "mine": mine}
    )


def federation_home(request, slug):
    federation = _federation(request, slug)
    start, weeks = _window(request)
    found = rota_selectors.assessment(federation, start, weeks)
    loaded = found["loaded"]
    runs = PlanRun.objects.filter(federation=federation)[:5]
    can_manage = perms.can_manage_rota(request.user, federation)
    form = forms.PlanForm(initial={"start": start, "weeks": weeks})
    # A week with no session at all is not planned yet (or is being planned): say so, rather
    # than "not met" with a reason for every PCN.
    planned = {r["week_start"] for r in found["compliance"] if r["planned_minutes"]}
    compliance = [{**r, "planned": r["week_start"] in planned} for r in found["compliance"]]
    unplanned = sorted({r["week_start"] for r in compliance if not r["planned"]})
    shortfalls = [s for s in found["shortfalls"] if s["week_start"] in planned]
    costs = [
        {
            "pcn": p,
            "cost": found["cost_by_pcn"].get(p.code, 0),
            "minutes": sum(r["planned_minutes"] for r in found["compliance"] if r["pcn"] == p.code),
        }
        for p in loaded.problem.pcns
    ]
    return render(
        request,
        "rota/federation.html",
        {
            "federation": federation,
            "start": start,
            "weeks": weeks,
            "end": start + timedelta(weeks=weeks, days=-1),
            "previous": start - timedelta(weeks=weeks),
            "next": start + timedelta(weeks=weeks),
            "compliance": compliance,
            "shortfalls": shortfalls,
            "unplanned": unplanned,
            "costs": costs,
            "cost_pence": found["cost_pence"],
            "pcns": loaded.problem.pcns,
            "session_count": len(found["sessions"]),
            "sites": Site.objects.filter(federation=federation),
            "runs": runs,
            "busy": any(r.status in (PlanRun.Status.QUEUED, PlanRun.Status.RUNNING) for r in runs),
            "form": form,
            "can_manage": can_manage,
            "month": last_month(),
        },
    )


@require_POST
def plan(request, slug):
    federation = _federation(request, slug, manage=True)
    form = forms.PlanForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("rota:federation", slug)
    start, weeks = form.cleaned_data["start"], form.cleaned_data["weeks"]
    try:
        run = services.plan_request(federation, start, weeks, by=request.user, seconds=_seconds())
    except RotaError as error:
        messages.error(request, error.message)
        return redirect("rota:federation", slug)
    transaction.on_commit(lambda: tasks.plan_rota.enqueue(run.pk))
    messages.success(
        request,
        f"Planning {weeks} week{'s' * (weeks != 1)} from {start:%-d %B %Y}: the rota below "
        "updates when the planner finishes.",
    )
    return redirect(f"{reverse('rota:federation', args=[slug])}?start={start}&weeks={weeks}")


def _seconds() -> int:
    return settings.GPFED_ROTA_SECONDS


def run_status(request, slug, pk):
    federation = _federation(request, slug)
    run = get_object_or_404(PlanRun, federation=federation, pk=pk)
    return render(request, "rota/_run.html", {"run": run, "federation": federation})


def _week_grid(sessions, week: date) -> list[dict]:
    by_day = defaultdict(list)
    for s in sessions:
        by_day[local(s.start).date()].append(s)
    return [
        {"day": week + timedelta(days=d), "sessions": by_day.get(week + timedelta(days=d), [])}
        for d in range(6)
    ]


def _week_sessions(federation, week: date, **filters):
    first = services.aware(datetime.combine(week, datetime.min.time()))
    return list(
        RotaSession.objects.filter(
            federation=federation, start__gte=first, start__lt=first + timedelta(weeks=1), **filters
        )
        .select_related("staff", "site", "pcn")
        .order_by("start", "staff__name")
    )


def site_week(request, slug, pk):
    federation = _federation(request, slug)
    site = get_object_or_404(Site, federation=federation, pk=pk)
    week = query_value(request, "week", parse_week, monday_of(date.today()))
    sessions = _week_sessions(federation, week, site=site)
    return render(
        request,
        "rota/week.html",
        {
            "federation": federation,
            "subject": site,
            "kind": "site",
            "title": f"{site.name}: week of {week:%-d %B %Y}",
            "week": week,
            "previous": week - timedelta(weeks=1),
            "next": week + timedelta(weeks=1),
            "days": _week_grid(sessions, week),
            "can_manage": perms.can_manage_rota(request.user, federation),
            "url_name": "rota:site",
        },
    )


def _person(request, slug, pk) -> tuple[Federation, Staff]:
    """A staff record: for the federation's rota viewers, and for the person it belongs to."""
    person = get_object_or_404(
        Staff.objects.select_related("federation"), pk=pk, federation__slug=slug
    )
    own = person.user_id is not None and person.user_id == request.user.pk
    if not (own or perms.can_view_rota(request.user, person.federation)):
        raise Http404("No such person")
    return person.federation, person


def person_week(request, slug, pk):
    federation, person = _person(request, slug, pk)
    week = query_value(request, "week", parse_week, monday_of(date.today()))
    sessions = _week_sessions(federation, week, staff=person)
    minutes = sum((s.end - s.start).total_seconds() // 60 for s in sessions)
    return render(
        request,
        "rota/week.html",
        {
            "federation": federation,
            "subject": person,
            "kind": "person",
            "title": f"{person.name}: week of {week:%-d %B %Y}",
            "week": week,
            "previous": week - timedelta(weeks=1),
            "next": week + timedelta(weeks=1),
            "days": _week_grid(sessions, week),
            "hours": minutes / 60,
            "availability": person.availability.all(),
            "changes": person.changes.filter(date_to__gte=week),
            "can_manage": perms.can_manage_rota(request.user, federation),
            "can_edit_availability": _can_edit_availability(request.user, person),
            "hide_subnav": not perms.can_view_rota(request.user, federation),
            "url_name": "rota:person",
        },
    )


def _can_edit_availability(user, person) -> bool:
    return perms.can_manage_rota(user, person.federation) or (
        person.user_id is not None and person.user_id == user.pk
    )


def person_calendar(request, slug, pk):
    """The person's sessions from four weeks ago onwards as an iCalendar file."""
    from icalendar import Calendar, Event

    _, person = _person(request, slug, pk)
    since = timezone.now() - timedelta(weeks=4)
    calendar = Calendar()
    calendar.add("prodid", "-//gpfed//Enhanced Access rota//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{person.name}: Enhanced Access")
    for s in person.sessions.filter(start__gte=since).select_related("site", "pcn"):
        event = Event()
        event.add("uid", f"rota-session-{s.pk}@gpfed")
        event.add("summary", f"Enhanced Access: {s.site.name} ({s.pcn.code})")
        event.add("dtstart", timezone.localtime(s.start))
        event.add("dtend", timezone.localtime(s.end))
        stamp = s.edited_at or (s.run.finished_at if s.run else None) or timezone.now()
        event.add("dtstamp", stamp)
        event.add("location", ", ".join(x for x in (s.site.name, s.site.address) if x))
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rota-{person.pk}.ics"'
    return response


def sessions_csv(request, slug):
    federation = _federation(request, slug)
    start, weeks = _window(request)
    header, rows = services.sessions_export(federation, start, weeks, by=request.user)
    return csv_response(f"rota-{federation.slug}-{start}.csv", header, rows)


def session_cost_of(s: RotaSession) -> int:
    return cost_of(s.staff.pence_per_hour, int((s.end - s.start).total_seconds() // 60))


def _session_page(request, federation, session: RotaSession | None):
    initial = {}
    if session:
        initial = {
            "staff": session.staff_id,
            "site": session.site_id,
            "pcn": session.pcn_id,
            "day": local(session.start).date(),
            "start": f"{local(session.start):%H:%M}",
            "end": f"{local(session.end):%H:%M}",
            "locked": session.locked,
        }
    elif request.GET.get("day"):
        initial = {"day": request.GET["day"]}
    form = forms.SessionForm(
        *posted(request), federation=federation, pcn_ids=_pcn_ids(federation), initial=initial
    )
    refused = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.session_save(
                federation,
                session,
                staff=data["staff"],
                site=data["site"],
                pcn=data["pcn"],
                start=services.aware(data["start_at"]),
                end=services.aware(data["end_at"]),
                by=request.user,
                locked=data["locked"],
            )
        except RotaError as error:
            refused = error
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                f"Session saved: {saved.staff.name} at {saved.site.name}, "
                f"{local(saved.start):%A %-d %B %H:%M}-{local(saved.end):%H:%M}. "
                "Compliance below reflects the change.",
            )
            week = monday_of(local(saved.start).date())
            return redirect(f"{reverse('rota:federation', args=[federation.slug])}?start={week}")
    return render(
        request,
        "rota/session_form.html",
        {"federation": federation, "form": form, "session": session, "refused": refused},
    )


def session_edit(request, slug, pk):
    federation = _federation(request, slug, manage=True)
    session = get_object_or_404(RotaSession, federation=federation, pk=pk)
    return _session_page(request, federation, session)


def session_add(request, slug):
    federation = _federation(request, slug, manage=True)
    return _session_page(request, federation, None)


@require_POST
def session_lock(request, slug, pk):
    federation = _federation(request, slug, manage=True)
    session = get_object_or_404(RotaSession, federation=federation, pk=pk)
    locked = request.POST.get("locked") == "1"
    services.session_lock(session, locked, by=request.user)
    messages.success(request, f"Session {'locked' if locked else 'unlocked'}.")
    week = monday_of(local(session.start).date())
    return redirect(f"{reverse('rota:site', args=[slug, session.site_id])}?week={week}")


@require_POST
def session_delete(request, slug, pk):
    federation = _federation(request, slug, manage=True)
    session = get_object_or_404(RotaSession, federation=federation, pk=pk)
    week = monday_of(local(session.start).date())
    try:
        services.session_delete(session, by=request.user)
    except RotaError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Session removed.")
    return redirect(f"{reverse('rota:site', args=[slug, session.site_id])}?week={week}")


# --- staff, sites, PCNs, availability -----------------------------------------------------


def staff_list(request, slug):
    federation = _federation(request, slug)
    people = Staff.objects.filter(federation=federation).select_related("pcn")
    return render(
        request,
        "rota/staff_list.html",
        {
            "federation": federation,
            "people": people,
            "can_manage": perms.can_manage_rota(request.user, federation),
        },
    )


def _record_form(request, federation, form, *, noun, title, done):
    if request.method == "POST" and form.is_valid():
        obj = services.record_save(
            obj=form.save(commit=False),
            federation=federation,
            noun=noun,
            fields=[f for f in form.Meta.fields if f not in ("sites", "pcns")],
            by=request.user,
            save_related=form.save_m2m,
        )
        messages.success(request, f"{obj} saved.")
        return redirect(done(obj))
    return render(
        request,
        "rota/form.html",
        {"federation": federation, "form": form, "title": title, "button": "Save"},
    )


def staff_edit(request, slug, pk=None):
    federation = _federation(request, slug, manage=True)
    person = get_object_or_404(Staff, federation=federation, pk=pk) if pk else None
    form = forms.StaffForm(*posted(request), instance=person, federation=federation)
    return _record_form(
        request,
        federation,
        form,
        noun="staff",
        title=f"Change {person.name}" if person else "Add a member of staff",
        done=lambda p: reverse("rota:person", args=[slug, p.pk]),
    )


def site_list(request, slug):
    federation = _federation(request, slug)
    return render(
        request,
        "rota/site_list.html",
        {
            "federation": federation,
            "sites": Site.objects.filter(federation=federation).prefetch_related("pcns"),
            "can_manage": perms.can_manage_rota(request.user, federation),
        },
    )


def site_edit(request, slug, pk=None):
    federation = _federation(request, slug, manage=True)
    site = get_object_or_404(Site, federation=federation, pk=pk) if pk else None
    form = forms.SiteForm(*posted(request), instance=site, pcn_ids=_pcn_ids(federation))
    return _record_form(
        request,
        federation,
        form,
        noun="site",
        title=f"Change {site.name}" if site else "Add a site",
        done=lambda s: reverse("rota:sites", args=[slug]),
    )


def pcn_list(request, slug):

    federation = _federation(request, slug)
    can_manage = perms.can_manage_rota(request.user, federation)
    if request.method == "POST":
        perms.require(can_manage)
        pcn = get_object_or_404(PCN, code=request.POST.get("pcn", ""))
        services.access_pcn_add(federation=federation, pcn=pcn, by=request.user)
        messages.success(request, f"The federation runs Enhanced Access for {pcn.code}.")
        return redirect("rota:pcns", slug)
    accesses = AccessPcn.objects.filter(federation=federation).select_related("pcn")
    held = {a.pcn_id for a in accesses}
    found = rota_selectors.load(federation, date.today(), 1, keep=False)
    return render(
        request,
        "rota/pcns.html",
        {
            "federation": federation,
            "rows": [
                {
                    "access": a,
                    "pcn": next(p for p in found.problem.pcns if p.code == a.pcn.code),
                    "source": found.population_source[a.pcn.code].basis,
                    "own": found.population_source[a.pcn.code].is_override,
                }
                for a in accesses
            ],
            "others": [e["pcn"] for e in federation_pcns_on(federation) if e["pcn"].pk not in held],
            "can_manage": can_manage,
        },
    )


def agreed_add(request, slug, pk):
    federation = _federation(request, slug, manage=True)
    access = get_object_or_404(AccessPcn, federation=federation, pk=pk)
    form = forms.AgreedHoursForm(*posted(request))
    if request.method == "POST" and form.is_valid():
        block = services.agreed_hours_add(
            access=access, block=form.save(commit=False), by=request.user
        )
        messages.success(request, f"Agreed hours added for {access.pcn.code}: {block}.")
        return redirect("rota:pcns", slug)
    return render(
        request,
        "rota/form.html",
        {
            "federation": federation,
            "form": form,
            "button": "Add",
            "title": f"Add hours the commissioner agreed for {access.pcn.code}",
        },
    )


def _person_form(request, slug, pk, form_class, *, save, title: str, button: str, done: str):
    """A form about one person's availability: theirs to fill in, or operations'."""
    federation, person = _person(request, slug, pk)
    perms.require(_can_edit_availability(request.user, person))
    form = form_class(*posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            save(person, by=request.user, **form.cleaned_data)
        except RotaError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, done)
            return redirect("rota:person", slug, pk)
    return render(
        request,
        "rota/form.html",
        {"federation": federation, "form": form, "button": button, "title": title % person.name},
    )


def availability_add(request, slug, pk):
    return _person_form(
        request,
        slug,
        pk,
        forms.AvailabilityForm,
        save=services.availability_add,
        title="Add a weekly window when %s can work",
        button="Add",
        done="Weekly availability added.",
    )


def change_add(request, slug, pk):
    return _person_form(
        request,
        slug,
        pk,
        forms.ChangeForm,
        save=services.change_add,
        title="Record leave or a one-off change for %s",
        button="Save",
        done="Leave or change recorded.",
    )


def availability_import(request, slug):
    federation = _federation(request, slug, manage=True)
    form = forms.UploadForm(*posted(request, files=True))
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.availability_import(
                federation, form.cleaned_data["file"].read(), by=request.user
            )
        except ImportFileError as error:
            problems = error.problems
            form.add_error(
                "file",
                f"The file has {error.total} problem"
                f"{'s' * (error.total != 1)}. Nothing was imported.",
            )
        else:
            messages.success(
                request,
                f"Imported {outcome['windows']} weekly windows for {outcome['staff']} people.",
            )
            return redirect("rota:staff", slug)
    return render(
        request, "rota/import.html", {"federation": federation, "form": form, "problems": problems}
    )


# --- ARRS --------------------------------------------------------------------------------


def _arrs_pcn(request, slug, code):
    federation = get_object_or_404(Federation, slug=slug)
    pcn = get_object_or_404(PCN, code=code.upper())
    if not perms.can_view_arrs(request.user, federation, pcn):
        raise Http404("No such claim")
    return federation, pcn


def _claim_month(request) -> date:
    return query_value(request, "month", parse_month, last_month())


def _claim(federation, pcn, month: date) -> dict:
    try:
        return arrs.claim(federation, pcn, month)
    except arrs.NoMaxima as error:
        raise BadQuery(f"month: {error}") from None


def arrs_claim(request, slug, code):
    federation, pcn = _arrs_pcn(request, slug, code)
    month = _claim_month(request)
    figures = _claim(federation, pcn, month)
    return render(
        request,
        "rota/arrs.html",
        {
            "federation": federation,
            "pcn": pcn,
            "month": month,
            "previous": add_months(month, -1),
            "next": add_months(month, 1),
            "figures": figures,
            "fingerprint": arrs.fingerprint(figures),
            "can_submit": perms.can_submit_arrs(request.user, federation, pcn),
        },
    )


def arrs_csv(request, slug, code):
    federation, pcn = _arrs_pcn(request, slug, code)
    month = _claim_month(request)
    try:
        rows = arrs.claim_export(federation, pcn, month, by=request.user)
    except arrs.NoMaxima as error:
        raise BadQuery(f"month: {error}") from None
    return csv_response(f"arrs-{pcn.code}-{month:%Y-%m}.csv", rows[0], rows[1:])


@require_POST
def arrs_submit(request, slug, code):
    federation, pcn = _arrs_pcn(request, slug, code)
    perms.require(perms.can_submit_arrs(request.user, federation, pcn))
    month = _claim_month(request)
    try:
        found = arrs.submit(
            federation, pcn, month, by=request.user, expected=request.POST.get("fingerprint")
        )
    except arrs.ClaimError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Claim {found.reference} submitted and locked.")
    return redirect(f"{reverse('rota:arrs', args=[slug, pcn.code])}?month={month:%Y-%m}")
