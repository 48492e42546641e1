"""S3 behind the ObjectStorage port."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from ..ports import PresignedPost, StoredPart
from .aws import client

#: The tag the uploads bucket's lifecycle rule removes (template.yaml, remove-versions-intake-discarded).
DISCARD_TAG, DISCARD_VALUE = "kabar-intake", "discarded"


class S3Storage:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put(self, key: str, data: bytes, content_type: str, cache_control: str | None = None) -> None:
        extra = {"CacheControl": cache_control} if cache_control else {}
        client("s3").put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, **extra)

    @staticmethod
    def _version(version_id: str | None) -> dict:
        return {"VersionId": version_id} if version_id else {}

    def put_locked(self, key: str, data: bytes, content_type: str, retain_until: datetime) -> bool:
        """Write once under Object Lock (compliance mode: nobody, root included, can delete or shorten
        it before ``retain_until``). False when the key already exists (the first write stands)."""
        from botocore.exceptions import ClientError

        try:
            client("s3").put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type,
                                    IfNoneMatch="*", ObjectLockMode="COMPLIANCE",
                                    ObjectLockRetainUntilDate=retain_until)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise
        return True

    def keys(self, prefix: str) -> list[str]:
        """Every object key under ``prefix``."""
        paginator = client("s3").get_paginator("list_objects_v2")
        return [o["Key"] for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
                for o in page.get("Contents", [])]

    def get(self, key: str, version_id: str | None = None) -> bytes:
        return client("s3").get_object(Bucket=self.bucket, Key=key, **self._version(version_id))["Body"].read()

    def get_range(self, key: str, start: int, end: int, version_id: str | None = None) -> bytes:
        """Bytes ``start..end`` inclusive (for sniffing the head of a large video)."""
        return client("s3").get_object(Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end}",
                                       **self._version(version_id))["Body"].read()

    def head(self, key: str, version_id: str | None = None) -> dict | None:
        """The object's metadata (``VersionId`` among it in a versioned bucket); None when absent."""
        from botocore.exceptions import ClientError

        try:
            return client("s3").head_object(Bucket=self.bucket, Key=key, **self._version(version_id))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound", "NoSuchVersion",
                                                             "400", "405"):
                return None
            raise

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024, version_id: str | None = None) -> Iterator[bytes]:
        """Stream an object: a large video is hashed in constant memory."""
        body = client("s3").get_object(Bucket=self.bucket, Key=key, **self._version(version_id))["Body"]
        yield from body.iter_chunks(chunk_size)

    def discard(self, key: str, version_id: str | None) -> None:
        """Hand one version to the bucket's lifecycle rule (tag ``kabar-intake=discarded``): whoever
        calls this needs no right to delete, so it cannot delete a recorded original either."""
        from botocore.exceptions import ClientError

        try:
            client("s3").put_object_tagging(Bucket=self.bucket, Key=key, **self._version(version_id),
                                            Tagging={"TagSet": [{"Key": DISCARD_TAG, "Value": DISCARD_VALUE}]})
        except ClientError as err:  # already gone: nothing left to discard
            if err.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NoSuchVersion"):
                raise

    def tags(self, key: str, version_id: str | None = None) -> dict[str, str]:
        tagging = client("s3").get_object_tagging(Bucket=self.bucket, Key=key, **self._version(version_id))
        return {tag["Key"]: tag["Value"] for tag in tagging["TagSet"]}

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str,
                   part_size: int = 8 * 1024 * 1024) -> int:
        """Write an object from a stream: one PUT when small, else a multipart upload of ``part_size`` parts.

        Memory stays at about one part. An error midway aborts the upload (nothing half-written).
        """
        s3 = client("s3")
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[dict] = []
        total = 0
        try:
            for chunk in chunks:
                buffer += chunk
                total += len(chunk)
                while len(buffer) >= part_size:
                    if upload_id is None:
                        upload_id = s3.create_multipart_upload(Bucket=self.bucket, Key=key,
                                                               ContentType=content_type)["UploadId"]
                    number = len(parts) + 1
                    etag = s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                          Body=bytes(buffer[:part_size]))["ETag"]
                    parts.append({"PartNumber": number, "ETag": etag})
                    del buffer[:part_size]
            if upload_id is None:
                s3.put_object(Bucket=self.bucket, Key=key, Body=bytes(buffer), ContentType=content_type)
                return total
            if buffer or not parts:
                number = len(parts) + 1
                etag = s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                      Body=bytes(buffer))["ETag"]
                parts.append({"PartNumber": number, "ETag": etag})
            s3.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                         MultipartUpload={"Parts": parts})
        except BaseException:
            if upload_id is not None:
                s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise
        return total

    def delete(self, key: str) -> None:
        client("s3").delete_object(Bucket=self.bucket, Key=key)

    def presign_post(self, key: str, content_type: str, size: int, expires_in: int) -> PresignedPost:
        """A POST allowed for exactly this key, this content type and this size."""
        post = client("s3").generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type, "success_action_status": "201"},
            Conditions=[
                {"Content-Type": content_type},
                {"success_action_status": "201"},
                ["content-length-range", size, size],
            ],
            ExpiresIn=expires_in,
        )
        return PresignedPost(url=post["url"], fields=post["fields"])

    def presign_get(self, key: str, expires_in: int) -> str:
        return client("s3").generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_in)

    # --- multipart uploads (big videos): the browser PUTs each part to its presigned URL -----------

    def create_multipart(self, key: str, content_type: str) -> str:
        return client("s3").create_multipart_upload(Bucket=self.bucket, Key=key, ContentType=content_type)["UploadId"]

    def find_multipart(self, key: str) -> str | None:
        listed = client("s3").list_multipart_uploads(Bucket=self.bucket, Prefix=key).get("Uploads", [])
        mine = [u for u in listed if u["Key"] == key]
        return max(mine, key=lambda u: u["Initiated"])["UploadId"] if mine else None

    def presign_part(self, key: str, upload_id: str, number: int, expires_in: int) -> str:
        return client("s3").generate_presigned_url(
            "upload_part", Params={"Bucket": self.bucket, "Key": key, "UploadId": upload_id, "PartNumber": number},
            ExpiresIn=expires_in, HttpMethod="PUT")

    def list_parts(self, key: str, upload_id: str) -> list[StoredPart] | None:
        from botocore.exceptions import ClientError

        parts: list[StoredPart] = []
        marker = 0
        try:
            while True:
                page = client("s3").list_parts(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                               PartNumberMarker=marker)
                parts += [StoredPart(p["PartNumber"], int(p["Size"]), p["ETag"]) for p in page.get("Parts", [])]
                if not page.get("IsTruncated"):
                    return sorted(parts, key=lambda p: p.number)
                marker = int(page["NextPartNumberMarker"])
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("NoSuchUpload", "404", "NotFound"):
                return None
            raise

    def complete_multipart(self, key: str, upload_id: str, parts: list[StoredPart]) -> None:
        client("s3").complete_multipart_upload(
            Bucket=self.bucket, Key=key, UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": p.etag} for p in parts]})

    def abort_multipart(self, key: str, upload_id: str) -> None:
        from botocore.exceptions import ClientError

        try:
            client("s3").abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") not in ("NoSuchUpload", "404", "NotFound"):
                raise
