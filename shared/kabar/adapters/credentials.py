"""Channel credentials in the table, sealed by envelope encryption under the deployment's one KMS key.

Each credential (a Page token, a refresh token, an application password) is one item
``T#<village>`` / ``CREDENTIAL#<name>`` holding an AWS Encryption SDK message: a fresh data key from
KMS ``GenerateDataKey`` encrypts the JSON with AES-256-GCM (HKDF, key commitment, no signature: the
same functions write and read), and only the data key's KMS-encrypted copy travels with it. The
encryption context names the village and the credential, and is checked again after decrypting, so a
sealed value copied onto another village's item (or another credential's) does not open there.

Beside the sealed value the item keeps only what may be shown: when it was connected, by whom, and a
short description of the account (the Page's name, the site, the channel's title). Nothing reads the
plaintext back out to a page: it is used by the channel adapters and replaced on reconnect.

The OAuth "state" of a connection in progress lives here too (``T#<village>#CONNECT#<sha256>``): bound
to the browser session that began it, single-use, expiring; after the provider's answer it may carry a
sealed user token until the admin picks the Page or channel.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import datetime
from functools import cached_property
from typing import Any

from ..domain.clock import iso

#: the Encryption SDK's committing suite without an ECDSA signature (one trust domain writes and reads)
_ALGORITHM = "AES_256_GCM_HKDF_SHA512_COMMIT_KEY"
_cache: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
_lock = threading.Lock()


class CredentialUnavailable(Exception):
    """The credential cannot be opened (KMS refused, or the sealed value is not this item's)."""


def _context(tenant_id: str, name: str) -> dict[str, str]:
    return {"kabar:village": tenant_id, "kabar:credential": name}


class TableCredentials:
    """``ports.CredentialStore`` over the table and one KMS key (``KABAR_CREDENTIALS_KEY``)."""

    def __init__(self, table_name: str, key_id: str | None) -> None:
        self.table_name = table_name
        self.key_id = key_id

    @cached_property
    def _table(self) -> Any:
        import boto3

        return boto3.resource("dynamodb").Table(self.table_name)

    @cached_property
    def _sdk(self) -> tuple[Any, Any, Any]:
        # Imported on first use: only functions that open or seal a credential pay for it.
        import aws_encryption_sdk
        import botocore.session
        from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy

        if not self.key_id:
            raise CredentialUnavailable("KABAR_CREDENTIALS_KEY is not set: no KMS key to seal credentials with")
        client = aws_encryption_sdk.EncryptionSDKClient(
            commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
        key_arn = self._key_arn()
        provider = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=[key_arn],
                                                                    botocore_session=botocore.session.Session())
        return client, provider, getattr(Algorithm, _ALGORITHM)

    def _key_arn(self) -> str:
        """The Encryption SDK needs the key's ARN; an alias or id is resolved once."""
        assert self.key_id
        if self.key_id.startswith("arn:") and ":key/" in self.key_id:
            return self.key_id
        from .aws import client

        return client("kms").describe_key(KeyId=self.key_id)["KeyMetadata"]["Arn"]

    # --- sealing ---------------------------------------------------------------------------------

    def seal(self, tenant_id: str, name: str, value: dict[str, Any]) -> bytes:
        sdk, provider, algorithm = self._sdk
        sealed, _header = sdk.encrypt(source=json.dumps(value, separators=(",", ":")).encode(), key_provider=provider,
                                      encryption_context=_context(tenant_id, name), algorithm=algorithm)
        return bytes(sealed)

    def open(self, tenant_id: str, name: str, sealed: bytes) -> dict[str, Any]:
        sdk, provider, _ = self._sdk
        try:
            plain, header = sdk.decrypt(source=sealed, key_provider=provider)
        except Exception as err:  # noqa: BLE001 - the SDK's and KMS's errors alike: it does not open
            raise CredentialUnavailable(f"{type(err).__name__}: {err}") from err
        expected = _context(tenant_id, name)
        if {k: header.encryption_context.get(k) for k in expected} != expected:
            raise CredentialUnavailable("the sealed value belongs to another credential")
        value = json.loads(plain)
        if not isinstance(value, dict):
            raise CredentialUnavailable("the credential is not a JSON object")
        return value

    # --- credentials -----------------------------------------------------------------------------

    def get(self, tenant_id: str, name: str) -> dict[str, Any] | None:
        """The credential's value, or None when the village has none of that name."""
        item = self._table.get_item(Key={"PK": f"T#{tenant_id}", "SK": f"CREDENTIAL#{name}"},
                                    ConsistentRead=True).get("Item")
        if item is None:
            return None
        sealed = bytes(item["sealed"])
        digest = hashlib.sha256(sealed).hexdigest()
        with _lock:
            cached = _cache.get((tenant_id, name))
        if cached and cached[0] == digest:
            return dict(cached[1])
        value = self.open(tenant_id, name, sealed)
        with _lock:
            _cache[(tenant_id, name)] = (digest, value)
        return dict(value)

    def put(self, tenant_id: str, name: str, value: dict[str, Any], about: dict[str, str], by: str,
            at: datetime) -> None:
        """Seal and store (replacing any earlier value of that name)."""
        self._table.put_item(Item={
            "PK": f"T#{tenant_id}", "SK": f"CREDENTIAL#{name}", "rtype": "credential", "name": name,
            "sealed": self.seal(tenant_id, name, value), "about": {k: str(v) for k, v in about.items()},
            "connected_at": iso(at), "connected_by": by})

    def describe(self, tenant_id: str) -> dict[str, dict[str, Any]]:
        """Per credential name: what may be shown (never the value)."""
        out: dict[str, dict[str, Any]] = {}
        kwargs: dict[str, Any] = {"KeyConditionExpression": "PK = :p AND begins_with(SK, :s)",
                                  "ExpressionAttributeValues": {":p": f"T#{tenant_id}", ":s": "CREDENTIAL#"},
                                  "ProjectionExpression": "#n, about, connected_at, connected_by",
                                  "ExpressionAttributeNames": {"#n": "name"}}
        while True:
            page = self._table.query(**kwargs)
            for item in page.get("Items", []):
                out[str(item["name"])] = {"about": dict(item.get("about") or {}),
                                          "connected_at": item.get("connected_at"),
                                          "connected_by": item.get("connected_by")}
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # --- connections in progress (the OAuth state) --------------------------------------------------

    def put_state(self, tenant_id: str, state_hash: str, record: dict[str, Any], expires_at: datetime) -> None:
        self._table.put_item(Item={"PK": f"T#{tenant_id}#CONNECT#{state_hash}", "SK": "CONNECT",
                                   "rtype": "connect_state", **record, "expires_at": iso(expires_at),
                                   "ttl": int(expires_at.timestamp()) + 3600},
                             ConditionExpression="attribute_not_exists(PK)")

    def take_state(self, tenant_id: str, state_hash: str, at: datetime) -> dict[str, Any] | None:
        """The state's record, once: marked used in the same conditional write; None when unknown, used
        or expired."""
        try:
            done = self._table.update_item(
                Key={"PK": f"T#{tenant_id}#CONNECT#{state_hash}", "SK": "CONNECT"},
                UpdateExpression="SET used_at = :u",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(used_at) AND expires_at > :u",
                ExpressionAttributeValues={":u": iso(at)}, ReturnValues="ALL_NEW")
        except Exception as err:
            if getattr(err, "response", {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return None
            raise
        item = done["Attributes"]
        return {k: (bytes(v) if k == "sealed" else v) for k, v in item.items()
                if k not in ("PK", "SK", "rtype", "ttl")}


def forget() -> None:
    """Drop every opened credential kept in this process, and the stores made for a table (tests)."""
    with _lock:
        _cache.clear()
    try:
        from .channels import _credential_store

        _credential_store.cache_clear()
    except ImportError:  # pragma: no cover
        pass
