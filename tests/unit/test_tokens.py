"""Tokens: 256 random bits, bound to a village, only a hash stored."""

from kabar.domain.tokens import new_token, split_token, token_hash


def test_a_new_token_names_its_village_and_is_unguessable():
    a, b = new_token("purwobinangun"), new_token("purwobinangun")
    assert a != b and a.startswith("purwobinangun.")
    assert len(a.split(".", 1)[1]) >= 43  # 32 bytes, url-safe base64


def test_split_accepts_only_well_formed_tokens():
    token = new_token("candibinangun")
    assert split_token(token) == ("candibinangun", token)
    for bad in ["", "nodot", "UPPER." + "a" * 43, "purwobinangun." + "a" * 10, "purwobinangun." + "a" * 42 + "/",
                "../etc." + "a" * 43, token[:-5]]:
        assert split_token(bad) is None, bad


def test_the_hash_is_stable_and_not_the_token():
    token = new_token("purwobinangun")
    assert token_hash(token) == token_hash(token) and token not in token_hash(token)
