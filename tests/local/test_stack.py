"""The local stack's lifecycle and provisioning, on the fixture template and on the real one.

Given a template, when LocalStack starts, then moto holds exactly what the template says (bucket
notifications, CORS, redrive policies, tables with GSIs and TTL, rules with queue targets, an SES
identity), the environment points at it, the gateway serves the HttpApi routes, and stop() restores
the environment and leaves no thread, port or state file behind.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest
import requests

from kabar.services import services
from kabar_local.cli import main as cli_main
from kabar_local.lambda_runtime import EnvironmentConflict
from kabar_local.routes import HttpRoute
from kabar_local.stack import LocalStack

pytestmark = pytest.mark.xdist_group("kabar-local-stack")

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATE = FIXTURES / "template.yaml"
REAL_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    state = tmp_path_factory.mktemp("state") / "local.json"
    with LocalStack(TEMPLATE, seed_villages=False, state_file=state) as running:
        yield running


# --- provisioning -----------------------------------------------------------------------------------


def test_buckets_have_cors_and_the_queue_notification(stack):
    s3 = boto3.client("s3")
    uploads = stack.model.bucket("Uploads").name
    config = s3.get_bucket_notification_configuration(Bucket=uploads)
    (queue_config,) = config["QueueConfigurations"]
    assert queue_config["QueueArn"] == stack.model.queue("WorkQueue").arn
    assert queue_config["Events"] == ["s3:ObjectCreated:*"]
    rules = {r["Name"].lower(): r["Value"] for r in queue_config["Filter"]["Key"]["FilterRules"]}
    assert rules == {"prefix": "incoming/", "suffix": ".jpg"}
    (cors,) = s3.get_bucket_cors(Bucket=uploads)["CORSRules"]
    assert cors["AllowedMethods"] == ["POST", "PUT"] and cors["ExposeHeaders"] == ["ETag"]
    assert s3.get_bucket_location(Bucket=uploads)["LocationConstraint"] == "ap-southeast-3"
    s3.head_bucket(Bucket=stack.model.bucket("Site").name)


def test_queues_have_redrive_policy_and_visibility_timeout(stack):
    sqs = boto3.client("sqs")
    work = stack.model.queue("WorkQueue")
    attrs = sqs.get_queue_attributes(QueueUrl=work.url, AttributeNames=["All"])["Attributes"]
    assert json.loads(attrs["RedrivePolicy"]) == {
        "deadLetterTargetArn": stack.model.queue("WorkDLQ").arn, "maxReceiveCount": 2}
    assert attrs["VisibilityTimeout"] == "60"
    dlq = sqs.get_queue_attributes(QueueUrl=stack.model.queue("WorkDLQ").url,
                                   AttributeNames=["MessageRetentionPeriod"])["Attributes"]
    assert dlq["MessageRetentionPeriod"] == "1209600"
    assert stack.provisioned.queues["WorkQueue"] == work.url  # the URL handlers get is moto's own


def test_table_with_gsi_and_ttl(stack):
    dynamodb = boto3.client("dynamodb")
    table = dynamodb.describe_table(TableName="kabar-local-main")["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["gsi1"]
    ttl = dynamodb.describe_time_to_live(TableName="kabar-local-main")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_bus_rule_targets_tap_queue_and_ses_identity(stack):
    events = boto3.client("events")
    (target,) = events.list_targets_by_rule(Rule="kabar-local-ToWorkRule", EventBusName="kabar-local-bus")["Targets"]
    assert target["Arn"] == stack.model.queue("WorkQueue").arn
    tap_rule = events.list_targets_by_rule(Rule="kabar-local-tap-SchedFunction-Pinged",
                                           EventBusName="kabar-local-bus")["Targets"]
    assert tap_rule[0]["Arn"].endswith(":kabar-local-tap-SchedFunction-Pinged")
    identities = boto3.client("ses").list_identities()["Identities"]
    assert "mail.fixture.test" in identities
    boto3.client("ses").send_email(Source="Kabar <kabar@mail.fixture.test>", Destination={"ToAddresses": ["a@b.id"]},
                                   Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}})
    assert "Cdn (AWS::CloudFront::Distribution)" in stack.provisioned.skipped


# --- the running stack ----------------------------------------------------------------------------


def test_environment_points_at_moto_and_the_gateway(stack):
    assert os.environ["AWS_ENDPOINT_URL"] == stack.moto_url
    assert os.environ["AWS_REGION"] == os.environ["AWS_DEFAULT_REGION"] == "ap-southeast-3"
    assert os.environ["KABAR_PUBLIC_URL"] == stack.base_url
    assert os.environ["KABAR_SITE_URL"] == f"{stack.base_url}/site"
    assert os.environ["KABAR_GRAPH_BASE_URL"] == f"{stack.base_url}/graph"
    assert os.environ["FIXTURE_TABLE"] == "kabar-local-main"
    assert stack.base_url.startswith("http://127.0.0.1:") and stack.moto_url.startswith("http://127.0.0.1:")


def test_state_file_tells_other_processes_how_to_reach_the_stack(stack):
    state = json.loads(stack.state_file.read_text())
    assert state["base_url"] == stack.base_url and state["moto_url"] == stack.moto_url
    assert state["env"]["AWS_ENDPOINT_URL"] == stack.moto_url
    assert state["env"]["KABAR_MAIL_FROM"] == "Kabar <kabar@mail.fixture.test>"


def test_http_routes_reach_the_handlers_through_the_gateway(stack):
    assert sorted((r.method, r.path, r.function_id) for r in stack.routes) == [
        ("GET", "/things/{id}", "HttpFunction"), ("POST", "/things", "HttpFunction")]
    assert all(isinstance(r, HttpRoute) for r in stack.routes)
    direct = stack.routes[0].invoke({"routeKey": "GET /things/{id}", "pathParameters": {"id": "1"}})
    assert direct["statusCode"] == 200
    response = requests.get(f"{stack.base_url}/things/42", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"route": "GET /things/{id}", "params": {"id": "42"}}


# --- lifecycle ------------------------------------------------------------------------------------------


def _new_threads_after_settling(before: set[int], seconds: float = 15) -> set[str]:
    """Threads started since ``before`` still alive once they had time to end (a loaded 2-core machine is slow)."""
    deadline = time.monotonic() + seconds
    while {t.ident for t in threading.enumerate()} - before and time.monotonic() < deadline:
        time.sleep(0.05)
    return {t.name for t in threading.enumerate() if t.ident not in before}


def _port_is_free(port: int) -> bool:
    """Nothing listens on it any more (a closed connection's TIME_WAIT, which SO_REUSEADDR passes, is not
    the stack's: the kernel keeps it for a minute after any request, more so on a loaded machine)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_stop_restores_everything(tmp_path, monkeypatch):
    monkeypatch.setenv("FIXTURE_TABLE", "before")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    threads = {t.ident for t in threading.enumerate()}
    state = tmp_path / ".kabar" / "local.json"
    stack = LocalStack(TEMPLATE, seed_villages=False, state_file=state).start()
    ports = (int(stack.base_url.rsplit(":", 1)[1]), int(stack.moto_url.rsplit(":", 1)[1]))
    requests.get(f"{stack.base_url}/things/1", timeout=10)
    assert state.exists()
    stack.stop()
    stack.stop()  # twice is harmless
    assert not state.exists()
    assert os.environ["FIXTURE_TABLE"] == "before"
    assert "AWS_ENDPOINT_URL" not in os.environ
    assert _new_threads_after_settling(threads) == set()
    deadline = time.monotonic() + 15
    while not all(_port_is_free(port) for port in ports) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_port_is_free(port) for port in ports)


