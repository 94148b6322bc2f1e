"""What an uploaded file really is, and images made safe to keep and show.

The type is read from the file's first bytes, not from the name or the browser's claim; a
file that is not what it says is refused. Photos are decoded and re-encoded with Pillow:
EXIF (with the phone's GPS position and serial numbers), XMP and comments are dropped, the
orientation is applied to the pixels, and a decompression bomb is refused.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from gridgov.kit.errors import ValidationFailed

MAX_PIXELS = 60_000_000  # ~ a 9,000 × 6,700 photo; larger is refused, not decoded
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def sniff(content: bytes) -> str | None:
    """The content type the bytes show, or None when unrecognised."""
    head = content[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    return None


def checked_type(content: bytes, declared: str) -> str:
    """The file's real type; a declared type that disagrees with the bytes is refused."""
    found = sniff(content)
    declared = declared.split(";")[0].strip().lower()
    if found is None:
        raise ValidationFailed(f"the file's content is not a recognised type (said {declared!r})")
    if declared and declared not in ("application/octet-stream", found):
        raise ValidationFailed(f"the file says {declared!r} but its content is {found!r}")
    return found


def clean_image(content: bytes, content_type: str) -> bytes:
    """Decode and re-encode an image without its metadata (same format)."""
    fmt = _IMAGE_FORMATS.get(content_type)
    if fmt is None:
        return content
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1× and 2× the cap; here that is a refusal too
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(content))  # reads the header only
        with img:
            img.load()
            upright = ImageOps.exif_transpose(img)
            if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            out = io.BytesIO()
            options: dict[str, object] = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
            upright.save(out, format=fmt, **options)  # no exif=, no icc/xmp: metadata dropped
            return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed(f"the image has more than {MAX_PIXELS} pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationFailed("the image cannot be read (damaged or not an image)") from None
