"""Back office for the public notice and the appeals: the officers' campaigns with "publish the
notice" and "finalize" (the daily job finalizes too), and the committee's queue of appeals and
complaints with the vote on each at a meeting. Every write goes through `services.notices`."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages

from registry.views.scoped import add_service_errors

from ..enums import AppealState, CaseState, Grade
from ..selectors.committee import (
    campaigns_for_officer,
    committee_campaigns_for_user,
    decisions_with_counts,
    meetings_for_user,
)
from ..selectors.notices import appeals_for_user
from ..services.committee import may_act_for_committee
from ..services.notices import check_notice_start, decide_appeal, finalize_campaign, notice_ends_on, publish_notice
from .committee import DecisionForm, quorum_context
from .moderation import ShownToViewSet, refusal

PER_PAGE = 50


# --- Notices ---------------------------------------------------------------------------------------------


class NoticeIndexView(View):
    """The officer's campaigns, each with its notice (or what stops one) and its cases by state."""

    template_name = "evaluation/admin/notice_index.html"

    def get(self, request):
        by_state = {
            name: Count("cases", filter=Q(cases__state=state), distinct=True)
            for name, state in (
                ("decided", CaseState.DECIDED),
                ("in_notice", CaseState.IN_NOTICE),
                ("final", CaseState.FINAL),
            )
        }
        campaigns = (
            campaigns_for_officer(request.user)
            .select_related("notice")
            .annotate(
                **by_state,
                open_appeals=Count("cases__appeals", filter=Q(cases__appeals__state=AppealState.OPEN), distinct=True),
            )
            .order_by("-year", "pk")
        )
        return TemplateResponse(request, self.template_name, {"campaigns": campaigns, "today": timezone.localdate()})


class PublishForm(forms.Form):
    starts_on = forms.DateField(
        label=gettext_lazy("公示开始日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("请填写公示开始日期。"),
            "invalid": gettext_lazy("请填写有效的日期。"),
        },
    )

    def clean_starts_on(self):
        starts_on = self.cleaned_data["starts_on"]
        today = timezone.localdate()
        if starts_on < today:
            raise ValidationError(_("公示开始日期不能早于今天。"))
        check_notice_start(starts_on, today)
        return starts_on


class PublishNoticeView(View):
    template_name = "evaluation/admin/notice_publish.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.campaign = get_object_or_404(
            campaigns_for_officer(request.user).select_related("authority"), pk=kwargs["campaign_pk"]
        )

    def render(self, form):
        decided = self.campaign.cases.filter(state=CaseState.DECIDED).select_related("organization")
        context = {
            "campaign": self.campaign,
            "form": form,
            "decided": decided.order_by("organization__name", "pk"),
            "ends_on": notice_ends_on(self.campaign, form.cleaned_data["starts_on"])
            if form.is_bound and form.is_valid()
            else None,
        }
        return TemplateResponse(self.request, self.template_name, context)

    def get(self, request, campaign_pk):
        return self.render(PublishForm(initial={"starts_on": timezone.localdate()}))

    def post(self, request, campaign_pk):
        form = PublishForm(request.POST)
        if not form.is_valid():
            return self.render(form)
        try:
            notice = publish_notice(
                campaign=self.campaign, actor=request.user, starts_on=form.cleaned_data["starts_on"]
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, refusal(error))
            return self.render(form)
        messages.success(
            request,
            _("已发布公示：%(start)s至%(end)s。") % {"start": notice.starts_on, "end": notice.ends_on},
        )
        return redirect("evaluation_notices:index")


class FinalizeView(View):
    """The officer's button: make final what may be now, say what still waits."""

    def get(self, request, campaign_pk):
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, campaign_pk):
        campaign = get_object_or_404(campaigns_for_officer(request.user), pk=campaign_pk)
        try:
            count = finalize_campaign(campaign=campaign, today=timezone.localdate(), actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refusal(error))
            return redirect("evaluation_notices:index")
        waiting = campaign.cases.filter(state=CaseState.IN_NOTICE).count()
        if count:
            messages.success(request, _("已确定%(count)d件评估申请的等级。") % {"count": count})
        if waiting:
            messages.warning(
                request,
                _("尚有%(count)d件评估申请未能确定等级：公示期尚未结束，或有复核申请、投诉未处理。")
                % {"count": waiting},
            )
        return redirect("evaluation_notices:index")


def may_open_notices(user) -> bool:
    return campaigns_for_officer(user).exists()


class NoticeViewSet(ShownToViewSet):
    name = "evaluation_notices"
    url_prefix = "evaluation/notices"
    icon = "doc-full"
    menu_label = gettext_lazy("评估结果公示")
    shown_to = staticmethod(may_open_notices)
    views = (
        ("", NoticeIndexView, "index"),
        ("campaigns/<int:campaign_pk>/publish/", PublishNoticeView, "publish"),
        ("campaigns/<int:campaign_pk>/finalize/", FinalizeView, "finalize"),
    )


