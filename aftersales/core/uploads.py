"""Uploads are measured as they stream in, never read whole first.

``SizeLimitUploadHandler`` is the first of ``FILE_UPLOAD_HANDLERS``: it counts each file's
bytes as the multipart parser hands them over and, past the limit, passes none of them on to
the handlers that keep them (memory, then a temporary file). The file then arrives in
``request.FILES`` as an ``OversizeUpload``: empty, with the size that was sent, so the service
that receives it refuses it by its size and names the field, as for any file too large. The
rest of the body is still read off the connection (and dropped), so the client gets its answer
and the connection stays usable.

The limit is ``UPLOAD_MAX_BYTES``, or a smaller one for the URL names in
``UPLOAD_MAX_BYTES_BY_URL_NAME`` (case photos: ``ATTACHMENT_MAX_BYTES``).
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class OversizeUpload(UploadedFile):
    """A file that was larger than its limit: nothing of it was kept."""

    def __init__(self, name: str, content_type: str, size: int, charset=None, extra=None):
        super().__init__(BytesIO(b""), name, content_type, size, charset, extra)
        self.oversize = True


def upload_limit(request) -> int:
    """The most bytes one file of this request may have."""
    limit = settings.UPLOAD_MAX_BYTES
    match = getattr(request, "resolver_match", None)
    if match is not None:
        limit = min(limit, settings.UPLOAD_MAX_BYTES_BY_URL_NAME.get(match.view_name, limit))
    return limit


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.limit = upload_limit(request)
        self.received = 0
        self.over = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.over = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.over = True
            return None  # the handlers after this one never see a byte past the limit
        return raw_data

    def file_complete(self, file_size):
        if not self.over:
            return None  # the next handler hands over the file it kept
        return OversizeUpload(
            self.file_name or "",
            self.content_type or "",
            self.received,
            self.charset,
            self.content_type_extra,
        )


# --- photos ------------------------------------------------------------------------------------

# What a photo may be, by the format Pillow finds when it decodes the file (never by its name,
# its declared type or its first bytes alone).
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


class ImageRefused(Exception):
    """Not a photo that can be kept. ``reason``: "not_image" (not one of IMAGE_TYPES, or not
    an image at all: SVG, HTML, a PDF...), "broken" (truncated or corrupt), "too_many_pixels"
    (a decompression bomb, or just too large)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def image_type(upload, *, max_pixels: int) -> str:
    """The content type of ``upload`` once Pillow has decoded it whole, or ImageRefused.

    The header is read first and the pixel count checked before a pixel is decoded; then
    ``verify()`` (PNG: every chunk's checksum) and a full decode (a JPEG at 1/8 scale, which
    still reads every block of the file and costs 64 times less memory). The file is left at
    its start."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    formats = list(IMAGE_TYPES)
    try:
        with warnings.catch_warnings():
            # Above Image.MAX_IMAGE_PIXELS Pillow only warns; the limit here is ours.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload, formats=formats) as image:
                width, height = image.size
                if width <= 0 or height <= 0 or width * height > max_pixels:
                    raise ImageRefused("too_many_pixels")
                kind = image.format
                image.verify()
            upload.seek(0)
            with Image.open(upload, formats=formats) as image:
                if kind == "JPEG":
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
    except ImageRefused:
        raise
    except UnidentifiedImageError as exc:
        raise ImageRefused("not_image") from exc
    except Image.DecompressionBombError as exc:
        raise ImageRefused("too_many_pixels") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError) as exc:
        # What Pillow raises for a truncated or corrupt file, depending on the format.
        raise ImageRefused("broken") from exc
    finally:
        upload.seek(0)
    if kind not in IMAGE_TYPES:
        raise ImageRefused("not_image")
    return IMAGE_TYPES[kind]
