"""Back office of the credit lists, the daily review's proposals and administrative penalties:
scoped lists, listing and recording through `registry.services.credit`; a listing is edited only
to remove it, a proposal only confirmed or dismissed on its page, and nothing is ever deleted."""

from django import forms
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from ..enums import CreditProposalStatus, ListingCause
from ..models import AdministrativePenalty, CreditListing, CreditProposal, Organization
from ..permissions import RulesPermissionPolicy
from ..selectors.credit import (
    credit_listings_for_user,
    credit_proposals_for_user,
    open_credit_proposals_for_user,
    organizations_with_overdue_annual_report,
    penalties_for_user,
)
from ..selectors.organizations import manageable_organizations_for_user
from ..services.credit import (
    confirm_credit_proposal,
    correct_penalty,
    dismiss_credit_proposal,
    list_organization,
    record_penalty,
    remove_listing,
)
from .scoped import (
    ActionFormsMixin,
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedViewSetMixin,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoDeletePermissionPolicy(RulesPermissionPolicy):
    """Superusers included: a credit record is corrected or removed from a list, never deleted."""

    def user_has_permission(self, user, action):
        return action != "delete" and super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return action != "delete" and super().user_has_permission_for_instance(user, action, instance)


class CreditListingForm(WagtailAdminModelForm):
    class Meta:
        model = CreditListing
        fields = ["organization", "list", "cause", "listed_on", "details"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The move from the abnormal list is the daily review's alone.
        self.fields["cause"].choices = [
            choice for choice in self.fields["cause"].choices if choice[0] != ListingCause.MOVED_FROM_ABNORMAL
        ]
        if self.for_user is not None:
            self.fields["organization"].queryset = manageable_organizations_for_user(self.for_user)


class ListingRemovalForm(WagtailAdminModelForm):
    class Meta:
        model = CreditListing
        fields = ["removed_on", "removal_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["removed_on"].required = True
        self.fields["removal_reason"].required = True


class PenaltyForm(WagtailAdminModelForm):
    class Meta:
        model = AdministrativePenalty
        fields = [
            "organization",
            "kind",
            "amount",
            "suspended_from",
            "suspended_until",
            "decided_on",
            "decision_number",
            "reason",
        ]
        help_texts = {
            "amount": _("仅罚款填写。"),
            "suspended_from": _("仅限期停止活动填写。"),
            "suspended_until": _("仅限期停止活动填写，不能早于起始日期。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["organization"]  # a penalty stays with the organization it was decided on
        elif self.for_user is not None:
            self.fields["organization"].queryset = manageable_organizations_for_user(self.for_user)


class CreditListingCreateView(ScopedCreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return list_organization(
            organization=data["organization"],
            credit_list=data["list"],
            cause=data["cause"],
            listed_on=data["listed_on"],
            details=data.get("details", ""),
            actor=self.request.user,
        )


class CreditListingRemoveView(ScopedEditView):
    def save_instance(self):
        data = self.form.cleaned_data
        self.has_content_changes = True
        return remove_listing(
            listing=self.object, actor=self.request.user, reason=data["removal_reason"], on=data["removed_on"]
        )


class CreditListingViewSet(ScopedViewSetMixin, ModelViewSet):
    model = CreditListing
    name = "credit_listings"
    icon = "warning"
    menu_label = _("信用名录")
    add_view_class = CreditListingCreateView
    edit_view_class = CreditListingRemoveView
    list_display = ["organization", "list", "cause", "listed_on", "removed_on"]
    list_filter = ["list", "cause", "listed_on"]
    search_fields = ["organization__name", "organization__uscc", "organization__filing_number"]
    search_backend_name = None
    list_per_page = 50
    inspect_view_fields = [
        "organization",
        "list",
        "cause",
        "details",
        "listed_on",
        "listed_by",
        "removed_on",
        "removal_reason",
        "removed_by",
        "moved_to",
    ]

    @property
    def permission_policy(self):
        return NoDeletePermissionPolicy(CreditListing, scopes={"view": credit_listings_for_user})

    def get_form_class(self, for_update=False):
        return ListingRemovalForm if for_update else CreditListingForm


class PenaltyCreateView(ScopedCreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return record_penalty(
            organization=data["organization"],
            kind=data["kind"],
            amount=data.get("amount"),
            decided_on=data["decided_on"],
            decision_number=data["decision_number"],
            suspended_from=data.get("suspended_from"),
            suspended_until=data.get("suspended_until"),
            reason=data["reason"],
            actor=self.request.user,
        )


class PenaltyEditView(ScopedEditView):
    def save_instance(self):
        self.has_content_changes = self.form.has_changed()
        return correct_penalty(penalty=self.object, actor=self.request.user, data=self.form.cleaned_data)


class AdministrativePenaltyViewSet(ScopedViewSetMixin, ModelViewSet):
    model = AdministrativePenalty
    name = "penalties"
    icon = "warning"
    menu_label = _("行政处罚")
    add_view_class = PenaltyCreateView
    edit_view_class = PenaltyEditView
    list_display = ["organization", "kind", "amount", "decided_on", "decision_number"]
    list_filter = ["kind", "decided_on"]
    search_fields = ["organization__name", "organization__uscc", "decision_number"]
    search_backend_name = None
    list_per_page = 50
    inspect_view_fields = [
        "organization",
        "kind",
        "amount",
        "suspended_from",
        "suspended_until",
        "decided_on",
        "decision_number",
        "reason",
        "decided_by",
    ]

    @property
    def permission_policy(self):
        return NoDeletePermissionPolicy(AdministrativePenalty, scopes={"view": penalties_for_user})

    def get_form_class(self, for_update=False):
        return PenaltyForm


# --- Proposals of the daily review ------------------------------------------------------------------

PROPOSAL_DECISION = "registry.change_creditproposal"


class ConfirmProposalForm(forms.Form):
    decided_on = forms.DateField(
        label=_("列入日期"),
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写列入日期。"), "invalid": _("请填写有效的日期。")},
    )
    decision_reason = forms.CharField(
        label=_("处理意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"decided_on": timezone.localdate()})
        super().__init__(*args, prefix="confirm", **kwargs)


class DismissProposalForm(forms.Form):
    decided_on = forms.DateField(
        label=_("处理日期"),
        widget=DATE_WIDGET,
        error_messages={"required": _("请填写处理日期。"), "invalid": _("请填写有效的日期。")},
    )
    decision_reason = forms.CharField(
        label=_("不予列入的理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("请填写不予列入的理由。")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"decided_on": timezone.localdate()})
        super().__init__(*args, prefix="dismiss", **kwargs)


class CreditProposalIndexView(ScopedIndexView):
    """Open proposals, oldest first (`?all=1`: decided ones too)."""

    def get_base_queryset(self):
        if self.request.GET.get("all"):
            return super().get_base_queryset()
        return open_credit_proposals_for_user(self.request.user)

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.GET.get("all"):
            buttons.append(
                HeaderButton(_("只看待处理的建议"), url=reverse("credit_proposals:index"), icon_name="list-ul")
            )
        else:
            buttons.append(
                HeaderButton(
                    _("包括已处理的建议"), url=reverse("credit_proposals:index") + "?all=1", icon_name="list-ul"
                )
            )
        return buttons


class CreditProposalInspectView(ActionFormsMixin, ScopedInspectView):
    """A proposal with the organization's reports still missing today; an officer who manages the
    organization confirms or dismisses it here. A refusal comes back with what was typed."""

    template_name = "registry/admin/credit_proposal_inspect.html"

    def may_act(self) -> bool:
        return self.request.user.has_perm(PROPOSAL_DECISION, self.object)

    def action_handlers(self) -> dict:
        return {
            "confirm": lambda: self._decide(
                "confirm",
                ConfirmProposalForm,
                confirm_credit_proposal,
                gettext("已将该组织列入活动异常名录，并已通知该组织。"),
            ),
            "dismiss": lambda: self._decide(
                "dismiss", DismissProposalForm, dismiss_credit_proposal, gettext("已决定不予列入。")
            ),
        }

    def _decide(self, name: str, form_class, decide, done: str) -> str | None:
        """Run one decision's form; `decide` is its service. The message on success, else None."""

        def write(data):
            decide(proposal=self.object, actor=self.request.user, on=data["decided_on"], reason=data["decision_reason"])

        return done if self.run_form(form_class(self.request.POST), name, write) else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        proposal = self.object
        is_open = proposal.status == CreditProposalStatus.OPEN
        missing = organizations_with_overdue_annual_report(
            Organization.objects.filter(pk=proposal.organization_id), timezone.localdate()
        ).first()
        context.update(
            may_decide=is_open and self.may_act(),
            is_open=is_open,
            overdue_years=missing.overdue_years.split() if missing else [],
            confirm_form=self.bound.get("confirm") or ConfirmProposalForm(),
            dismiss_form=self.bound.get("dismiss") or DismissProposalForm(),
        )
        return context


class CreditProposalViewSet(ModelViewSet):
    """Only a list and a page per proposal: proposals are made by the daily review, and decided on
    their page; there is no add, edit, delete, copy, history or usage address."""

    model = CreditProposal
    name = "credit_proposals"
    icon = "warning"
    menu_label = _("拟列入活动异常名录")
    index_view_class = CreditProposalIndexView
    inspect_view_class = CreditProposalInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    # Not among an organization's usages: that listing links each object to its edit page, which
    # proposals have none of (an internal step, not a record of the organization).
    add_to_reference_index = False
    list_display = ["organization", "cause", "proposed_on", "status", "decided_on"]
    list_filter = ["status", "cause", "proposed_on"]
    search_fields = ["organization__name", "organization__uscc"]
    search_backend_name = None
    list_per_page = 50
    inspect_view_fields = [
        "organization",
        "cause",
        "details",
        "proposed_on",
        "status",
        "decided_on",
        "decided_by",
        "decision_reason",
        "listing",
    ]
    # Required by ModelViewSet; no form view is registered.
    form_fields = ["details"]

    @property
    def permission_policy(self):
        return NoDeletePermissionPolicy(CreditProposal, scopes={"view": credit_proposals_for_user})

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]
