"""Actor images: the avatars of accounts and channels and the banners of channels.

An upload must be a PNG, JPEG, GIF or WebP image of at most 4 MB, whatever its name says.
It is cropped to each of PeerTube's sizes (avatars 1500, 600, 120 and 48 px square;
banners 1920x317 and 600x100) and stored in the media bucket under
`lazy-static/avatars/` or `lazy-static/banners/`, one fresh random name per file, in its
own format (a GIF becomes a PNG of its first frame). The item then points at the new files
and the old ones are deleted. Each item's `images_version` orders concurrent changes, so
a file is never left behind nor deleted while in use.
"""
from __future__ import annotations

import io
import uuid as uuidlib
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from pynamodb.exceptions import UpdateError

from . import aws, errors
from .forms import FormFile
from .media_store import IMMUTABLE
from .models import Channel, User, now
from .settings import settings

MAX_SIZE = 4 * 1024 * 1024
MAX_PIXELS = 40_000_000         # refuses decompression bombs before decoding them
EXTENSIONS = [".png", ".jpeg", ".jpg", ".gif", ".webp"]
# Pillow's format -> what is stored: Pillow's writer, extension, content type.
_OUTPUTS = {"PNG": ("PNG", "png", "image/png"), "GIF": ("PNG", "png", "image/png"),
            "JPEG": ("JPEG", "jpg", "image/jpeg"), "WEBP": ("WEBP", "webp", "image/webp")}
_SWAP_TRIES = 5


@dataclass(frozen=True)
class Kind:
    field: str                          # the multipart field PeerTube's clients send
    attribute: str                      # the item attribute that lists the files
    prefix: str                         # where the files go in the media bucket
    sizes: tuple[tuple[int, int], ...]  # width, height


AVATAR = Kind("avatarfile", "avatars", "lazy-static/avatars/",
              ((1500, 1500), (600, 600), (120, 120), (48, 48)))
BANNER = Kind("bannerfile", "banners", "lazy-static/banners/", ((1920, 317), (600, 100)))


def _refuse(kind: Kind) -> errors.ApiError:
    return errors.invalid_params({kind.field: (
        "This file is not supported or too large. Please, make sure it is of the following "
        "type : " + ", ".join(EXTENSIONS))})


def decode(file: FormFile | None, kind: Kind) -> Image.Image:
    """The image of an upload, or PeerTube's 400 naming the field."""
    if file is None or not file.data or len(file.data) > MAX_SIZE:
        raise _refuse(kind)
    try:
        image = Image.open(io.BytesIO(file.data))
        if image.format not in _OUTPUTS or image.width * image.height > MAX_PIXELS:
            raise _refuse(kind)
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise _refuse(kind) from None
    return image


def render(image: Image.Image, size: tuple[int, int]) -> tuple[bytes, str, str]:
    """`image` cropped to fill `size`: the file's bytes, extension and content type."""
    writer, extension, content_type = _OUTPUTS[image.format]
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    mode = "RGBA" if has_alpha and writer != "JPEG" else "RGB"
    fitted = ImageOps.fit(upright.convert(mode), size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    options = {"quality": 85} if writer in ("JPEG", "WEBP") else {"optimize": True}
    fitted.save(out, writer, **options)
    return out.getvalue(), extension, content_type


def _put_all(image: Image.Image, kind: Kind) -> list[dict]:
    s3, bucket = aws.client("s3"), settings().media_bucket
    created = now().isoformat()
    stored: list[dict] = []
    try:
        for width, height in kind.sizes:
            data, extension, content_type = render(image, (width, height))
            key = f"{kind.prefix}{uuidlib.uuid4()}.{extension}"
            s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type,
                          CacheControl=IMMUTABLE)
            stored.append({"key": key, "width": width, "height": height,
                           "created_at": created})
    except BaseException:
        _delete(stored)
        raise
    return stored


def _delete(images: list[dict]) -> None:
    aws.media_store().delete([image["key"] for image in images])


def _swap(item: User | Channel, kind: Kind, images: list[dict] | None) -> None:
    """Points `item` at `images` (None: no image), then deletes the files it pointed at."""
    model = type(item)
    attribute = getattr(model, kind.attribute)
    for _ in range(_SWAP_TRIES):
        version = item.images_version or 0
        previous = getattr(item, kind.attribute) or []
        unchanged = model.images_version == version
        if not version:  # items older than images have no version yet
            unchanged = unchanged | model.images_version.does_not_exist()
        action = attribute.set(images) if images else attribute.remove()
        try:
            item.update(actions=[action, model.images_version.set(version + 1),
                                 model.updated_at.set(now())], condition=unchanged)
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            item.refresh()
            continue
        _delete(previous)
        return
    raise errors.ApiError(409, "The image changed meanwhile. Please retry.")


def replace(item: User | Channel, kind: Kind, file: FormFile | None) -> list[dict]:
    """Stores the image of `file` in every size of `kind` as `item`'s; returns them."""
    stored = _put_all(decode(file, kind), kind)
    try:
        _swap(item, kind, stored)
    except BaseException:
        _delete(stored)
        raise
    return stored


def remove(item: User | Channel, kind: Kind) -> None:
    """`item` has no image of `kind` any more; its files are deleted."""
    if getattr(item, kind.attribute):
        _swap(item, kind, None)


def delete_all(item: User | Channel) -> None:
    """Deletes the files of every image of `item`, which is going away."""
    for kind in (AVATAR, BANNER):
        _delete(getattr(item, kind.attribute, None) or [])
