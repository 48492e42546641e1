"""The register in one DynamoDB table. Every key starts with the village (tenant) id.

Key layout (PK / SK):
- ``T#<t>`` / ``VILLAGE``: the village's configuration (GSI1: ``VILLAGES`` / ``<t>``)
- ``T#<t>`` / ``STAFF#<id>``: a person; ``T#<t>#AUTH#<sha256>`` / ``AUTH``: their token's hash
- ``T#<t>#S#<sid>`` / ``META``: a submission (GSI1: ``T#<t>#M#<yyyy-mm>`` / ``<created>#<sid>``)
- same PK / ``ASSET#<aid>``, ``DRAFT#<procedure>#<vvvv>``, ``PUB#<procedure>#<vvvv>#<channel>``,
  ``AUDIT#<at>#<n>``, ``SLA#<action>#<procedure>#<vvvv>`` (an SLA reminder or re-drive, done once),
  ``VIDEO#<aid>`` (the draft video made of a submitted video)
- ``T#<t>#RT#<sha256>`` / ``RT``: a review link (hash only)
- ``T#<t>#AUDIT`` / ``E#<seq>``: the village's hash-chained audit trail; ``HEAD``: its last seq and hash
- ``T#<t>#CLICKS#<yyyy-mm>`` / ``<item>#<channel>#<yyyy-mm-dd>``: click counters
- ``T#<t>#INQ#<comment id | mid>`` / ``INQ``: a comment or message (GSI1 ``T#<t>#INBOX#<yyyy-mm>`` /
  ``<received_at>#<id>``); ``T#<t>#DIGEST`` / ``<day>``: the inbox digest sent that day
- ``T#<t>#METRICS#<yyyy-mm>`` / ``A#<channel>#<account>#<day>``, ``I#<channel>#<remote id>#<day>``: daily metrics
- a publication, once online, also has GSI1 ``T#<t>#PUBM#<yyyy-mm>`` / ``<published_at>#<sid>#<SK>``
- ``T#<t>#OUTBOX#<id>`` / ``OUTBOX``: an event or a notice a change promised (``domain.outbox``), written in
  the change's transaction; the table's stream carries each new one to the relay. A notice's id comes
  from what it is for, so committing it twice is one item; its sender marks it sent.
- the village directory, the Page lookup and the scheduled jobs' runs: ``store/jobs.py``
"""

from __future__ import annotations

from functools import cached_property

from .store.analytics import AnalyticsTable
from .store.base import OUTBOX_DAYS, TableBase
from .store.drafts import DraftTable
from .store.inbox import InboxTable
from .store.jobs import JobTable
from .store.journal import JournalTable
from .store.people import PeopleTable
from .store.publications import PublicationTable
from .store.reports import ReportTable
from .store.submissions import SubmissionTable
from .store.villages import VillageTable

__all__ = ["OUTBOX_DAYS", "DynamoStore"]


class DynamoStore(VillageTable, PeopleTable, SubmissionTable, DraftTable, PublicationTable, JournalTable,
                  AnalyticsTable, ReportTable, JobTable, TableBase):
    """The only place that knows the table's keys: every repository of ``kabar.ports`` over one table."""

    @cached_property
    def inbox(self) -> InboxTable:
        """The inbox's threads and their changes (``store/inbox.py``), over the same table."""
        return InboxTable(self)
