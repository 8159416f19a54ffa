from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..enums import Category, FieldOfActivity, OrganizationKind, OrganizationStatus, UnitLevel, choice_label
from ..validators import normalize_uscc, validate_filing_number, validate_resident_id, validate_uscc_for_kind
from .fields import EncryptedCharField
from .units import AdministrativeUnit

# The legal representative's personal data, on the organization and in an application's `proposed`.
PERSONAL_FIELDS = ("legal_representative_id_number", "legal_representative_phone")


class ActivityField(models.Model):
    """One field of activity (养老服务, 教育, ...). Rows are seeded by a migration, one per code."""

    code = models.CharField(_("代码"), max_length=32, unique=True, choices=FieldOfActivity.choices)

    class Meta:
        verbose_name = _("活动领域")
        verbose_name_plural = _("活动领域")
        ordering = ["id"]

    def __str__(self):
        return str(FieldOfActivity(self.code).label)


class Organization(models.Model):
    """A social organization of the district: registered (with a credit code) or filed.

    Registered facts change only through `registry.services.organizations`, which keeps the
    history of every change.
    """

    name = models.CharField(_("名称"), max_length=200)
    uscc = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        help_text=_("登记的组织必填；社区社会组织不填。"),
        error_messages={"unique": _("该统一社会信用代码已被其他组织使用。")},
    )
    filing_number = models.CharField(
        _("备案编号"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text=_("社区社会组织的备案编号，如“市南备字〔2026〕第0001号”。"),
        error_messages={"unique": _("该备案编号已被其他组织使用。")},
    )
    kind = models.CharField(_("类型"), max_length=32, choices=OrganizationKind.choices)
    category = models.CharField(_("类别"), max_length=32, choices=Category.choices, blank=True)
    activity_fields = models.ManyToManyField(
        ActivityField, verbose_name=_("活动领域"), related_name="organizations", blank=True
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=OrganizationStatus.choices, default=OrganizationStatus.ACTIVE
    )
    registration_authority = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("登记管理机关"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registered_organizations",
    )
    supervising_unit = models.CharField(_("业务主管单位"), max_length=200, blank=True)
    supervising_approval_number = models.CharField(_("业务主管单位批准文号"), max_length=100, blank=True)
    street = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("街道"),
        on_delete=models.PROTECT,
        related_name="street_organizations",
    )
    community = models.ForeignKey(
        AdministrativeUnit,
        verbose_name=_("社区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="community_organizations",
    )
    address = models.CharField(_("住所"), max_length=300, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    registered_capital = models.DecimalField(
        _("开办资金（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    business_scope = models.TextField(_("业务范围"), blank=True)
    activity_area = models.CharField(_("活动地域"), max_length=200, blank=True)
    member_count = models.PositiveIntegerField(_("会员数"), null=True, blank=True)
    legal_representative = models.CharField(_("法定代表人（负责人）"), max_length=50, blank=True)
    public_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    # Personal data (PERSONAL_FIELDS): encrypted at rest, never on a public page, in open data, an
    # export or the API, and shown in clear only as `registry.personal_data` allows.
    legal_representative_id_number = EncryptedCharField(
        _("法定代表人身份证号码"), max_length=18, blank=True, validators=[validate_resident_id]
    )
    legal_representative_phone = EncryptedCharField(_("法定代表人手机"), max_length=40, blank=True)

    # Derived for the public directory by `registry.services.organizations`, never edited.
    name_pinyin = models.CharField(_("名称拼音"), max_length=255, blank=True, editable=False, db_index=True)
    search_document = models.TextField(_("检索文本"), blank=True, editable=False)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["name", "id"]
        constraints = [
            # A registered organization has a credit code; a filed group has a filing number instead.
            models.CheckConstraint(
                name="organization_identifier_matches_kind",
                condition=(
                    Q(kind=OrganizationKind.COMMUNITY_GROUP, uscc__isnull=True, filing_number__isnull=False)
                    | (~Q(kind=OrganizationKind.COMMUNITY_GROUP) & Q(uscc__isnull=False, filing_number__isnull=True))
                ),
                violation_error_message=_("登记的组织须有统一社会信用代码，社区社会组织须有备案编号。"),
            ),
            models.CheckConstraint(
                name="organization_capital_not_negative",
                condition=Q(registered_capital__isnull=True) | Q(registered_capital__gte=0),
                violation_error_message=_("开办资金不能为负数。"),
            ),
            models.CheckConstraint(
                name="organization_kind_valid",
                condition=Q(kind__in=OrganizationKind.values),
            ),
        ]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self):
        return self.name

    @property
    def identifier(self) -> str:
        """The public key of an organization: its credit code, or its filing number."""
        return self.uscc or self.filing_number or ""

    # The labels a list of organizations shows (get_kind_display() translates every label).
    @property
    def kind_label(self) -> str:
        return choice_label(OrganizationKind, self.kind)

    @property
    def status_label(self) -> str:
        return choice_label(OrganizationStatus, self.status)

    def clean(self):
        """Rules that tie fields together; every form and service runs them via full_clean()."""
        errors = {}
        self.uscc = normalize_uscc(self.uscc) or None
        self.filing_number = (self.filing_number or "").strip() or None
        if self.kind == OrganizationKind.COMMUNITY_GROUP:
            if self.uscc:
                errors["uscc"] = _("社区社会组织不使用统一社会信用代码，请填写备案编号。")
            if not self.filing_number:
                errors["filing_number"] = _("社区社会组织须有备案编号。")
            else:
                try:
                    validate_filing_number(self.filing_number)
                except ValidationError as error:
                    errors["filing_number"] = error
        elif self.kind:
            if self.filing_number:
                errors["filing_number"] = _("登记的组织不使用备案编号。")
            if not self.uscc:
                errors["uscc"] = _("登记的组织须填写统一社会信用代码。")
            else:
                try:
                    validate_uscc_for_kind(self.uscc, self.kind)
                except ValidationError as error:
                    errors["uscc"] = error
            if not self.category:
                errors["category"] = _("登记的组织须选择类别。")
            elif self.category == Category.OTHER and not self.supervising_unit:
                errors["supervising_unit"] = _("不属于直接登记类别的组织须填写业务主管单位。")
        if self.street_id and self.street.level != UnitLevel.STREET:
            errors["street"] = _("请选择街道。")
        if self.community_id and self.street_id and not self._community_in_street():
            errors["community"] = _("社区“%(community)s”不属于%(street)s。") % {
                "community": self.community.name,
                "street": self.street.name,
            }
        if self.registration_authority_id and self.registration_authority.level not in (
            UnitLevel.CITY,
            UnitLevel.DISTRICT,
        ):
            errors["registration_authority"] = _("登记管理机关应为市级或区级单位。")
        if errors:
            raise ValidationError(errors)

    def _community_in_street(self) -> bool:
        return self.community.level == UnitLevel.COMMUNITY and self.community.path.startswith(self.street.path)

    @property
    def needs_supervising_unit(self) -> bool:
        return self.kind != OrganizationKind.COMMUNITY_GROUP and self.category == Category.OTHER
