"""Issue 10: a review link's decision comes only from a person on a page the link served.

Reproduces the finding (a script POSTing ``decision=approve`` approved and published): each way a
script or another site could act is refused, and nothing is decided or promised.
"""

import re

from kabar.services import services
from tests.integration.flow import PHONE, VILLAGE, drafted, review_event, review_links


def _states(sid: str) -> set[str]:
    return {d.status.value for d in services().store.submission_items(VILLAGE, sid)["draft"]}


def _form_token(aws, token: str) -> str:
    page = aws.invoke("ReviewApiFunction", review_event("GET", token))["body"]
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def _post(aws, token: str, form: str, **headers) -> dict:
    event = review_event("POST", token, form, raw=True)
    event["headers"].update(headers)
    return aws.invoke("ReviewApiFunction", event)


def test_a_script_a_scanner_or_another_site_decides_nothing(aws):
    _, created = drafted(aws)
    sid = created["submission_id"]
    token = review_links(aws)[0].rsplit("/", 1)[1]
    page_token = _form_token(aws, token)
    # the finding: a bare POST of the first button (no page token) used to approve
    bare = _post(aws, token, "decision=approve&note=")
    assert bare["statusCode"] == 403 and "terlalu lama terbuka" in bare["body"]
    # a forged or foreign page token
    forged = _post(aws, token, f"decision=approve&form_token={page_token[:-4]}abcd")
    assert forged["statusCode"] == 403
    # another site's page posting the form (a valid page token does not help it)
    for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"},
                    {"origin": "null", "sec-fetch-site": "same-site"}):
        refused = _post(aws, token, f"decision=approve&form_token={page_token}", **headers)
        assert refused["statusCode"] == 403 and "Permintaan ditolak" in refused["body"], headers
    # automation user agents, even with everything else right
    for agent in ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0 Safari/537.36",
                  "curl/8.5.0", "Wget/1.21", "python-requests/2.32", ""):
        refused = _post(aws, token, f"decision=reject&note=x&form_token={page_token}", **{"user-agent": agent})
        assert refused["statusCode"] == 403 and "hanya dari peramban" in refused["body"], agent
    # TERIMA pressed with a valid page token: the confirmation step, not a decision
    step = _post(aws, token, f"decision=approve&form_token={page_token}")
    assert step["statusCode"] == 200 and "Yakin menerbitkan" in step["body"]
    confirm = re.search(r'name="confirm" value="([^"]+)"', step["body"]).group(1)
    # its button pressed without ticking the box (a script submitting the form as it is)
    unticked = _post(aws, token, f"decision=approve&form_token={page_token}&confirm={confirm}")
    assert unticked["statusCode"] == 422 and "Centang kotak" in unticked["body"]
    # a page token where the confirmation token belongs
    swapped = _post(aws, token, f"decision=approve&form_token={page_token}&confirm={page_token}&sure=ya")
    assert swapped["statusCode"] == 422 and "Yakin menerbitkan" in swapped["body"]
    assert _states(sid) == {"in_review"}
    assert aws.drain("PublicationQueue") == []
    # the person: same-origin browser, page token, confirmation ticked
    done = _post(aws, token, f"decision=approve&form_token={page_token}&confirm={confirm}&sure=ya",
                 **{"origin": "https://api.kabar.test", "host": "api.kabar.test", "sec-fetch-site": "same-origin",
                    "user-agent": PHONE})
    assert done["statusCode"] == 200 and "Keputusan tercatat" in done["body"]
    assert "approved" in _states(sid)


def test_the_review_page_own_post_with_a_hidden_origin_decides(aws):
    """Chromium sends ``Origin: null`` for a form on a no-referrer page; Sec-Fetch-Site says same-origin."""
    _, created = drafted(aws)
    token = review_links(aws)[0].rsplit("/", 1)[1]
    page_token = _form_token(aws, token)
    done = _post(aws, token, f"decision=reject&note=Tidak+layak&reason=other&form_token={page_token}",
                 origin="null", **{"sec-fetch-site": "same-origin"})
    assert done["statusCode"] == 200 and "Keputusan tercatat" in done["body"]


def test_an_old_phone_without_origin_headers_decides_with_the_page_token(aws):
    _, created = drafted(aws)
    token = review_links(aws)[0].rsplit("/", 1)[1]
    page_token = _form_token(aws, token)
    event = review_event("POST", token, f"decision=revise&note=Tambah+foto&form_token={page_token}", raw=True)
    assert not {"origin", "sec-fetch-site"} & set(event["headers"])
    assert aws.invoke("ReviewApiFunction", event)["statusCode"] == 200
    assert "revision_requested" in _states(created["submission_id"])
