"""Helpers the tests share (fixtures live in conftest.py)."""

from app.config import PROJECT_ROOT

DATA_DIR = PROJECT_ROOT / "data"
SOURCE_ID = "khmer-times-2018-02-us-deportees"


def assert_problem(response, status: int) -> dict:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"] == "about:blank"
    assert "Traceback" not in response.text
    return body
