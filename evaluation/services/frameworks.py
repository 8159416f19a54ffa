"""Indicator frameworks (DESIGN.md section 9): the one writer of frameworks, their grade bands
and their indicators.

A framework that a campaign (or a case) uses is frozen: every write here refuses it, and
`copy_framework` makes the new version to edit instead.

Edits keep "a parent's maximum is the sum of its children's" true at every step: a change to a
leaf is carried up to its ancestors, and a parent's maximum cannot be set to anything else.
Whether the leaves add up to the scale (and whether the bands are complete) concerns the whole
tree, so it is not refused edit by edit: `framework_problems` reports it, and a campaign may use
only a framework without problems. An import must be complete and consistent at once.
"""

import itertools
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.enums import OrganizationKind

from ..enums import Grade, grade_rank
from ..models import Framework, GradeBand, Indicator

MAX_LEVEL = 3
ONE_DECIMAL = Decimal("0.1")
POINTS_LIMIT = Decimal("100000")  # Indicator.max_points and Framework.scale: 6 digits, 1 decimal

FROZEN_MESSAGE = gettext_lazy("该指标体系已被评估活动使用，不能修改；请复制为新版本后修改。")

FRAMEWORK_KEYS = {
    "code",
    "name",
    "scale",
    "applies_to",
    "self_assessment_min_grade",
    "level1_variants",
    "bands",
    "indicators",
}
BAND_KEYS = {"grade", "min", "inclusive"}
INDICATOR_KEYS = {"code", "name", "max", "guidance", "evidence", "veto_caps_grade", "children"}


def points(value: Decimal) -> str:
    """190 rather than 190.0 or 1.9E+2, as people write points."""
    return str(int(value)) if value == value.to_integral_value() else str(value.quantize(ONE_DECIMAL))


# --- A framework as plain data: what imports are checked as, and what frameworks are compared by


@dataclass
class _Node:
    code: str
    name: str
    level: int
    max_points: Decimal | None  # None: the import gave no usable number (already reported)
    guidance: str = ""
    evidence: str = ""
    veto_caps_grade: str = ""
    name_by_kind: dict = field(default_factory=dict)
    children: list["_Node"] = field(default_factory=list)


@dataclass
class _Band:
    grade: str
    min_score: Decimal
    inclusive: bool

    def __str__(self):
        return f"{self.grade} {'≥' if self.inclusive else '>'} {points(self.min_score)}"


@dataclass
class _Tree:
    name: str
    scale: Decimal | None
    applies_to: list[str]
    self_assessment_min_grade: str
    bands: list[_Band]
    roots: list[_Node]


def _walk(nodes: list[_Node], parent: _Node | None = None):
    """(node, parent) in reading order: each indicator before its children."""
    for node in nodes:
        yield node, parent
        yield from _walk(node.children, node)


def _content(tree: _Tree) -> tuple:
    """Everything that makes two versions the same framework (not their code or version)."""
    return (
        tree.name,
        tree.scale,
        tuple(sorted(tree.applies_to)),
        tree.self_assessment_min_grade,
        tuple(sorted((band.grade, band.min_score, band.inclusive) for band in tree.bands)),
        tuple(
            (
                node.code,
                parent.code if parent else "",
                node.name,
                tuple(sorted(node.name_by_kind.items())),
                node.max_points,
                node.guidance,
                node.evidence,
                node.veto_caps_grade,
            )
            for node, parent in _walk(tree.roots)
        ),
    )


def _tree_of(framework: Framework) -> _Tree:
    nodes = {}
    roots = []
    for indicator in framework.indicators.order_by("position", "pk"):
        node = _Node(
            code=indicator.code,
            name=indicator.name,
            level=indicator.level,
            max_points=indicator.max_points,
            guidance=indicator.guidance,
            evidence=indicator.evidence,
            veto_caps_grade=indicator.veto_caps_grade,
            name_by_kind=dict(indicator.name_by_kind),
        )
        nodes[indicator.pk] = node
        # Reading order puts every parent before its children.
        (nodes[indicator.parent_id].children if indicator.parent_id else roots).append(node)
    return _Tree(
        name=framework.name,
        scale=framework.scale,
        applies_to=list(framework.applies_to),
        self_assessment_min_grade=framework.self_assessment_min_grade,
        bands=[_Band(band.grade, band.min_score, band.inclusive) for band in framework.bands.all()],
        roots=roots,
    )


# --- Whole-tree rules, shared by imports, edits and campaigns


