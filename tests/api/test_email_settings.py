"""The notification email settings in the API: PUT gives every kind, PATCH some of them."""

import pytest
from django.urls import reverse

from community import notification_kinds
from community.models import EmailPreference
from tests.api.helpers import error_of, token_client

pytestmark = pytest.mark.django_db


def test_put_sets_every_kind_at_once(learner):
    every = {kind.verb: "digest" for kind in notification_kinds.kinds()}
    response = token_client(learner).put(reverse("api:email-settings"), every, format="json")
    assert response.status_code == 200 and response.json() == every
    assert EmailPreference.objects.filter(user=learner, mode="digest").count() == len(every)


def test_put_without_every_kind_says_so_and_changes_nothing(learner):
    response = token_client(learner).put(reverse("api:email-settings"), {"mention": "off"}, format="json")
    assert response.status_code == 400
    assert "Give every kind of notification a setting, or PATCH some." in str(error_of(response)["fields"])
    assert not EmailPreference.objects.exists()
