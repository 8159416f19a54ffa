"""Who reads a legal representative's personal data in clear, and the record of officers doing so.

The personal fields (`PERSONAL_FIELDS`: the resident ID number and the personal phone) are
encrypted at rest and shown masked to everyone except the organization and its registration
officers (issue 9). From the roles of DESIGN.md section 5 that is, for an organization:

- its own accounts (`OrganizationAccount`);
- the officers who keep its registration or filing, that is who may change its registered facts
  (`manageable_organizations_for_user`): district officers of its district or of its registration
  authority, city officers for what the city bureau registered, street officers for the community
  groups filed in their street; and an active superuser.

Community supervisors, street officers for registered organizations, city officers for what the
district registered, federation staff, agency managers, assessors and committee members read them
masked. For an application the same holds through its parties: the applicant and the tier that
decides it (`decided_by`) read it in clear, federation staff pre-reviewing a filing read it masked.

Each time an officer (anyone but the organization's own account or the applicant) is shown the
data in clear, an audit entry `personal_data.view` records it.
"""

from audit.services import record

from .models import Application, Organization, OrganizationAccount
from .models.organizations import PERSONAL_FIELDS
from .selectors.applications import applied_by, decided_by
from .selectors.organizations import manageable_organizations_for_user
from .validators import mask_phone, mask_resident_id

MASKS = {"legal_representative_id_number": mask_resident_id, "legal_representative_phone": mask_phone}

__all__ = ["PERSONAL_FIELDS", "masked", "personal_data_for", "shows_application_personal_data"]


def masked(field: str, value) -> str:
    """A personal field's value as everyone but its organization and registration officers reads it."""
    return MASKS[field](str(value)) if value not in (None, "") else ""


def _is_account_of(user, organization: Organization) -> bool:
    return OrganizationAccount.objects.filter(user_id=user.pk, organization_id=organization.pk).exists()


def _is_registration_officer(user, organization: Organization) -> bool:
    return manageable_organizations_for_user(user).filter(pk=organization.pk).exists()


def _record_view(request, target, organization: Organization | None) -> None:
    record(
        actor=request.user,
        action="personal_data.view",
        target=target,
        organization=organization,
        request=request,
        reason="",
    )


def personal_data_for(request, organization: Organization) -> dict[str, str]:
    """The organization's personal fields as `request.user` may read them (see the module's
    docstring): in clear, recording an officer's view, or masked. Blank ones stay blank and
    record nothing."""
    values = {field: getattr(organization, field) or "" for field in PERSONAL_FIELDS}
    user = request.user
    if not any(values.values()) or not getattr(user, "is_authenticated", False):
        return {field: masked(field, value) for field, value in values.items()}
    if _is_account_of(user, organization):
        return values
    if not _is_registration_officer(user, organization):
        return {field: masked(field, value) for field, value in values.items()}
    _record_view(request, organization, organization)
    return values


def shows_application_personal_data(request, application: Application) -> bool:
    """Whether `request.user` reads the application's personal data in clear (the applicant and
    the deciding tier, see the module's docstring); True records an officer's view, when the
    application holds any."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return False
    if Application.objects.filter(applied_by(user), pk=application.pk).exists():
        return True
    if not Application.objects.filter(decided_by(user), pk=application.pk).exists():
        return False
    organization = application.organization
    held = any(application.proposed.get(field) for field in PERSONAL_FIELDS) or (
        organization is not None and any(getattr(organization, field) for field in PERSONAL_FIELDS)
    )
    if held:
        _record_view(request, application, organization)
    return True
