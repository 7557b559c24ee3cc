"""The members' voice pages: a federation's (or a network's) consultations, setting one up
(questions, then a confirm page to open it), answering for an organisation, reminders, the
results with their CSV and PDF, "you said, we did"; and the federating programme."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from finance.pdf import PdfUnavailable
from kernel.exports import csv_response
from kernel.formats import counted
from kernel.pages import form_page
from registry.models import Federation, Network, Practice
from registry.selectors import federation_member_ids_on, today
from registry.views import posted
from voice import access, charts, forms, pdf, rollup, selectors, services
from voice.errors import VoiceError
from voice.models import Consultation, Milestone


def _federation(request, slug: str, *, run: bool = False) -> Federation:
    federation = get_object_or_404(Federation, slug=slug)
    if not access.can_see_programme(request.user, federation):
        raise Http404("No such federation")
    if run and not access.can_run(request.user, federation):
        raise Http404("No such page")
    return federation


def _network(request, slug: str, *, run: bool = False) -> Network:
    network = get_object_or_404(Network, slug=slug)
    if not access.is_member(request.user, network):
        raise Http404("No such network")
    if run and not access.can_run(request.user, network):
        raise Http404("No such page")
    return network


def _consultation(request, pk: int, *, run: bool = False) -> Consultation:
    consultation = get_object_or_404(
        Consultation.objects.select_related("federation", "network", "bulletin"), pk=pk
    )
    if access.can_run(request.user, consultation.owner):
        return consultation
    if run:
        raise Http404("No such consultation")
    if access.can_open(request.user, consultation, selectors.audience_of(consultation)):
        return consultation
    raise Http404("No such consultation")


def _home_of(consultation: Consultation) -> str:
    if consultation.network_id:
        return reverse("voice:network", args=[consultation.network.slug])
    return reverse("voice:federation", args=[consultation.federation.slug])


def index(request):
    federations, networks = access.voice_owners(request.user)
    if not federations and not networks:
        raise Http404("No consultations to show")
    return render(request, "voice/index.html", {"federations": federations, "networks": networks})


def _listed(request, owner) -> list[dict]:
    run = access.can_run(request.user, owner)
    rows = []
    for c in selectors.consultations_of(owner):
        if not run and c.is_draft:
            continue
        rows.append(
            {
                "consultation": c,
                "status": selectors.status_of(c),
                "responses": len(c.responses.all()),
                # listed to every member, opened only by those it asks or once it reports
                "opens": run or access.can_open(request.user, c, selectors.audience_of(c)),
            }
        )
    return rows


def federation(request, slug):
    federation = _federation(request, slug)
    return render(
        request,
        "voice/home.html",
        {
            "owner": federation,
            "rows": _listed(request, federation),
            "run": access.can_run(request.user, federation),
            "new_url": reverse("voice:consultation_new", args=[slug]),
            "programme_url": reverse("voice:programme", args=[slug]),
        },
    )


def network(request, slug):
    network = _network(request, slug)
    return render(
        request,
        "voice/home.html",
        {
            "owner": network,
            "rows": _listed(request, network),
            "run": access.can_run(request.user, network),
            "new_url": reverse("voice:network_consultation_new", args=[slug]),
        },
    )


def _new(request, *, owner, back: str, network: bool):
    form = forms.ConsultationForm(*posted(request), network=network)
    key = "network" if network else "federation"
    return form_page(
        request,
        form,
        save=lambda d: services.consultation_create(**{key: owner}, by=request.user, **d),
        done=lambda c: (
            f"{c.title} set up: add its questions, then open it",
            reverse("voice:consultation", args=[c.pk]),
        ),
        title=f"Consult {'member federations' if network else 'member practices and PCNs'}",
        errors=VoiceError,
        back=back,
        button="Set up",
    )


def consultation_new(request, slug):
    owner = _federation(request, slug, run=True)
    return _new(request, owner=owner, back=reverse("voice:federation", args=[slug]), network=False)


def network_consultation_new(request, slug):
    owner = _network(request, slug, run=True)
    return _new(request, owner=owner, back=reverse("voice:network", args=[slug]), network=True)


def consultation(request, pk):
    c = _consultation(request, pk)
    run = access.can_run(request.user, c.owner)
    audience = selectors.audience_of(c)
    mine = access.answers_for(request.user, c, audience) if not c.is_draft else {}
    answered = selectors.answered_keys(c)
    return render(
        request,
        "voice/consultation.html",
        {
            "c": c,
            "status": selectors.status_of(c),
            "open": selectors.is_open(c),
            "run": run,
            "back": _home_of(c),
            "questions": list(c.questions.all()),
            "mine": [
                {"key": k, "organisation": o, "answered": k in answered} for k, o in mine.items()
            ],
            "asked": len(audience),
            "answered": len(answered),
            "waiting": [o for k, o in audience.items() if k not in answered] if run else [],
            "rounds": list(c.reminder_rounds.all()) if run else [],
            "results": access.can_see_results(request.user, c),
        },
    )


def question_new(request, pk):
    c = _consultation(request, pk, run=True)
    if not c.is_draft:
        raise Http404("The questions are fixed")
    form = forms.QuestionForm(*posted(request), initial={"kind": "choice", "required": True})
    return form_page(
        request,
        form,
        save=lambda d: services.question_add(
            consultation=c,
            kind=d["kind"],
            text=d["text"],
            choices=d["choices"].splitlines(),
            required=d["required"],
            by=request.user,
        ),
        done=lambda q: (f"Question {q.position} added", reverse("voice:consultation", args=[pk])),
        title=f"Add a question to {c.title}",
        errors=VoiceError,
        back=reverse("voice:consultation", args=[pk]),
        button="Add the question",
    )


@require_http_methods(["GET", "POST"])
def consultation_open(request, pk):
    c = _consultation(request, pk, run=True)
    if request.method == "POST":
        try:
            services.consultation_open(consultation=c, by=request.user)
        except VoiceError as refused:
            messages.error(request, refused.message)
        else:
            asked = counted(len(selectors.audience_of(c)), "organisation")
            messages.success(request, f"{c.title} is open: {asked} asked")
        return redirect("voice:consultation", pk=pk)
    return render(
        request,
        "voice/confirm.html",
        {
            "c": c,
            "title": f"Open {c.title}",
            "what": (
                f"{counted(len(selectors.audience_of(c)), 'organisation')} will be able to "
                "answer from "
                f"{c.opens_on:%-d %B %Y} to the end of {c.closes_on:%-d %B %Y}. The "
                "questions cannot be changed once it is open."
            ),
            "button": "Open the consultation",
        },
    )


def answer(request, pk, org):
    c = _consultation(request, pk)
    audience = selectors.audience_of(c)
    organisation = access.answers_for(request.user, c, audience).get(org)
    if organisation is None or c.is_draft:
        raise Http404("No such organisation")
    given = selectors.response_of(c, organisation)
    questions = list(c.questions.all())
    initial = {f"q{k}": str(v) for k, v in selectors.answers_of(given).items()}
    if not selectors.is_open(c):
        return render(
            request,
            "voice/answer_closed.html",
            {
                "c": c,
                "organisation": organisation,
                "given": given,
                "questions": questions,
                "answers": selectors.answers_of(given),
            },
        )
    form = forms.AnswerForm(*posted(request), questions=questions, initial=initial)
    return form_page(
        request,
        form,
        save=lambda _: services.response_submit(
            consultation=c, organisation_key=org, answers=form.answers(), by=request.user
        ),
        done=lambda _: (
            f"{organisation.name}'s answer {'changed' if given else 'sent'}",
            reverse("voice:consultation", args=[pk]),
        ),
        title=f"{c.title}: {organisation.name}'s answer",
        errors=VoiceError,
        template="voice/answer.html",
        back=reverse("voice:consultation", args=[pk]),
        button="Change the answer" if given else "Send the answer",
        c=c,
        given=given,
        organisation=organisation,
    )


@require_http_methods(["GET", "POST"])
def remind(request, pk):
    c = _consultation(request, pk, run=True)
    waiting = selectors.not_answered(c)
    if request.method == "POST":
        try:
            round_ = services.reminder_round_start(consultation=c, by=request.user)
        except VoiceError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                f"Reminder round {round_.number} started: "
                f"{counted(len(waiting), 'organisation')} without an answer are being reminded",
            )
        return redirect("voice:consultation", pk=pk)
    return render(
        request,
        "voice/confirm.html",
        {
            "c": c,
            "title": f"Remind those who have not answered {c.title}",
            "what": (
                f"{counted(len(waiting), 'organisation')} without an answer. The people who "
                "answer for each are emailed once in this round."
            ),
            "button": "Send the reminders",
        },
    )


def _results(request, pk) -> Consultation:
    c = _consultation(request, pk)
    if not access.can_see_results(request.user, c):
        raise Http404("No results to show")
    return c


def results(request, pk):
    c = _results(request, pk)
    return render(
        request,
        "voice/results.html",
        {
            "c": c,
            "results": selectors.results_of(c),
            "dimensions": rollup.DIMENSIONS,
            "asked": len(selectors.audience_of(c)),
            "back": reverse("voice:consultation", args=[pk]),
        },
    )


def results_csv(request, pk):
    c = _results(request, pk)
    results = services.results_export(c, by=request.user, form="csv")
    return csv_response(
        f"consultation-{c.pk}-results.csv", rollup.CSV_HEADER, rollup.csv_rows(results)
    )


def results_pdf(request, pk):
    c = _results(request, pk)
    results = services.results_export(c, by=request.user, form="pdf")
    try:
        data = pdf.summary_pdf(c, results, asked=len(selectors.audience_of(c)))
    except PdfUnavailable as missing:
        return HttpResponse(str(missing), status=503, content_type="text/plain")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="consultation-{c.pk}-summary.pdf"'
    return response


def outcome(request, pk):
    c = _consultation(request, pk, run=True)
    form = forms.OutcomeForm(
        *posted(request),
        owner=c.owner,
        initial={"outcome": c.outcome, "bulletin": c.bulletin_id},
    )
    return form_page(
        request,
        form,
        save=lambda d: services.outcome_publish(consultation=c, by=request.user, **d),
        done=lambda _: ("“You said, we did” published", reverse("voice:consultation", args=[pk])),
        title=f"You said, we did: {c.title}",
        errors=VoiceError,
        back=reverse("voice:consultation", args=[pk]),
        button="Publish",
        intro=(
            "Published to everyone the consultation asked, with the results, and linked to the "
            "bulletin that announces it."
        ),
    )


# --- the federating programme ---------------------------------------------------------------


def programme(request, slug):
    federation = _federation(request, slug)
    progress = selectors.progress_of(federation)
    return render(
        request,
        "voice/programme.html",
        {
            "federation": federation,
            "run": access.can_run(request.user, federation),
            "milestones": selectors.milestones_of(federation),
            "rows": selectors.engagement_rows(federation),
            "meetings": selectors.meetings_of(federation),
            "progress": progress,
            "chart": charts.progress_chart(progress),
            "today": today(),
        },
    )


def milestone_new(request, slug):
    federation = _federation(request, slug, run=True)
    return _milestone(request, federation, None)


def milestone_edit(request, pk):
    milestone = get_object_or_404(Milestone.objects.select_related("federation"), pk=pk)
    federation = _federation(request, milestone.federation.slug, run=True)
    return _milestone(request, federation, milestone)


def _milestone(request, federation, milestone):
    initial = (
        {f: getattr(milestone, f) for f in ("title", "owner", "due_on", "rag", "completed_on")}
        if milestone
        else {"rag": "amber"}
    )
    form = forms.MilestoneForm(*posted(request), initial=initial)
    back = reverse("voice:programme", args=[federation.slug])
    return form_page(
        request,
        form,
        save=lambda d: services.milestone_save(
            federation=federation, milestone=milestone, by=request.user, **d
        ),
        done=lambda m: (f"{m.title} saved", back),
        title="Change a milestone" if milestone else "Add a milestone",
        errors=VoiceError,
        back=back,
    )


def engagement(request, slug, code):
    federation = _federation(request, slug, run=True)
    members = Practice.objects.filter(pk__in=federation_member_ids_on(federation))
    practice = get_object_or_404(members, code=code.upper())
    found = federation.engagements.filter(practice=practice).first()
    initial = (
        {
            "agreement_signed_on": found.agreement_signed_on,
            "lead_name": found.lead_name,
            "lead_nominated_on": found.lead_nominated_on,
        }
        if found
        else {}
    )
    form = forms.EngagementForm(*posted(request), initial=initial)
    back = reverse("voice:programme", args=[slug])
    return form_page(
        request,
        form,
        save=lambda d: services.engagement_set(
            federation=federation, practice=practice, by=request.user, **d
        ),
        done=lambda _: (f"{practice.name}'s commitment saved", back),
        title=f"{practice.name}'s engagement and commitment",
        errors=VoiceError,
        back=back,
    )


def attendance(request, slug):
    federation = _federation(request, slug, run=True)
    members = Practice.objects.filter(pk__in=federation_member_ids_on(federation)).order_by("name")
    form = forms.AttendanceForm(*posted(request), practices=members)
    back = reverse("voice:programme", args=[slug])
    return form_page(
        request,
        form,
        save=lambda d: services.attendance_record(
            federation=federation,
            meeting=d["meeting"],
            meeting_on=d["meeting_on"],
            practices=list(d["practices"]),
            by=request.user,
        ),
        done=lambda n: (f"Attendance recorded: {counted(n, 'practice')}", back),
        title="Record who came to a members' meeting",
        errors=VoiceError,
        back=back,
    )
