"""Ports: the small interfaces the use cases need. Adapters in ``kabar.adapters`` implement them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from .messages import Letter, Mail

if TYPE_CHECKING:
    from datetime import date, datetime

    from .domain.audit import ChainLink
    from .domain.events import Event
    from .domain.inbox import Inquiry
    from .domain.metrics import AccountSnapshot, ItemSnapshot, Reading
    from .domain.models import (
        Asset,
        AuditEntry,
        ChannelConfig,
        Draft,
        DraftStatus,
        Procedure,
        Publication,
        ReviewToken,
        Staff,
        Submission,
        Village,
    )
    from .domain.outbox import Change, NoticeDue, NoticeRecord
    from .domain.report import ClickCount
    from .domain.video import VideoDraft


class EventPublisher(Protocol):
    def publish(self, events: Sequence[Event | NoticeDue]) -> None:
        """Put events on the bus; raise if any entry failed."""


class MailComposer(Protocol):
    def compose(self, letter: Letter) -> Mail:
        """Write the letter out: its text and HTML parts from its template and facts."""


class Mailer(Protocol):
    def send(self, mail: Mail) -> str:
        """Send one email; return the provider's message id."""


class MailThrottled(Exception):  # noqa: N818 - the mail service's answer, not a bug
    """The mail service refused for now (sending rate or daily quota): send it again later."""


@dataclass(frozen=True)
class PresignedPost:
    url: str
    fields: dict[str, str]


class ObjectStorage(Protocol):
    """One bucket. Keys always start with the village id."""

    bucket: str

    def put(self, key: str, data: bytes, content_type: str, cache_control: str | None = None) -> None: ...

    def get(self, key: str, version_id: str | None = None) -> bytes: ...

    def get_range(self, key: str, start: int, end: int, version_id: str | None = None) -> bytes: ...

    def head(self, key: str, version_id: str | None = None) -> dict | None: ...

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024,
                    version_id: str | None = None) -> Iterator[bytes]: ...

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        """Store an object written piece by piece (a video's publishing copy), in bounded memory."""

    def delete(self, key: str) -> None: ...

    def presign_post(self, key: str, content_type: str, size: int, expires_in: int) -> PresignedPost: ...

    def presign_get(self, key: str, expires_in: int) -> str: ...


class LockedStorage(ObjectStorage, Protocol):
    """Write-once storage under Object Lock: the audit trail's anchors (usecases/anchor.py)."""

    def put_locked(self, key: str, data: bytes, content_type: str, retain_until: datetime) -> bool:
        """Write once; False when the key already exists."""
        ...

    def keys(self, prefix: str) -> list[str]: ...


@dataclass(frozen=True)
class StoredPart:
    number: int
    size: int
    etag: str


class UploadStorage(ObjectStorage, Protocol):
    """The uploads bucket: also multipart uploads of presigned parts (a big video from a phone)."""

    def create_multipart(self, key: str, content_type: str) -> str: ...

    def find_multipart(self, key: str) -> str | None:
        """The newest multipart upload still open for ``key`` (S3 is the record, not a copy of it)."""

    def presign_part(self, key: str, upload_id: str, number: int, expires_in: int) -> str: ...

    def list_parts(self, key: str, upload_id: str) -> list[StoredPart] | None:
        """The parts stored so far, by number; None when the upload no longer exists."""

    def complete_multipart(self, key: str, upload_id: str, parts: list[StoredPart]) -> None: ...

    def abort_multipart(self, key: str, upload_id: str) -> None: ...

    def discard(self, key: str, version_id: str | None) -> None:
        """Mark one version for removal by the bucket's lifecycle rule, without any right to delete."""


