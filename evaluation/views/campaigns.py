"""Back office of campaigns: the list, a campaign's page, and creating and editing one with its
dates, rules and a framework per kind of organization, through `evaluation.services.campaigns`.
City and district officers act for the authorities they reach; everyone in the back office reads."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet

from registry.enums import OrganizationKind
from registry.permissions import RulesPermissionPolicy
from registry.views.scoped import (
    ScopedCreateView,
    ScopedEditView,
    ScopedInspectView,
    ScopedViewSetMixin,
)

from ..models import Campaign, Framework
from ..selectors.bodies import manageable_committees_for_user
from ..selectors.campaigns import (
    campaign_authorities_for_user,
    campaigns_for_user,
    manageable_campaigns_for_user,
)
from ..services.campaigns import CAMPAIGN_FIELDS, change_campaign, create_campaign, delete_campaign, framework_key
from .deleting import ServiceDeleteView


class CampaignForm(WagtailAdminModelForm):
    """The campaign's own fields, then one framework choice per kind of organization (only the
    frameworks that apply to that kind; leave blank for kinds the campaign does not evaluate)."""

    class Meta:
        model = Campaign
        fields = ["authority", *CAMPAIGN_FIELDS]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if self.instance.pk:
            del self.fields["authority"]  # whose campaign it is does not change
        elif for_user is not None:
            self.fields["authority"].queryset = campaign_authorities_for_user(for_user)
        if for_user is not None:
            self.fields["committee"].queryset = manageable_committees_for_user(for_user)
        current = {use.kind: use.framework_id for use in self.instance.frameworks.all()} if self.instance.pk else {}
        frameworks = list(Framework.objects.order_by("code", "-version"))
        for kind, label in OrganizationKind.choices:
            self.fields[framework_key(kind)] = forms.ModelChoiceField(
                label=_("%(kind)s适用的指标体系") % {"kind": label},
                queryset=Framework.objects.filter(pk__in=[f.pk for f in frameworks if kind in f.applies_to]),
                required=False,
                initial=current.get(kind),
            )

    def chosen_frameworks(self) -> dict[str, Framework]:
        return {
            kind: framework
            for kind in OrganizationKind.values
            if (framework := self.cleaned_data.get(framework_key(kind))) is not None
        }


class CampaignCreateView(ScopedCreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return create_campaign(
            authority=data["authority"], data=data, frameworks=self.form.chosen_frameworks(), actor=self.request.user
        )

    def get_success_url(self):
        return reverse("evaluation_campaigns:inspect", args=[self.object.pk])


class CampaignEditView(ScopedEditView):
    def save_instance(self):
        self.has_content_changes = self.form.has_changed()
        return change_campaign(
            campaign=self.object,
            data=self.form.cleaned_data,
            frameworks=self.form.chosen_frameworks(),
            actor=self.request.user,
        )

    def get_success_url(self):
        return reverse("evaluation_campaigns:inspect", args=[self.object.pk])


class CampaignDeleteView(ServiceDeleteView):
    def delete_instance(self):
        delete_campaign(campaign=self.object, actor=self.request.user)

    def get_refused_url(self):
        return reverse("evaluation_campaigns:inspect", args=[self.object.pk])


class CampaignInspectView(ScopedInspectView):
    template_name = "evaluation/admin/campaign_inspect.html"

    def get_field_display_value(self, field_name, field):
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, bool):  # the eligibility switches
            return _("是") if value else _("否")
        return value

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["frameworks"] = self.object.frameworks.select_related("framework").order_by("kind")
        return context


class CampaignViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Campaign
    name = "evaluation_campaigns"
    url_prefix = "evaluation/campaigns"
    icon = "date"
    menu_label = gettext_lazy("评估活动")
    add_view_class = CampaignCreateView
    edit_view_class = CampaignEditView
    delete_view_class = CampaignDeleteView
    inspect_view_class = CampaignInspectView
    list_display = ["name", "year", "authority", "applications_open_on", "applications_close_on", "scoring_closes_on"]
    list_filter = ["year"]
    search_fields = ["name"]
    search_backend_name = None
    list_per_page = 50
    inspect_view_fields = ["authority", *CAMPAIGN_FIELDS, "created_at"]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(
            Campaign,
            scopes={
                "view": campaigns_for_user,
                "change": manageable_campaigns_for_user,
                "delete": manageable_campaigns_for_user,
            },
        )

    def get_form_class(self, for_update=False):
        return CampaignForm


viewsets = (CampaignViewSet,)
admin_urls = []
