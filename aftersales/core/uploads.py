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
