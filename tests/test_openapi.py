"""The OpenAPI document is the API's manual: every status declared, examples from real answers."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.openapi import EXAMPLE_REQUESTS, load_examples

# Fields that differ between the run that made the examples and this one: timestamps, and
# /readyz's engine (the examples are made on SQLite; the suite also runs on PostgreSQL).
VOLATILE = {"created_at", "updated_at", "last_change", "database"}


def without_timestamps(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_timestamps(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [without_timestamps(v) for v in value]
    return value


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def operations(spec: dict[str, Any]):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_declares_each_status_it_can_return(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        declared = set(operation["responses"])
        if method != "get":
            assert {"401", "422", "429", "500"} <= declared, f"{method} {path}"
            continue
        expected = {"200", "405", "500"}
        if "{" in path:
            expected.add("404")
        if any(p["in"] == "query" for p in operation.get("parameters", [])):
            expected.add("422")
        if path == "/readyz":
            expected.add("503")
        assert expected <= declared, f"{method.upper()} {path} lacks {expected - declared}"


def test_every_error_is_declared_as_problem_json(spec: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                content = response["content"]
                assert list(content) == ["application/problem+json"], (method, path, status)
                example = content["application/problem+json"]["example"]
                assert example["status"] == int(status)


def test_every_json_operation_has_an_example_taken_from_the_real_data(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        if method != "get":
            continue
        content = operation["responses"]["200"]["content"]
        if "application/json" in content:
            assert "example" in content["application/json"], f"{method.upper()} {path}"
    assert set(load_examples()) == set(EXAMPLE_REQUESTS)


@pytest.mark.parametrize("operation", sorted(EXAMPLE_REQUESTS))
def test_each_example_is_what_the_api_answers(client: TestClient, operation: str) -> None:
    example = load_examples()[operation]
    response = client.get(example["request"])
    assert response.status_code == 200
    assert without_timestamps(response.json()) == without_timestamps(example["body"]), (
        "the example is stale: run python scripts/make_openapi_examples.py"
    )


def test_every_public_field_is_described(spec: dict[str, Any]) -> None:
    undescribed, checked = [], 0
    for name, schema in spec["components"]["schemas"].items():
        for field, definition in schema.get("properties", {}).items():
            checked += 1
            if "description" not in definition:
                undescribed.append(f"{name}.{field}")
    assert undescribed == []
    assert checked > 100  # FigureRead alone has 24 fields: the walk really saw the schemas
