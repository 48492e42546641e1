"""What the submitter is told: a receipt when the hand-over is complete (with its register number), and
"sudah terbit" with the links once a draft is online on every channel. Each is an outbox notice,
committed with the change that causes it, sent once (keyed by the submission and the draft version)."""

from __future__ import annotations

from ..domain import sop
from ..domain.models import Asset, Draft, Publication, Submission, Village
from ..domain.outbox import Notice
from ..domain.wording import channel_name, procedure_name, when_id
from .notices import promised


def receipt_notice(village: Village, submission: Submission, assets: list[Asset]) -> list[Notice]:
    """SOP step 1's output, told to the submitter: the register entry, what was received, what comes next."""
    photos = sum(1 for a in assets if a.kind.value == "photo")
    videos = len(assets) - photos
    context = {"village": village, "submission": submission, "photos": photos, "videos": videos,
               "procedures": [procedure_name(p) for p in submission.procedures],
               "completed": when_id(submission.completed_at) if submission.completed_at else "",
               "publish_by": when_id(sop.batas_unggah(submission.activity.date))}
    return promised(village.id, "receipt", "submission:complete", [submission.submitter_email],
                    f"[Kabar {village.name}] Diterima: {submission.activity.title} (No. {submission.submission_id})",
                    "email/receipt", context,
                    submission_id=submission.submission_id,
                    reply_to=tuple(str(a.email) for a in village.admins))


def published_notice(village: Village, submission: Submission, draft: Draft,
                     publications: list[Publication]) -> list[Notice]:
    """"Sudah terbit": the draft is online on every channel; the links, for the submitter to share."""
    online = [{"channel": channel_name(p.channel), "url": p.url, "when": when_id(p.published_at)}
              for p in publications if p.url and p.published_at]
    context = {"village": village, "submission": submission, "procedure": procedure_name(draft.procedure),
               "online": online}
    return promised(village.id, "published", f"draft:{draft.procedure.value}:v{draft.version}",
                    [submission.submitter_email],
                    f"[Kabar {village.name}] Sudah terbit: {submission.activity.title}",
                    "email/published", context,
                    submission_id=submission.submission_id)
