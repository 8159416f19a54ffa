"""Identifier checks: unified social credit codes (GB 32100), filing numbers, resident ID numbers
(GB 11643) and their masking. Pure functions: no database."""

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from registry.enums import OrganizationKind
from registry.validators import (
    mask_resident_id,
    normalize_uscc,
    validate_filing_number,
    validate_resident_id,
    validate_uscc,
    validate_uscc_for_kind,
)

# Real-world samples, copied here so that the suite does not depend on files outside the project.
VALID_FOUNDATION_CODES = ["53100000500019795A", "53100000500021676K"]
VALID_SOCIAL_GROUP_CODES = [
    "51100000500002862F",
    "51100000500009247D",
    "51100000500012681T",
    "51370000MJD6217311",
]
WRONG_CHECK_CHARACTER = "51370000MJD6217312"
SEVENTEEN_CHARACTERS = "51370000MJD621731"
CONTAINS_LETTER_I = "51370000MJD6217I11"
ENTERPRISE_CODE = "91370202MA3C00000G"  # valid, but registered by market regulation (department 9)


def refusal(check, *args) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check(*args)
    return caught.value


# --- validate_uscc -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [*VALID_FOUNDATION_CODES, *VALID_SOCIAL_GROUP_CODES, ENTERPRISE_CODE])
def test_validate_uscc_accepts_well_formed_codes_of_any_department(code):
    assert validate_uscc(code) is None


def test_validate_uscc_refuses_a_wrong_check_character_with_a_chinese_message():
    error = refusal(validate_uscc, WRONG_CHECK_CHARACTER)
    assert error.code == "uscc_checksum"
    assert "校验位" in error.messages[0]


def test_validate_uscc_refuses_seventeen_characters_and_says_how_many_there_are():
    error = refusal(validate_uscc, SEVENTEEN_CHARACTERS)
    assert error.code == "uscc_length"
    assert "18位" in error.messages[0]
    assert "17位" in error.messages[0]


def test_validate_uscc_refuses_a_forbidden_letter():
    error = refusal(validate_uscc, CONTAINS_LETTER_I)
    assert error.code == "uscc_format"
    assert "不允许的字符" in error.messages[0]


def test_validate_uscc_refuses_an_empty_code():
    error = refusal(validate_uscc, "")
    assert error.code == "uscc_length"


# --- validate_uscc_for_kind --------------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_SOCIAL_GROUP_CODES)
def test_social_group_codes_pass_for_kind_social_group(code):
    assert validate_uscc_for_kind(code, OrganizationKind.SOCIAL_GROUP) is None


@pytest.mark.parametrize("code", VALID_FOUNDATION_CODES)
def test_foundation_codes_pass_for_kind_foundation(code):
    assert validate_uscc_for_kind(code, OrganizationKind.FOUNDATION) is None


@pytest.mark.parametrize("code", VALID_FOUNDATION_CODES)
def test_foundation_codes_are_refused_for_kind_social_group(code):
    error = refusal(validate_uscc_for_kind, code, OrganizationKind.SOCIAL_GROUP)
    assert error.code == "uscc_kind_mismatch"


def test_a_social_group_code_given_kind_service_institution_is_a_kind_mismatch_naming_both():
    error = refusal(validate_uscc_for_kind, "51370000MJD6217311", OrganizationKind.SERVICE_INSTITUTION)
    assert error.code == "uscc_kind_mismatch"
    message = error.messages[0]
    assert "第2位为1" in message
    assert "民办非企业单位" in message
    assert "应为2" in message


def test_an_enterprise_code_is_well_formed_but_refused_for_a_social_group_by_department():
    assert validate_uscc(ENTERPRISE_CODE) is None
    error = refusal(validate_uscc_for_kind, ENTERPRISE_CODE, OrganizationKind.SOCIAL_GROUP)
    assert error.code == "uscc_department"
    assert "第1位应为5" in error.messages[0]
    assert "实际为9" in error.messages[0]


