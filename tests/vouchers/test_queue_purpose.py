"""The application queue shows what the money is for (the purpose's first line) before the
inline approve."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_queue_shows_the_purposes_first_line_before_the_approve_form(client, demo, submit):
    application = submit(
        "enterprise-jiangnan",
        "8000.00",
        purpose="Thermal conductivity tests of graphene films\nSecond line with the details.",
    )
    client.force_login(demo["users"]["official-wujin"])
    body = client.get("/official/applications/").content.decode()
    row = body[body.index(f'id="application-{application.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Thermal conductivity tests of graphene films" in row
    assert "Second line with the details." not in row  # the whole text is on its own page
    assert f'href="/applications/{application.pk}/"' in row
    assert row.index("Thermal conductivity tests") < row.index(
        f'action="/applications/{application.pk}/approve/"'
    )
    assert ">Purpose</th>" in body


def test_a_long_purpose_is_shortened_in_the_queue(client, demo, submit):
    application = submit("enterprise-jiangnan", "8000.00", purpose="x" * 500)
    client.force_login(demo["users"]["official-wujin"])
    body = client.get("/official/applications/").content.decode()
    row = body[body.index(f'id="application-{application.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "x" * 199 + "…" in row and "x" * 201 not in row
