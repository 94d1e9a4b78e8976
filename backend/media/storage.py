"""Where stored files live: a local folder by default, S3-compatible storage by URL.

``STORAGE_URL`` chooses: ``file:///abs/path`` (the default is ``instance/storage``) or
``s3://bucket/optional/prefix?endpoint_url=https://…&region=…`` (any S3-compatible
service; credentials come from boto3's usual chain, e.g. ``AWS_ACCESS_KEY_ID``). Objects
are private either way: the app hands them out only through signed URLs
(:mod:`backend.core.signing`).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from flask import current_app

#: keys are made by the app (content hashes); anything else is refused outright
_KEY = re.compile(r"^[a-z0-9][a-z0-9_\-]*(/[a-z0-9][a-z0-9_\-.]*)*$")


class StoredFileMissing(Exception):
    """No object under that key."""


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]: ...


def _check_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key:
        raise ValueError(f"bad storage key {key!r}")
    return key


class LocalStorage:
    """Files in a folder; each write lands whole (written aside, then renamed)."""

    def __init__(self, root: str):
        self.root = root

    def _path(self, key: str) -> str:
        return os.path.join(self.root, *_check_key(key).split("/"))

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def get(self, key: str) -> bytes:
        try:
            with open(self._path(key), "rb") as stream:
                return stream.read()
        except FileNotFoundError as exc:
            raise StoredFileMissing(key) from exc

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path(key))

    def exists(self, key: str) -> bool:
        return os.path.exists(self._path(key))

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Every stored key under ``prefix`` (``"photos"``) with its last write time.

        A write that died half-way (``.tmp-…``, never renamed) is listed too, by its
        own name, so the orphan sweep removes it.
        """
        top = self._path(prefix)
        for folder, _dirs, files in os.walk(top):
            for name in files:
                path = os.path.join(folder, name)
                key = os.path.relpath(path, self.root).replace(os.sep, "/")
                with contextlib.suppress(FileNotFoundError):
                    modified = datetime.fromtimestamp(os.stat(path).st_mtime, UTC)
                    yield key, modified

    def delete_listed(self, key: str) -> None:
        """Delete a key as :meth:`listing` gave it (a ``.tmp-`` leftover included)."""
        path = os.path.join(self.root, *key.split("/"))
        if ".." in key.split("/") or not os.path.abspath(path).startswith(
            os.path.abspath(self.root) + os.sep
        ):
            raise ValueError(f"bad storage key {key!r}")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


class S3Storage:
    """Objects in an S3-compatible bucket (AWS, MinIO, OSS/COS S3 endpoints), private."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
    ):
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def _key(self, key: str) -> str:
        key = _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except self.client.exceptions.NoSuchKey as exc:
            raise StoredFileMissing(key) from exc

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Every stored key under ``prefix`` with its last write time (paged by S3)."""
        start = self._key(prefix) + "/"
        strip = len(self.prefix) + 1 if self.prefix else 0
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][strip:], item["LastModified"]

    def delete_listed(self, key: str) -> None:
        self.delete(key)


def storage_from_url(url: str) -> Storage:
    """The storage that ``url`` names (``file://…`` or ``s3://bucket/prefix?…``)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStorage(parts.netloc + parts.path if parts.netloc else parts.path)
    if parts.scheme == "s3":
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        return S3Storage(
            parts.netloc,
            parts.path,
            endpoint_url=query.get("endpoint_url"),
            region=query.get("region"),
        )
    raise ValueError(f"unsupported STORAGE_URL scheme {parts.scheme!r}")


def get_storage() -> Storage:
    """The app's storage (made once per app from ``STORAGE_URL``)."""
    ext = current_app.extensions
    url = current_app.config["STORAGE_URL"]
    cached = ext.get("linli_storage")
    if cached is None or cached[0] != url:
        cached = ext["linli_storage"] = (url, storage_from_url(url))
    return cached[1]
