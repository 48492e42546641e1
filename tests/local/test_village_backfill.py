"""``kabar village backfill``: a deployment from before the village directory and the Page lookups gets them.

Given the local stack (moto's server) whose villages were saved before those items existed (here: the
items deleted after saving), when the operator runs the backfill, then each village's directory entry,
its kabupaten's entry and its Page lookups are there, a job's scheduler reaches every village and a
webhook's Page finds its village; a second run writes nothing; a Page already routed to another
village is named and left as it is (exit 1); one village alone can be backfilled.
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from kabar.domain.fanout import shard_of
from kabar.domain.regency import kabupaten_slug
from kabar.services import services
from kabar_local.cli import main as cli_main
from kabar_local.stack import LocalStack

pytestmark = pytest.mark.xdist_group("kabar-local-moto")

REAL_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("backfill")
    with LocalStack(REAL_TEMPLATE, state_file=folder / ".kabar" / "local.json") as stack:
        yield stack, folder


def _directory_keys(village) -> list[tuple[str, str]]:
    keys = [(f"VILLAGEDIR#{shard_of(village.id):02d}", village.id), ("REGENCYDIR", kabupaten_slug(village.kabupaten))]
    return keys + [(f"PAGE#{c.page_id}", "PAGE") for cs in village.channels.values() for c in cs
                   if c.type in ("facebook", "instagram") and c.page_id]


def _forget_directory(stack, villages) -> list[tuple[str, str]]:
    table = boto3.resource("dynamodb").Table(stack.settings.table)
    keys = [key for village in villages for key in _directory_keys(village)]
    for pk, sk in keys:
        table.delete_item(Key={"PK": pk, "SK": sk})
    return keys


def _there(stack, keys) -> list[bool]:
    table = boto3.resource("dynamodb").Table(stack.settings.table)
    return [bool(table.get_item(Key={"PK": pk, "SK": sk}).get("Item")) for pk, sk in keys]


def test_backfill_writes_what_an_old_deployment_lacks_once(stack, monkeypatch, capsys):
    stack, folder = stack
    monkeypatch.chdir(folder)
    store = services().store
    villages = store.list_villages()
    assert len(villages) == 2
    pages = {c.page_id: v.id for v in villages for cs in v.channels.values() for c in cs if c.type == "facebook"}
    assert pages
    keys = _forget_directory(stack, villages)
    # an old deployment: the scheduler finds no village, a webhook's Page no village
    assert not any(_there(stack, keys))
    assert [store.village_ids(s, None, 100) for s in range(16)] == [[]] * 16
    assert all(store.village_for_page(page) is None for page in pages)

    assert cli_main(["village", "backfill"]) == 0
    out = capsys.readouterr().out
    shared = len(keys) - len(set(keys))  # both villages are in Sleman: its entry is written once
    assert shared == 1
    assert f"2 desa / villages: {len(set(keys))} item ditulis / items written, {shared} sudah ada" in out
    assert all(_there(stack, keys))
    assert sorted(v for s in range(16) for v in store.village_ids(s, None, 100)) == sorted(v.id for v in villages)
    assert {page: store.village_for_page(page) for page in pages} == pages
    assert sorted(store.regencies()) == sorted({v.kabupaten for v in villages})

    # again: nothing to write
    assert cli_main(["villages", "backfill"]) == 0
    again = capsys.readouterr().out
    assert f"0 item ditulis / items written, {len(keys)} sudah ada / already there, 0 bentrok" in again

    # the scheduler of a job reaches both villages and their runs finish
    assert cli_main(["run", "inbox-digest", "--at", "2026-11-27T07:00:00+07:00", "--wait", "60"]) == 0
    assert "2 desa diantrekan / villages queued" in capsys.readouterr().out


def test_a_page_held_by_another_village_is_named_not_taken(stack, monkeypatch, capsys):
    stack, folder = stack
    monkeypatch.chdir(folder)
    store = services().store
    first, second = sorted(store.list_villages(), key=lambda v: v.id)
    page = next(c.page_id for cs in first.channels.values() for c in cs if c.type == "facebook")
    _forget_directory(stack, [first])
    table = boto3.resource("dynamodb").Table(stack.settings.table)
    table.put_item(Item={"PK": f"PAGE#{page}", "SK": "PAGE", "rtype": "page", "tenant_id": second.id})

    assert cli_main(["village", "backfill", "--village", first.id]) == 1
    out = capsys.readouterr().out
    assert f"PAGE#{page}/PAGE -> {second.id}" in out and "1 bentrok / conflicts" in out
    assert store.village_for_page(page) == second.id  # left as it was
    assert first.id in store.village_ids(shard_of(first.id), None, 100)  # the rest was written

    assert cli_main(["village", "backfill", "--village", "nowhere"]) == 2
    assert "Desa nowhere tidak ada / no such village." in capsys.readouterr().err