# --- Appeals and complaints ------------------------------------------------------------------------------


class AppealIndexView(View):
    """The queue: open appeals and complaints, oldest first (`?all=1`: every one)."""

    template_name = "evaluation/admin/appeal_index.html"

    def get(self, request):
        appeals = appeals_for_user(request.user).filter(
            case__campaign__in=committee_campaigns_for_user(request.user).values("pk")
        )
        show_all = bool(request.GET.get("all"))
        if not show_all:
            appeals = appeals.filter(state=AppealState.OPEN)
        page = Paginator(appeals.order_by("lodged_at", "pk"), PER_PAGE).get_page(request.GET.get("p"))
        return TemplateResponse(request, self.template_name, {"appeals": page, "show_all": show_all})


def _appeal(request, pk):
    return get_object_or_404(
        appeals_for_user(request.user).filter(
            case__campaign__in=committee_campaigns_for_user(request.user).values("pk")
        ),
        pk=pk,
    )


class AppealView(View):
    """An appeal or complaint: what was lodged, its attachments, the votes so far, and the
    campaign's meetings at which the committee may decide it."""

    template_name = "evaluation/admin/appeal_detail.html"

    def get(self, request, pk):
        appeal = _appeal(request, pk)
        campaign = appeal.case.campaign
        context = {
            "appeal": appeal,
            "case": appeal.case,
            "attachments": appeal.attachments.all(),
            "decisions": decisions_with_counts().filter(appeal=appeal).select_related("meeting"),
            "meetings": meetings_for_user(request.user).filter(campaign=campaign).order_by("-held_on", "-pk"),
            "may_decide": appeal.state == AppealState.OPEN and may_act_for_committee(request.user, campaign),
        }
        return TemplateResponse(request, self.template_name, context)


class AppealDecisionForm(DecisionForm):
    """The committee's vote on an appeal: the proposed outcome, and each attendee's vote."""

    upheld = forms.TypedChoiceField(
        label=gettext_lazy("处理意见"),
        choices=[("1", gettext_lazy("成立")), ("0", gettext_lazy("不成立"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择成立或不成立。")},
    )
    outcome = forms.CharField(
        label=gettext_lazy("处理结果（将在公示页面公布）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("请填写处理结果。")},
    )
    grade_after = forms.ChoiceField(label=gettext_lazy("复核后等级"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["grade"]  # what is voted on follows from the outcome
        self.fields["grade_after"].choices = [("", _("等级不变")), *Grade.choices]


class AppealDecisionView(View):
    template_name = "evaluation/admin/appeal_decision.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.appeal = _appeal(request, kwargs["pk"])
        self.meeting = get_object_or_404(
            meetings_for_user(request.user).filter(campaign_id=self.appeal.case.campaign_id), pk=kwargs["meeting_pk"]
        )
        self.attendees = list(self.meeting.attendees.select_related("user").order_by("pk"))
        self.grades = [band.grade for band in self.appeal.case.framework.bands.all()]

    def render(self, form):
        context = {
            "appeal": self.appeal,
            "case": self.appeal.case,
            "meeting": self.meeting,
            "form": form,
            "vote_fields": [form[f"vote_{member.pk}"] for member in self.attendees],
            "may_decide": self.appeal.state == AppealState.OPEN,
            **quorum_context(self.meeting),
        }
        return TemplateResponse(self.request, self.template_name, context)

    def get(self, request, pk, meeting_pk):
        return self.render(AppealDecisionForm(attendees=self.attendees, grades=self.grades))

    def post(self, request, pk, meeting_pk):
        form = AppealDecisionForm(request.POST, attendees=self.attendees, grades=self.grades)
        if not form.is_valid():
            return self.render(form)
        try:
            decision = decide_appeal(
                appeal=self.appeal,
                meeting=self.meeting,
                upheld=form.cleaned_data["upheld"],
                outcome=form.cleaned_data["outcome"],
                grade_after=form.cleaned_data["grade_after"],
                votes=form.votes(),
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.render(form)
        if decision.passed:
            messages.success(request, _("表决通过，处理结果已在公示页面公布。"))
        else:
            messages.warning(request, _("同意票未过全体委员半数，表决未通过；该事项仍待处理。"))
        return redirect("evaluation_appeals:appeal", pk)


def may_open_appeals(user) -> bool:
    return committee_campaigns_for_user(user).exists()


class AppealViewSet(ShownToViewSet):
    name = "evaluation_appeals"
    url_prefix = "evaluation/appeals"
    icon = "warning"
    menu_label = gettext_lazy("复核申请与投诉")
    shown_to = staticmethod(may_open_appeals)
    views = (
        ("", AppealIndexView, "index"),
        ("<int:pk>/", AppealView, "appeal"),
        ("<int:pk>/meetings/<int:meeting_pk>/", AppealDecisionView, "decide"),
    )


viewsets = (NoticeViewSet, AppealViewSet)
admin_urls = ()
