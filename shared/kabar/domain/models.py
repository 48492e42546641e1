"""The register's records, as pydantic models. Keys and storage live in the adapters."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from .email_address import EmailStr


class Record(BaseModel):
    """The base of the register's records: each record's validator is built when first used, not when this
    module is imported, so a function pays only for the records it touches (cold start, issue 15)."""

    model_config = ConfigDict(defer_build=True)


TENANT_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")


def _tenant_id(value: str) -> str:
    if not TENANT_RE.match(value):
        raise ValueError("village id: lowercase letters, digits and '-', 2-41 characters")
    return value


TenantId = Annotated[str, AfterValidator(_tenant_id)]


class Procedure(StrEnum):
    """The SOP's two procedures: A (social media) and B (website)."""

    SOCIAL = "social"
    WEBSITE = "website"


class WebsiteKind(StrEnum):
    """The website draft's form (SOP step 2, procedure B): a news article or an announcement."""

    NEWS = "news"  # berita
    ANNOUNCEMENT = "announcement"  # pengumuman


class FileKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"


class Role(StrEnum):
    SUBMITTER = "submitter"  # Pelaksana Teknis Kegiatan
    ADMIN = "admin"  # Admin Media Sosial / Admin Website
    REVIEWER = "reviewer"  # PPID Pelaksana
    SUPERVISOR = "supervisor"  # the regency's (kabupaten) supervisor: reads every village of it, never acts


class Contact(Record):
    name: str
    email: EmailStr


class ChannelConfig(Record):
    """One publishing target. ``type`` picks the adapter; the rest is that adapter's settings."""

    model_config = ConfigDict(extra="allow")
    type: Literal["static_site", "facebook", "instagram", "wordpress", "youtube"]
    page_id: str | None = None
    secret_name: str | None = None