def _band_problems(bands: list[_Band], scale: Decimal | None) -> list[str]:
    """Problems of the bands there are; having none is a problem only for grading
    (`framework_problems`): a scoring sheet without bands serves a venture review."""
    problems = []
    seen = set()
    for band in bands:
        if band.grade in seen:
            problems.append(_("等级 %(grade)s 的分数线重复。") % {"grade": band.grade})
        seen.add(band.grade)
        if band.min_score < 0 or (scale is not None and band.min_score > scale):
            problems.append(
                _("等级 %(grade)s 的分数下限 %(min)s 应在 0 到总分 %(scale)s 之间。")
                % {"grade": band.grade, "min": points(band.min_score), "scale": points(scale or Decimal(0))}
            )
    # A better grade needs a strictly higher bar; at the same number "> x" is higher than "≥ x".
    ordered = sorted(bands, key=lambda band: grade_rank(band.grade), reverse=True)
    for better, worse in itertools.pairwise(ordered):
        if (better.min_score, not better.inclusive) <= (worse.min_score, not worse.inclusive):
            problems.append(
                _("等级 %(better)s 的分数线（%(b)s）应高于等级 %(worse)s 的分数线（%(w)s）。")
                % {"better": better.grade, "b": better, "worse": worse.grade, "w": worse}
            )
    return problems


def _sum_parts(nodes) -> str:
    return " + ".join(points(node.max_points) for node in nodes)


def _tree_problems(tree: _Tree) -> list[str]:
    problems = []
    if not tree.applies_to:
        problems.append(_("没有设置适用的组织类型。"))
    problems += _band_problems(tree.bands, tree.scale)
    grade = tree.self_assessment_min_grade
    if grade and grade not in {band.grade for band in tree.bands}:
        problems.append(_("自评最低等级 %(grade)s 没有对应的等级分数线。") % {"grade": grade})
    if not tree.roots:
        problems.append(_("没有任何指标。"))
        return problems
    seen = set()
    leaves = []
    for node, _parent in _walk(tree.roots):
        where = _("指标 %(code)s") % {"code": node.code}
        if node.code in seen:
            problems.append(_("%(where)s：编号重复。") % {"where": where})
        seen.add(node.code)
        if node.level > MAX_LEVEL:
            problems.append(_("%(where)s：指标最多三级，此项为第%(level)d级。") % {"where": where, "level": node.level})
        if node.max_points is not None and node.max_points < 0:
            problems.append(
                _("%(where)s：分值不能为负数（%(max)s）。") % {"where": where, "max": points(node.max_points)}
            )
        if not node.children:
            leaves.append(node)
            continue
        if node.veto_caps_grade:
            problems.append(_("%(where)s：只有末级指标可以设为否决项。") % {"where": where})
        if node.max_points is not None and all(child.max_points is not None for child in node.children):
            total = sum(child.max_points for child in node.children)
            if total != node.max_points:
                problems.append(
                    _("%(where)s：分值 %(max)s 不等于下级指标分值之和 %(sum)s（%(parts)s）。")
                    % {
                        "where": where,
                        "max": points(node.max_points),
                        "sum": points(total),
                        "parts": _sum_parts(node.children),
                    }
                )
    if tree.scale is not None and all(leaf.max_points is not None for leaf in leaves):
        total = sum(leaf.max_points for leaf in leaves)
        if total != tree.scale:
            problems.append(
                _("末级指标分值之和为 %(sum)s，不等于总分 %(scale)s。")
                % {"sum": points(total), "scale": points(tree.scale)}
            )
    return problems


def framework_problems(framework: Framework, *, graded: bool = True) -> list[str]:
    """Everything that keeps the framework from being used by a campaign, in Chinese; [] when
    none: the parent sums, the leaves' sum against the scale, the bands, the kinds. A graded
    campaign (an evaluation) needs bands; a venture review scores without them."""
    tree = _tree_of(framework)
    missing = [_("没有等级分数线。")] if graded and not tree.bands else []
    return missing + _tree_problems(tree)


# --- Import