def test_conflicting_environments_refuse_to_start_and_leave_nothing(tmp_path):
    text = TEMPLATE.read_text()
    text = text.replace("CodeUri: ", f"CodeUri: {FIXTURES}/")
    text = text.replace(f"      CodeUri: {FIXTURES}/boom_fn/",
                        f"      CodeUri: {FIXTURES}/boom_fn/\n      Environment:\n        Variables:\n"
                        "          FIXTURE_STAGE: other")
    (tmp_path / "template.yaml").write_text(text)
    threads = {t.ident for t in threading.enumerate()}
    with pytest.raises(EnvironmentConflict, match="FIXTURE_STAGE"):
        LocalStack(tmp_path / "template.yaml", seed_villages=False, state_file=tmp_path / "s.json").start()
    assert _new_threads_after_settling(threads) == set()
    assert "AWS_ENDPOINT_URL" not in os.environ or os.environ.get("AWS_ENDPOINT_URL") != ""


# --- the real template, villages and the CLI ----------------------------------------------------------

real_template = pytest.mark.skipif(not REAL_TEMPLATE.exists(), reason="template.yaml is not written yet")


@real_template
def test_real_stack_seeds_villages_secrets_and_the_fake_page_and_the_cli_adds_staff(tmp_path, monkeypatch, capsys):
    from kabar.usecases.villages import list_villages

    monkeypatch.chdir(tmp_path)
    with LocalStack(REAL_TEMPLATE) as stack:
        assert stack.state_file == tmp_path / ".kabar" / "local.json"
        assert sorted(v.id for v in list_villages(svc=services())) == ["candibinangun", "purwobinangun"]
        creds = services().credentials
        assert creds.get("purwobinangun", "kabar/purwobinangun/facebook") == {
            "page_access_token": "local-token-purwobinangun"}
        # the template's GenerateSecretString, generated as CloudFormation would (the file links' HMAC key)
        signing = boto3.client("secretsmanager").get_secret_value(SecretId=stack.env["KABAR_LINK_SIGNING_SECRET"])
        key = json.loads(signing["SecretString"])["key"]
        assert len(key) == 64 and key.isalnum()
        if stack.fake_graph is not None:
            assert set(stack.mounts) == {"/graph", "/feed", "/wordpress", "/youtube", "/facebook", "/google"}
            page = requests.get(f"{stack.base_url}/graph/v24.0/1000000002",
                                params={"access_token": "local-token-candibinangun"}, timeout=10)
            assert page.status_code == 200, page.text
        # every SQS queue a function consumes is known to wait_idle
        consumed = {q.rsplit("/", 1)[-1] for q in stack.dispatcher.consumed_queue_urls}
        assert "kabar-local-intake" in consumed
        stack.dispatcher.wait_idle(timeout=10)

        assert cli_main(["staff", "add", "--village", "purwobinangun", "--role", "submitter",
                         "--name", "Sri Rahayu", "--email", "sri@purwobinangun.desa.id"]) == 0
        out = capsys.readouterr().out
        assert f"{stack.base_url}/upload#token=" in out
        assert cli_main(["staff", "add", "--village", "purwobinangun", "--role", "reviewer",
                         "--name", "PPID", "--email", "ppid@purwobinangun.desa.id"]) == 0
        assert "Authorization: Bearer " in capsys.readouterr().out
        assert cli_main(["staff", "add", "--village", "nowhere", "--role", "admin",
                         "--name", "X", "--email", "x@nowhere.id"]) == 2
        assert "Desa 'nowhere' tidak dikenal. / Unknown village 'nowhere'." in capsys.readouterr().err

        village = json.loads((Path(__file__).resolve().parents[2] / "infra/kabar_local/villages.json").read_text())[1]
        village.update(id="hargobinangun", name="Pemerintah Kalurahan Hargobinangun")
        village["channels"]["social"][0].update(page_id="1000000003", secret_name="kabar/hargobinangun/facebook")
        (tmp_path / "v.json").write_text(json.dumps(village))
        assert cli_main(["village", "put", str(tmp_path / "v.json")]) == 0
        assert "hargobinangun" in {v.id for v in list_villages(svc=services())}
        assert creds.get("hargobinangun", "kabar/hargobinangun/facebook") is not None
        assert stack.sync_villages() == ["hargobinangun"]  # `kabar local` does this every few seconds
        assert stack.sync_villages() == []
        # putting the village again never overwrites a channel credential already there (a real connection)
        from kabar.domain.clock import now

        creds.put("hargobinangun", "kabar/hargobinangun/facebook", {"page_access_token": "real-token"}, {}, "t", now())
        assert cli_main(["village", "put", str(tmp_path / "v.json")]) == 0
        assert "kabar/hargobinangun/facebook sudah ada; tidak diubah" in capsys.readouterr().out
        assert creds.get("hargobinangun", "kabar/hargobinangun/facebook") == {"page_access_token": "real-token"}
        if stack.fake_graph is not None:
            page = requests.get(f"{stack.base_url}/graph/v24.0/1000000003",
                                params={"access_token": "local-token-hargobinangun"}, timeout=10)
            assert page.status_code == 200, page.text
    assert not (tmp_path / ".kabar" / "local.json").exists()
    assert cli_main(["staff", "add", "--village", "purwobinangun", "--role", "admin", "--name", "A",
                     "--email", "a@purwobinangun.desa.id"]) == 2
    assert "kabar local" in capsys.readouterr().err