def test_a_community_group_never_takes_a_credit_code():
    error = refusal(validate_uscc_for_kind, "51370000MJD6217311", OrganizationKind.COMMUNITY_GROUP)
    assert error.code == "uscc_not_expected"
    assert "备案编号" in error.messages[0]


@pytest.mark.parametrize(
    ("code", "expected_code"),
    [
        (WRONG_CHECK_CHARACTER, "uscc_checksum"),
        (SEVENTEEN_CHARACTERS, "uscc_length"),
        (CONTAINS_LETTER_I, "uscc_format"),
    ],
)
def test_validate_uscc_for_kind_first_checks_the_code_itself(code, expected_code):
    error = refusal(validate_uscc_for_kind, code, OrganizationKind.SOCIAL_GROUP)
    assert error.code == expected_code


# --- normalization -----------------------------------------------------------------------------


def test_normalize_uscc_upper_cases_and_removes_spaces():
    assert normalize_uscc(" 51370000mjd6217311 ") == "51370000MJD6217311"
    assert normalize_uscc("5137 0000 mjd6 2173 11") == "51370000MJD6217311"


def test_normalize_uscc_of_nothing_is_empty():
    assert normalize_uscc(None) == ""
    assert normalize_uscc("") == ""


def test_lower_case_and_spaced_codes_are_validated_after_normalization():
    assert validate_uscc(" 51370000mjd6217311 ") is None
    assert validate_uscc_for_kind("5137 0000 mjd6 2173 11", OrganizationKind.SOCIAL_GROUP) is None
    assert validate_uscc_for_kind("53100000500019795a", OrganizationKind.FOUNDATION) is None


# --- filing numbers ----------------------------------------------------------------------------


def test_validate_filing_number_accepts_the_district_format():
    assert validate_filing_number("市南备字〔2026〕第0001号") is None
    assert validate_filing_number("市南备字〔2024〕第12345号") is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "市南备字[2026]第0001号",  # ASCII brackets instead of 〔〕
        "市南备字〔26〕第0001号",  # two-digit year
        "市南备字〔2026〕第001号",  # fewer than four digits
        "市南备字〔2026〕0001号",  # no 第
        "市南备字〔2026〕第0001",  # no 号
        "备字〔2026〕第0001号",  # no prefix
        "市南 备字〔2026〕第0001号",  # space inside the prefix
        "51370000MJD6217311",  # a credit code is not a filing number
    ],
)
def test_validate_filing_number_refuses_malformed_numbers(value):
    error = refusal(validate_filing_number, value)
    assert error.code == "filing_number_format"
    assert "市南备字〔2026〕第0001号" in error.messages[0]


# --- resident ID numbers -----------------------------------------------------------------------


def resident_id(first_17: str) -> str:
    """A GB 11643 number with its check character (stdnum's calc_check_digit ignores the last character)."""
    return first_17 + ric.calc_check_digit(first_17 + "0")


VALID_ID = resident_id("37020219900101123")  # 市南区, born 1990-01-01


def wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


def test_validate_resident_id_accepts_a_valid_gb_11643_number():
    assert validate_resident_id(VALID_ID) is None


def test_validate_resident_id_accepts_a_shinan_number_of_someone_born_before_1983():
    assert validate_resident_id(resident_id("37020219550101123")) is None


def test_validate_resident_id_refuses_a_wrong_check_digit():
    error = refusal(validate_resident_id, wrong_check_digit(VALID_ID))
    assert error.code == "resident_id_invalid"
    assert "身份证" in error.messages[0]


@pytest.mark.parametrize("value", ["", VALID_ID[:-1], resident_id("37020219901301123")])
def test_validate_resident_id_refuses_missing_short_or_impossible_numbers(value):
    error = refusal(validate_resident_id, value)
    assert error.code == "resident_id_invalid"


def test_mask_resident_id_keeps_only_the_first_six_and_last_four_characters():
    masked = mask_resident_id(VALID_ID)
    assert masked == VALID_ID[:6] + "********" + VALID_ID[-4:]
    assert len(masked) == len(VALID_ID)
    assert VALID_ID[6:14] not in masked


def test_mask_resident_id_of_nothing_is_empty():
    assert mask_resident_id("") == ""
