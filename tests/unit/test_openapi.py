"""The OpenAPI document in the repository is the one the routes give."""
import importlib.util
import json
import sys
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "functions" / "api"


@pytest.fixture(scope="module")
def built():
    sys.path.insert(0, str(API))
    spec = importlib.util.spec_from_file_location("openapi_build", API / "openapi_build.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    import app
    return builder, app.app


def test_the_committed_document_matches_the_routes(built):
    builder, app = built
    committed = builder.DOCUMENT.read_text()
    assert committed == builder.render(app), (
        "functions/api/chalicelib/openapi.json is stale: run "
        ".venv/bin/python functions/api/openapi_build.py")


def test_every_route_is_an_operation(built):
    builder, app = built
    document = json.loads((API / "chalicelib" / "openapi.json").read_text())
    served = {(path, method.lower()) for path, methods in app.routes.items()
              for method in methods if builder.is_api(path)}
    documented = {(path, method) for path, operations in document["paths"].items()
                  for method in operations}
    assert served == documented


def test_list_operations_document_their_query(built):
    document = json.loads((API / "chalicelib" / "openapi.json").read_text())
    names = {p["name"] for p in document["paths"]["/api/v1/videos"]["get"]["parameters"]}
    assert {"start", "count", "sort", "categoryOneOf", "tagsAllOf", "nsfw"} <= names
    body = document["paths"]["/api/v1/users"]["post"]["requestBody"]
    assert "username" in body["content"]["application/json"]["schema"]["properties"]
