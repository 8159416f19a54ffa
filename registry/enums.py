"""Stable codes of the registry. Codes are stored; labels are translated for display."""

from django.db import models
from django.utils.translation import gettext_lazy as _


def choice_label(choices: type[models.Choices], value: str) -> str:
    """A choice's label, as get_FOO_display() gives it but translating only that one label:
    get_FOO_display() translates every label of the field to hash the choices, once per call,
    which made that most of the open-data export's time and a sixth of a directory page's
    (docs/performance.md)."""
    try:
        return str(choices(value).label)
    except ValueError:  # a code no longer among the choices shows as itself, as get_FOO_display()
        return value


class UnitLevel(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")


class OrganizationKind(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("社会团体")
    SERVICE_INSTITUTION = "service_institution", _("民办非企业单位")
    FOUNDATION = "foundation", _("基金会")
    COMMUNITY_GROUP = "community_group", _("社区社会组织")

    @classmethod
    def registered(cls):
        """Kinds that are legal persons with a unified social credit code."""
        return [cls.SOCIAL_GROUP, cls.SERVICE_INSTITUTION, cls.FOUNDATION]


# The second character of a civil-affairs credit code names the kind (GB 32100).
USCC_KIND_CHARACTER = {
    OrganizationKind.SOCIAL_GROUP: "1",
    OrganizationKind.SERVICE_INSTITUTION: "2",
    OrganizationKind.FOUNDATION: "3",
}
# The first character: the registration department; 5 is civil affairs.
USCC_CIVIL_AFFAIRS = "5"


class Category(models.TextChoices):
    INDUSTRY_ASSOCIATION = "industry_association", _("行业协会商会")
    SCIENCE_TECHNOLOGY = "science_technology", _("科技类")
    PUBLIC_WELFARE = "public_welfare", _("公益慈善类")
    COMMUNITY_SERVICE = "community_service", _("城乡社区服务类")
    OTHER = "other", _("其他（需业务主管单位）")

    @classmethod
    def direct_registration(cls):
        """The four categories that register directly, without a supervising unit."""
        return [cls.INDUSTRY_ASSOCIATION, cls.SCIENCE_TECHNOLOGY, cls.PUBLIC_WELFARE, cls.COMMUNITY_SERVICE]


class FieldOfActivity(models.TextChoices):
    ELDERLY_CARE = "elderly_care", _("养老服务")
    EDUCATION = "education", _("教育")
    HEALTH = "health", _("卫生健康")
    CULTURE = "culture", _("文化")
    SPORTS = "sports", _("体育")
    SCIENCE = "science", _("科技")
    CHILDREN = "children", _("儿童教育")
    LEGAL = "legal", _("法律服务")
    OTHER_WELFARE = "other_welfare", _("其他公益")


class OrganizationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PENDING = "pending", _("审核中")
    ACTIVE = "active", _("正常")
    ABNORMAL = "abnormal", _("活动异常")
    REVOKED = "revoked", _("已撤销登记")
    DEREGISTERED = "deregistered", _("已注销")
    FILED = "filed", _("已备案")
    LAPSED = "lapsed", _("备案失效")


class Role(models.TextChoices):
    """Every role of DESIGN.md section 5, by stable code. Where each is held is noted."""

    CITY_OFFICER = "city_officer", _("市级登记管理人员")  # on a city unit
    DISTRICT_OFFICER = "district_officer", _("区级登记管理人员")  # on a district unit
    STREET_OFFICER = "street_officer", _("街道工作人员")  # on a street unit
    COMMUNITY_SUPERVISOR = "community_supervisor", _("社区社会监督员")  # on a community unit
    FEDERATION_STAFF = "federation_staff", _("联合会工作人员")  # federation.FederationStaff
    AGENCY_MANAGER = "agency_manager", _("评估机构负责人")  # evaluation.AgencyMember
    ASSESSOR = "assessor", _("评估专家")  # evaluation.AgencyMember
    COMMITTEE_MEMBER = "committee_member", _("评估委员会委员")  # evaluation.CommitteeMember
    ORGANIZATION_ACCOUNT = "organization_account", _("组织账号")  # registry.OrganizationAccount

    @classmethod
    def unit_roles(cls):
        return [cls.CITY_OFFICER, cls.DISTRICT_OFFICER, cls.STREET_OFFICER, cls.COMMUNITY_SUPERVISOR]


# A unit role may only be held on a unit of its level.
ROLE_LEVEL = {
    Role.CITY_OFFICER: UnitLevel.CITY,
    Role.DISTRICT_OFFICER: UnitLevel.DISTRICT,
    Role.STREET_OFFICER: UnitLevel.STREET,
    Role.COMMUNITY_SUPERVISOR: UnitLevel.COMMUNITY,
}


class CreditList(models.TextChoices):
    """The two credit lists of DESIGN.md section 6."""

    ABNORMAL_ACTIVITY = "abnormal_activity", _("活动异常名录")
    SERIOUS_VIOLATION = "serious_violation", _("严重违法失信名单")


class ListingCause(models.TextChoices):
    MISSED_ANNUAL_REPORT = "missed_annual_report", _("未按规定报送年度工作报告")
    UNREACHABLE = "unreachable", _("通过登记的住所无法联系")
    NOT_CORRECTED = "not_corrected", _("未按期改正")
    MOVED_FROM_ABNORMAL = "moved_from_abnormal", _("列入活动异常名录满2年")
    OTHER = "other", _("其他")


class PenaltyKind(models.TextChoices):
    WARNING = "warning", _("警告")
    FINE = "fine", _("罚款")
    SUSPENSION = "suspension", _("限期停止活动")
    REVOCATION = "revocation", _("撤销登记")


class ApplicationKind(models.TextChoices):
    REGISTRATION = "registration", _("成立登记")
    FILING = "filing", _("社区社会组织备案")
    CHANGE = "change", _("变更登记")
    DEREGISTRATION = "deregistration", _("注销登记")


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    PRE_REVIEWED = "pre_reviewed", _("联合会已预审")
    ACCEPTED = "accepted", _("已受理")
    RETURNED = "returned", _("退回补正")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("不予批准")
    WITHDRAWN = "withdrawn", _("已撤回")


class ApplicationAction(models.TextChoices):
    SUBMIT = "submit", _("提交")
    PRE_REVIEW = "pre_review", _("联合会预审通过")
    ACCEPT = "accept", _("受理")
    RETURN = "return", _("退回补正")
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("不予批准")
    WITHDRAW = "withdraw", _("撤回")


class SupervisionKind(models.TextChoices):
    """What a supervision record is. Community supervisors observe and relay complaints;
    inspections are the officers' (DESIGN.md section 5)."""

    OBSERVATION = "observation", _("日常观察")
    COMPLAINT = "complaint", _("投诉举报")
    INSPECTION = "inspection", _("检查")


class SupervisionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    IN_PROGRESS = "in_progress", _("处理中")
    CLOSED = "closed", _("已办结")


class MaterialKind(models.TextChoices):
    CHARTER = "charter", _("章程")
    MEMBER_LIST = "member_list", _("成员名单")
    PREMISES = "premises", _("活动场所证明")
    ID_DOCUMENT = "id_document", _("负责人身份证明")
    MINUTES = "minutes", _("会议纪要")
    OTHER = "other", _("其他材料")


class AnnualReportResult(models.TextChoices):
    PASS = "pass", _("合格")
    BASIC_PASS = "basic_pass", _("基本合格")
    FAIL = "fail", _("不合格")


class AnnualReportState(models.TextChoices):
    """Where an annual report stands; `registry.services.annual_reports` moves it, one step each."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("退回补正")
    CHECKED = "checked", _("已审核")

    @classmethod
    def filed(cls):
        """States in which the report counts as filed (due dates, credit lists, eligibility):
        a draft or a report returned for correction does not."""
        return [cls.SUBMITTED, cls.CHECKED]

    @classmethod
    def editable(cls):
        """States in which the organization may edit and submit the report."""
        return [cls.DRAFT, cls.RETURNED]


class CreditProposalStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    CONFIRMED = "confirmed", _("已确认列入")
    DISMISSED = "dismissed", _("不予列入")
