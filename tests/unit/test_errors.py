from peerless import errors


def test_untyped_problem_has_the_status_title():
    body = errors.not_found("Video not found").problem("/api/v1/videos/9")
    assert body == {"type": "about:blank", "title": "Not Found", "detail": "Video not found",
                    "instance": "/api/v1/videos/9", "status": 404, "error": "Video not found"}


def test_typed_problem_has_code_and_no_title():
    body = errors.unauthorized().problem()
    assert body["code"] == "invalid_token" and "title" not in body
    assert body["type"].endswith("#section/Errors/invalid_token")
    assert body["status"] == 401


def test_invalid_params_names_each_field():
    body = errors.invalid_params({"name": "too short", "channelId": "missing"}).problem()
    assert body["detail"] == "Incorrect request parameters: name, channelId"
    assert body["invalid-params"]["name"] == {"type": "field", "msg": "too short",
                                              "path": "name", "location": "body"}