@dataclass(frozen=True)
class ChannelPost:
    """What a channel receives to publish one approved draft version."""

    tenant_id: str
    marker: str  # unique per (submission, procedure, version, channel); written into the post
    title: str
    text: str  # caption (social) or the article's HTML (website)
    lead: str
    photo_urls: tuple[str, ...]  # fetchable URLs of sanitized photos
    photo_keys: tuple[str, ...]  # the same photos as media-bucket keys
    graphic_key: str | None
    video_key: str | None
    link: str | None  # where a social post points (the website's news item, via the click counter)
    activity_date: str
    location: str
    slug: str
    video_url: str | None = None  # a fetchable URL of the video (Instagram Reels pull it from there)
    # The draft video's other parts (issue 14): the 9:16 copy for Reels / Shorts and the cover frame, as
    # media-bucket keys and fetchable URLs. Channels get the published copies, never the original.
    video_vertical_key: str | None = None
    video_vertical_url: str | None = None
    video_cover_key: str | None = None
    video_cover_url: str | None = None
    # What this channel already holds for other items (their recorded remote ids), given on a redelivery to a
    # channel that says ``recognises_by_text = True`` (Instagram's caption): it never takes one of these.
    taken_remote_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str | None


class Channel(Protocol):
    name: str

    def find(self, post: ChannelPost) -> Published | None:
        """Look for a post made earlier with ``post.marker`` (reconciling before a retry)."""

    def publish(self, post: ChannelPost) -> Published: ...


class PermanentChannelError(Exception):
    """The channel refuses for a reason a retry cannot fix (token, permission, policy)."""


class TransientChannelError(Exception):
    """Worth retrying: rate limit, timeout, 5xx."""


class ChannelProcessing(TransientChannelError):
    """The channel took the post and is still processing it (an Instagram container ``IN_PROGRESS``, a
    YouTube video being processed). Nothing is posted again: ``state`` (ids the channel gave) is kept on
    the publication and the channel's ``check(post, state)`` is called later, from a delayed message."""

    def __init__(self, message: str, state: dict[str, str], retry_after: float | None = None) -> None:
        super().__init__(message)
        self.state = dict(state)
        self.retry_after = retry_after
        self.ambiguous = False


class ChannelReady(ChannelProcessing):
    """The channel made what it will publish (its ids in ``state``, e.g. the Instagram containers of this
    attempt) and can publish it now. The publication records ``state`` first, then calls the channel's
    ``check(post, state)``, which publishes: a process that dies once the channel published leaves the ids
    known, and the next delivery asks the channel about them instead of publishing again."""


class LaterQueue(Protocol):
    """A queue that takes a message to deliver later (SQS ``DelaySeconds``, at most 15 minutes)."""

    def send_later(self, message: dict, delay_seconds: int) -> None: ...


class MetricsSource(Protocol):
    """One social account's daily metrics (``kabar.adapters.channels.facebook_insights``).

    A metric the channel does not give is named in the reading's ``unavailable``, never returned as 0.
    """

    channel: str
    account_id: str

    def account(self, day: date) -> Reading:
        """Followers at the end of ``day`` and the day's views (a Jakarta calendar day)."""

    def item(self, remote_id: str) -> Reading:
        """One published item's engagement so far: reactions, comments, shares, views."""


class Secrets(Protocol):
    """Deployment-wide secrets (the link-signing key, the Meta webhook's app secret), read by name."""

    def json(self, name: str) -> dict:
        """The secret ``name`` as a JSON object (a copy)."""


@dataclass(frozen=True)
class QueuedJob:
    """One message onto a job queue, delivered after ``delay`` seconds (at most 900, SQS's limit)."""

    body: dict
    delay: int = 0


@dataclass
class DirectoryBackfill:
    """What ``Jobs.backfill_directory`` did for one village: the items (``PK/SK``) it wrote, those already
    there, and the Page lookups held by another village (``PAGE#<id>/PAGE -> <village>``)."""

    village: str
    written: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


class JobQueue(Protocol):
    """A queue of jobs (the report queue, each scheduled job's queue): each job one JSON object."""

    def send_all(self, jobs: list[dict]) -> None:
        """Queue every job; raise if any was not taken."""

    def send(self, jobs: Sequence[QueuedJob]) -> list[int]:
        """Queue the jobs, each with its delay; return the indexes of those that could not be queued."""


