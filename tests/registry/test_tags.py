"""The shipped key-group tags come back after a flush (gridgov demo --reset, transactional tests), and an
administrator's changes to them are kept."""

import pytest

from gridgov.people.actors import Actor
from gridgov.registry.models import Tag
from gridgov.registry.services import KEY_GROUPS, install_key_group_tags, save_tag

pytestmark = pytest.mark.django_db


def test_missing_tags_are_installed_and_changed_ones_kept(demo_city):
    save_tag(actor=Actor.system(), code="living_alone", name="独居老人", visit_every_days=3)
    Tag.objects.exclude(code="living_alone").delete()
    assert install_key_group_tags() == len(KEY_GROUPS) - 1
    assert set(Tag.objects.values_list("code", flat=True)) == {code for code, _, _ in KEY_GROUPS}
    assert Tag.objects.get(code="living_alone").visit_every_days == 3
    assert install_key_group_tags() == 0
