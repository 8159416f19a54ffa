"""Demo evaluation bodies: one third-party agency and the district's evaluation committee.

Evaluation has no service that creates agencies or committees yet (they come with the evaluation
issue), so these two rows are made here, validated like a form would; their members are added by
the demo users through `evaluation.services`.
"""

from registry.models import AdministrativeUnit

from .models import Agency, Committee

AGENCY_NAME = "青岛众诚社会组织评估中心"
AGENCY_PHONE = "0532-85201234"
AGENCY_USCC = "52370202MJD602187J"  # made up, with a correct check character
COMMITTEE_NAME = "市南区社会组织评估委员会"


def _get_or_create(model, *, lookup: dict, defaults: dict):
    """Look up by the natural key; create a validated row when missing. Returns (row, created)."""
    row = model.objects.filter(**lookup).first()
    if row is not None:
        return row, False
    row = model(**lookup, **defaults)
    row.full_clean()
    row.save()
    return row, True


def create_evaluation_bodies(*, district: AdministrativeUnit) -> tuple[Agency, Committee, int]:
    """The agency and the committee (whose authority is the district unit); returns both and how
    many were created."""
    agency, agency_created = _get_or_create(
        Agency, lookup={"name": AGENCY_NAME}, defaults={"contact_phone": AGENCY_PHONE, "uscc": AGENCY_USCC}
    )
    committee, committee_created = _get_or_create(
        Committee, lookup={"name": COMMITTEE_NAME}, defaults={"authority": district}
    )
    return agency, committee, agency_created + committee_created
