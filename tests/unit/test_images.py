"""Actor images: checked, cropped to PeerTube's sizes, stored, and replaced cleanly."""
import io

import pytest
from PIL import Image

from peerless import aws, errors, images
from peerless.forms import FormFile
from peerless.models import Channel, User
from peerless.settings import settings


def picture(fmt: str, size=(300, 200), mode="RGB", color=(200, 30, 30)) -> FormFile:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt)
    return FormFile(f"picture.{fmt.lower()}", f"image/{fmt.lower()}", out.getvalue())


def stored_keys(prefix: str = "lazy-static/") -> set[str]:
    listing = aws.client("s3").list_objects_v2(Bucket=settings().media_bucket, Prefix=prefix)
    return {o["Key"] for o in listing.get("Contents", [])}


def fetch(key: str) -> Image.Image:
    body = aws.client("s3").get_object(Bucket=settings().media_bucket, Key=key)["Body"]
    return Image.open(io.BytesIO(body.read()))


@pytest.fixture
def alice(aws):
    from peerless import accounts
    return accounts.create_user("alice", "alice@example.com", "secret password")


@pytest.mark.parametrize("fmt, extension, stored_format", [
    ("PNG", "png", "PNG"), ("JPEG", "jpg", "JPEG"), ("WEBP", "webp", "WEBP"),
    ("GIF", "png", "PNG"),
])
def test_an_avatar_is_stored_in_every_size_in_its_format(alice, fmt, extension,
                                                         stored_format):
    stored = images.replace(alice, images.AVATAR, picture(fmt))
    assert [(i["width"], i["height"]) for i in stored] == [(1500, 1500), (600, 600),
                                                           (120, 120), (48, 48)]
    for image in stored:
        assert image["key"].startswith("lazy-static/avatars/")
        assert image["key"].endswith("." + extension)
        file = fetch(image["key"])
        assert file.format == stored_format and file.size == (image["width"],
                                                              image["height"])
    assert User.get(*User.key("alice")).avatars == stored


def test_a_banner_has_banner_sizes(alice):
    from peerless import accounts
    channel = accounts.channels_of("alice")[0]
    stored = images.replace(channel, images.BANNER, picture("JPEG", (3000, 500)))
    assert [(i["width"], i["height"]) for i in stored] == [(1920, 317), (600, 100)]
    assert all(i["key"].startswith("lazy-static/banners/") for i in stored)
    assert fetch(stored[0]["key"]).size == (1920, 317)
    assert Channel.get(*Channel.key(channel.name)).banners == stored


def test_transparency_survives_in_png(alice):
    stored = images.replace(alice, images.AVATAR,
                            picture("PNG", mode="RGBA", color=(0, 0, 0, 0)))
    assert fetch(stored[-1]["key"]).mode == "RGBA"


def test_a_new_avatar_replaces_the_old_files(alice):
    first = images.replace(alice, images.AVATAR, picture("PNG"))
    second = images.replace(alice, images.AVATAR, picture("JPEG"))
    assert stored_keys() == {i["key"] for i in second}
    assert not {i["key"] for i in first} & stored_keys()


def test_removing_deletes_the_files(alice):
    images.replace(alice, images.AVATAR, picture("PNG"))
    images.remove(alice, images.AVATAR)
    assert stored_keys() == set()
    assert User.get(*User.key("alice")).avatars is None


def test_a_change_through_a_stale_copy_leaves_no_file_behind(alice):
    stale = User.get(*User.key("alice"))
    images.replace(alice, images.AVATAR, picture("PNG"))
    latest = images.replace(stale, images.AVATAR, picture("JPEG"))
    assert stored_keys() == {i["key"] for i in latest}
    assert User.get(*User.key("alice")).avatars == latest


@pytest.mark.parametrize("file", [
    None,
    FormFile("notes.png", "image/png", b"This is not an image, whatever its name says."),
    FormFile("empty.png", "image/png", b""),
    picture("BMP"),
    picture("TIFF"),
])
def test_what_is_not_a_supported_image_is_refused(alice, file):
    with pytest.raises(errors.ApiError) as raised:
        images.replace(alice, images.AVATAR, file)
    assert raised.value.status == 400
    assert list(raised.value.data["invalid-params"]) == ["avatarfile"]
    assert stored_keys() == set()


def test_a_truncated_image_is_refused(alice):
    whole = picture("PNG", (800, 800)).data
    with pytest.raises(errors.ApiError) as raised:
        images.replace(alice, images.AVATAR, FormFile("cut.png", "image/png",
                                                      whole[:len(whole) // 2]))
    assert raised.value.status == 400


def test_more_than_4_mb_is_refused(alice):
    big = FormFile("big.png", "image/png", picture("PNG").data + b"\0" * images.MAX_SIZE)
    with pytest.raises(errors.ApiError) as raised:
        images.replace(alice, images.BANNER, big)
    assert list(raised.value.data["invalid-params"]) == ["bannerfile"]


def test_huge_dimensions_are_refused_before_decoding(alice):
    with pytest.raises(errors.ApiError):
        images.replace(alice, images.AVATAR,
                       picture("PNG", size=(8000, 8000), mode="1", color=0))
