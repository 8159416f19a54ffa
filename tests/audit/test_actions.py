"""Every action code a service writes is in the catalogue, with a label people read."""

import re
from pathlib import Path

from django.conf import settings

from audit.actions import action_choices, action_label

LITERAL_CODE = re.compile(r'action="([a-z_]+\.[a-z_]+)"')
APPS = ("audit", "registry", "federation", "evaluation", "portal")


def test_every_literal_action_code_in_the_code_is_registered():
    codes = {
        code
        for app in APPS
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
        if "migrations" not in path.parts
        for code in LITERAL_CODE.findall(path.read_text(encoding="utf-8"))
    }
    assert "application.approve" not in codes  # built from the transition's action, registered below
    assert len(codes) > 20
    for code in sorted(codes):
        assert str(action_label(code)), code


def test_codes_built_from_choices_are_registered_with_their_subject():
    registered = dict(action_choices())
    assert str(registered["application.approve"]) == "申请：批准"
    assert str(registered["case.finalize"]) == "评估申请：确定等级"
    assert str(registered["grade.downgrade"]) == "等级：降低等级"
    assert str(registered["venture.funded"]) == "公益创投项目：已立项资助"
    assert str(registered["incubation.graduated"]) == "孵化：已出壳"
