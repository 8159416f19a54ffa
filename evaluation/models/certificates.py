from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.uploads import private_storage

from ..enums import Grade


def _pdf_path(instance, filename):
    return f"certificates/{instance.year}/{instance.code}.pdf"


class Certificate(models.Model):
    """An evaluation certificate (评估等级证书): a signed snapshot of a grade at its issue.

    The facts printed on the certificate are copied here when it is issued and never change
    afterwards; `signature` is the issuer's Ed25519 signature of their canonical form
    (`evaluation.services.certificates.canonical_data`), so a changed row no longer verifies.
    Revocation is the issuer's later statement about the certificate, signed on its own when it is
    made (`revocation_signature`, by the key `revocation_key_id`, over
    `evaluation.services.certificates.revocation_data`): a revocation without a valid statement,
    or a statement (or a replacement) left without its revocation, marks the record as altered.
    The stored PDF is bound to the certificate by a third signed statement, of its SHA-256
    (`pdf_sha256`, `pdf_signature`): a swapped or changed file is refused rather than served.
    Written only by `evaluation.services.certificates`.
    """

    grade_record = models.ForeignKey(
        "evaluation.OrganizationGrade",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("评估等级"),
    )
    number = models.CharField(_("证书编号"), max_length=40, unique=True)
    year = models.PositiveIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("序号"))
    code = models.CharField(_("查验码"), max_length=32, unique=True)
    organization_name = models.CharField(_("组织名称"), max_length=200)
    identifier = models.CharField(_("统一社会信用代码或备案编号"), max_length=40)
    grade = models.CharField(_("等级"), max_length=2, choices=Grade.choices)
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期至"))
    committee_name = models.CharField(_("评估委员会"), max_length=200)
    bureau_name = models.CharField(_("发证机关"), max_length=200)
    issued_on = models.DateField(_("发证日期"))
    key_id = models.CharField(_("签名密钥标识"), max_length=64)
    signature = models.TextField(_("签名"))
    pdf = models.FileField(_("证书文件"), upload_to=_pdf_path, storage=private_storage, max_length=200, blank=True)
    # The stored PDF's SHA-256 (hex), vouched for by the issuer's signature over the file statement
    # (`evaluation.services.certificates.file_data`): the file is served only when both match it.
    pdf_sha256 = models.CharField(_("证书文件的SHA-256摘要"), max_length=64, blank=True)
    pdf_key_id = models.CharField(_("证书文件声明的签名密钥标识"), max_length=64, blank=True)
    pdf_signature = models.TextField(_("证书文件声明的签名"), blank=True)
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    revocation_reason = models.TextField(_("撤销原因"), blank=True)
    revocation_key_id = models.CharField(_("撤销声明的签名密钥标识"), max_length=64, blank=True)
    revocation_signature = models.TextField(_("撤销声明的签名"), blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces", verbose_name=_("换发证书")
    )

    class Meta:
        verbose_name = _("评估等级证书")
        verbose_name_plural = _("评估等级证书")
        ordering = ["-issued_on", "-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["bureau_name", "year", "sequence"], name="certificate_sequence_unique"),
            models.CheckConstraint(
                condition=models.Q(revoked_on__isnull=True, revocation_reason="")
                | (models.Q(revoked_on__isnull=False) & ~models.Q(revocation_reason="")),
                name="certificate_revoked_with_reason",
            ),
        ]

    def __str__(self):
        return self.number


class CertificateRun(models.Model):
    """A bulk issue of a campaign's certificates, run as a background task; its progress is shown
    in the admin."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    campaign = models.ForeignKey(
        "evaluation.Campaign", on_delete=models.PROTECT, related_name="certificate_runs", verbose_name=_("评估活动")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("应发证书"), default=0)
    issued = models.PositiveIntegerField(_("已发证书"), default=0)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量发证")
        verbose_name_plural = _("批量发证")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.campaign} · {self.get_status_display()}"
