"""How long each kind of data is kept, and why (UU 27/2022 PDP Pasal 16(2) and 43; UU 14/2008 KIP; UU 43/2009
Kearsipan): personal data no longer than its purpose needs, the public body's record as long as the record
must be kept.

The periods here are the ones the template enforces (S3 lifecycle rules, DynamoDB TTL, log retention);
``tests/test_template.py`` holds the two equal, and ``docs/privacy.md`` is the policy people read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

#: originals in the uploads bucket: the SOP's softcopy record (set to the village's archive schedule, JRA)
ORIGINALS_DAYS = 1825
#: sanitized photos, cover graphics and draft images in the media bucket: served to the reviewer, the channels
#: and the month's report (week 1 of the next month); then nothing serves them (published photos are copied
#: to the site, the record is the original)
MEDIA_DAYS = 62
#: video copies in the media bucket (the clean copy, the published and 9:16 copies): the channels fetch them
#: at publication, by the end of day H+1; a week leaves room for a correction and a republish
VIDEO_COPIES_DAYS = 7
#: originals move to S3 Glacier Instant Retrieval (still read at once) when the pipeline has read them: intake
#: and the video step within hours; nothing else reads an original (docs/operations.md)
ORIGINALS_ARCHIVE_DAYS = 7
#: original videos move on to Deep Archive (read after a restore of up to 12 hours) after Glacier IR's 90 days
VIDEOS_DEEP_ARCHIVE_DAYS = 97
#: comments and direct messages (commenters' names and words): the month's report and the year after
INQUIRY_DAYS = 400
#: review links: the link's own expiry, then this long so a late click is told "expired", not "unknown"
REVIEW_TOKEN_GRACE_DAYS = 30
#: sessions and sign-in links of the workspace: their expiry, then gone
SESSION_GRACE_DAYS = 1
#: function and API logs (no personal data by design; ids only)
LOG_DAYS = 90


@dataclass(frozen=True)
class Rule:
    kind: str
    where: str
    period: str
    enforced_by: str


POLICY: tuple[Rule, ...] = (
    Rule("Dokumentasi asli (originals)", "uploads bucket", f"{ORIGINALS_DAYS} hari (Glacier IR setelah "
         f"{ORIGINALS_ARCHIVE_DAYS} hari; video ke Deep Archive setelah {VIDEOS_DEEP_ARCHIVE_DAYS} hari)",
         "S3 lifecycle: expire-originals, archive-originals, deep-archive-original-videos, "
         "expire-noncurrent-originals"),
    Rule("Salinan bersih dan grafis draf (sanitized copies)", "media bucket", f"{MEDIA_DAYS} hari",
         "S3 lifecycle: expire-media"),
    Rule("Salinan video untuk kanal (video copies)", "media bucket", f"{VIDEO_COPIES_DAYS} hari",
         "S3 lifecycle: expire-video-copies"),
    Rule("Draf dan keputusan PPID (drafts, decisions)", "table", "selama register disimpan (record)",
         "kept; personal data masked by redaction or erasure"),
    Rule("Tautan review (review links)", "table", f"kedaluwarsa + {REVIEW_TOKEN_GRACE_DAYS} hari", "DynamoDB TTL"),
    Rule("Sesi dan tautan masuk (sessions)", "table", f"kedaluwarsa + {SESSION_GRACE_DAYS} hari", "DynamoDB TTL"),
    Rule("Komentar dan pesan (webhook messages, commenters' names)", "table", f"{INQUIRY_DAYS} hari", "DynamoDB TTL"),
    Rule("Log fungsi dan API (logs)", "CloudWatch Logs", f"{LOG_DAYS} hari", "LogRetentionDays"),
    Rule("Jejak audit dan jangkar (audit trail, anchors)", "table, reports bucket", "permanen (record)",
         "Object Lock on anchors"),
)


def expires(at: datetime, days: int) -> int:
    """A DynamoDB TTL value: epoch seconds ``days`` after ``at``."""
    return int((at + timedelta(days=days)).timestamp())
