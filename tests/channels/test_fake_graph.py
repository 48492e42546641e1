"""The fake Graph API's own contract: shapes, tokens, usage headers, faults, and the feed page."""

from __future__ import annotations

import io
import json

import requests
from werkzeug.test import Client

from kabar_local.fakes.graph import FakeGraph

from .channel_support import PAGE_ID, PAGE_NAME, PAGE_TOKEN


def post_photo(graph, url: str, token: str = PAGE_TOKEN, **form) -> requests.Response:
    return requests.post(f"{graph.graph_url}/v24.0/{PAGE_ID}/photos",
                         data={"url": url, "published": "false", "access_token": token, **form}, timeout=5)


def test_every_answer_carries_usage_headers(graph):
    ok = requests.get(f"{graph.graph_url}/v25.0/{PAGE_ID}/feed", headers={"Authorization": f"OAuth {PAGE_TOKEN}"},
                      timeout=5)
    refused = requests.get(f"{graph.graph_url}/v24.0/{PAGE_ID}/feed", timeout=5)
    for answer in (ok, refused):
        assert json.loads(answer.headers["X-App-Usage"]).keys() == {"call_count", "total_cputime", "total_time"}
        assert "call_count" in json.loads(answer.headers["X-Page-Usage"])
    assert ok.json() == {"data": []}
    assert ok.headers["facebook-api-version"] == "v25.0"


def test_missing_or_wrong_token_is_an_oauth_error(graph):
    for token in ("", "EAAG-wrong"):
        answer = post_photo(graph, graph.host_file("a.jpg", b"\xff\xd8\xff\xe0"), token=token)
        assert answer.status_code == 400
        error = answer.json()["error"]
        assert error["code"] == 190 and error["type"] == "OAuthException" and error["fbtrace_id"]
    assert graph.fake.fetched_urls() == []


def test_another_pages_token_has_no_permission(graph):
    graph.fake.add_page("999", "EAAG-other", "Halaman Lain")
    answer = post_photo(graph, graph.host_file("a.jpg", b"\xff\xd8\xff\xe0"), token="EAAG-other")
    assert answer.json()["error"]["code"] == 200


def test_photo_is_fetched_and_stored(graph, photos):
    answer = post_photo(graph, graph.host_file("a.jpg", photos[0]))
    assert answer.status_code == 200
    photo_id = answer.json()["id"]
    assert graph.fake.media(photo_id) == (photos[0], "image/jpeg")


def test_unfetchable_or_invalid_media(graph):
    missing = post_photo(graph, f"{graph.url}/files/none.jpg?X-Amz-Signature=secret").json()["error"]
    assert (missing["code"], missing["error_subcode"]) == (100, 2207052)
    assert "could not be fetched" in missing["message"] and "secret" not in missing["message"]
    not_image = post_photo(graph, graph.host_file("a.txt", b"hello", "text/plain")).json()["error"]
    assert not_image["code"] == 324


def test_feed_rejects_foreign_or_reused_media(graph, photos):
    photo_id = post_photo(graph, graph.host_file("a.jpg", photos[0])).json()["id"]
    form = {"message": "Halo", "attached_media[0]": json.dumps({"media_fbid": photo_id}), "access_token": PAGE_TOKEN}
    first = requests.post(f"{graph.graph_url}/v24.0/{PAGE_ID}/feed", data=form, timeout=5)
    assert first.status_code == 200 and first.json()["id"].startswith(f"{PAGE_ID}_")
    again = requests.post(f"{graph.graph_url}/v24.0/{PAGE_ID}/feed", data={**form, "message": "Lagi"}, timeout=5)
    assert again.json()["error"]["code"] == 100
    bogus = requests.post(f"{graph.graph_url}/v24.0/{PAGE_ID}/feed",
                          data={**form, "attached_media[0]": json.dumps({"media_fbid": "1"})}, timeout=5)
    assert bogus.json()["error"]["code"] == 100


def test_get_post_and_fields(graph):
    created = requests.post(f"{graph.graph_url}/v24.0/{PAGE_ID}/feed",
                            data={"message": "Halo warga", "access_token": PAGE_TOKEN}, timeout=5).json()
    auth = {"Authorization": f"Bearer {PAGE_TOKEN}"}
    node = requests.get(f"{graph.graph_url}/v24.0/{created['id']}", headers=auth,
                        params={"fields": "id,message,created_time,permalink_url"}, timeout=5).json()
    assert node["id"] == created["id"] and node["message"] == "Halo warga"
    assert node["created_time"].endswith("+0000")
    assert node["permalink_url"].endswith(f"#post-{created['id']}")
    unknown = requests.get(f"{graph.graph_url}/v24.0/{created['id']}", headers=auth, params={"fields": "nope"},
                           timeout=5).json()
    assert unknown["error"]["code"] == 100


