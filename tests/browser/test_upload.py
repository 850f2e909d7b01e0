"""Publishing in Chromium: files straight to S3 with progress, their details, processing
until published; a lost connection; refused files; editing; my videos and the quota."""
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
PUBLISHED = 90_000  # ms: a few seconds of clip, transcoded by the local stack


@pytest.fixture
def image(tmp_path):
    path = tmp_path / "cover.png"
    Image.new("RGB", (640, 360), (200, 80, 20)).save(path)
    return path


def open_upload_page(page, stack, username):
    stack.create_user(username)
    sign_in(page, stack, username)
    page.goto(stack.url + "/videos/upload")
    page.get_by_role("heading", name="Publish a video").wait_for()


def my_videos(stack, username):
    headers = stack.auth(username, "user-password")
    return stack.http.get("/api/v1/users/me/videos", headers=headers).json()["data"]


def test_a_clip_is_uploaded_described_and_published(stack, media, page, image):
    open_upload_page(page, stack, "upload_clip")
    page.set_input_files('[data-testid="upload-input"]', str(media["clip"]))
    item = page.locator('[data-testid="upload-item"]')
    assert item.locator('[data-testid="details-name"]').input_value() == "clip"
    item.locator('[data-testid="upload-percent"]').get_by_text("100 %").wait_for()
    assert item.locator('[data-testid="upload-progress"]').get_attribute("value") == "100"

    item.get_by_label("Title").fill("Sunset over the lake")
    item.get_by_label("Description").fill("Filmed from the pier.")
    item.get_by_label("Tags").fill("lake, sunset")
    item.get_by_label("Category").select_option(label="Travels")
    item.get_by_label("Licence").select_option(label="Attribution")
    item.get_by_label("Language").select_option(label="English")
    item.get_by_label("Allow downloads").uncheck()
    item.get_by_label("Thumbnail").set_input_files(str(image))
    item.get_by_role("button", name="Save").click()
    item.get_by_text("Saved.").wait_for()
    SCREENSHOTS.mkdir(exist_ok=True)
    item.locator('[data-testid="details-form"]').scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "upload-details.png"))

    watch = item.locator('[data-testid="watch-link"]')
    watch.wait_for(timeout=PUBLISHED)
    watch.click()
    page.locator('[data-testid="video-title"]').wait_for()
    assert page.locator('[data-testid="video-title"]').inner_text() == "Sunset over the lake"
    video = stack.http.get(page.url.replace("/w/", "/api/v1/videos/")).json()
    assert video["state"]["id"] == 1
    assert video["tags"] == ["lake", "sunset"] and video["category"]["label"] == "Travels"
    assert video["language"]["id"] == "en" and video["downloadEnabled"] is False
    assert "/lazy-static/thumbnails/" in video["thumbnailPath"]


def test_a_sound_file_with_an_image_is_published(stack, media, page, image):
    open_upload_page(page, stack, "upload_audio")
    page.set_input_files('[data-testid="upload-input"]', str(media["audio"]))
    item = page.locator('[data-testid="upload-item"]')
    item.get_by_text("Audio", exact=True).wait_for()
    # The file waits for its image before it is processed.
    item.get_by_text("Uploaded. Choose an image").wait_for()
    item.get_by_label("Image shown while it plays").set_input_files(str(image))
    item.get_by_role("button", name="Save").click()
    item.locator('[data-testid="watch-link"]').wait_for(timeout=PUBLISHED)
    [video] = my_videos(stack, "upload_audio")
    assert video["state"]["id"] == 1 and video["name"] == "podcast"
    assert "/lazy-static/thumbnails/" in video["thumbnailPath"]


