"""The pinyin of the search fields, read once per name (registry.search._syllables), is what
pypinyin gives for each of them on its own."""

import pytest
from pypinyin import Style, lazy_pinyin

from registry.search import initials, name_sort_key, pinyin

NAMES = [
    "颐和老年公寓养老服务中心",
    "重庆路社区合唱团",  # 重 read chong in this phrase
    "市南区长江路乐器行",
    "ABC养老院（一）",
    "导入00001青岛市书画协会",
    "2024年志愿者协会",
    "绿色家园",  # 绿 lü
    "嗯",
    "   ",
    "",
    "\x00控制字符",
]


@pytest.mark.parametrize("name", NAMES)
def test_pinyin_initials_and_sort_key_match_pypinyin(name):
    assert pinyin(name) == "".join(lazy_pinyin(name, errors="ignore"))
    assert initials(name) == "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore"))
    assert name_sort_key(name) == " ".join(lazy_pinyin(name, errors="default")).lower()[:255]
