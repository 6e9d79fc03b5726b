"""Attachments: upload a file to the media repository and describe it as m.image / m.file.

In an encrypted room the file is encrypted before upload and the room event carries the key
(``file``) instead of a plain ``url``: otherwise anyone with the mxc URL could read it.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from nio import AsyncClient, UploadResponse

from bot.adapters.matrix.failures import CONNECTION_ERRORS, delivery_error
from bot.core import Attachment, AttachmentKind
from bot.errors import RetryLater


async def upload_content(
    client: AsyncClient, attachment: Attachment, *, encrypt: bool
) -> dict[str, Any]:
    """Upload ``attachment`` and return the ``m.room.message`` content that shows it."""
    path = attachment.path
    name = attachment.filename or path.name
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    size = path.stat().st_size
    try:
        with path.open("rb") as fh:
            resp, keys = await client.upload(
                fh, content_type=mime, filename=name, encrypt=encrypt, filesize=size
            )
    except CONNECTION_ERRORS as exc:
        raise RetryLater(f"upload {name}: {exc}", 5.0) from exc
    if not isinstance(resp, UploadResponse):
        raise delivery_error(resp, f"upload {name}")
    content: dict[str, Any] = {
        "msgtype": "m.image" if attachment.kind is AttachmentKind.IMAGE else "m.file",
        "body": name,
        "info": {"mimetype": mime, "size": size},
    }
    if encrypt and keys:
        content["file"] = {**keys, "url": resp.content_uri}
    else:
        content["url"] = resp.content_uri
    return content