class ChannelDirectory(Protocol):
    """The village's configured channels, built from its configuration and credentials
    (``kabar.adapters.channels``), and what a channel would show before it publishes."""

    def for_procedure(self, village: Village, procedure: Procedure) -> list[Channel]:
        """Every channel ``procedure`` publishes to; one that cannot be built raises its error when used."""

    def build(self, config: ChannelConfig, village: Village) -> Channel:
        """The one channel ``config`` describes (Permanent/TransientChannelError when it cannot be built)."""

    def metrics_sources(self, village: Village, channel: str, account_id: str) -> list[MetricsSource]:
        """The metrics source of one account of the village (no other channel's credentials are read)."""

    def article_html(self, village: Village, post: ChannelPost, image_urls: list[str], at: datetime) -> str:
        """The website article exactly as the website channel publishes it."""

    def social_text(self, post: ChannelPost) -> str:
        """The social post's text exactly as the social channels publish it."""

    def inbox_replies(self, village: Village) -> InboxReplies:
        """The village's Facebook Page and Instagram account, for answering from the inbox."""


# --- the store: one repository per aggregate (``kabar.adapters.store``), composed into one ``Store`` ----------

class Villages(Protocol):
    """The villages: each one's configuration, one item a village."""

    def put_village(self, village: Village) -> None: ...

    def get_village(self, tenant_id: str) -> Village: ...

    def list_villages(self) -> list[Village]: ...


class People(Protocol):
    """Staff, their tokens, sign-in links and workspace sessions, and failed sign-in counts."""

    def put_staff(self, staff: Staff, token_hash: str) -> None: ...

    def staff_by_token_hash(self, tenant_id: str, token_hash: str) -> Staff | None: ...

    def list_staff(self, tenant_id: str) -> list[tuple[Staff, str | None]]:
        """Each person of the village with the hash of their current token (None once revoked)."""

    def replace_staff_token(self, staff: Staff, old_hash: str | None, new_hash: str | None,
                            audit: AuditEntry) -> None:
        """The person's token changed (``new_hash``) or revoked (None), audited, in one transaction."""

    def count_auth_failure(self, client_key: str, window: int, at: datetime, window_seconds: int) -> int:
        """One more failed token attempt of this client (a hash) in this window; the count so far."""

    def auth_failures(self, client_key: str, window: int) -> int: ...

    def put_sign_in(self, tenant_id: str, token_hash: str, staff_id: str, epoch: int, expires_at: datetime) -> None: ...

    def get_sign_in(self, tenant_id: str, token_hash: str) -> dict | None: ...

    def use_sign_in(self, tenant_id: str, token_hash: str, at: datetime) -> bool:
        """Mark a sign-in link used, once: False when it was used already (or never existed)."""

    def put_session(self, tenant_id: str, session_hash: str, record: dict, expires_at: datetime) -> None: ...

    def get_session(self, tenant_id: str, session_hash: str) -> dict | None: ...

    def touch_session(self, tenant_id: str, session_hash: str, at: datetime) -> None: ...

    def end_session(self, tenant_id: str, session_hash: str) -> None: ...

    def get_staff(self, tenant_id: str, staff_id: str) -> Staff | None: ...

    def remove_staff(self, tenant_id: str, staff_id: str) -> int:
        """Delete a person's staff record and every token of theirs; the number of items removed."""

    def people(self, tenant_id: str) -> list[Staff]: ...

    def revoke_staff(self, staff: Staff, at: datetime) -> bool:
        """Revoke a person: their token, links and sessions stop working (each check reads this record)."""

    def rotate_staff(self, staff: Staff, token_hash: str) -> Staff:
        """A new epoch (everything issued before stops working) and a new personal token, together."""


