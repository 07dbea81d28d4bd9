"""Uploads: measured as they stream in, never read whole first; a case photo is decoded as an
image (Pillow), so what is not one — an SVG, an HTML page named .png, a truncated file, a
decompression bomb — is refused with a 4xx naming the field, on the API and the workbench."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image

from aftersales.cases.models import CaseAttachment
from aftersales.core.uploads import OversizeUpload, SizeLimitUploadHandler, upload_limit
from aftersales.returns.services import return_case_open
from tests.api import API, NOW, PNG_1X1, bearer_client, error_of, order_build


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def case(shop, agent, media):
    order, lines = order_build(shop=shop)
    return return_case_open(
        order=order,
        kind="return_refund",
        lines=[(lines[0], 1)],
        reason="quality",
        actor=agent,
        now=NOW,
    )


def _image(fmt: str, size=(4, 3)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(out, fmt)
    return out.getvalue()


def _bomb() -> bytes:
    # 100 million pixels of black: about 100 KB on disk, 100 MB and more once decoded.
    out = io.BytesIO()
    Image.new("L", (10_000, 10_000)).save(out, "PNG")
    return out.getvalue()


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

REFUSED = [
    pytest.param(
        "truncated.png", _image("PNG", (64, 64))[:-30], "image_broken", id="truncated PNG"
    ),
    pytest.param("cut.jpg", _image("JPEG", (64, 64))[:200], "image_broken", id="truncated JPEG"),
    pytest.param("bomb.png", _bomb(), "image_too_large", id="decompression bomb"),
    pytest.param("logo.svg", SVG, "file_type", id="SVG"),
    pytest.param("photo.png", HTML, "file_type", id="HTML named .png"),
    pytest.param(
        "photo.png", b"\x89PNG\r\n\x1a\n" + HTML, "image_broken", id="HTML behind PNG magic"
    ),
    pytest.param("scan.bmp", _image("BMP"), "file_type", id="BMP, an image but not a photo type"),
    pytest.param("empty.jpg", b"", "file_type", id="empty"),
]

ACCEPTED = [
    pytest.param("a.png", PNG_1X1, "image/png", id="PNG"),
    pytest.param("a.jpg", _image("JPEG"), "image/jpeg", id="JPEG"),
    pytest.param("a.gif", _image("GIF"), "image/gif", id="GIF"),
    pytest.param("a.webp", _image("WEBP"), "image/webp", id="WebP"),
]


# --- the API ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "code"), REFUSED)
def test_the_api_refuses_what_is_not_a_photo_naming_the_field(case, agent, name, content, code):
    response = bearer_client(agent).post(
        f"{API}/cases/{case.pk}/attachments",
        {"file": SimpleUploadedFile(name, content, content_type="image/png")},
    )

    assert 400 <= response.status_code < 500, response.content
    body = error_of(response)
    assert body["field"] == "file"
    assert body["code"] == code
    assert CaseAttachment.objects.count() == 0


@pytest.mark.parametrize(("name", "content", "content_type"), ACCEPTED)
def test_the_api_keeps_a_photo_by_what_it_decodes_as(case, agent, name, content, content_type):
    response = bearer_client(agent).post(
        f"{API}/cases/{case.pk}/attachments",
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
    )

    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == content_type


def test_a_photo_over_the_limit_is_refused_and_nothing_of_it_kept(case, agent, media):
    too_big = _image("PNG") + b"\0" * settings.ATTACHMENT_MAX_BYTES

    response = bearer_client(agent).post(
        f"{API}/cases/{case.pk}/attachments", {"file": SimpleUploadedFile("big.png", too_big)}
    )

    assert response.status_code == 400
    body = error_of(response)
    assert (body["field"], body["code"]) == ("file", "file_too_large")
    assert "10 MB" in body["message"]
    assert CaseAttachment.objects.count() == 0
    assert not any(media.rglob("*.*"))


# --- the workbench ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "code"), REFUSED[:5])
def test_the_workbench_refuses_it_and_says_why(client, case, agent, name, content, code):
    client.force_login(agent)

    response = client.post(
        reverse("cases:attach", args=[case.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert any(word in page for word in ("图片已损坏", "像素过多", "只能上传"))
    assert CaseAttachment.objects.count() == 0


def test_the_workbench_refuses_a_photo_over_the_limit(client, case, agent):
    client.force_login(agent)
    too_big = _image("PNG") + b"\0" * settings.ATTACHMENT_MAX_BYTES

    response = client.post(
        reverse("cases:attach", args=[case.pk]),
        {"file": SimpleUploadedFile("big.png", too_big)},
        follow=True,
    )

    assert "图片不能超过 10 MB" in response.content.decode()
    assert CaseAttachment.objects.count() == 0


# --- counted on the stream ----------------------------------------------------------------------


def _multipart(parts: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    boundary = "----aftersales-test"
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename:
            body += b"Content-Type: application/octet-stream\r\n"
        body += b"\r\n" + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class _Recorder(SizeLimitUploadHandler):
    """The limit handler, counting what it passes on to the handlers that keep bytes."""

    passed_on = 0

    def receive_data_chunk(self, raw_data, start):
        out = super().receive_data_chunk(raw_data, start)
        if out is not None:
            type(self).passed_on += len(out)
        return out


def _parse(body: bytes, content_type: str, limit: int):
    from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler

    request = RequestFactory().post("/", body, content_type=content_type)
    _Recorder.passed_on = 0
    first = _Recorder(request)
    first.limit = limit
    handlers = [first, MemoryFileUploadHandler(request), TemporaryFileUploadHandler(request)]
    meta = {**request.META, "CONTENT_LENGTH": str(len(body))}
    return MultiPartParser(meta, io.BytesIO(body), handlers).parse()


def test_a_file_over_the_limit_is_counted_not_kept_and_the_rest_of_the_form_is_read():
    big = b"x" * (3 * 1024 * 1024)
    body, content_type = _multipart(
        [("file", "big.png", big), ("note", None, "之后的字段".encode())]
    )

    post, files = _parse(body, content_type, limit=1024 * 1024)

    upload = files["file"]
    assert isinstance(upload, OversizeUpload)
    assert upload.size > 1024 * 1024
    assert upload.read() == b""
    # Nothing past the limit reached a handler that keeps bytes...
    assert _Recorder.passed_on <= 1024 * 1024 + 64 * 1024
    # ... and the body was read to its end: the field after the file is there.
    assert post["note"] == "之后的字段"


def test_a_file_within_the_limit_arrives_whole():
    content = _image("PNG", (32, 32))
    body, content_type = _multipart([("file", "ok.png", content)])

    _post, files = _parse(body, content_type, limit=1024 * 1024)

    assert not isinstance(files["file"], OversizeUpload)
    assert files["file"].read() == content


def test_the_limits_by_url():
    factory = RequestFactory()
    from django.urls import resolve

    def limit(path):
        request = factory.post(path)
        request.resolver_match = resolve(path)
        return upload_limit(request)

    assert limit("/cases/1/attachments/") == settings.ATTACHMENT_MAX_BYTES
    assert limit(f"{API}/cases/1/attachments") == settings.ATTACHMENT_MAX_BYTES
    assert limit(f"{API}/orders/import") == settings.UPLOAD_MAX_BYTES
    assert settings.ATTACHMENT_MAX_BYTES < settings.UPLOAD_MAX_BYTES


def test_the_global_limits_are_set():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 5 * 1024 * 1024
    assert settings.FILE_UPLOAD_HANDLERS[0] == "aftersales.core.uploads.SizeLimitUploadHandler"
