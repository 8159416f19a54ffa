"""Back office of the credit lists and administrative penalties: scoped lists, listing and
recording through `registry.services.credit`; a listing is edited only to remove it, and nothing
is ever deleted."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet

from ..enums import ListingCause
from ..models import AdministrativePenalty, CreditListing
from ..permissions import RulesPermissionPolicy
from ..selectors.credit import credit_listings_for_user, penalties_for_user
from ..selectors.organizations import manageable_organizations_for_user
from ..services.credit import correct_penalty, list_organization, record_penalty, remove_listing
from .scoped import ScopedCreateView, ScopedEditView, ScopedViewSetMixin


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
        fields = ["organization", "kind", "amount", "decided_on", "decision_number", "reason"]

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
    inspect_view_fields = ["organization", "kind", "amount", "decided_on", "decision_number", "reason", "decided_by"]

    @property
    def permission_policy(self):
        return NoDeletePermissionPolicy(AdministrativePenalty, scopes={"view": penalties_for_user})

    def get_form_class(self, for_update=False):
        return PenaltyForm
