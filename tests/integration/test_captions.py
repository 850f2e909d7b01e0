"""Captions through the API: WebVTT kept as sent, SubRip converted, files served from the
media bucket and replaced cleanly; only the owner or a moderator changes them."""
import pytest
from peerless_infra.resources import RESOURCES

pytestmark = pytest.mark.integration

VTT = b"WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nHello there\n"
SRT = (b"1\r\n00:00:01,000 --> 00:00:02,250\r\nFirst line\r\nsecond line\r\n\r\n"
       b"2\r\n00:00:03,000 --> 00:00:04,000\r\n<i>Bye</i>\r\n")


@pytest.fixture(scope="module")
def people(stack):
    return {"owner": stack.create_user("cap_owner"), "other": stack.create_user("cap_other"),
            "moderator": stack.create_user("cap_moderator", role=1)}


@pytest.fixture(scope="module")
def clips(stack, media, people):
    """The owner's public and private videos; captions need no transcoded video."""
    found = {}
    for name, privacy in (("Captioned", "1"), ("Captioned in private", "3")):
        with media["portrait"].open("rb") as f:
            response = stack.http.post(
                "/api/v1/videos/upload", headers=people["owner"],
                data={"name": name, "privacy": privacy,
                      "channelId": str(stack.channel_id(people["owner"]))},
                files={"videofile": ("portrait.mov", f, "video/quicktime")})
        assert response.status_code == 200, response.text
        found[privacy] = response.json()["video"]["uuid"]
    return {"public": found["1"], "private": found["3"]}


def put(stack, headers, uuid, language, content, name="caption.vtt"):
    return stack.http.put(f"/api/v1/videos/{uuid}/captions/{language}", headers=headers,
                          files={"captionfile": (name, content, "text/vtt")})


def captions(stack, uuid, headers=None) -> dict:
    response = stack.http.get(f"/api/v1/videos/{uuid}/captions", headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def bucket_keys(stack) -> set[str]:
    listed = stack.aws("s3").list_objects_v2(Bucket=RESOURCES.buckets["media"].name,
                                              Prefix="lazy-static/video-captions/")
    return {o["Key"] for o in listed.get("Contents", [])}


def test_add_list_replace_and_delete(stack, people, clips):
    uuid = clips["public"]
    assert captions(stack, uuid) == {"total": 0, "data": []}
    assert put(stack, people["owner"], uuid, "en", VTT).status_code == 204
    listed = captions(stack, uuid)
    assert listed["total"] == 1
    caption = listed["data"][0]
    assert caption["language"] == {"id": "en", "label": "English"}
    assert caption["captionPath"].startswith("/lazy-static/video-captions/")
    assert caption["captionPath"].endswith("-en.vtt")
    assert caption["fileUrl"].endswith(caption["captionPath"])
    assert caption["automaticallyGenerated"] is False and caption["updatedAt"]
    served = stack.http.get(caption["captionPath"])
    assert served.status_code == 200 and served.content == VTT

    # SubRip becomes WebVTT; the file it replaces is gone.
    assert put(stack, people["owner"], uuid, "en", SRT, "caption.srt").status_code == 204
    replaced = captions(stack, uuid)["data"][0]
    assert replaced["captionPath"] != caption["captionPath"]
    text = stack.http.get(replaced["captionPath"]).text
    assert text.startswith("WEBVTT\n\n00:00:01.000 --> 00:00:02.250\nFirst line\nsecond line")
    assert "00:00:03.000 --> 00:00:04.000\n<i>Bye</i>" in text
    assert stack.http.get(caption["captionPath"]).status_code == 404
    assert caption["captionPath"][1:] not in bucket_keys(stack)

    assert put(stack, people["owner"], uuid, "fr", VTT).status_code == 204
    assert [c["language"]["id"] for c in captions(stack, uuid)["data"]] == ["en", "fr"]

    assert stack.http.delete(f"/api/v1/videos/{uuid}/captions/fr",
                             headers=people["owner"]).status_code == 204
    assert stack.http.delete(f"/api/v1/videos/{uuid}/captions/fr",
                             headers=people["owner"]).status_code == 404
    assert [c["language"]["id"] for c in captions(stack, uuid)["data"]] == ["en"]
    assert {k for k in bucket_keys(stack) if k.endswith("-fr.vtt")} == set()


@pytest.mark.parametrize("who, status", [(None, 401), ("other", 403), ("owner", 204),
                                         ("moderator", 204)])
def test_who_may_change_captions(stack, people, clips, who, status):
    headers = people[who] if who else {}
    uuid = clips["public"]
    assert put(stack, headers, uuid, "de", VTT).status_code == status
    if status == 204:
        assert "de" in [c["language"]["id"] for c in captions(stack, uuid)["data"]]
    else:
        put(stack, people["owner"], uuid, "de", VTT)
    assert stack.http.delete(f"/api/v1/videos/{uuid}/captions/de",
                             headers=headers).status_code == status
    if status != 204:
        stack.http.delete(f"/api/v1/videos/{uuid}/captions/de", headers=people["owner"])


@pytest.mark.parametrize("language, content, status", [
    ("xx", VTT, 400),                                         # no such language
    ("en", b"just some words\n", 400),
    ("en", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 400),
    ("en", b"WEBVTT\n\nnot a timing --> at all\nHi\n", 400),
    ("en", b"", 400),
])
def test_bad_captions_are_refused(stack, people, clips, language, content, status):
    before = captions(stack, clips["public"])
    response = put(stack, people["owner"], clips["public"], language, content)
    assert response.status_code == status, response.text
    assert captions(stack, clips["public"]) == before


def test_unknown_and_private_videos(stack, people, clips):
    missing = "00000000-0000-4000-8000-000000000000"
    assert put(stack, people["owner"], missing, "en", VTT).status_code == 404
    assert stack.http.get(f"/api/v1/videos/{missing}/captions").status_code == 404
    private = clips["private"]
    assert put(stack, people["owner"], private, "en", VTT).status_code == 204
    assert stack.http.get(f"/api/v1/videos/{private}/captions",
                          headers=people["other"]).status_code == 404
    assert captions(stack, private, people["owner"])["total"] == 1
    assert captions(stack, private, people["moderator"])["total"] == 1
    no_file = stack.http.put(f"/api/v1/videos/{private}/captions/en",
                             headers=people["owner"], files={"other": ("a.vtt", VTT)})
    assert no_file.status_code == 400 and "captionfile" in no_file.json()["invalid-params"]
