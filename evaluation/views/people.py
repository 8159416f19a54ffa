"""Back office of the evaluation bodies: agencies with their managers and assessors, committees
with their members. City and district officers manage them (committees of the authorities they
reach); an agency's or committee's own people read their own. Every write goes through
`evaluation.services.people`, which keeps the people's cached roles in step."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet

from registry.models import Organization
from registry.permissions import RulesPermissionPolicy
from registry.views.scoped import ScopedCreateView, ScopedEditView, ScopedViewSetMixin

from ..models import Agency, AgencyMember, Committee, CommitteeMember
from ..selectors.bodies import (
    agencies_for_user,
    agency_members_for_user,
    committee_members_for_user,
    committees_for_user,
    manageable_committee_members_for_user,
    manageable_committees_for_user,
)
from ..selectors.campaigns import campaign_authorities_for_user
from ..services.people import (
    add_agency_member,
    add_committee_member,
    change_agency_member,
    delete_agency,
    delete_committee,
    remove_agency_member,
    remove_committee_member,
    save_agency,
    save_committee,
)
from .deleting import ServiceDeleteView


def people():
    return get_user_model().objects.filter(is_active=True).order_by("username")


# --- Agencies


class AgencyForm(WagtailAdminModelForm):
    class Meta:
        model = Agency
        fields = ["name", "uscc", "organization", "contact_phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(uscc__isnull=False).order_by("name")

    def clean_uscc(self):
        return (self.cleaned_data.get("uscc") or "").strip().upper() or None


class AgencyCreateView(ScopedCreateView):
    def save_instance(self):
        return save_agency(data=self.form.cleaned_data)


class AgencyEditView(ScopedEditView):
    def save_instance(self):
        self.has_content_changes = self.form.has_changed()
        return save_agency(agency=self.object, data=self.form.cleaned_data)


class AgencyDeleteView(ServiceDeleteView):
    def delete_instance(self):
        delete_agency(agency=self.object)


class AgencyViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Agency
    name = "evaluation_agencies"
    url_prefix = "evaluation/agencies"
    icon = "group"
    menu_label = gettext_lazy("评估机构")
    add_view_class = AgencyCreateView
    edit_view_class = AgencyEditView
    delete_view_class = AgencyDeleteView
    list_display = ["name", "uscc", "contact_phone"]
    search_fields = ["name", "uscc"]
    search_backend_name = None
    inspect_view_fields = ["name", "uscc", "organization", "contact_phone"]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(Agency, scopes={"view": agencies_for_user})

    def get_form_class(self, for_update=False):
        return AgencyForm


class AgencyMemberForm(WagtailAdminModelForm):
    class Meta:
        model = AgencyMember
        fields = ["user", "agency", "role", "expertise"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["user"], self.fields["agency"]  # a different person or agency is another membership
        else:
            self.fields["user"].queryset = people()


class AgencyMemberCreateView(ScopedCreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return add_agency_member(
            user=data["user"],
            agency=data["agency"],
            role=data["role"],
            expertise=data.get("expertise", ""),
            actor=self.request.user,
        )


class AgencyMemberEditView(ScopedEditView):
    def save_instance(self):
        self.has_content_changes = self.form.has_changed()
        data = self.form.cleaned_data
        return change_agency_member(
            member=self.object, role=data["role"], expertise=data.get("expertise", ""), actor=self.request.user
        )


class AgencyMemberDeleteView(ServiceDeleteView):
    def delete_instance(self):
        remove_agency_member(member=self.object, actor=self.request.user)


class AgencyMemberViewSet(ScopedViewSetMixin, ModelViewSet):
    model = AgencyMember
    name = "evaluation_agency_members"
    url_prefix = "evaluation/agency-members"
    icon = "user"
    menu_label = gettext_lazy("评估机构人员")
    add_view_class = AgencyMemberCreateView
    edit_view_class = AgencyMemberEditView
    delete_view_class = AgencyMemberDeleteView
    list_display = ["user", "agency", "role", "expertise"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "expertise"]
    search_backend_name = None
    inspect_view_fields = ["user", "agency", "role", "expertise"]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(AgencyMember, scopes={"view": agency_members_for_user})

    def get_form_class(self, for_update=False):
        return AgencyMemberForm


# --- Committees


class CommitteeForm(WagtailAdminModelForm):
    class Meta:
        model = Committee
        fields = ["name", "authority"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None:
            self.fields["authority"].queryset = campaign_authorities_for_user(for_user)


class CommitteeCreateView(ScopedCreateView):
    def save_instance(self):
        return save_committee(data=self.form.cleaned_data, actor=self.request.user)


class CommitteeEditView(ScopedEditView):
    def save_instance(self):
        self.has_content_changes = self.form.has_changed()
        return save_committee(committee=self.object, data=self.form.cleaned_data, actor=self.request.user)


class CommitteeDeleteView(ServiceDeleteView):
    def delete_instance(self):
        delete_committee(committee=self.object)


class CommitteeViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Committee
    name = "evaluation_committees"
    url_prefix = "evaluation/committees"
    icon = "group"
    menu_label = gettext_lazy("评估委员会")
    add_view_class = CommitteeCreateView
    edit_view_class = CommitteeEditView
    delete_view_class = CommitteeDeleteView
    list_display = ["name", "authority"]
    search_fields = ["name"]
    search_backend_name = None
    inspect_view_fields = ["name", "authority"]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(
            Committee,
            scopes={
                "view": committees_for_user,
                "change": manageable_committees_for_user,
                "delete": manageable_committees_for_user,
            },
        )

    def get_form_class(self, for_update=False):
        return CommitteeForm


class CommitteeMemberForm(WagtailAdminModelForm):
    class Meta:
        model = CommitteeMember
        fields = ["user", "committee"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.fields["user"].queryset = people()
        if for_user is not None:
            self.fields["committee"].queryset = manageable_committees_for_user(for_user)


class CommitteeMemberCreateView(ScopedCreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return add_committee_member(user=data["user"], committee=data["committee"], actor=self.request.user)


class CommitteeMemberDeleteView(ServiceDeleteView):
    def delete_instance(self):
        remove_committee_member(member=self.object, actor=self.request.user)


class MembershipPermissionPolicy(RulesPermissionPolicy):
    """A membership has nothing to edit, superusers included: it is added or removed."""

    def user_has_permission(self, user, action):
        return action != "change" and super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action, instance):
        return action != "change" and super().user_has_permission_for_instance(user, action, instance)


class CommitteeMemberViewSet(ScopedViewSetMixin, ModelViewSet):
    model = CommitteeMember
    name = "evaluation_committee_members"
    url_prefix = "evaluation/committee-members"
    icon = "user"
    menu_label = gettext_lazy("评估委员会委员")
    add_view_class = CommitteeMemberCreateView
    delete_view_class = CommitteeMemberDeleteView
    list_display = ["user", "committee"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    search_backend_name = None
    inspect_view_fields = ["user", "committee"]

    @property
    def permission_policy(self):
        return MembershipPermissionPolicy(
            CommitteeMember,
            scopes={"view": committee_members_for_user, "delete": manageable_committee_members_for_user},
        )

    def get_form_class(self, for_update=False):
        return CommitteeMemberForm


viewsets = (AgencyViewSet, AgencyMemberViewSet, CommitteeViewSet, CommitteeMemberViewSet)
admin_urls = []
