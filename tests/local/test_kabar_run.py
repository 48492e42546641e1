"""``kabar run`` against the running local stack, and ``kabar local --aws-port`` pinning the emulator's port."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from kabar_local.cli import main as cli_main
from kabar_local.stack import LocalStack

REAL_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pinned(tmp_path_factory):
    port = _free_port()
    folder = tmp_path_factory.mktemp("run")
    with LocalStack(REAL_TEMPLATE, state_file=folder / ".kabar" / "local.json", aws_port=port) as stack:
        yield stack, port, folder


def test_the_aws_emulator_listens_on_the_pinned_port(pinned):
    stack, port, _ = pinned
    assert stack.moto_url.endswith(f":{port}") and stack.env["AWS_ENDPOINT_URL"] == stack.moto_url


def test_kabar_run_queues_every_village_once_and_waits_for_their_runs(pinned, monkeypatch, capsys):
    stack, _, folder = pinned
    monkeypatch.chdir(folder)
    at = "2026-11-27T07:00:00+07:00"
    assert cli_main(["run", "inbox-digest", "--at", at, "--wait", "60"]) == 0
    out = capsys.readouterr().out
    assert "2 desa diantrekan / villages queued" in out and "selesai untuk 2 desa" in out
    # the same period again: nothing new is queued
    assert cli_main(["run", "inbox-digest", "--at", at]) == 0
    assert "0 desa diantrekan / villages queued, 2 sudah / already" in capsys.readouterr().out
    # one village by hand, even though its run of the period is done
    assert cli_main(["run", "inbox-digest", "--at", at, "--village", "purwobinangun", "--wait", "60"]) == 0
    assert "1 desa diantrekan" in capsys.readouterr().out
    assert cli_main(["run", "inbox-digest", "--village", "nowhere"]) == 2
    assert "Desa nowhere tidak ada / no such village." in capsys.readouterr().err
