"""A role that may never publish rules or notices is answered 403 before its body is read
(an empty body told an official or an enterprise which fields it had left out)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/api/programme-rules/", "official-wujin"),
        ("/api/programme-rules/", "enterprise-jiangnan"),
        ("/api/notices/", "enterprise-jiangnan"),
        ("/api/notices/", "provider-sit"),
    ],
)
@pytest.mark.parametrize("body", [{}, {"region": "WUJIN"}])
def test_a_role_that_may_not_publish_is_403_whatever_the_body(api_as, demo, path, who, body):
    response = api_as(demo["users"][who]).post(path, body, format="json")
    assert response.status_code == 403, response.content
