"""The workspace tells the people who work in it where the privacy notice is (UU PDP)."""

from kabar.web import render


def test_every_workspace_page_links_the_privacy_notice_of_its_village():
    from types import SimpleNamespace

    common = {"me": None, "csrf": "", "nonce": "n", "role_label": {}, "can_act": False,
              "title": ("Judul", "Title"), "body": ("Isi", "Body")}
    signed_out = render("app/message.html", **common)
    assert 'href="/privasi"' in signed_out
    in_village = render("app/message.html", village=SimpleNamespace(id="purwobinangun",
                                                                    name="Kalurahan Purwobinangun"), **common)
    assert 'href="/privasi?desa=purwobinangun"' in in_village