class Submissions(Protocol):
    """Submissions and their files (the register), with idempotency keys."""

    def create_submission(self, submission: Submission, assets: list[Asset]) -> None: ...

    def submission_for_key(self, tenant_id: str, key_hash: str, at: datetime) -> tuple[str, str] | None:
        """(submission id, request fingerprint) a live idempotency key answers; None when unused or expired."""

    def create_submission_keyed(self, submission: Submission, assets: list[Asset], audit: AuditEntry,
                                key_hash: str, fingerprint: str, expires_at: datetime) -> bool:
        """The submission, its files, its audit entry and its idempotency key in one transaction.

        False when the key is already live (a concurrent request with the same key won): nothing written.
        """

    def get_submission(self, tenant_id: str, submission_id: str) -> Submission: ...

    def submission_items(self, tenant_id: str, submission_id: str) -> dict[str, list]:
        """Everything under one submission, sorted by kind: the register entry in one query."""

    def list_assets(self, tenant_id: str, submission_id: str) -> list[Asset]: ...

    def get_asset(self, tenant_id: str, submission_id: str, asset_id: str) -> Asset | None: ...

    def record_asset(self, asset: Asset, change: Change | None = None) -> bool:
        """Store intake's verdict once, with its consequences: a redelivered notification finds it decided."""

    def add_asset(self, asset: Asset, audit: AuditEntry) -> bool:
        """One more expected file for a hand-over not closed by TOLAK, with its audit entry; False when closed."""

    def reopen_asset(self, refused: Asset, reopened: Asset, audit: AuditEntry) -> bool:
        """A refused file expected again (the submitter replaces it), with its audit entry, in one
        transaction: only while the file is still the refused one and the submission still receiving."""

    def mark_complete(self, submission: Submission, completed_at: datetime, change: Change | None = None) -> bool:
        """receiving -> complete, once, with its consequences. False when another delivery got there first."""

    def submissions_in_month(self, tenant_id: str, month: str) -> list[Submission]: ...

    def submissions_of(self, tenant_id: str, submitter_id: str) -> list[Submission]: ...

    def forget_submitter_contact(self, tenant_id: str, submission_id: str) -> None:
        """The register keeps who handed the documentation over (a public role), not how to reach them."""


class Drafts(Protocol):
    """Drafts, their review links and decisions, revisions and draft videos."""

    def put_draft(self, draft: Draft, change: Change | None = None) -> bool:
        """A new draft version, once, with its consequences. False when that version already exists."""

    def get_draft(self, tenant_id: str, submission_id: str, procedure: Procedure, version: int | None = None) -> Draft:
        """One version, or the latest when ``version`` is None."""

    def set_draft_status(self, draft: Draft, expected: DraftStatus, target: DraftStatus) -> bool: ...

    def put_review_token(self, token: ReviewToken) -> None: ...

    def get_review_token(self, tenant_id: str, token_hash: str) -> ReviewToken | None: ...

    def record_decision(self, token: ReviewToken, draft: Draft, decided: Draft, change: Change,
                        withdrawn: tuple[tuple[Draft, Draft], ...] = (), close: bool = False) -> None:
        """Use the link, move the draft, append the audit entry and promise what follows, in one transaction.

        Exactly one decision stands: the link must be unused and the draft still under review.
        """

    def put_revision(self, previous: Draft, revised: Draft, change: Change) -> None:
        """The admin's new version and the previous one superseded, with what follows, together or not at all."""

    def put_video_draft(self, video: VideoDraft, change: Change | None = None) -> bool:
        """The video step's result, once, with its consequences: False when a delivery before this one recorded it."""

    def get_video_draft(self, tenant_id: str, submission_id: str, asset_id: str) -> VideoDraft | None: ...

    # a TERIMA's undo window (usecases/undo.py)
    def put_undo(self, tenant_id: str, token_hash: str, record: dict, expires_at: datetime) -> None: ...

    def get_undo(self, tenant_id: str, token_hash: str) -> dict | None: ...

    def close_undo(self, draft: Draft, at: datetime) -> bool:
        """Publication begins: False when the approval was undone first."""

    def undo_decision(self, undo_hash: str, review_token_hash: str, draft: Draft, change: Change) -> None:
        """Raises InvalidTransition unless the same approval stands and publication has not begun."""


