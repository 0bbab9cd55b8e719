"""The address a 201 gives in `Location`: the new object's own, which reads it back."""


def assert_located(client, response, expected: str, *, key: str = "id"):
    assert response.status_code == 201, response.content
    created_id = response.json()[key]
    assert response["Location"] == expected.format(id=created_id)
    again = client.get(response["Location"])
    assert again.status_code == 200, again.content
    assert again.json()["id"] == created_id