class _Reader:
    """Reads the JSON shape of `evaluation/data/frameworks/README.md` into a `_Tree`, collecting
    every problem instead of stopping at the first."""

    def __init__(self):
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(_("%(where)s：%(problem)s") % {"where": where, "problem": message})

    def unknown_keys(self, where: str, raw: dict, known: set[str]) -> None:
        for key in sorted(set(raw) - known):
            self.problem(where, _("未知字段“%(key)s”。") % {"key": key})

    def number(self, where: str, value, *, label: str) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(where, _("%(label)s应为数字。") % {"label": label})
            return None
        number = Decimal(str(value))
        if not number.is_finite() or abs(number) >= POINTS_LIMIT:
            self.problem(where, _("%(label)s超出范围。") % {"label": label})
            return None
        if number != number.quantize(ONE_DECIMAL):
            self.problem(where, _("%(label)s最多保留一位小数。") % {"label": label})
            return None
        return number

    def text(self, where: str, value, *, label: str, max_length: int | None = None, required: bool = False) -> str:
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(where, _("缺少%(label)s。") % {"label": label})
            return ""
        if max_length is not None and len(value) > max_length:
            self.problem(where, _("%(label)s超过%(max)d个字。") % {"label": label, "max": max_length})
        return value.strip()

    def grade(self, where: str, value, *, label: str) -> str:
        if value in (None, ""):
            return ""
        if value not in Grade.values:
            self.problem(where, _("%(label)s“%(value)s”不是已知的等级（5A至1A）。") % {"label": label, "value": value})
            return ""
        return value

    def framework(self, data) -> tuple[str, _Tree | None]:
        where = _("指标体系")
        if not isinstance(data, dict):
            self.problem(where, _("文件内容应为一个JSON对象。"))
            return "", None
        self.unknown_keys(where, data, FRAMEWORK_KEYS)
        code = self.text(where, data.get("code"), label=_("代码"), max_length=50, required=True)
        if code:
            try:
                validate_slug(code)
            except ValidationError:
                self.problem(where, _("代码“%(code)s”只能包含字母、数字、连字符和下划线。") % {"code": code})
        name = self.text(where, data.get("name"), label=_("名称"), max_length=200, required=True)
        scale = self.number(where, data.get("scale"), label=_("总分"))
        if scale is not None and scale <= 0:
            self.problem(where, _("总分应大于0。"))
        tree = _Tree(
            name=name,
            scale=scale,
            applies_to=self.kinds(where, data.get("applies_to")),
            self_assessment_min_grade=self.grade(where, data.get("self_assessment_min_grade"), label=_("自评最低等级")),
            bands=self.bands(data.get("bands")),
            roots=self.indicators(data.get("indicators"), level=1, where=where),
        )
        self.variants(data.get("level1_variants"), tree)
        return code, tree

    def kinds(self, where: str, value) -> list[str]:
        if not isinstance(value, list) or not value:
            self.problem(where, _("适用组织类型（applies_to）应为非空列表。"))
            return []
        kinds = []
        for kind in value:
            if kind not in OrganizationKind.values:
                self.problem(where, _("未知的组织类型“%(kind)s”。") % {"kind": kind})
            elif kind not in kinds:
                kinds.append(kind)
        return kinds

    def bands(self, value) -> list[_Band]:
        # Empty for a scoring sheet, which grades nothing (see `framework_problems`).
        if not isinstance(value, list):
            self.problem(_("等级分数线"), _("bands 应为列表。"))
            return []
        bands = []
        for number, raw in enumerate(value, start=1):
            where = _("等级分数线第%(n)d项") % {"n": number}
            if not isinstance(raw, dict):
                self.problem(where, _("应为对象。"))
                continue
            self.unknown_keys(where, raw, BAND_KEYS)
            if raw.get("grade") in (None, ""):
                self.problem(where, _("缺少等级。"))
            grade = self.grade(where, raw.get("grade"), label=_("等级"))
            minimum = self.number(where, raw.get("min"), label=_("分数下限"))
            inclusive = raw.get("inclusive", True)
            if not isinstance(inclusive, bool):
                self.problem(where, _("inclusive 应为 true 或 false。"))
            if grade and minimum is not None and isinstance(inclusive, bool):
                bands.append(_Band(grade, minimum, inclusive))
        return bands

    def indicators(self, value, *, level: int, where: str) -> list[_Node]:
        if value is None and level > 1:
            return []
        if not isinstance(value, list) or (level == 1 and not value):
            self.problem(where, _("indicators/children 应为非空列表。"))
            return []
        nodes = []
        for number, raw in enumerate(value, start=1):
            item_where = _("%(where)s 下第%(n)d项") % {"where": where, "n": number}
            if not isinstance(raw, dict):
                self.problem(item_where, _("应为对象。"))
                continue
            code = self.text(item_where, raw.get("code"), label=_("编号"), max_length=20, required=True)
            if code:
                item_where = _("指标 %(code)s") % {"code": code}
            self.unknown_keys(item_where, raw, INDICATOR_KEYS)
            node = _Node(
                code=code or item_where,
                name=self.text(item_where, raw.get("name"), label=_("名称"), max_length=200, required=True),
                level=level,
                max_points=self.number(item_where, raw.get("max"), label=_("分值")),
                guidance=self.text(
                    item_where, raw.get("guidance"), label=_("评分说明"), max_length=10000, required=False
                ),
                evidence=self.text(
                    item_where, raw.get("evidence"), label=_("佐证材料"), max_length=10000, required=False
                ),
                veto_caps_grade=self.grade(item_where, raw.get("veto_caps_grade"), label=_("否决项最高等级")),
            )
            # A fourth level is reported (see _tree_problems); deeper ones would only repeat it.
            if level <= MAX_LEVEL:
                node.children = self.indicators(raw.get("children"), level=level + 1, where=item_where)
            nodes.append(node)
        return nodes

    def variants(self, value, tree: _Tree) -> None:
        """level1_variants {kind: {code: name}}: another name of a level-1 indicator for a kind."""
        if value is None:
            return
        where = "level1_variants"
        if not isinstance(value, dict):
            self.problem(where, _("应为对象。"))
            return
        roots = {node.code: node for node in tree.roots}
        for kind, names in value.items():
            if kind not in OrganizationKind.values:
                self.problem(where, _("未知的组织类型“%(kind)s”。") % {"kind": kind})
                continue
            if kind not in tree.applies_to:
                self.problem(where, _("组织类型“%(kind)s”不在适用组织类型中。") % {"kind": kind})
            if not isinstance(names, dict):
                self.problem(where, _("“%(kind)s”的内容应为对象。") % {"kind": kind})
                continue
            for code, name in names.items():
                if code not in roots:
                    self.problem(where, _("“%(code)s”不是一级指标的编号。") % {"code": code})
                elif text := self.text(where, name, label=_("名称"), max_length=200, required=True):
                    roots[code].name_by_kind[kind] = text