class Publications(Protocol):
    """Publications: one per draft version and channel."""

    def start_publication(self, pub: Publication) -> Publication:
        """Record the intent before the remote call; return what is recorded (maybe from earlier)."""

    def save_publication(self, pub: Publication, change: Change | None = None) -> None:
        """A channel's state for one version, with what follows from it (the audit entry, the event, the
        admins' notice) in the same transaction."""

    def publications_in_month(self, tenant_id: str, month: str) -> list[Publication]:
        """Publications that went online in a Jakarta calendar month."""

    def publications(self, tenant_id: str, submission_id: str, procedure: Procedure,
                     version: int) -> list[Publication]: ...


class Journal(Protocol):
    """The audit trail, the outbox's events and notices, and one-time claims."""

    def append_audit(self, entry: AuditEntry) -> None: ...

    def enqueue(self, change: Change) -> int:
        """Promise events and notices that follow no state change of their own (a report made, a digest due).

        Each notice is written once: one promised before is left as it is (sent or still due). Returns
        how many notices were new. An audit entry goes through :meth:`append_audit` instead.
        """

    def outbox_since(self, since: datetime, tenant_id: str | None = None) -> Iterator[dict]:
        """Outbox items promised since ``since`` that may still need relaying (events; notices not yet sent).

        A scan: this is the operator's replay after the relay's failure queue alarmed, not a request path.
        """

    def get_notice(self, tenant_id: str, notice_id: str) -> NoticeRecord | None: ...

    def claim_notice(self, tenant_id: str, notice_id: str, at: datetime, lease_seconds: int) -> bool:
        """Take the notice for sending now; False when it was sent, skipped, or another sender holds it."""

    def release_notice(self, tenant_id: str, notice_id: str) -> None:
        """A send failed before the provider took it: the next delivery may try at once."""

    def mark_notice(self, tenant_id: str, notice_id: str, at: datetime, message_id: str | None = None,
                    skipped: str | None = None) -> None: ...

    def audit_chain(self, tenant_id: str) -> tuple[list[ChainLink], int, str]:
        """The village's chain as stored, and its head (last seq and hash)."""

    def audit_head(self, tenant_id: str) -> tuple[int, str]:
        """The chain's last sequence number and hash (what an anchor records)."""

    def claim_once(self, tenant_id: str, submission_id: str, key: str, at: datetime) -> bool:
        """Record that ``key`` is being done for this submission; False when it was already."""

    def release_claim(self, tenant_id: str, submission_id: str, key: str) -> None:
        """Undo a claim whose action failed, so the next watch tries again."""

    def has_claim(self, tenant_id: str, submission_id: str, key: str) -> bool:
        """Whether ``claim_once(key)`` was made for this submission (e.g. a draft released to the PPID)."""

    def commit_change(self, change: Change) -> None:
        """An action whose only state is its audit entry (a file asked for, a person added), committed
        with the notices it promises, in one transaction."""

    def workspace_audit(self, tenant_id: str) -> list[AuditEntry]: ...