def test_the_upload_survives_a_dropped_connection(stack, media, page):
    failed = []

    def flaky(route):
        # The storage's connection drops on the first part sent.
        if route.request.method == "PUT" and not failed:
            failed.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/_s3/**", flaky)
    open_upload_page(page, stack, "upload_flaky")
    page.set_input_files('[data-testid="upload-input"]', str(media["clip"]))
    item = page.locator('[data-testid="upload-item"]')
    item.get_by_text("Connection problem: trying again").wait_for()
    item.locator('[data-testid="upload-percent"]').get_by_text("100 %").wait_for()
    item.locator('[data-testid="publish-status"]').wait_for()
    assert len(failed) == 1
    stack.wait_for_state(my_videos(stack, "upload_flaky")[0]["uuid"])
    assert my_videos(stack, "upload_flaky")[0]["state"]["id"] == 1


def test_an_upload_resumes_after_a_reload(stack, page, tmp_path):
    big = tmp_path / "long take.mp4"   # two parts of S3's multipart upload
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=1280x720:rate=30", "-t", "6", "-c:v", "mpeg4", "-q:v", "1",
                    str(big)], check=True)
    assert big.stat().st_size > 8 * 1024 * 1024

    def second_part_fails(route):
        if route.request.method == "PUT" and "partNumber=2" in route.request.url:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/_s3/**", second_part_fails)
    open_upload_page(page, stack, "upload_reload")
    page.set_input_files('[data-testid="upload-input"]', str(big))
    page.get_by_text("Connection problem: trying again").wait_for()
    page.wait_for_function(
        "document.querySelector('[data-testid=upload-progress]').value >= 83")
    page.once("dialog", lambda dialog: dialog.accept())
    page.reload()
    # Only now: a retry between the unroute and the reload would send the part after all.
    page.unroute("**/_s3/**")

    unfinished = page.locator('[data-testid="unfinished-upload"]')
    assert "long take.mp4" in unfinished.inner_text()
    sent = []
    page.route("**/_s3/**", lambda route: (sent.append(route.request.url), route.continue_()))
    page.set_input_files('[data-testid="upload-input"]', str(big))
    item = page.locator('[data-testid="upload-item"]')
    item.locator('[data-testid="upload-percent"]').get_by_text("100 %").wait_for()
    item.locator('[data-testid="publish-status"]').wait_for()
    # Only the part S3 did not have was sent again.
    assert len(sent) == 1 and "partNumber=2" in sent[0]
    assert unfinished.count() == 0
    [video] = my_videos(stack, "upload_reload")
    assert stack.wait_for_state(video["uuid"])["state"]["id"] == 1


def test_several_files_at_once(stack, media, page):
    open_upload_page(page, stack, "upload_many")
    page.set_input_files('[data-testid="upload-input"]', [str(media["clip"]), str(media["portrait"])])
    items = page.locator('[data-testid="upload-item"]')
    for n in range(2):
        items.nth(n).locator('[data-testid="upload-percent"]').get_by_text("100 %").wait_for()
    assert items.nth(1).locator("details").get_attribute("open") is None
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.evaluate("window.scrollTo(0, 0)")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "upload.png"))

    assert sorted(v["name"] for v in my_videos(stack, "upload_many")) == ["clip", "portrait"]


def test_a_file_that_is_not_a_video_is_refused_before_upload(stack, media, page):
    open_upload_page(page, stack, "upload_text")
    page.set_input_files('[data-testid="upload-input"]', str(media["text"]))
    error = page.locator('[data-testid="upload-error"]')
    error.wait_for()
    assert "not a video or audio file" in error.inner_text()
    assert my_videos(stack, "upload_text") == []


def test_a_file_over_the_quota_is_refused(stack, media, page):
    stack.create_user("upload_full", videoQuota=1000)
    sign_in(page, stack, "upload_full")
    page.goto(stack.url + "/videos/upload")
    page.locator('[data-testid="upload-quota"]').wait_for()
    page.set_input_files('[data-testid="upload-input"]', str(media["clip"]))
    assert "does not fit in your quota" in page.locator('[data-testid="upload-error"]').inner_text()


def test_editing_a_video_shows_the_api_field_errors(stack, media, page):
    headers = stack.create_user("upload_editor")
    uuid = stack.uploaded(media["clip"], "Before the edit", headers)
    sign_in(page, stack, "upload_editor")
    page.goto(f"{stack.url}/videos/update/{uuid}")
    page.get_by_role("heading", name='Edit "Before the edit"').wait_for()
    page.get_by_label("Description").fill("ab")
    page.get_by_role("button", name="Save").click()
    error = page.locator('[data-testid="error-description"]')
    error.wait_for()
    assert "too short" in error.inner_text()
    assert page.get_by_label("Description").get_attribute("aria-invalid") == "true"

    page.get_by_label("Description").fill("A proper description.")
    page.get_by_label("Title").fill("After the edit")
    page.get_by_label("Privacy").select_option(label="Unlisted")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").wait_for()
    assert not error.is_visible()
    video = stack.http.get(f"/api/v1/videos/{uuid}", headers=headers).json()
    assert (video["name"], video["privacy"]["id"]) == ("After the edit", 2)
    assert video["description"] == "A proper description."


def test_my_videos_shows_the_quota_and_deletes(stack, media, page):
    headers = stack.create_user("upload_library", videoQuota=50_000_000, videoQuotaDaily=-1)
    kept = stack.uploaded(media["clip"], "The one I keep", headers)
    gone = stack.uploaded(media["portrait"], "The one I delete", headers)
    stack.wait_for_state(kept)
    stack.wait_for_state(gone)
    sign_in(page, stack, "upload_library")
    page.goto(stack.url + "/my-library/videos")
    rows = page.locator('[data-testid="my-video"]')
    rows.first.wait_for()
    assert rows.count() == 2
    total = page.locator('[data-testid="quota-total"]')
    total.locator("meter").wait_for()
    assert "of 50 MB" in total.inner_text()
    assert "no limit" in page.locator('[data-testid="quota-daily"]').inner_text()
    assert "Published" in rows.first.inner_text() and "Public" in rows.first.inner_text()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "my-videos.png"))

    used_before = total.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name='Delete "The one I delete"').click()
    page.get_by_role("status").get_by_text('"The one I delete" was deleted.').wait_for()
    assert rows.count() == 1 and "The one I keep" in rows.first.inner_text()
    assert stack.http.get(f"/api/v1/videos/{gone}", headers=headers).status_code == 404
    page.wait_for_function(
        "text => document.querySelector('[data-testid=quota-total]').innerText !== text",
        arg=used_before)

    page.get_by_role("link", name='Edit "The one I keep"').click()
    page.wait_for_url("**/videos/update/**")
    page.get_by_role("heading", name='Edit "The one I keep"').wait_for()
