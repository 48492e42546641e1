"""S3 behind the ObjectStorage port."""

from __future__ import annotations

from collections.abc import Iterator

from ..ports import PresignedPost
from .aws import client


class S3Storage:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put(self, key: str, data: bytes, content_type: str, cache_control: str | None = None) -> None:
        extra = {"CacheControl": cache_control} if cache_control else {}
        client("s3").put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, **extra)

    def get(self, key: str) -> bytes:
        return client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def get_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``start..end`` inclusive (for sniffing the head of a large video)."""
        return client("s3").get_object(Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end}")["Body"].read()

    def head(self, key: str) -> dict | None:
        from botocore.exceptions import ClientError

        try:
            return client("s3").head_object(Bucket=self.bucket, Key=key)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        """Stream an object: a large video is hashed in constant memory."""
        body = client("s3").get_object(Bucket=self.bucket, Key=key)["Body"]
        yield from body.iter_chunks(chunk_size)

    def copy_from(self, source_bucket: str, source_key: str, key: str) -> None:
        client("s3").copy_object(Bucket=self.bucket, Key=key,
                                 CopySource={"Bucket": source_bucket, "Key": source_key})

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