class Analytics(Protocol):
    """Clicks, daily channel metrics, comments and messages, and the inbox digest."""

    def count_click(self, tenant_id: str, item: str, channel: str, day: date) -> None: ...

    def click_salt(self, day: date) -> str:
        """The day's random salt for readers' click marks, made by whoever asks first; it expires with
        the day's marks, after which no mark can be tied to a reader again."""

    def first_click(self, tenant_id: str, mark: str, day: date) -> bool:
        """Record a reader's (salted, hashed) mark for one item on one day; False if it was there."""

    def clicks_in_month(self, tenant_id: str, month: str) -> list[ClickCount]: ...

    def put_account_snapshot(self, snap: AccountSnapshot) -> None:
        """One account's day; collecting the same day again replaces it."""

    def put_item_snapshot(self, snap: ItemSnapshot) -> None: ...

    def account_snapshots(self, tenant_id: str, month: str) -> list[AccountSnapshot]: ...

    def item_snapshots(self, tenant_id: str, month: str) -> list[ItemSnapshot]: ...

    def put_inquiry(self, inq: Inquiry) -> bool:
        """Record a comment or message once; False for a duplicate delivery (same comment_id / mid)."""

    def get_inquiry(self, tenant_id: str, inquiry_id: str) -> Inquiry | None: ...

    def mark_answered(self, inq: Inquiry, at: datetime, answer_id: str) -> bool:
        """The first answer stands; False when it was already answered."""

    def inquiries_in_month(self, tenant_id: str, month: str) -> list[Inquiry]:
        """Comments and messages that arrived in a Jakarta calendar month."""

    def record_digest(self, tenant_id: str, day: date) -> bool:
        """The inbox digest of a day, once: False when it was already sent."""

    def record_token_notice(self, tenant_id: str, key: str, at: datetime) -> bool:
        """A token-expiry email of ``key`` (token, kind, expiry date), once: False when it was already."""

    def release_token_notice(self, tenant_id: str, key: str) -> None:
        """Undo a notice whose email failed, so the next run sends it."""

    def inquiries_from(self, tenant_id: str, author_id: str) -> list[Inquiry]: ...

    def anonymise_inquiry(self, inq: Inquiry, pseudonym: str) -> None:
        """Keep the times (the 1-day answer KPI of the report), drop who wrote and what."""


class Reports(Protocol):
    """The monthly reports issued: their files, figures' digest and issue time."""

    def put_report_record(self, tenant_id: str, month: str, keys: dict[str, str], digest: str,
                          **extra: str) -> bool:
        """Record the month's report; False when a report with the same content is already recorded.
        ``extra``: more string attributes kept with it (e.g. when its figures were first issued)."""

    def report_issued_at(self, tenant_id: str, month: str, figures_digest: str, at: str) -> str:
        """When a month's report with these figures was first issued: ``at`` the first time (written
        conditionally, so of two builds one date stands), the date already kept afterwards."""

    def report_record(self, tenant_id: str, month: str) -> dict | None:
        """The month's report record (keys, digest and what was kept with it), if one was made."""

    def reports(self, tenant_id: str) -> list[dict]:
        """Every month's report record (its files' keys), newest first."""


class Jobs(Protocol):
    """Scheduled jobs at scale (``usecases/fanout.py``): the village directory in partitions, the Page
    lookup, and each (job, village, period) run claimed once and recorded done."""

    def village_ids(self, shard: int, after: str | None, limit: int) -> list[str]:
        """One page of the village directory: up to ``limit`` village ids of a partition, after ``after``."""

    def regencies(self) -> list[str]:
        """The kabupaten that have at least one village."""

    def village_for_page(self, page_id: str) -> str | None:
        """The village whose channels name this Facebook Page or Instagram account, if any."""

    def backfill_directory(self, village: Village) -> DirectoryBackfill:
        """Write what is missing of the village's directory entry, its kabupaten's and its Page lookups
        (a village saved before they existed); idempotent; a Page held by another village is named."""

    def claim_job_run(self, unit: str, job: str, period: str, at: datetime) -> bool:
        """Record that a unit's (village's) job of this period is queued; False when it was before."""

    def release_job_run(self, unit: str, job: str, period: str) -> None: ...

    def job_run(self, unit: str, job: str, period: str) -> dict | None: ...

    def finish_job_run(self, unit: str, job: str, period: str, at: datetime, result: dict) -> None: ...


class Store(Villages, People, Submissions, Drafts, Publications, Journal, Analytics, Reports, Jobs, Protocol):
    """The register: every repository, over one table so that a change commits in one transaction."""

    @property
    def inbox(self) -> Inbox:
        """The inbox's threads (``adapters/store/inbox.py``), over the same table and unit of work."""


