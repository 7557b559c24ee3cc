"""The board's pages: bodies and their seats, meetings with the agenda, papers, attendance,
quorum per item, declarations, minutes, decisions and actions, the board pack, invitations,
and board resolutions with a director's vote."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from comms.models import ResourceVersion
from governance import board_forms as forms
from governance import board_selectors as reads
from governance import board_votes, interests, meetings
from governance.access import can_run_governance, can_see_body, can_see_risks
from governance.errors import GovernanceError
from governance.models import Action, AgendaItem, Body, Meeting, Minutes, Resolution
from governance.pack import board_pack
from governance.register_selectors import federation_people, risks_reviewed_at
from governance.views import _federation
from kernel.pages import form_page
from registry.models import PCN, FederationMembership, PracticePCN
from registry.views import posted


def _body(request, pk: int, *, run: bool = False) -> Body:
    body = get_object_or_404(Body.objects.select_related("federation"), pk=pk)
    _federation(request, body.federation.slug, run=run)
    if not can_see_body(request.user, body):
        raise Http404("No such body")
    return body


def _meeting(request, pk: int, *, run: bool = False) -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("body__federation"), pk=pk)
    _body(request, meeting.body_id, run=run)
    return meeting


def _people(federation):
    """Anyone with a role in or within the federation today (not those whose roles ended)."""
    return federation_people(federation)


def bodies(request, slug):
    federation = _federation(request, slug)
    listed = [
        (b, reads.seats_on(b), can_see_body(request.user, b)) for b in reads.bodies_of(federation)
    ]
    return render(
        request,
        "governance/bodies.html",
        {
            "federation": federation,
            "bodies": listed,
            "run": can_run_governance(request.user, federation),
        },
    )


def body_new(request, slug):
    federation = _federation(request, slug, run=True)
    return form_page(
        request,
        forms.BodyForm(*posted(request)),
        save=lambda d: meetings.body_create(federation=federation, by=request.user, **d),
        done=lambda b: (f"{b.name} added", reverse("governance:body", args=[b.pk])),
        title="Add a board, committee or forum",
        errors=GovernanceError,
        back=reverse("governance:bodies", args=[slug]),
    )


def body(request, pk):
    body = _body(request, pk)
    return render(
        request,
        "governance/body.html",
        {
            "federation": body.federation,
            "body": body,
            "seats": reads.seats_on(body),
            "meetings": body.meetings.order_by("-starts_at"),
            "actions": reads.open_actions(body),
            "run": can_run_governance(request.user, body.federation),
        },
    )


def seat_new(request, pk):
    body = _body(request, pk, run=True)
    practices = FederationMembership.objects.filter(federation=body.federation).values(
        "practice_id"
    )
    pcns = PCN.objects.filter(
        pk__in=PracticePCN.objects.filter(practice_id__in=practices).values("pcn_id")
    ).order_by("name")
    form = forms.SeatForm(*posted(request), people=_people(body.federation), pcns=pcns)
    return form_page(
        request,
        form,
        save=lambda d: meetings.seat_add(body=body, by=request.user, **d),
        done=lambda s: (f"Seat added for {s.user}", reverse("governance:body", args=[pk])),
        title=f"Add a seat on {body.name}",
        errors=GovernanceError,
        back=reverse("governance:body", args=[pk]),
    )


@require_POST
def seats_fill(request, pk):
    body = _body(request, pk, run=True)
    added = meetings.seats_fill_clinical_directors(body=body, by=request.user)
    messages.success(request, f"Clinical directors' seats added: {added}")
    return redirect("governance:body", pk=pk)


def meeting_new(request, pk):
    body = _body(request, pk, run=True)
    return form_page(
        request,
        forms.MeetingForm(*posted(request)),
        save=lambda d: meetings.meeting_schedule(body=body, by=request.user, **d),
        done=lambda m: (f"{m.title} scheduled", reverse("governance:meeting", args=[m.pk])),
        title=f"Schedule a meeting of {body.name}",
        errors=GovernanceError,
        back=reverse("governance:body", args=[pk]),
    )


def meeting(request, pk):
    meeting = _meeting(request, pk)
    view = reads.meeting_view(meeting)
    run = can_run_governance(request.user, meeting.body.federation)
    return render(
        request,
        "governance/meeting.html",
        {
            "federation": meeting.body.federation,
            "meeting": meeting,
            "view": view,
            "run": run,
            "results": {item_id: reads.board_result(r) for item_id, r in view.resolutions.items()},
            "voting": {
                r.pk
                for r in view.resolutions.values()
                if reads.directors_to_vote(r, request.user, run=run).exists()
            },
            "later": meeting.body.meetings.filter(starts_at__gt=meeting.starts_at).exists(),
            "risks": risks_reviewed_at(meeting),
            "see_risks": can_see_risks(request.user, meeting.body.federation),
        },
    )


def item_new(request, pk):
    meeting = _meeting(request, pk, run=True)
    papers = (
        ResourceVersion.objects.filter(resource__federation=meeting.body.federation)
        .select_related("resource")
        .order_by("resource__title", "-number")
    )
    form = forms.ItemForm(*posted(request), people=_people(meeting.body.federation), papers=papers)
    back = reverse("governance:meeting", args=[pk])
    return form_page(
        request,
        form,
        save=lambda d: meetings.item_add(meeting=meeting, by=request.user, **d),
        done=lambda i: (f"Item {i.number} added", back),
        title=f"Add an agenda item: {meeting.title}",
        errors=GovernanceError,
        back=back,
    )


def attendance(request, pk):
    meeting = _meeting(request, pk, run=True)
    seats = reads.seats_on(meeting.body, reads.meeting_day(meeting))
    current = dict(meeting.attendance.values_list("user_id", "status"))
    form = forms.AttendanceForm(*posted(request), seats=seats, current=current)
    back = reverse("governance:meeting", args=[pk])
    return form_page(
        request,
        form,
        save=lambda d: meetings.attendance_record(
            meeting=meeting, statuses=form.statuses(), by=request.user
        ),
        done=lambda n: (f"Attendance recorded: {n} present", back),
        title=f"Attendance: {meeting.title}",
        errors=GovernanceError,
        back=back,
    )


def declare(request, pk):
    meeting = _meeting(request, pk, run=True)
    people = User.objects.filter(
        pk__in=reads.seat_holder_ids(meeting.body, reads.meeting_day(meeting))
    )
    form = forms.DeclarationForm(*posted(request), items=meeting.items.all(), people=people)
    back = reverse("governance:meeting", args=[pk])
    return form_page(
        request,
        form,
        save=lambda d: interests.item_declare(by=request.user, **d),
        done=lambda d: (f"Declaration recorded on item {d.item.number}", back),
        title=f"Record a declaration of interest: {meeting.title}",
        errors=GovernanceError,
        back=back,
        intro="A member conflicted on an item is left out of its quorum and vote.",
    )


def minutes(request, pk):
    """A new draft of the minutes, or, once they are approved, a correction."""
    meeting = _meeting(request, pk, run=True)
    approved = reads.approved_minutes(meeting)
    latest = reads.latest_minutes(meeting)
    write = meetings.minutes_correct if approved else meetings.minutes_draft
    form = forms.MinutesForm(
        *posted(request), initial={"text": "" if approved or not latest else latest.text}
    )
    back = reverse("governance:meeting", args=[pk])
    return form_page(
        request,
        form,
        save=lambda d: write(meeting=meeting, by=request.user, **d),
        done=lambda m: ("Correction recorded" if approved else f"Draft {m.number} saved", back),
        title=f"{'Correct the approved' if approved else 'Draft the'} minutes: {meeting.title}",
        errors=GovernanceError,
        back=back,
        intro=(
            "Approved minutes are fixed: this correction is a record of its own, approved at "
            "a later meeting."
            if approved
            else "Each draft is kept. Minutes are approved at a later meeting and then fixed."
        ),
    )


def minutes_approve(request, pk):
    record = get_object_or_404(Minutes.objects.select_related("meeting"), pk=pk)
    meeting = _meeting(request, record.meeting_id, run=True)
    later = meeting.body.meetings.filter(starts_at__gt=meeting.starts_at).order_by("starts_at")
    form = forms.ApproveForm(*posted(request), meetings=later)
    back = reverse("governance:meeting", args=[meeting.pk])
    return form_page(
        request,
        form,
        save=lambda d: meetings.minutes_approve(minutes=record, by=request.user, **d),
        done=lambda a: (f"Minutes approved at {a.at_meeting.title}", back),
        title=f"Approve the minutes of {meeting.title}",
        errors=GovernanceError,
        button="Approve",
        back=back,
        intro="Once approved the minutes are fixed: a change is then a correction.",
    )


def decision_new(request, pk):
    meeting = _meeting(request, pk, run=True)
    form = forms.DecisionForm(*posted(request), items=meeting.items.all())
    back = reverse("governance:meeting", args=[pk])

    def save(d):
        item = d["item"]
        resolution = item.resolutions.first() if item else None
        return meetings.decision_record(
            meeting=meeting, item=item, text=d["text"], resolution=resolution, by=request.user
        )

    return form_page(
        request,
        form,
        save=save,
        done=lambda _: ("Decision recorded", back),
        title=f"Record a decision: {meeting.title}",
        errors=GovernanceError,
        back=back,
    )


def action_new(request, pk):
    meeting = _meeting(request, pk, run=True)
    form = forms.ActionForm(*posted(request), people=_people(meeting.body.federation))
    back = reverse("governance:meeting", args=[pk])
    return form_page(
        request,
        form,
        save=lambda d: meetings.action_add(meeting=meeting, by=request.user, **d),
        done=lambda _: ("Action added", back),
        title=f"Add an action: {meeting.title}",
        errors=GovernanceError,
        back=back,
    )


def action_edit(request, pk):
    action = get_object_or_404(Action.objects.select_related("body"), pk=pk)
    _body(request, action.body_id, run=True)
    form = forms.ActionStatusForm(*posted(request), initial={"status": action.status})
    back = reverse("governance:body", args=[action.body_id])
    return form_page(
        request,
        form,
        save=lambda d: meetings.action_update(action=action, by=request.user, **d),
        done=lambda a: (f"Action {a.get_status_display().lower()}", back),
        title=f"Action: {action.text}",
        errors=GovernanceError,
        back=back,
    )


@require_POST
def invite(request, pk):
    meeting = _meeting(request, pk, run=True)
    try:
        sent = meetings.meeting_invite(meeting=meeting, by=request.user)
    except GovernanceError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Invitations sent to {sent} members")
    return redirect("governance:meeting", pk=pk)


def pack(request, pk):
    meeting = _meeting(request, pk)
    response = HttpResponse(board_pack(meeting), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="board-pack-{meeting.pk}.pdf"'
    return response


def board_resolution_new(request, pk):
    item = get_object_or_404(AgendaItem.objects.select_related("meeting"), pk=pk)
    _meeting(request, item.meeting_id, run=True)
    back = reverse("governance:meeting", args=[item.meeting_id])
    return form_page(
        request,
        forms.BoardResolutionForm(*posted(request), initial={"title": item.title}),
        save=lambda d: board_votes.board_resolution_put(item=item, by=request.user, **d),
        done=lambda r: (f"{r.title} put to the directors", back),
        title=f"Put a board resolution on item {item.number}: {item.title}",
        errors=GovernanceError,
        back=back,
        intro="One vote per director; those conflicted on the item take no part.",
    )


def board_vote(request, pk):
    """A director votes for themselves; the company secretary or administrator records the
    vote of any director present."""
    resolution = get_object_or_404(
        Resolution.objects.filter(kind=Resolution.Kind.BOARD).select_related("item__meeting"),
        pk=pk,
    )
    meeting = _meeting(request, resolution.item.meeting_id)
    run = can_run_governance(request.user, meeting.body.federation)
    directors = reads.directors_to_vote(resolution, request.user, run=run)
    if not directors.exists():
        raise Http404("You have no vote to cast on this resolution")
    form = forms.BoardVoteForm(*posted(request), directors=directors)
    back = reverse("governance:meeting", args=[meeting.pk])
    return form_page(
        request,
        form,
        save=lambda d: board_votes.board_vote_cast(resolution=resolution, by=request.user, **d),
        done=lambda v: (f"Vote recorded for {v.director}", back),
        title=f"Vote on: {resolution.title}",
        errors=GovernanceError,
        button="Record the vote",
        back=back,
        intro="A vote once cast is never changed.",
    )
