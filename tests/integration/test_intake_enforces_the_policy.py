"""moto does not enforce presigned-POST conditions (moto-notes: oversize, other type, other key all
accepted); intake must. Here the bare emulator accepts what breaks the policy, and intake refuses it."""

from datetime import date

import requests

from kabar.services import services
from kabar_local import samples
from tests.integration.flow import VILLAGE, staff, submit


def test_what_the_bare_emulator_lets_through_intake_refuses(aws):
    token = staff("submitter")
    payload, blobs = samples.submission_payload(date.today())
    status, created = submit(aws, token, payload)
    assert status == 201
    oversize = blobs[0] + b"\0" * 4096  # more bytes than declared: content-length-range broken
    png = samples.photo(9)  # a JPEG declared ... then replaced by a PNG: Content-Type broken
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.open(BytesIO(png)).save(buf, "PNG")
    other_type = buf.getvalue()[: len(blobs[1])]
    other_type += b"\0" * (len(blobs[1]) - len(other_type))  # the declared size, but PNG bytes
    sent = [oversize, other_type] + blobs[2:]
    for instruction, blob, declared in zip(created["uploads"], sent, payload["files"], strict=True):
        fields = dict(instruction["fields"])
        response = requests.post(instruction["url"], data=fields,
                                 files={"file": (declared["name"], blob, declared["content_type"])}, timeout=30)
        assert response.status_code in (201, 204)  # the emulator accepted it
    aws.deliver("IntakeQueue", "IntakeFunction")
    assets = {a.key: a for a in services().store.list_assets(VILLAGE, created["submission_id"])}
    first, second = (assets[u["fields"]["key"]] for u in created["uploads"][:2])
    assert first.status.value == "rejected" and first.problem.startswith("size_mismatch")
    assert second.status.value == "rejected" and second.problem.startswith("type_mismatch")
    assert sum(a.status.value == "accepted" for a in assets.values()) == len(assets) - 2
    assert services().store.get_submission(VILLAGE, created["submission_id"]).status.value == "receiving"
