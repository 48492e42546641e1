"""Fuzz the JSON API from its own OpenAPI document (schemathesis), over real HTTP against the local stack.

Every operation of ``/openapi.json`` gets positive and negative cases (schemathesis' examples, coverage
and fuzzing phases, a fixed seed and a fixed number of cases per operation, so a run is the same run
each time). A case fails on any 5xx, a status the document does not name, or an answer whose body or
content type does not match it. A real submission of the village is made first, so path parameters
reach a record instead of only 404s.

``make test`` runs it bounded (tests/e2e/test_fuzz_openapi.py); ``make fuzz`` runs a longer one:
``python -m kabar_local.fuzz --examples 200``.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
VILLAGE = "purwobinangun"
#: token attempts the fuzz run's stack allows one client (every negative case of a bearer route is one)
STACK_ENV = {"POWERTOOLS_LOG_LEVEL": "WARNING", "KABAR_AUTH_FAILURES_MAX": "1000000"}


@dataclass
class FuzzRun:
    requests: int
    statuses: dict[int, int]
    seconds: float
    returncode: int
    output: str
    server_errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        shown = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        return f"{self.requests} requests in {self.seconds:.0f} s ({shown})"


def _submission(base_url: str, token: str) -> dict:
    """A hand-over the fuzz run can point its path parameters at (four photos for the website)."""
    from kabar.domain.clock import now

    files = [{"name": f"foto-{i}.jpg", "kind": "photo", "content_type": "image/jpeg", "size": 1000}
             for i in range(4)]
    body = {"activity": {"title": "Kerja bakti", "date": now().date().isoformat(), "location": "Balai"},
            "narrative": "Warga membersihkan saluran air bersama. " * 5, "channels": ["website"], "files": files}
    answer = requests.post(f"{base_url}/submissions", json=body, timeout=30,
                           headers={"Authorization": f"Bearer {token}"})
    answer.raise_for_status()
    return answer.json()


def run(base_url: str, token: str, examples: int = 10, seed: int = 20261204, workdir: Path | None = None,
        max_time: int | None = None) -> FuzzRun:
    """One schemathesis run against ``base_url`` with ``token`` (a staff member of the village)."""
    work = Path(workdir or tempfile.mkdtemp(prefix="kabar-fuzz-"))
    made = _submission(base_url, token)
    (work / "schemathesis.toml").write_text(
        "[parameters]\n"
        f'"path.submission_id" = "{made["submission_id"]}"\n'
        f'"path.file_id" = "{made["uploads"][0]["file_id"]}"\n'
        f'"path.tenant" = "{VILLAGE}"\n', encoding="utf-8")
    har = work / "fuzz.har"
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(work / "schemathesis.toml"),
               "run", f"{base_url}/openapi.json", "--checks", CHECKS, "--max-examples", str(examples),
               "--seed", str(seed), "--workers", "1", "--phases", "examples,coverage,fuzzing",
               "--header", f"Authorization: Bearer {token}", "--request-timeout", "30",
               "--report", "har", "--report-har-path", str(har), "--no-color"]
    if max_time:
        command += ["--max-time", str(max_time)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, cwd=work, check=False)  # noqa: S603
    seconds = time.monotonic() - started
    entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"] if har.is_file() else []
    statuses = collections.Counter(int(e["response"]["status"]) for e in entries)
    server_errors = [f'{e["request"]["method"]} {e["request"]["url"]} -> {e["response"]["status"]}'
                     for e in entries if int(e["response"]["status"]) >= 500]
    return FuzzRun(len(entries), dict(statuses), seconds, done.returncode, done.stdout + done.stderr, server_errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fuzz the local stack's JSON API from its OpenAPI document.")
    parser.add_argument("--examples", type=int, default=200, help="cases per operation (default 200)")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--max-time", type=int, default=None, help="seconds for the whole run")
    args = parser.parse_args(argv)
    from kabar.services import services
    from kabar.usecases.staff import add_staff
    from kabar_local.stack import LocalStack

    with LocalStack(retry_delay_seconds=1, env=STACK_ENV) as stack:
        token = add_staff(VILLAGE, "admin", "Uji Fuzz", "fuzz@purwobinangun.desa.id", svc=services())[1]
        result = run(stack.base_url, token, args.examples, args.seed, max_time=args.max_time)
    print(result.output[-6000:])
    print(f"fuzz: {result.summary()}")
    for line in result.server_errors:
        print(f"5xx: {line}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