def read_framework_file(content: bytes):
    """The JSON document of a framework file (UTF-8, with or without a byte-order mark); a
    ValidationError in Chinese when the bytes are not JSON at all."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("文件不是UTF-8编码的JSON文本。"), code="not_json") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise ValidationError(
            _("文件不是有效的JSON：第%(line)d行第%(column)d列附近有错误。")
            % {"line": error.lineno, "column": error.colno},
            code="not_json",
        ) from None
    except (ValueError, RecursionError):
        raise ValidationError(_("文件不是有效的JSON。"), code="not_json") from None


def _refuse_constant(name: str):
    raise ValueError(name)  # NaN and Infinity are not JSON numbers


def latest_framework(code: str) -> Framework | None:
    return Framework.objects.filter(code=code).order_by("-version").first()


def _next_version(code: str) -> int:
    return (Framework.objects.filter(code=code).aggregate(last=Max("version"))["last"] or 0) + 1


def _create_version(*, code: str, tree: _Tree, actor) -> Framework:
    """A new version of `code` with the tree's bands and indicators (positions in reading order)."""
    version = _next_version(code)
    try:
        with transaction.atomic():
            framework = Framework.objects.create(
                code=code,
                version=version,
                name=tree.name,
                scale=tree.scale,
                applies_to=tree.applies_to,
                self_assessment_min_grade=tree.self_assessment_min_grade,
                created_by=actor,
            )
    except IntegrityError:  # another import of the same code took this version meanwhile
        raise ValidationError(_("指标体系“%(code)s”正在被另一操作写入，请稍后重试。") % {"code": code}) from None
    GradeBand.objects.bulk_create(
        GradeBand(framework=framework, grade=band.grade, min_score=band.min_score, inclusive=band.inclusive)
        for band in tree.bands
    )
    rows = {}
    by_level: dict[int, list[Indicator]] = {}
    for position, (node, parent) in enumerate(_walk(tree.roots), start=1):
        row = Indicator(
            framework=framework,
            parent=rows[id(parent)] if parent else None,
            code=node.code,
            level=node.level,
            position=position,
            name=node.name,
            name_by_kind=node.name_by_kind,
            max_points=node.max_points,
            guidance=node.guidance,
            evidence=node.evidence,
            veto_caps_grade=node.veto_caps_grade,
        )
        rows[id(node)] = row
        by_level.setdefault(node.level, []).append(row)
    # Level by level, so that each parent has its key before its children are written.
    for level in sorted(by_level):
        Indicator.objects.bulk_create(by_level[level])
    return framework