def test_video_by_url(graph):
    mp4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 32
    answer = requests.post(f"{graph.graph_url}/v24.0/{PAGE_ID}/videos", timeout=5, data={
        "file_url": graph.host_file("v.mp4", mp4, "video/mp4"), "description": "Video kegiatan",
        "access_token": PAGE_TOKEN})
    assert answer.status_code == 200
    (post,) = graph.fake.posts(PAGE_ID)
    assert post["message"] == "Video kegiatan" and post["videos"][0]["id"] == answer.json()["id"]


def test_fault_knobs_count_down(graph):
    graph.fake.fail_next(17, times=2)
    url = f"{graph.graph_url}/v24.0/{PAGE_ID}/feed"
    auth = {"Authorization": f"OAuth {PAGE_TOKEN}"}
    codes = [requests.get(url, headers=auth, timeout=5).json().get("error", {}).get("code") for _ in range(3)]
    assert codes == [17, 17, None]
    assert [r["code"] for r in graph.fake.requests] == [17, 17, None]


def test_mounted_with_the_prefix_left_in_the_path():
    fake = FakeGraph()
    fake.add_page(PAGE_ID, PAGE_TOKEN, PAGE_NAME)
    answer = Client(fake.api_app).get(f"/graph/v24.0/{PAGE_ID}", headers={"Authorization": f"OAuth {PAGE_TOKEN}"})
    assert answer.json == {"id": PAGE_ID, "name": PAGE_NAME}
    assert Client(fake.feed_app).get("/feed/").status_code == 200


def test_feed_page_shows_posts_newest_first_with_photos(graph, photos):
    photo_id = post_photo(graph, graph.host_file("a.jpg", photos[0])).json()["id"]
    form = {"access_token": PAGE_TOKEN}
    requests.post(f"{graph.graph_url}/v24.0/{PAGE_ID}/feed", timeout=5, data={
        **form, "message": "Pertama <b>tebal</b>\nSelengkapnya: https://desa.example.id/r/a?c=fb&k=m1"})
    requests.post(f"{graph.graph_url}/v24.0/{PAGE_ID}/feed", timeout=5, data={
        **form, "message": "Kedua <script>alert(1)</script>",
        "attached_media[0]": json.dumps({"media_fbid": photo_id})})
    page = requests.get(f"{graph.feed_url}/", timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.text
    assert '<html lang="id">' in html and PAGE_NAME in html
    assert html.index("Kedua") < html.index("Pertama")
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "&lt;b&gt;tebal" in html
    assert '<a href="https://desa.example.id/r/a?c=fb&amp;k=m1"' in html
    assert f'src="{graph.feed_url}/media/{photo_id}"' in html
    assert "WIB" in html
    image = requests.get(f"{graph.feed_url}/media/{photo_id}", timeout=5)
    assert image.content == photos[0] and image.headers["Content-Type"] == "image/jpeg"
    one_page = requests.get(f"{graph.feed_url}/{PAGE_ID}", timeout=5)
    assert one_page.status_code == 200 and "Kedua" in one_page.text
    assert requests.get(f"{graph.feed_url}/404040", timeout=5).status_code == 404
    listed = requests.get(f"{graph.feed_url}/posts.json", timeout=5).json()
    assert [p["message"][:5] for p in listed["posts"]] == ["Kedua", "Perta"]
    assert listed["posts"][0]["photos"][0]["id"] == photo_id
    assert listed["pages"] == [{"id": PAGE_ID, "name": PAGE_NAME}]


def test_feed_page_without_feed_url_uses_its_mount(photos):
    fake = FakeGraph()
    fake.add_page(PAGE_ID, PAGE_TOKEN, PAGE_NAME)
    client = Client(fake.api_app)
    photo = Client(fake.feed_app)
    answer = client.post(f"/v24.0/{PAGE_ID}/photos", data={
        "access_token": PAGE_TOKEN, "caption": "Satu foto", "source": (io.BytesIO(photos[0]), "a.jpg")})
    assert set(answer.json) == {"id", "post_id"}
    html = photo.get("/feed/").get_data(as_text=True)
    assert f'src="/feed/media/{answer.json["id"]}"' in html
    ranged = photo.get(f"/feed/media/{answer.json['id']}", headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.data == photos[0][:4]
