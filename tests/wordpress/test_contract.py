"""The same requests to the fake and to a real WordPress get the same answers (the facts measured in
Debian's WordPress 6.1; the fake is held to them here)."""

from __future__ import annotations

import io
import re

from PIL import Image

from .conftest import Site

WRONG = ("editor", "wron gpas swor d123 4567 8901")


def image(kind: str = "JPEG", color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(out, kind)
    return out.getvalue()


def upload(wp: Site, name: str, data: bytes, role: str = "editor", **query) -> dict:
    answer = wp.rest("POST", "/wp/v2/media", role, params=query, data=data, headers={
        "Content-Type": "image/jpeg", "Content-Disposition": f'attachment; filename="{name}"'})
    assert answer.status_code == 201, answer.text
    return answer.json()


def new_post(wp: Site, role: str = "editor", **body) -> dict:
    answer = wp.rest("POST", "/wp/v2/posts", role, json={"title": wp.unique("Uji"), "content": "<p>Isi.</p>",
                                                         **body})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_wrong_password_reads_anonymously_and_is_refused_on_a_write(wp: Site):
    read = wp.rest("GET", "/wp/v2/posts", None, auth=WRONG, params={"search": wp.unique("tidak-ada")})
    assert read.status_code == 200 and read.json() == []
    unknown = wp.rest("GET", "/wp/v2/posts", None, auth=("nobody", WRONG[1]), params={"search": "zzz-none"})
    assert unknown.status_code == 200 and unknown.json() == []
    write = wp.rest("POST", "/wp/v2/posts", None, auth=WRONG, json={"title": "x", "status": "draft"})
    assert write.status_code == 401 and write.json()["code"] == "rest_cannot_create"
    edit = wp.rest("GET", "/wp/v2/posts", None, auth=WRONG, params={"context": "edit"})
    assert edit.status_code == 401 and edit.json()["code"] == "rest_forbidden_context"
    me = wp.rest("GET", "/wp/v2/users/me", None, auth=WRONG)
    assert me.status_code == 401 and me.json()["code"] == "rest_not_logged_in"


def test_roles_and_their_capabilities(wp: Site):
    me = {role: wp.rest("GET", "/wp/v2/users/me", role, params={"context": "edit"}).json() for role in
          ("editor", "author", "contributor")}
    assert [me[r]["roles"] for r in ("editor", "author", "contributor")] == [["editor"], ["author"], ["contributor"]]
    for role, expected in {"editor": (True, True, True), "author": (True, False, True),
                           "contributor": (False, False, False)}.items():
        caps = me[role]["capabilities"]
        assert (caps.get("upload_files", False), caps.get("manage_categories", False),
                caps.get("publish_posts", False)) == expected, role
    # a Contributor may write a draft but not publish, nor upload
    refused = wp.rest("POST", "/wp/v2/posts", "contributor", json={"title": "x", "status": "publish"})
    assert refused.status_code == 403 and refused.json()["code"] == "rest_cannot_publish"
    assert new_post(wp, "contributor", status="draft")["status"] == "draft"
    media = wp.rest("POST", "/wp/v2/media", "contributor", data=image(), headers={
        "Content-Type": "image/jpeg", "Content-Disposition": 'attachment; filename="a.jpg"'})
    assert media.status_code == 403 and media.json()["code"] == "rest_cannot_create"
    # an Author may publish but not create a category
    assert new_post(wp, "author", status="publish")["status"] == "publish"
    category = wp.rest("POST", "/wp/v2/categories", "author", json={"name": wp.unique("Kategori")})
    assert category.status_code == 403 and category.json()["code"] == "rest_cannot_create"


def test_category_names_are_stored_escaped_and_duplicates_name_the_term(wp: Site):
    name = wp.unique("Berita & Pengumuman")
    made = wp.rest("POST", "/wp/v2/categories", json={"name": name})
    assert made.status_code == 201 and made.json()["name"] == name.replace("&", "&amp;")
    raw = wp.rest("GET", "/wp/v2/categories", params={"search": name}).json()
    assert raw == []
    word = name.rsplit(" ", 1)[1]
    assert [c["id"] for c in wp.rest("GET", "/wp/v2/categories", params={"search": word}).json()] == [
        made.json()["id"]]
    again = wp.rest("POST", "/wp/v2/categories", json={"name": name})
    assert again.status_code == 400 and again.json()["code"] == "term_exists"
    assert again.json()["data"]["term_id"] == made.json()["id"]
    assert again.json()["additional_data"] == [made.json()["id"]] * 2


def test_unknown_category_and_featured_media_ids_are_dropped(wp: Site):
    post = new_post(wp, status="publish", categories=[987654], featured_media=987655)
    assert post["categories"] == [] and post["featured_media"] == 0
    assert new_post(wp, status="publish")["categories"] == [1]


def test_media_as_wordpress_stores_it(wp: Site):
    stem = wp.unique("kabar-uji").replace(" ", "-")
    # the extension follows the content, not the name
    png = upload(wp, f"{stem}.jpg", image("PNG"))
    assert png["mime_type"] == "image/png" and png["source_url"].endswith(f"{stem}.png")
    assert "/wp-content/uploads/" in png["source_url"]
    # unattached, no alt text and no caption unless sent
    assert png["post"] is None and png["alt_text"] == "" and png["caption"]["raw"] == ""
    # a repeated file name is renamed
    first = upload(wp, f"{stem}-1.jpg", image())
    second = upload(wp, f"{stem}-1.jpg", image())
    assert first["source_url"].endswith(f"{stem}-1.jpg") and second["source_url"].endswith(f"{stem}-1-1.jpg")
    assert (first["slug"], second["slug"]) == (f"{stem}-1", f"{stem}-1-1")
    # metadata in the query of a raw upload is kept, and attaches to a post
    post = new_post(wp, status="draft")
    meta = upload(wp, f"{stem}-meta.jpg", image(), post=str(post["id"]), alt_text="Foto <b>uji</b> & kawan",
                  caption="Keterangan &amp; foto")
    assert meta["post"] == post["id"] and meta["alt_text"] == "Foto uji & kawan"
    assert meta["caption"]["raw"] == "Keterangan &amp; foto"
    # an update attaches a photo later
    moved = wp.rest("POST", f"/wp/v2/media/{png['id']}", json={"post": post["id"], "alt_text": "Sebuah foto"})
    assert moved.status_code == 200 and moved.json()["post"] == post["id"]
    # search finds titles and file names
    found = wp.rest("GET", "/wp/v2/media", params={"search": stem, "per_page": "100"}).json()
    assert {m["id"] for m in found} == {png["id"], first["id"], second["id"], meta["id"]}
    # the file itself is served
    assert wp_get(wp, png["source_url"]).content == image("PNG")


def wp_get(wp: Site, url: str):
    import requests

    return requests.get(url, timeout=30)


def test_posts_links_titles_and_the_article_page(wp: Site):
    slug = wp.unique("uji-tautan").replace(" ", "-")
    post = new_post(wp, status="publish", slug=slug, title='Rapat "Warga" - <b>tebal</b>', excerpt="Ringkasan uji.")
    assert re.fullmatch(rf"{re.escape(wp.base_url)}/\d{{4}}/\d{{2}}/{slug}/", post["link"])
    # texturized; an Editor's raw HTML stays raw
    assert post["title"]["rendered"] == "Rapat &#8220;Warga&#8221; &#8211; <b>tebal</b>"
    page = wp_get(wp, post["link"])
    assert page.status_code == 200 and "<b>tebal</b>" in page.text and "Isi." in page.text
    assert "Ringkasan uji." not in page.text  # the theme does not show the excerpt
    draft = new_post(wp, status="draft")
    assert draft["link"] == f"{wp.base_url}/?p={draft['id']}"


def test_search_in_edit_context_and_a_contributor_sees_less(wp: Site):
    marker = wp.unique("kabar-penanda").replace(" ", "-")
    post = new_post(wp, status="publish", content=f"<p>Isi.</p>\n<!-- kabar:{marker} -->")
    found = wp.rest("GET", "/wp/v2/posts", params={"search": marker, "context": "edit",
                                                   "status": "publish,future,draft,pending,private"})
    assert [p["id"] for p in found.json()] == [post["id"]]
    assert f"<!-- kabar:{marker} -->" in found.json()[0]["content"]["raw"]
    contributor = wp.rest("GET", "/wp/v2/posts", "contributor", params={"search": marker, "context": "edit"})
    assert contributor.status_code == 200 and contributor.json() == []
    assert contributor.headers["X-WP-Total"] == "1"


def test_rest_route_form_answers_as_wp_json(wp: Site):
    import requests

    answer = requests.get(f"{wp.base_url}/", params={"rest_route": "/wp/v2/categories", "search": "Uncategorized"},
                          timeout=30)
    assert answer.status_code == 200 and [c["id"] for c in answer.json()] == [1]
