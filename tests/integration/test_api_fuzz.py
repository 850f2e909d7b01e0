"""Schemathesis, driven by the OpenAPI document, finds no server error in the API.

Every operation is called with parameters and bodies generated from the document, as
the admin (who may do most things), on a stack of its own: the generated requests delete
and change freely. (Schemathesis's pytest plugin does not run under pytest 9, so the
operations are walked here, each under hypothesis.)
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.stack import Stack

pytestmark = pytest.mark.integration
EXAMPLES = 6
# Revoking the admin's own token would leave the rest of the run unauthenticated.
UNAUTHENTICATED = {("POST", "/api/v1/users/revoke-token")}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory, media):
    stack = Stack(tmp_path_factory.mktemp("fuzz") / "data").start()
    # Something to find: a published video with a comment.
    uuid = stack.uploaded(media["portrait"], "Fuzzed video")
    stack.wait_for_state(uuid)
    stack.http.post(f"/api/v1/videos/{uuid}/comment-threads", headers=stack.auth(),
                    json={"text": "A comment to find"})
    yield stack
    assert stack.stop() == 0


def test_no_operation_answers_a_server_error(fuzzed):
    schema = schemathesis.openapi.from_url(f"{fuzzed.url}/api/v1/openapi.json")
    admin = fuzzed.auth()
    failures = {}
    calls = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        headers = {} if (operation.method.upper(), operation.path) in UNAUTHENTICATED \
            else admin

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            calls.append(case.operation.path)
            case.call_and_validate(base_url=fuzzed.url, headers=headers,
                                   checks=[not_a_server_error])

        try:
            call()
        except Exception as error:  # noqa: BLE001 - collected, reported together
            failures[f"{operation.method.upper()} {operation.path}"] = str(error)[:600]
    assert len(operations) > 100 and len(set(calls)) == len({o.path for o in operations})
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    assert "Traceback" not in fuzzed.log_text(), fuzzed.log_text()[-3000:]
