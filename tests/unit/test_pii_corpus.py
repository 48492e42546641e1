"""The screening corpus holds what issue 16 asks, and the screening meets its targets on it."""

import json

from kabar.domain.pii import NUMBER_KINDS, SPECIFIC_KINDS
from kabar_local.bench_pii import CORPUS, measure
from kabar_local.pii_corpus_gen import build


def test_the_corpus_is_large_half_personal_and_labelled_exactly():
    data = json.loads(CORPUS.read_text(encoding="utf-8"))
    items = data["items"]
    assert len(items) >= 200
    assert abs(sum(1 for i in items if i["findings"]) - len(items) / 2) <= len(items) * 0.05
    kinds = {f["kind"] for i in items for f in i["findings"]}
    assert kinds == set(NUMBER_KINDS) | set(SPECIFIC_KINDS)
    assert all(f["text"] in i["text"] for i in items for f in i["findings"])
    assert data == json.loads(json.dumps(build()))  # the committed corpus is what the generator makes


def test_identity_and_contact_numbers_meet_the_targets():
    counts = measure()
    for kind in NUMBER_KINDS:
        c = counts[kind]
        assert c["tp"] / (c["tp"] + c["fn"]) >= 0.95, kind
        assert c["tp"] / (c["tp"] + c["fp"]) >= 0.9, kind
