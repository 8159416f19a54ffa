"""Back office for the evaluation committee: meetings with their attendance and quorum, and the
vote on each moderated case's grade, with the result and the counts. Every write goes through
`services.committee`."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages

from registry.views.scoped import add_service_errors

from ..enums import CaseState, Grade, Vote
from ..models import CommitteeMember
from ..selectors.cases import cases_for_user
from ..selectors.committee import committee_campaigns_for_user, decisions_with_counts, meetings_for_user
from ..selectors.people import person_name
from ..services.committee import has_quorum, quorum_needed, record_decision, record_meeting, yes_votes_needed
from ..services.moderation import decidable_grades
from .moderation import ShownToViewSet

CASES_PER_PAGE = 50


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return person_name(obj.user)


class MeetingForm(forms.Form):
    held_on = forms.DateField(
        label=gettext_lazy("会议日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": gettext_lazy("请填写会议日期。"), "invalid": gettext_lazy("请填写有效的日期。")},
    )
    attendees = MemberChoiceField(
        label=gettext_lazy("出席委员"),
        queryset=CommitteeMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请选择出席会议的委员。")},
    )
    notes = forms.CharField(label=gettext_lazy("会议纪要"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = campaign.committee.members.select_related("user").order_by("pk")


class MeetingIndexView(View):
    """The campaigns the user works on for the committee, each with its meetings."""

    template_name = "evaluation/admin/meeting_index.html"

    def get(self, request):
        campaigns = committee_campaigns_for_user(request.user).select_related("committee")
        meetings = {}
        for meeting in meetings_for_user(request.user):
            meetings.setdefault(meeting.campaign_id, []).append(meeting)
        rows = [(campaign, meetings.get(campaign.pk, [])) for campaign in campaigns]
        return TemplateResponse(request, self.template_name, {"rows": rows})


class MeetingCreateView(View):
    template_name = "evaluation/admin/meeting_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.campaign = get_object_or_404(
            committee_campaigns_for_user(request.user).select_related("committee"), pk=kwargs["campaign_pk"]
        )

    def render(self, form):
        return TemplateResponse(self.request, self.template_name, {"campaign": self.campaign, "form": form})

    def get(self, request, campaign_pk):
        return self.render(MeetingForm(campaign=self.campaign, initial={"held_on": timezone.localdate()}))

    def post(self, request, campaign_pk):
        form = MeetingForm(request.POST, campaign=self.campaign)
        if not form.is_valid():
            return self.render(form)
        try:
            meeting = record_meeting(
                campaign=self.campaign,
                held_on=form.cleaned_data["held_on"],
                attendees=list(form.cleaned_data["attendees"]),
                notes=form.cleaned_data["notes"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render(form)
        messages.success(request, _("已记录%(date)s的会议。") % {"date": meeting.held_on})
        return redirect("evaluation_meetings:meeting", meeting.pk)


def quorum_context(meeting) -> dict:
    return {
        "present": meeting.attendees.count(),
        "quorum": has_quorum(meeting),
        "quorum_needed": quorum_needed(meeting.members_total),
        "yes_needed": yes_votes_needed(meeting.members_total),
    }


class MeetingView(View):
    """A meeting: attendance and quorum, the decisions taken, and the cases waiting for one."""

    template_name = "evaluation/admin/meeting_detail.html"

    def get(self, request, pk):
        meeting = get_object_or_404(meetings_for_user(request.user), pk=pk)
        waiting = Paginator(
            cases_for_user(request.user)
            .filter(campaign=meeting.campaign, state=CaseState.MODERATED)
            .order_by("organization__name", "pk"),
            CASES_PER_PAGE,
        ).get_page(request.GET.get("p"))
        context = {
            "meeting": meeting,
            "attendees": [person_name(member.user) for member in meeting.attendees.select_related("user")],
            "decisions": decisions_with_counts().filter(meeting=meeting).select_related("case__organization", "appeal"),
            "waiting": waiting,
            **quorum_context(meeting),
        }
        return TemplateResponse(request, self.template_name, context)


class DecisionForm(forms.Form):
    grade = forms.ChoiceField(label=gettext_lazy("表决等级"), required=False)

    def __init__(self, *args, attendees, grades: list[str], **kwargs):
        """`grades`: what may be decided, best first ("" for no grade)."""
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [(grade, Grade(grade).label if grade else _("不予评定等级")) for grade in grades]
        self.attendees = attendees
        for member in attendees:
            self.fields[f"vote_{member.pk}"] = forms.ChoiceField(
                label=person_name(member.user),
                choices=Vote.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("请记录%(name)s的表决意见。") % {"name": person_name(member.user)}},
            )

    def votes(self) -> dict:
        return {member: self.cleaned_data[f"vote_{member.pk}"] for member in self.attendees}


class DecisionView(View):
    """One case at one meeting: the grade proposed by moderation preselected, each attendee's
    vote; the result and the counts of earlier votes on the case."""

    template_name = "evaluation/admin/decision_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.meeting = get_object_or_404(meetings_for_user(request.user), pk=kwargs["pk"])
        self.case = get_object_or_404(
            cases_for_user(request.user).filter(campaign=self.meeting.campaign), pk=kwargs["case_pk"]
        )
        self.attendees = list(self.meeting.attendees.select_related("user").order_by("pk"))

    def render(self, form):
        context = {
            "meeting": self.meeting,
            "case": self.case,
            "form": form,
            "vote_fields": [form[f"vote_{member.pk}"] for member in self.attendees],
            "may_decide": self.case.state == CaseState.MODERATED,
            "decisions": decisions_with_counts().filter(case=self.case).select_related("meeting", "appeal"),
            **quorum_context(self.meeting),
        }
        return TemplateResponse(self.request, self.template_name, context)

    def get(self, request, pk, case_pk):
        return self.render(
            DecisionForm(
                attendees=self.attendees,
                grades=decidable_grades(self.case),
                initial={"grade": self.case.proposed_grade},
            )
        )

    def post(self, request, pk, case_pk):
        form = DecisionForm(request.POST, attendees=self.attendees, grades=decidable_grades(self.case))
        if not form.is_valid():
            return self.render(form)
        try:
            decision = record_decision(
                meeting=self.meeting,
                case=self.case,
                grade=form.cleaned_data["grade"],
                votes=form.votes(),
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render(form)
        result = {
            "name": self.case.organization.name,
            "grade": decision.grade or _("不予评定等级"),
            "yes": decisions_with_counts().get(pk=decision.pk).yes,
            "total": self.meeting.members_total,
        }
        if decision.passed:
            messages.success(
                request, _("%(name)s：%(grade)s获%(yes)d票同意（全体委员%(total)d人），表决通过。") % result
            )
        else:
            messages.warning(
                request, _("%(name)s：%(grade)s仅获%(yes)d票同意（全体委员%(total)d人），未过半数，未通过。") % result
            )
        return redirect("evaluation_meetings:meeting", pk)


def may_open_meetings(user) -> bool:
    return committee_campaigns_for_user(user).exists()


class MeetingViewSet(ShownToViewSet):
    name = "evaluation_meetings"
    url_prefix = "evaluation/meetings"
    icon = "group"
    menu_label = gettext_lazy("评估委员会会议")
    shown_to = staticmethod(may_open_meetings)
    views = (
        ("", MeetingIndexView, "index"),
        ("campaigns/<int:campaign_pk>/add/", MeetingCreateView, "add"),
        ("<int:pk>/", MeetingView, "meeting"),
        ("<int:pk>/cases/<int:case_pk>/", DecisionView, "decide"),
    )


viewsets = (MeetingViewSet,)
admin_urls = ()