class Village(Record):
    """A tenant: a kalurahan and how it runs the SOP. Configuration, not code."""

    id: TenantId
    name: str
    kapanewon: str = ""
    kabupaten: str = ""
    reviewers: list[Contact] = Field(min_length=1)
    deputy_reviewers: list[Contact] = []
    public_phones: list[str] = []  # the office's published numbers: public information, never flagged
    #: the village's own published account numbers (Rekening Kas Desa, BUMKal): public, never flagged
    public_accounts: list[str] = []
    admins: list[Contact] = Field(min_length=1)
    report_recipients: list[Contact] = []
    hashtags: list[str] = []
    channels: dict[Procedure, list[ChannelConfig]] = {}
    #: Publish approved drafts at this time of day (Asia/Jakarta) rather than at once; never after H+1.
    publish_time: time | None = None
    logo_key: str | None = None  # the village's logo in the media bucket, drawn on the cover graphic
    #: SOP step 2: the admin looks at the drafts and sends them to the PPID (workspace); off = the PPID at once
    admin_review_first: bool = False
    #: a TERIMA can be undone this many minutes (publication waits); None = the deployment's default
    #: (``KABAR_UNDO_WINDOW_SECONDS``, 5 minutes); at most ``sop.JENDELA_URUNGKAN_MAKS``
    undo_minutes: int | None = Field(default=None, ge=0)

    @field_validator("undo_minutes")
    @classmethod
    def _undo_minutes(cls, minutes: int | None) -> int | None:
        from .sop import JENDELA_URUNGKAN_MAKS  # the rule lives in sop, which imports these models

        most = int(JENDELA_URUNGKAN_MAKS.total_seconds() // 60)
        if minutes is not None and minutes > most:
            raise ValueError(f"undo_minutes is at most {most} (sop.JENDELA_URUNGKAN_MAKS)")
        return minutes

    @field_validator("hashtags")
    @classmethod
    def _hashtags(cls, tags: list[str]) -> list[str]:
        return ["#" + tag.lstrip("#").replace(" ", "") for tag in tags if tag.strip("# ")]


class Staff(Record):
    tenant_id: TenantId
    staff_id: str
    role: Role
    name: str
    email: EmailStr
    created_at: datetime
    #: the personal token stops working then (None: a token made before tokens expired)
    token_expires_at: datetime | None = None
    #: the workspace (/app/): a revoked person's links, token and sessions stop working
    revoked_at: datetime | None = None
    #: raised by "rotate": every sign-in link, token and session issued before stops working
    epoch: int = 0


class Activity(Record):
    title: str = Field(min_length=3, max_length=200)
    date: date
    location: str = Field(min_length=2, max_length=200)


class DeclaredFile(Record):
    name: str = Field(min_length=1, max_length=255)
    kind: FileKind
    content_type: str
    size: int = Field(gt=0)


class AssetStatus(StrEnum):
    EXPECTED = "expected"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class RefusedAttempt(Record):
    """A version of a file that intake refused, kept in the record when the submitter replaces it."""

    name: str
    content_type: str
    size: int
    version_id: str | None = None  # that version stays in the uploads bucket, under the file's key
    problem: str | None = None
    received_at: datetime | None = None


class Asset(Record):
    """One declared file and what intake found in it."""

    tenant_id: str
    submission_id: str
    asset_id: str
    name: str
    kind: FileKind
    content_type: str
    size: int
    key: str  # the object key the upload instruction allows, in the uploads bucket
    version_id: str | None = None  # the version of ``key`` intake checked: the record, read by this id
    status: AssetStatus = AssetStatus.EXPECTED
    sniffed_type: str | None = None
    sha256: str | None = None
    clean_key: str | None = None  # sanitized copy in the media bucket, used for publishing
    width: int | None = None
    height: int | None = None
    problem: str | None = None
    received_at: datetime | None = None
    refused_before: list[RefusedAttempt] = Field(default_factory=list)  # earlier refused versions, oldest first


class SubmissionStatus(StrEnum):
    RECEIVING = "receiving"  # the register entry exists, files are arriving
    COMPLETE = "complete"  # every declared file arrived and passed intake
    REJECTED = "rejected"  # closed: the PPID said TOLAK; a resubmission is a new one pointing here


class Submission(Record):
    """An entry of the register of documentation and content (SOP step 1's output)."""

    tenant_id: str
    submission_id: str
    submitter_id: str
    submitter_name: str
    submitter_email: str
    activity: Activity
    narrative: str
    procedures: list[Procedure]
    status: SubmissionStatus = SubmissionStatus.RECEIVING
    created_at: datetime
    completed_at: datetime | None = None
    late: bool = False  # handed over after the end of day H
    resubmission_of: str | None = None  # the rejected submission this one hands over again
    closed_at: datetime | None = None
    website_kind: WebsiteKind = WebsiteKind.NEWS  # what the website draft is made as


class DraftStatus(StrEnum):
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVISION_REQUESTED = "revision_requested"
    SUPERSEDED = "superseded"
    PUBLISHED = "published"


class Draft(Record):
    """A draft of one procedure, at one version. A revision is a new version."""

    tenant_id: str
    submission_id: str
    procedure: Procedure
    version: int = Field(ge=1)
    status: DraftStatus = DraftStatus.IN_REVIEW
    title: str
    slug: str = ""
    dateline: str = ""  # "Purwobinangun, 27 November 2026"
    caption: str = ""  # social
    article_html: str = ""  # website: the body's paragraphs as escaped HTML, no images
    website_kind: WebsiteKind = WebsiteKind.NEWS  # website: a news article or an announcement
    lead: str = ""
    graphic_key: str | None = None  # media bucket
    photo_keys: list[str] = []  # media bucket, the sanitized photos to publish
    video_key: str | None = None  # media bucket: the published copy of the video (domain/video.py)
    video_vertical_key: str | None = None  # media bucket: its 9:16 copy (Reels / Shorts), when configured
    video_cover_key: str | None = None  # media bucket: the frame chosen as the video's thumbnail
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_note: str | None = None
    reject_reason: str | None = None


class Decision(StrEnum):
    APPROVE = "approve"  # TERIMA
    REJECT = "reject"  # TOLAK
    REVISE = "revise"  # correction back to the admin


class ReviewToken(Record):
    """A reviewer's link. Only the hash of the secret is ever stored."""

    tenant_id: str
    token_hash: str
    submission_id: str
    procedure: Procedure
    version: int
    reviewer_email: str
    reviewer_name: str
    expires_at: datetime
    used_at: datetime | None = None


class PublicationStatus(StrEnum):
    PENDING = "pending"  # intent recorded before the remote call
    PUBLISHED = "published"
    FAILED = "failed"


class Publication(Record):
    tenant_id: str
    submission_id: str
    procedure: Procedure
    version: int
    channel: str
    status: PublicationStatus = PublicationStatus.PENDING
    marker: str  # written into the post so a retry can find it
    remote_id: str | None = None
    url: str | None = None
    error: str | None = None
    published_at: datetime | None = None
    attempts: int = 0
    late_alerted_at: datetime | None = None  # the admin was told this channel misses the H+1 deadline
    updated_at: datetime | None = None  # the last attempt's end: a pending channel untouched long after is stranded
    alerted_error: str | None = None  # the failure the admins were last emailed about: not sent twice
    # What the channel is still processing (the Instagram container, YouTube's video ids): asked about again
    # by a delayed "check" message, never posted again; ``checks`` counts those questions (bounded).
    processing: dict[str, str] | None = None
    checks: int = 0


class AuditEntry(Record):
    """One state change: who, what, when, from which state."""

    tenant_id: str
    submission_id: str
    at: datetime
    actor: str
    action: str
    subject: str
    from_state: str | None = None
    to_state: str | None = None
    note: str | None = None
    personal_data: list[str] | None = None  # screening findings shown when deciding (masked), if any