@real_template
def test_kabar_local_runs_until_interrupted(tmp_path):
    kabar = Path(sys.executable).with_name("kabar")
    # a person's shell: none of the AWS or Kabar settings earlier tests in this worker left in os.environ;
    # a stack that does not stop dumps its threads (faulthandler) so the failure says where it hangs
    shell = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KABAR_", "POWERTOOLS_"))}
    # started with SIGINT ignored, as a pytest-xdist worker or nohup passes it on: Ctrl-C must still stop it
    process = subprocess.Popen([str(kabar), "local", "--port", "0", "--template", str(REAL_TEMPLATE)],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**shell, "PYTHONFAULTHANDLER": "1"},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))  # noqa: PLW1509
    try:
        state = tmp_path / ".kabar" / "local.json"
        deadline = time.monotonic() + 30
        while not state.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert state.exists(), process.stdout.read() if process.poll() is not None else "no state file"
        base = json.loads(state.read_text())["base_url"]
        assert requests.get(f"{base}/upload", timeout=10).status_code == 200
        process.send_signal(signal.SIGINT)
        try:
            out, _ = process.communicate(timeout=90)  # a bound, not a timing: a loaded CI machine is slow
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)  # faulthandler writes every thread's stack
            out, _ = process.communicate(timeout=30)
            raise AssertionError(f"kabar local did not stop on Ctrl-C:\n{out[-6000:]}") from None
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, out
    assert base in out and "/_local/outbox" in out and "Ctrl-C" in out
    assert not state.exists()
