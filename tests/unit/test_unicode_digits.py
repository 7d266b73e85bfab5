"""Unicode digits ("²") are not numbers anywhere: the one parser decides, never str.isdigit."""

from __future__ import annotations

import pytest

from directory.core.errors import NotFound, ValidationError
from directory.demo.seed import seed_demo
from directory.orgs.services import resolve_org_reference
from directory.transfers.accepting import resolve_person


@pytest.mark.parametrize("text", ["²", "٣", "99999999999999999999"])
def test_references_with_non_ascii_or_huge_numbers_name_nothing(app, world, text) -> None:
    with pytest.raises(NotFound):
        resolve_org_reference(text)
    with pytest.raises(NotFound):
        resolve_person(text)


def test_demo_refuses_a_province_in_unicode_digits(app) -> None:
    with pytest.raises(ValidationError):
        seed_demo(cadres=10, province="5²")
