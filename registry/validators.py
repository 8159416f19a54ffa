"""Checks of identifiers, with messages a clerk can act on."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from .enums import USCC_CIVIL_AFFAIRS, USCC_KIND_CHARACTER, OrganizationKind

# 市南备字〔2026〕第0001号: the district's filing numbers for community groups. [0-9], not \d, which
# also matches full-width and other scripts' digits (市南备字〔２０２６〕第０００１号).
FILING_NUMBER_RE = re.compile(r"\S{1,8}备字〔([0-9]{4})〕第([0-9]{4,})号")
# ASCII only: str.isdigit() and stdnum's `^[0-9]+$` also pass other scripts' digits, superscripts or
# a line break, which int() then refuses (ValueError) or reads as digits.
USCC_RE = re.compile(r"[0-9]{8}[0-9A-HJ-NP-RTUW-Y]{10}")
RESIDENT_ID_RE = re.compile(r"[0-9]{17}[0-9X]")


def normalize_uscc(value: str) -> str:
    return uscc.compact(value or "")


def validate_uscc(value: str) -> None:
    """A well-formed GB 32100 code with a correct check character (any department)."""
    try:
        code = normalize_uscc(value)
        if len(code) == 18 and not USCC_RE.fullmatch(code):
            raise stdnum_errors.InvalidFormat()
        uscc.validate(code)
    except stdnum_errors.InvalidLength:
        raise ValidationError(
            _("统一社会信用代码应为18位，实际为%(length)d位。"),
            code="uscc_length",
            params={"length": len(normalize_uscc(value))},
        ) from None
    except stdnum_errors.InvalidFormat:
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V，前8位应为数字）。"),
            code="uscc_format",
        ) from None
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(_("统一社会信用代码校验位错误。"), code="uscc_checksum") from None


def validate_uscc_for_kind(value: str, kind: str) -> None:
    """The code is valid and belongs to a civil-affairs organization of this kind."""
    validate_uscc(value)
    code = normalize_uscc(value)
    if code[0] != USCC_CIVIL_AFFAIRS:
        raise ValidationError(
            _("统一社会信用代码第1位应为5（民政部门登记），实际为%(char)s。"),
            code="uscc_department",
            params={"char": code[0]},
        )
    expected = USCC_KIND_CHARACTER.get(kind)
    if expected is None:
        raise ValidationError(_("社区社会组织不使用统一社会信用代码，请填写备案编号。"), code="uscc_not_expected")
    if code[1] != expected:
        raise ValidationError(
            _("统一社会信用代码第2位为%(char)s，与组织类型“%(kind)s”不符（应为%(expected)s）。"),
            code="uscc_kind_mismatch",
            params={"char": code[1], "kind": OrganizationKind(kind).label, "expected": expected},
        )


def validate_filing_number(value: str) -> None:
    if not FILING_NUMBER_RE.fullmatch(value or ""):
        raise ValidationError(_("备案编号格式应如“市南备字〔2026〕第0001号”。"), code="filing_number_format")


def validate_resident_id(value: str) -> None:
    """A GB 11643 resident identity number: 17 digits, a real birth date, the check character.

    Not `stdnum.cn.ric.validate`: it also demands that the area code existed in the birth year,
    which refuses every 市南 (370202, created 1983) resident born earlier.
    """
    number = ric.compact(value or "")
    try:
        if not RESIDENT_ID_RE.fullmatch(number):
            raise stdnum_errors.InvalidFormat()
        ric.get_birth_date(number)
        if number[-1] != ric.calc_check_digit(number):
            raise stdnum_errors.InvalidChecksum()
    except stdnum_errors.ValidationError:
        raise ValidationError(_("居民身份证号码无效。"), code="resident_id_invalid") from None


def mask_resident_id(value: str) -> str:
    """Show the first 6 and last 4 characters only: enough to tell two people apart."""
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Show a mobile number's first 3 and last 4 digits only (138****0000); shorter numbers keep
    at most their last 4."""
    if not value:
        return ""
    head = 3 if len(value) >= 11 else 0
    tail = min(4, max(len(value) - 4, 0))
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]
