"""Back office for organization-account claims: officers approve or reject the claims of the
organizations they manage (through `decide_claim`)."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import OrganizationClaim
from ..permissions import RulesPermissionPolicy
from ..selectors.organizations import manageable_organizations_for_user
from ..services.roles import decide_claim
from .scoped import ScopedEditView, ScopedViewSetMixin


def claims_for_user(user):
    return OrganizationClaim.objects.filter(
        organization__in=manageable_organizations_for_user(user).values("pk")
    ).select_related("user", "organization")


class DecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("审核结果"), choices=[("approve", _("同意")), ("reject", _("不同意"))], widget=forms.RadioSelect
    )

    class Meta:
        model = OrganizationClaim
        fields = ["reason"]


class ClaimDecisionView(ScopedEditView):
    def save_instance(self):
        try:
            return decide_claim(
                claim=self.object,
                actor=self.request.user,
                approve=self.form.cleaned_data["decision"] == "approve",
                reason=self.form.cleaned_data["reason"],
            )
        except PermissionDenied as error:
            raise ValidationError(str(error)) from error


class OrganizationClaimViewSet(ScopedViewSetMixin, ModelViewSet):
    model = OrganizationClaim
    name = "claims"
    icon = "user"
    menu_label = _("组织账号认领")
    edit_view_class = ClaimDecisionView
    list_display = ["organization", "user", "state", "created_at"]
    list_filter = ["state"]
    search_fields = ["organization__name", "user__username", "user__email"]
    search_backend_name = None
    inspect_view_fields = ["organization", "user", "statement", "state", "decided_by", "decided_at", "reason"]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(OrganizationClaim, scopes={"view": claims_for_user})

    def get_form_class(self, for_update=False):
        return DecisionForm
