"""The SOP's figures and failures as operators watch them (CloudWatch metrics, issue 15).

Each is a count with a few low-cardinality dimensions (a procedure, a decision, a channel, an SOP
clock). The village is never a dimension: at 84,000 villages that would be 84,000 metrics per name
(US$0.30 each a month); it travels with each count as a property, searchable in Logs Insights.
``template.yaml`` draws the dashboard and the alarms from these names (tests/test_template.py).
"""

from __future__ import annotations

from .sla import Due

NAMESPACE = "Kabar"
#: Powertools' own dimension on every metric (POWERTOOLS_SERVICE_NAME in the template): the alarms name it
SERVICE = "kabar"

SUBMISSIONS = "SubmissionsCompleted"  # every declared file arrived and passed intake (SOP step 1)
DRAFTS = "DraftsMade"  # procedure: social | website (step 2)
DECISIONS = "Decisions"  # decision: approve | reject | revise (step 3, the PPID)
PUBLICATIONS = "Publications"  # channel (step 4)
CHANNEL_ERRORS = "ChannelErrors"  # channel, kind: permanent (the admin must act) | transient (retried)
LATE_STEPS = "LateSteps"  # clock: which SOP time limit passed

ALL = (SUBMISSIONS, DRAFTS, DECISIONS, PUBLICATIONS, CHANNEL_ERRORS, LATE_STEPS)

#: The SLA watch's actions that mean an SOP clock ran out, by the clock's name (kabar/domain/sop.py):
#: draft within 2 hours, the PPID's decision within 1 hour, online by the end of day H+1.
LATE_CLOCK: dict[Due, str] = {
    Due.DRAFT_LATE: "draft_2h",
    Due.ESCALATE: "review_1h",
    Due.PUBLISH_ATTENTION: "publish_h1",
}
CLOCKS = tuple(LATE_CLOCK.values())
ERROR_KINDS = ("permanent", "transient")
CHANNELS = ("static_site", "wordpress", "facebook", "instagram", "youtube")