# --- the inbox: answering comments and messages from Kabar (adapters/channels/meta_inbox.py) ---------

class InboxReplies(Protocol):
    """A village's Facebook Page and Instagram account, for answering from the inbox. ``channel`` is
    ``facebook`` or ``instagram``; errors are ``PermanentChannelError`` / ``TransientChannelError``."""

    def reply_comment(self, channel: str, comment_id: str, text: str) -> str:
        """A public reply under the comment; the reply's id."""

    def private_reply(self, channel: str, comment_id: str, text: str) -> str:
        """A private message to the commenter (once per comment, within 7 days); the message id."""

    def send_message(self, channel: str, person_id: str, text: str) -> str:
        """A message to the person, within Meta's messaging window; the message id."""

    def hide_comment(self, channel: str, comment_id: str) -> None: ...

    def person_name(self, channel: str, person_id: str) -> str | None: ...

    def post_summary(self, channel: str, post_id: str) -> dict[str, str]:
        """The post or media commented on: ``title``, ``thumbnail`` and ``link`` (those Meta gives)."""


class Inbox(Protocol):
    """The inbox: each comment or message recorded once, its thread's record (who it is given to, when it
    was opened, the author's name and the post once asked of Meta), and every change conditional, with
    its audit entry and notices in one transaction. False: the change was made before (or raced)."""

    def record(self, inq: Inquiry) -> bool: ...

    def revise(self, tenant_id: str, inquiry_id: str, at: datetime, verb: str, text: str | None) -> bool: ...

    def answered(self, inq: Inquiry, at: datetime, answer_id: str, via: str, text: str = "",
                 change: Change | None = None) -> bool: ...

    def private_replied(self, inq: Inquiry, at: datetime, message_id: str, text: str, change: Change) -> bool: ...

    def settle_without_answer(self, inquiries: list[Inquiry], reason: str, at: datetime,
                              change: Change | None = None) -> bool: ...

    def hide(self, inq: Inquiry, at: datetime, change: Change) -> bool: ...

    def thread(self, tenant_id: str, key: str) -> dict | None: ...

    def threads(self, tenant_id: str) -> dict[str, dict]: ...

    def update_thread(self, tenant_id: str, key: str, fields: dict[str, object], change: Change | None = None,
                      expected: dict[str, object] | None = None) -> bool: ...

    def forget_author(self, tenant_id: str, author_id: str, pseudonym: str) -> int: ...

class Metrics(Protocol):
    """The SOP's figures and failures, counted (``kabar.domain.sop_metrics`` names them).

    ``dimensions`` are few-valued (procedure, decision, channel, clock); the village goes with the count as
    a property, never as a dimension. A count that cannot be written is logged, never raised: the state
    change it describes has already committed."""

    def count(self, name: str, tenant_id: str, **dimensions: str) -> None: ...



class CredentialStore(Protocol):
    """A village's channel credentials, sealed at rest (``kabar.adapters.credentials``); a value is read
    only by what uses it and never shown. Also the single-use state of a connection in progress."""

    def get(self, tenant_id: str, name: str) -> dict | None:
        """The credential's value, or None when the village has none of that name."""

    def put(self, tenant_id: str, name: str, value: dict, about: dict[str, str], by: str, at: datetime) -> None:
        """Store (replace) one credential; ``about`` is what may be shown of it."""

    def describe(self, tenant_id: str) -> dict[str, dict]:
        """Per credential name: its ``about``, ``connected_at`` and ``connected_by`` (never the value)."""

    def seal(self, tenant_id: str, name: str, value: dict) -> bytes: ...

    def open(self, tenant_id: str, name: str, sealed: bytes) -> dict: ...

    def put_state(self, tenant_id: str, state_hash: str, record: dict, expires_at: datetime) -> None: ...

    def take_state(self, tenant_id: str, state_hash: str, at: datetime) -> dict | None:
        """The state's record once (then used); None when unknown, used or expired."""
