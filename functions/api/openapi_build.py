"""Writes the OpenAPI document of what the api function serves, from the routes themselves.

Every route of the Chalice app becomes an operation: its path parameters from the path,
its query parameters read from what the view asks of the request (`call.query_int("start")`
and the helpers it calls with `call`, such as `page_bounds` or `video_query`), its JSON
body schema from the `validate(body, SCHEMA)` it runs, its summary from its docstring.
VideoDetails is PeerTube's published schema. The document is kept in the repository
(chalicelib/openapi.json, served at /api/v1/openapi.json) and a test fails when the routes
and the document disagree:

    .venv/bin/python functions/api/openapi_build.py      # rewrites chalicelib/openapi.json
"""
from __future__ import annotations

import ast
import inspect
import json
import re
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCUMENT = HERE / "chalicelib" / "openapi.json"
CONFORMANCE = HERE.parents[2] / "shared" / "conformance" / "peertube-schemas"
QUERY_TYPES = {
    "query_int": {"type": "integer"}, "query_bool": {"type": "boolean"},
    "query_str": {"type": "string"},
    "query_values": {"type": "array", "items": {"type": "string"}},
    "query_ints": {"type": "array", "items": {"type": "integer"}},
}
PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _function_of(view):
    return inspect.unwrap(view)


def _calls(function) -> list[ast.Call]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _query_parameters(function, seen: set) -> dict[str, dict]:
    """Query parameters `function` reads, following helpers it hands the request to."""
    if function in seen:
        return {}
    seen.add(function)
    found: dict[str, dict] = {}
    namespace = function.__globals__
    for node in _calls(function):
        target = node.func
        if (isinstance(target, ast.Attribute) and target.attr in QUERY_TYPES
                and node.args and isinstance(node.args[0], ast.Constant)):
            found.setdefault(node.args[0].value, QUERY_TYPES[target.attr])
        elif isinstance(target, ast.Name) and any(
                isinstance(a, ast.Name) and a.id == "call" for a in node.args):
            helper = namespace.get(target.id)
            if inspect.isfunction(helper):
                for name, schema in _query_parameters(helper, seen).items():
                    found.setdefault(name, schema)
    return found


def _body_schema(function) -> dict | None:
    """The schema of the first `validate(body, SCHEMA)` the view runs, if it names one."""
    namespace = function.__globals__
    for node in _calls(function):
        if isinstance(node.func, ast.Name) and node.func.id == "validate" and \
                len(node.args) >= 2:
            expression = ast.unparse(node.args[1])
            try:
                schema = eval(expression, dict(namespace))  # a module-level name
            except Exception:  # noqa: BLE001 - a schema built at run time: none to show
                return None
            return schema if isinstance(schema, dict) else None
    return None


def _summary(function) -> str:
    doc = inspect.getdoc(function)
    if doc:
        return doc.split("\n\n")[0].replace("\n", " ")
    return function.__name__.replace("_", " ").capitalize()


def _operation(path: str, method: str, entry) -> dict:
    view = _function_of(entry.view_function)
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "string"}}
                  for name in re.findall(r"{(\w+)}", path)]
    parameters += [{"name": name, "in": "query", "required": False, "schema": schema}
                   for name, schema in sorted(_query_parameters(view, set()).items())]
    operation = {
        "operationId": f"{view.__module__.rsplit('.', 1)[-1]}_{view.__name__}",
        "summary": _summary(view),
        "tags": [view.__module__.rsplit(".", 1)[-1]],
        "parameters": parameters,
        "responses": {
            "200": {"description": "Done, with a JSON body."},
            "204": {"description": "Done."},
            "4XX": {"description": "Refused; the problem says why.",
                    "content": {"application/problem+json": {"schema": PROBLEM}}},
        },
    }
    if method in ("POST", "PUT", "PATCH"):
        schema = _body_schema(view) or {"type": "object"}
        content = {}
        for content_type in entry.content_types:
            if content_type in ("application/json",
                                "application/x-www-form-urlencoded"):
                content[content_type] = {"schema": schema}
            elif content_type == "multipart/form-data":
                content[content_type] = {"schema": {"type": "object"}}
        if content:
            operation["requestBody"] = {"required": False, "content": content}
    if path == "/api/v1/videos/{ref}" and method == "GET":
        operation["responses"]["200"] = {
            "description": "PeerTube's VideoDetails.",
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/VideoDetails"}}}}
    return operation


def _video_details_schema() -> dict:
    """PeerTube's VideoDetails schema, its definitions moved under components."""
    schema = json.loads((CONFORMANCE / "PTVideoDetails.json").read_text())
    text = json.dumps(schema["definitions"]["PTVideoDetails"])
    return json.loads(text.replace("#/definitions/", "#/components/schemas/"))


def is_api(path: str) -> bool:
    """Whether a route is a part of the REST API (not one of the web app's HTML pages)."""
    return path.startswith(("/api/", "/services/"))


def build(app) -> dict:
    paths: dict[str, dict] = {}
    for path, methods in sorted(app.routes.items()):
        if not is_api(path):
            continue
        for method, entry in sorted(methods.items()):
            paths.setdefault(path, {})[method.lower()] = _operation(path, method, entry)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Peerless REST API", "version": "1.0.0",
                 "description": "What a Peerless instance serves of PeerTube's REST API v1 "
                                "(and its few own routes), generated from its routes.",
                 "license": {"name": "AGPL-3.0-or-later"}},
        "paths": paths,
        "components": {"schemas": {
            "Problem": {"type": "object", "required": ["status"], "properties": {
                "type": {"type": "string"}, "title": {"type": "string"},
                "detail": {"type": "string"}, "status": {"type": "integer"},
                "code": {"type": "string"}, "invalid-params": {"type": "object"}}},
            "VideoDetails": _video_details_schema(),
        }},
    }


def render(app) -> str:
    return json.dumps(build(app), indent=1, sort_keys=True) + "\n"


def main() -> None:
    sys.path.insert(0, str(HERE))
    import app as api
    DOCUMENT.write_text(render(api.app))
    print(f"wrote {DOCUMENT} ({sum(len(m) for m in api.app.routes.values())} operations)")


if __name__ == "__main__":
    main()
