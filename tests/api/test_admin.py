"""Admins issue and revoke API tokens in the admin; the key is shown once and stored as a hash."""

import hashlib
import re

import pytest

from api.models import ApiToken
from api.services import api_token_create

pytestmark = pytest.mark.django_db


def test_an_admin_issues_a_token_and_sees_its_key_once(client, admin_user, coordinator):
    client.force_login(admin_user)
    response = client.post(
        "/admin/api/apitoken/add/", {"user": coordinator.pk, "name": "Finance"}, follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    key = re.search(r"The key of this token is (\S+)\. Copy it now", text).group(1)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (coordinator, "Finance", key[:8])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    page = client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert key not in page
    assert client.get("/api/cohorts/", headers={"Authorization": f"Token {key}"}).status_code == 200


def test_an_admin_revokes_tokens(client, admin_user, coordinator):
    token, key = api_token_create(user=coordinator, name="HR")
    client.force_login(admin_user)
    response = client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert "1 token revoked." in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/cohorts/", headers={"Authorization": f"Token {key}"}).status_code == 401


@pytest.mark.parametrize("fixture", ["coordinator", "liaison", "participant_user"])
def test_only_admins_issue_tokens(client, request, fixture):
    user = request.getfixturevalue(fixture)
    client.force_login(user)
    response = client.post("/admin/api/apitoken/add/", {"user": user.pk, "name": "Mine"})
    assert response.status_code in (302, 403)
    assert not ApiToken.objects.exists()
