from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from ..enums import UnitLevel

# The level directly below each level, and the length of the codes at each level
# (GB/T 2260 division codes, extended by the statistical codes of streets and communities).
CHILD_LEVEL = {
    UnitLevel.CITY: UnitLevel.DISTRICT,
    UnitLevel.DISTRICT: UnitLevel.STREET,
    UnitLevel.STREET: UnitLevel.COMMUNITY,
}
CODE_LENGTH = {UnitLevel.CITY: 6, UnitLevel.DISTRICT: 6, UnitLevel.STREET: 9, UnitLevel.COMMUNITY: 12}


class AdministrativeUnit(MP_Node):
    """A node of the one administrative tree: city → district → street → community.

    The materialized path (`path`) makes "everything in U's subtree" a prefix match, which is
    what every scoping selector uses.
    """

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=UnitLevel.choices)

    # No node_order_by: a new unit is appended under its parent, so existing paths never shift
    # (sorted insertion would rewrite the paths of later siblings and their subtrees).

    class Meta:
        verbose_name = _("行政单位")
        verbose_name_plural = _("行政单位")
        # Division codes are hierarchical, so code order is tree order.
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def subtree_prefix(self) -> str:
        return self.path