@transaction.atomic
def import_framework(data: dict, *, actor=None) -> Framework:
    """Create a framework from its JSON shape (`evaluation/data/frameworks/README.md`).

    Every problem is reported at once, in one ValidationError, and nothing is written. Importing
    the same content again returns the latest version unchanged; different content under the
    same code becomes the next version (the old one stays, as campaigns may use it).
    """
    reader = _Reader()
    code, tree = reader.framework(data)
    if tree is not None:
        reader.problems += _tree_problems(tree)
    if reader.problems:
        raise ValidationError(reader.problems)
    latest = latest_framework(code)
    if latest is not None and _content(_tree_of(latest)) == _content(tree):
        return latest
    return _create_version(code=code, tree=tree, actor=actor)


def import_framework_file(content: bytes, *, actor=None) -> tuple[Framework, bool]:
    """Import a framework file (`import_framework`); the flag says whether a version was created
    (False: the same content was already there)."""
    data = read_framework_file(content)
    code = data.get("code") if isinstance(data, dict) else None
    before = latest_framework(code) if isinstance(code, str) else None
    framework = import_framework(data, actor=actor)
    return framework, before is None or before.pk != framework.pk


# --- Frozen frameworks, copies


def framework_in_use(framework: Framework) -> bool:
    """Used by a campaign (or by a case, which comes with one): its points are then on record."""
    return framework.campaign_uses.exists() or framework.cases.exists()


def _lock_editable(framework: Framework) -> Framework:
    """The framework, locked against a campaign taking it up meanwhile; refused when in use."""
    framework = Framework.objects.select_for_update().get(pk=framework.pk)
    if framework_in_use(framework):
        raise ValidationError(FROZEN_MESSAGE, code="framework_in_use")
    return framework


@transaction.atomic
def copy_framework(framework: Framework, actor) -> Framework:
    """The next version of the framework's code with the same bands and whole indicator tree,
    free to edit whether or not the original is in use."""
    return _create_version(code=framework.code, tree=_tree_of(framework), actor=actor)


# --- Editing in the back office

FRAMEWORK_FIELDS = ("name", "scale", "applies_to", "self_assessment_min_grade")
INDICATOR_FIELDS = ("code", "name", "max_points", "guidance", "evidence", "veto_caps_grade", "name_by_kind")


def _check_kinds(kinds) -> None:
    if not kinds:
        raise ValidationError({"applies_to": _("请至少选择一种适用的组织类型。")})
    unknown = [kind for kind in kinds if kind not in OrganizationKind.values]
    if unknown:
        raise ValidationError(
            {"applies_to": _("未知的组织类型：%(kinds)s。") % {"kinds": "、".join(map(str, unknown))}}
        )


@transaction.atomic
def create_framework(*, code: str, data: dict, actor) -> Framework:
    """An empty framework (the next version of `code`) whose bands and indicators are added next."""
    _check_kinds(data.get("applies_to"))
    framework = Framework(
        code=code, version=_next_version(code), created_by=actor, **{f: data[f] for f in FRAMEWORK_FIELDS}
    )
    framework.full_clean()
    framework.save()
    return framework


@transaction.atomic
def update_framework(*, framework: Framework, data: dict) -> Framework:
    """Name, scale, kinds and self-assessment grade; code and version stay."""
    framework = _lock_editable(framework)
    _check_kinds(data.get("applies_to"))
    for name in FRAMEWORK_FIELDS:
        setattr(framework, name, data[name])
    framework.full_clean()
    framework.save()
    return framework


@transaction.atomic
def delete_framework(*, framework: Framework) -> None:
    _lock_editable(framework).delete()


def _check_name_by_kind(names) -> None:
    if not isinstance(names, dict) or any(
        kind not in OrganizationKind.values or not isinstance(name, str) or not name.strip()
        for kind, name in names.items()
    ):
        raise ValidationError(
            {"name_by_kind": _('应为 {"组织类型代码": "名称"} 的形式，如 {"service_institution": "业务活动"}。')}
        )


def _check_indicator(indicator: Indicator) -> None:
    """The indicator's own rules; its place in the tree is checked by the caller."""
    _check_name_by_kind(indicator.name_by_kind)
    duplicate = Indicator.objects.filter(framework_id=indicator.framework_id, code=indicator.code)
    if duplicate.exclude(pk=indicator.pk).exists():
        raise ValidationError({"code": _("该指标体系中已有编号为 %(code)s 的指标。") % {"code": indicator.code}})
    indicator.full_clean(exclude=["framework", "parent"], validate_constraints=False)


