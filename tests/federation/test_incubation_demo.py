"""The demo's support centres and incubation records (run with migrations, like the demo's tests):
湛山街道 has a centre with groups at every stage, kept by the demo federation staff, and one
graduated group still free to go on to a filing."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from federation.enums import IncubationStage
from federation.incubation_selectors import incubation_counts_by_street, incubations_for_user
from federation.models import Incubation, IncubationEvent, IncubationService, SupportCentre
from portal.demo import load_demo_data

pytestmark = pytest.mark.django_db
ZHANSHAN = "370202010"


def test_zhanshan_has_a_centre_with_groups_at_every_stage(demo):
    centre = SupportCentre.objects.get(street__code=ZHANSHAN)
    assert centre.name == "湛山街道社区社会组织服务中心"
    assert SupportCentre.objects.count() == 4
    assert set(centre.incubations.values_list("stage", flat=True)) == set(IncubationStage.values)
    counts = incubation_counts_by_street()
    assert counts[ZHANSHAN] == {"applied": 1, "incubating": 1, "graduated": 1, "withdrawn": 1}
    staff = get_user_model().objects.get(username="federation_staff")
    assert set(incubations_for_user(staff)) == set(centre.incubations.all())
    incubating = centre.incubations.get(stage=IncubationStage.INCUBATING)
    assert incubating.mentor and incubating.started_on and incubating.services.exists()
    graduated = centre.incubations.get(stage=IncubationStage.GRADUATED)
    assert graduated.ended_on >= graduated.started_on and graduated.application is None
    assert list(graduated.events.values_list("to_stage", flat=True)) == ["applied", "incubating", "graduated"]
    assert {event.actor for event in IncubationEvent.objects.filter(incubation__centre=centre)} == {staff}


def test_a_second_run_adds_no_centre_record_or_service(demo):
    before = (SupportCentre.objects.count(), Incubation.objects.count(), IncubationService.objects.count())
    assert load_demo_data(2026, io.StringIO())["incubations"] == 0
    assert (SupportCentre.objects.count(), Incubation.objects.count(), IncubationService.objects.count()) == before


def test_the_demo_staff_open_the_graduated_groups_page_with_the_carry_over_form(client, demo):
    client.force_login(get_user_model().objects.get(username="federation_staff"))
    graduated = Incubation.objects.get(centre__street__code=ZHANSHAN, stage=IncubationStage.GRADUATED)
    page = client.get(reverse("incubations:inspect", args=[graduated.pk])).content.decode()
    assert "盐城路社区银发合唱队" in page and 'value="carry"' in page and "社区社会组织备案" in page
