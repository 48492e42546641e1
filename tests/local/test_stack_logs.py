"""`kabar local`'s output shows what goes wrong: handler tracebacks and batch retries (issue 9).

Powertools' Logger, created by every handler at import, adds ``SuppressFilter("kabar")`` to each root
log handler, and that filter drops any logger whose *name contains* "kabar": every ``kabar_local.*``
line vanished. The check runs in a fresh interpreter, set up exactly as ``kabar local`` sets up its
logging, because pytest's own capture handler is exempt from that filter (caplog would hide the bug).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("kabar-local-logs")

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import sys, tempfile
    from pathlib import Path
    import boto3
    from kabar_local.stack import LocalStack, configure_logging

    configure_logging()  # what `kabar local` does before it starts the stack
    with LocalStack(Path(sys.argv[1]), seed_villages=False, retry_delay_seconds=1,
                    state_file=Path(tempfile.mkdtemp()) / "local.json") as stack:
        from aws_lambda_powertools import Logger
        # what every handler does at import (POWERTOOLS_SERVICE_NAME=kabar), and one line of its own
        Logger(service="kabar").info("a line of the handler itself")
        queue = stack.model.queue("BoomQueue")
        boto3.client("sqs").send_message(QueueUrl=queue.url, MessageBody="boom")
        stack.dispatcher.wait_idle(timeout=30)
        import requests
        print("HTTP", requests.get(stack.base_url + "/things/crash", timeout=10).status_code)
""")


def test_a_handler_traceback_and_a_batch_retry_appear_in_the_local_stack_output():
    # a clean environment, as a terminal's: nothing left by other tests (AWS endpoints, log levels)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KABAR_", "POWERTOOLS_"))}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(FIXTURES / "template.yaml")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    output = done.stderr
    # the batch retry line, from the dispatcher
    assert "kabar_local.dispatcher: BoomFunction raised on a batch of 1" in output
    assert "the whole batch will be retried" in output
    # with the handler's traceback
    assert "Traceback (most recent call last)" in output
    assert 'boom_fn/app.py", line' in output and "RuntimeError: boom: fixture failure" in output
    # a 500 from the gateway, with the handler's traceback
    assert "HTTP 500" in done.stdout
    assert "kabar_local.gateway: GET /things/{id} (HttpFunction) failed" in output
    assert "RuntimeError: http handler crashed" in output
    # the handler's own (Powertools) lines print once, as JSON on stdout, never again here
    assert done.stdout.count("a line of the handler itself") == 1
    assert "a line of the handler itself" not in output