def _carry_up(parent: Indicator | None) -> None:
    """Set each ancestor with children to the sum of its children. One left without children
    keeps its points and becomes a scored leaf."""
    while parent is not None:
        total = parent.children.aggregate(total=Sum("max_points"))["total"]
        if total is not None and total != parent.max_points:
            parent.max_points = total
            parent.save(update_fields=["max_points"])
        parent = parent.parent


def _subtree_end(framework: Framework, parent: Indicator | None) -> int:
    """The last position of `parent`'s subtree (of the whole framework when None)."""
    rows = framework.indicators.all()
    if parent is not None:
        rows = rows.filter(Q(pk=parent.pk) | Q(parent=parent) | Q(parent__parent=parent))
    return rows.aggregate(last=Max("position"))["last"] or 0


@transaction.atomic
def add_indicator(*, framework: Framework, parent: Indicator | None, data: dict) -> Indicator:
    """A new indicator at the end of `parent`'s children (a level-1 one when `parent` is None);
    the ancestors' points grow by its points."""
    framework = _lock_editable(framework)
    if parent is not None:
        if parent.framework_id != framework.pk:
            raise ValidationError({"parent": _("上级指标不属于该指标体系。")})
        if parent.level >= MAX_LEVEL:
            raise ValidationError({"parent": _("指标最多三级，第三级指标不能再有下级指标。")})
        if parent.veto_caps_grade:
            raise ValidationError(
                {
                    "parent": _("指标 %(code)s 是否决项，只有末级指标可以是否决项，不能再添加下级指标。")
                    % {"code": parent.code}
                }
            )
    indicator = Indicator(
        framework=framework,
        parent=parent,
        level=parent.level + 1 if parent else 1,
        **{name: data.get(name, "") for name in INDICATOR_FIELDS if name != "name_by_kind"},
        name_by_kind=data.get("name_by_kind") or {},
    )
    _check_indicator(indicator)
    end = _subtree_end(framework, parent)
    framework.indicators.filter(position__gt=end).update(position=F("position") + 1)
    indicator.position = end + 1
    indicator.save()
    _carry_up(parent)
    return indicator


@transaction.atomic
def change_indicator(*, indicator: Indicator, data: dict) -> Indicator:
    """Change an indicator in place (not its place in the tree). A leaf's new points are carried
    up; a parent's points must stay the sum of its children's."""
    _lock_editable(indicator.framework)
    for name in INDICATOR_FIELDS:
        if name in data:
            setattr(indicator, name, data[name] if name != "name_by_kind" else data[name] or {})
    children = list(indicator.children.all())
    if children:
        total = sum(child.max_points for child in children)
        if indicator.max_points != total:
            raise ValidationError(
                {
                    "max_points": _(
                        "指标 %(code)s 有下级指标，分值须等于下级指标分值之和：%(parts)s = %(sum)s，不能改为 %(max)s。"
                        "请修改下级指标的分值。"
                    )
                    % {
                        "code": indicator.code,
                        "parts": " + ".join(points(child.max_points) for child in children),
                        "sum": points(total),
                        "max": points(Decimal(indicator.max_points)),
                    }
                }
            )
        if indicator.veto_caps_grade:
            raise ValidationError({"veto_caps_grade": _("只有末级指标可以设为否决项。")})
    _check_indicator(indicator)
    indicator.save()
    _carry_up(indicator.parent)
    return indicator


@transaction.atomic
def delete_indicator(*, indicator: Indicator) -> None:
    """Delete an indicator with its children; the ancestors lose its points."""
    _lock_editable(indicator.framework)
    parent = indicator.parent
    indicator.delete()
    _carry_up(parent)


@transaction.atomic
def save_bands(*, framework: Framework, bands: list[dict]) -> list[GradeBand]:
    """Replace the framework's grade bands ({grade, min_score, inclusive} each) all at once,
    since moving the bars usually moves several of them together."""
    framework = _lock_editable(framework)
    unknown = [band["grade"] for band in bands if band["grade"] not in Grade.values]
    if unknown:
        raise ValidationError(_("未知的等级：%(grades)s。") % {"grades": "、".join(map(str, unknown))})
    problems = _band_problems(
        [_Band(band["grade"], Decimal(band["min_score"]), band["inclusive"]) for band in bands], framework.scale
    )
    if problems:
        raise ValidationError(problems)
    framework.bands.all().delete()
    return GradeBand.objects.bulk_create(GradeBand(framework=framework, **band) for band in bands)
