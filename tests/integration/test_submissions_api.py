"""POST /submissions, GET /submissions/{id}, GET /register, GET /upload against moto."""

import json
from datetime import timedelta

from kabar.domain.clock import now
from kabar_local import samples
from tests.integration.flow import OTHER, VILLAGE, api_event, staff, submit, submitted_and_uploaded

#: a past activity (handed over late), inside the window of dates a hand-over may name
DAY = now().date() - timedelta(days=6)


def test_a_complete_hand_over_gets_one_upload_instruction_per_file(aws):
    token = staff("submitter")
    payload, _ = samples.submission_payload(DAY)
    status, body = submit(aws, token, payload)
    assert status == 201
    assert len(body["uploads"]) == len(payload["files"]) == 6
    keys = [u["fields"]["key"] for u in body["uploads"]]
    assert all(k.startswith(f"{VILLAGE}/{body['submission_id']}/") for k in keys)
    assert body["uploads"][0]["fields"]["Content-Type"] == "image/jpeg"
    assert body["expires_at"].endswith("+07:00")


def test_missing_required_items_are_refused_one_message_each(aws):
    token = staff("submitter")
    payload, _ = samples.submission_payload(DAY, photos=2, with_video=False)
    payload["narrative"] = "pendek"
    status, body = submit(aws, token, payload)
    assert status == 422
    fields = {f["code"]: f for f in body["error"]["fields"]}
    assert set(fields) == {"photos_missing", "narrative_missing", "video_missing"}
    assert "Kurang 2 foto" in fields["photos_missing"]["message"]
    assert "photo(s) missing" in fields["photos_missing"]["message_en"]


def test_a_website_only_hand_over_needs_no_video(aws):
    token = staff("submitter")
    payload, _ = samples.submission_payload(DAY, with_video=False, channels=("website",))
    assert submit(aws, token, payload)[0] == 201


def test_malformed_json_and_fields_get_bilingual_errors(aws):
    token = staff("submitter")
    event = api_event("POST", "/submissions", "/submissions", token)
    event["body"] = "{not json"
    result = aws.invoke("SubmissionsApiFunction", event)
    assert result["statusCode"] == 422
    payload, _ = samples.submission_payload(DAY)
    payload["files"][0]["content_type"] = "image/svg+xml"
    payload["activity"]["date"] = "kemarin"
    status, body = submit(aws, token, payload)
    assert status == 422 and {f["field"] for f in body["error"]["fields"]} >= {"activity.date"}


def test_a_declared_file_type_outside_the_allowed_set_is_refused(aws):
    token = staff("submitter")
    payload, _ = samples.submission_payload(DAY)
    payload["files"][0]["content_type"] = "image/svg+xml"
    status, body = submit(aws, token, payload)
    assert status == 422 and body["error"]["fields"][0]["code"] == "type_not_allowed"


def test_no_token_or_a_wrong_role_is_401(aws):
    payload, _ = samples.submission_payload(DAY)
    assert submit(aws, None, payload)[0] == 401
    assert submit(aws, staff("reviewer"), payload)[0] == 401
    assert submit(aws, "purwobinangun." + "x" * 43, payload)[0] == 401


def test_the_status_is_visible_to_its_village_only(aws):
    token, created = submitted_and_uploaded(aws)
    sid = created["submission_id"]
    own = aws.invoke("SubmissionsApiFunction", api_event("GET", f"/submissions/{sid}", "/submissions/{id}", token,
                                                         path_params={"id": sid}))
    assert own["statusCode"] == 200
    body = json.loads(own["body"])
    assert body["status"] == "receiving" and len(body["files"]) == 6
    for intruder in (staff("admin", OTHER), staff("submitter", OTHER), staff("submitter")):
        other = aws.invoke("SubmissionsApiFunction", api_event("GET", f"/submissions/{sid}", "/submissions/{id}",
                                                               intruder, path_params={"id": sid}))
        # another village, or another submitter of the same village: nothing leaks
        assert other["statusCode"] == 404 and sid not in other["body"]
    admin = aws.invoke("SubmissionsApiFunction", api_event("GET", f"/submissions/{sid}", "/submissions/{id}",
                                                           staff("admin"), path_params={"id": sid}))
    assert admin["statusCode"] == 200


def test_the_register_is_per_village_as_json_and_csv(aws):
    submitted_and_uploaded(aws)
    own = aws.invoke("SubmissionsApiFunction", api_event("GET", "/register", "/register", staff("admin")))
    rows = json.loads(own["body"])["rows"]
    assert {r["procedure"] for r in rows} == {"social", "website"}
    other = aws.invoke("SubmissionsApiFunction", api_event("GET", "/register", "/register", staff("admin", OTHER)))
    assert json.loads(other["body"])["rows"] == []
    csv = aws.invoke("SubmissionsApiFunction", api_event("GET", "/register", "/register", staff("admin"),
                                                         query={"format": "csv"}))
    assert csv["headers"]["Content-Type"].startswith("text/csv")
    assert csv["body"].splitlines()[0].startswith("submission_id,title,activity_date")
    bad = aws.invoke("SubmissionsApiFunction", api_event("GET", "/register", "/register", staff("admin"),
                                                         query={"month": "2026-13"}))
    assert bad["statusCode"] == 422


def test_a_submitter_cannot_read_the_register(aws):
    result = aws.invoke("SubmissionsApiFunction", api_event("GET", "/register", "/register", staff("submitter")))
    assert result["statusCode"] == 401


def test_the_upload_page_is_served_in_indonesian(aws):
    result = aws.invoke("SubmissionsApiFunction", api_event("GET", "/upload", "/upload"))
    assert result["statusCode"] == 200
    assert "Unggah dokumentasi kegiatan" in result["body"]
    assert '"min_photos": 4' in result["body"]  # the SOP rule, from sop.KELENGKAPAN
