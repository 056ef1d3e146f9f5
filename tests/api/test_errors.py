"""Plain HTTP errors under /api/v1 answer API.md's JSON error body too."""

from __future__ import annotations

from tests.api.conftest import assert_error


def test_unknown_api_path_is_json_404(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_json_405(client):
    response = client.put("/api/v1/me")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_wrong_method_on_an_overflowing_id_is_405_not_500(api, admin):
    response = api(admin).put("/api/v1/events/99999999999999999999")
    assert_error(response, 405, "method_not_allowed")


def test_oversized_page_request_is_422(client):
    error = assert_error(client.get("/api/v1/events?per_page=100000"), 422, "validation_failed")
    assert "per_page" in error["fields"]


def test_nul_in_query_is_refused(client):
    assert_error(client.get("/api/v1/events?kind=week%00"), 422)
