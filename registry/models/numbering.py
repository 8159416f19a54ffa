from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberSequence(models.Model):
    """The last number given out in a gapless series (filing numbers, certificate numbers).

    One row per series and year; `registry.services.numbering.allocate_number` locks the row, so
    concurrent allocations queue instead of colliding.
    """

    series = models.CharField(_("序列"), max_length=64)
    year = models.PositiveIntegerField(_("年度"))
    last_number = models.PositiveIntegerField(_("已用至"), default=0)

    class Meta:
        verbose_name = _("编号序列")
        verbose_name_plural = _("编号序列")
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="number_sequence_unique")]

    def __str__(self):
        return f"{self.series} {self.year}: {self.last_number}"
