"""``kabar``: run the local stack and administer it.

    kabar local [--port 8000] [--aws-port N] [--template template.yaml]
    kabar run JOB [--village V] [--month M] [--day D] [--at T] [--wait S] [--aws STACK [--region R]]
        JOB: token-watch, sla-watch, intake-watch, inbox-digest, metrics, report, regency-report
    kabar staff add --village V --role submitter|admin|reviewer --name N --email E
    kabar staff revoke --village V EMAIL|ID        (the token stops working, audited)
    kabar staff rotate --village V EMAIL|ID        (a new token; the old one stops working, audited)
    kabar village put FILE
    kabar village backfill [--village V] [--aws STACK [--region R]]
    kabar audit verify --village V
    kabar outbox replay --since 2026-12-03T08:00+07:00 [--village V]
    kabar demo

Messages are in Indonesian first, English second.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from kabar.services import services

from .stack import REPO_ROOT, STATE_FILE

ROLES = ("submitter", "admin", "reviewer", "supervisor")


class CliError(Exception):
    """A message for the person at the terminal (already bilingual)."""


def _say(text: str = "") -> None:
    print(text, flush=True)


# --- kabar local ------------------------------------------------------------------------------


def cmd_local(args: argparse.Namespace) -> int:
    from .stack import LocalStack, configure_logging

    configure_logging(logging.INFO)  # stack and handler errors stay visible (see StackLogHandler)
    stack = LocalStack(args.template, port=args.port, clock=True, retry_delay_seconds=args.retry_delay,
                       villages_file=args.villages, aws_port=args.aws_port)
    try:
        stack.start()
    except OSError as err:
        raise CliError(f"Tidak bisa membuka port {args.port} atau --aws-port {args.aws_port} / Cannot listen on "
                       f"port {args.port} or --aws-port {args.aws_port}: {err}. Pakai port lain / use another "
                       "port (0 picks a free one).") from None
    stopping = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stopping.set()

    # Ctrl-C (SIGINT) and SIGTERM both stop the stack, whatever this process inherited: a parent that
    # ignores SIGINT (a pytest-xdist worker, nohup) passes the ignoring on, and Python then raises no
    # KeyboardInterrupt at all
    previous = signal.signal(signal.SIGTERM, on_signal)
    previous_int = signal.signal(signal.SIGINT, on_signal)
    try:
        _say(f"Tumpukan lokal Kabar berjalan / Kabar local stack running: {stack.base_url}")
        for label, url in stack.urls().items():
            _say(f"  {label:<12} {url}")
        villages = ", ".join(v.id for v in stack.villages) or "-"
        _say(f"  desa / villages: {villages}")
        _say("Tambah staf / add staff:  kabar staff add --village purwobinangun --role submitter "
             "--name 'Sri Rahayu' --email sri@purwobinangun.desa.id")
        _say("Ctrl-C untuk berhenti / Ctrl-C to stop.")
        ticks = 0
        while not stopping.wait(0.5):
            ticks += 1
            if ticks % 6 == 0:  # every 3 s: villages added by `kabar village put` get their fake page
                try:
                    for village_id in stack.sync_villages():
                        logging.getLogger("kabar_local").info("desa / village %s dimuat / loaded", village_id)
                except Exception:  # noqa: BLE001 - a hiccup must not stop the stack
                    logging.getLogger("kabar_local").exception("village sync failed")
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        _say("Menghentikan... / stopping...")
        stack.stop()
    return 0


# --- talking to a running stack -----------------------------------------------------------------


def find_state_file() -> Path:
    for candidate in (Path.cwd() / STATE_FILE, REPO_ROOT / STATE_FILE):
        if candidate.is_file():
            return candidate
    raise CliError("Tumpukan lokal tidak berjalan (tidak ada .kabar/local.json); jalankan `kabar local` dulu. / "
                   "The local stack is not running (no .kabar/local.json); start it with `kabar local` first.")


def attach() -> dict[str, Any]:
    """Point this process at the running stack (its environment, endpoint and caches)."""
    import urllib.error
    import urllib.request

    state = json.loads(find_state_file().read_text(encoding="utf-8"))
    try:
        urllib.request.urlopen(state["moto_url"] + "/moto-api/", timeout=3).read()  # noqa: S310 - loopback
    except (urllib.error.URLError, OSError):
        raise CliError(f"Tumpukan lokal di {state['base_url']} tidak menjawab; jalankan `kabar local` lagi. / "
                       f"The local stack at {state['base_url']} does not answer; start `kabar local` again.") from None
    os.environ.update(state.get("env") or {})
    from .stack import _reset_kabar_caches

    _reset_kabar_caches()
    return state


def cmd_staff_add(args: argparse.Namespace) -> int:
    from kabar.domain.errors import NotFound
    from kabar.usecases.staff import add_staff

    state = attach()
    try:
        staff, token = add_staff(args.village, args.role, args.name, args.email, svc=services())
    except NotFound:
        raise CliError(f"Desa {args.village!r} tidak dikenal. / Unknown village {args.village!r}.") from None
    except ValueError as err:  # pydantic: a bad email or role
        raise CliError(f"Data staf tidak sah / Invalid staff data: {err}") from None
    base = state["base_url"].rstrip("/")
    _say(f"Staf ditambahkan / staff added: {staff.name} <{staff.email}> ({staff.role}, {staff.tenant_id})")
    if str(staff.role) == "submitter":
        _say("Tautan unggah pribadi (kirim hanya ke orang ini) / personal upload link (send only to this person):")
        _say(f"  {base}/upload#token={token}")
    else:
        _say("Token pribadi (simpan baik-baik) / personal token (keep it secret):")
        _say(f"  {token}")
        _say("Pakai sebagai header / use it as the header:")
        _say(f"  Authorization: Bearer {token}")
        _say(f"  contoh / e.g.: curl -H 'Authorization: Bearer {token}' {base}/register")
    # the workspace (/app/): a personal, single-use sign-in link, emailed with --send
    from kabar.usecases.sessions import issue_sign_in_link, send_sign_in_link

    if args.send:
        send_sign_in_link(staff, svc=services())
        _say("Tautan masuk ruang kerja dikirim lewat email / workspace sign-in link emailed "
             f"(lihat / see {base}/_local/outbox)")
        return 0
    _say("Tautan masuk ruang kerja (sekali pakai, 72 jam) / workspace sign-in link (single use, 72 hours):")
    _say(f"  {issue_sign_in_link(staff, svc=services())}")
    return 0


def cmd_staff_revoke(args: argparse.Namespace) -> int:
    from kabar.domain.errors import NotFound
    from kabar.usecases.staff import revoke_staff

    attach()
    try:
        staff = revoke_staff(args.village, args.who, actor=f"cli:{args.by}", svc=services())
    except NotFound:
        raise CliError(f"Staf {args.who!r} tidak ada di {args.village!r}. / "
                       f"No staff {args.who!r} in {args.village!r}.") from None
    _say(f"Token dicabut / token revoked: {staff.name} <{staff.email}> ({staff.role}, {staff.tenant_id})")
    return 0


def cmd_staff_rotate(args: argparse.Namespace) -> int:
    from kabar.domain.errors import NotFound
    from kabar.usecases.staff import rotate_staff

    attach()
    try:
        staff, token = rotate_staff(args.village, args.who, actor=f"cli:{args.by}", svc=services())
    except NotFound:
        raise CliError(f"Staf {args.who!r} tidak ada di {args.village!r}. / "
                       f"No staff {args.who!r} in {args.village!r}.") from None
    _say(f"Token baru / new token: {staff.name} <{staff.email}> ({staff.role}, {staff.tenant_id}); "
         "token lama tidak berlaku lagi / the old token no longer works")
    _say(f"  {token}")
    return 0


def cmd_village_put(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from kabar.domain.models import Village
    from kabar.usecases.villages import put_village

    path = Path(args.file)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"Berkas tidak ada / file not found: {path}") from None
    except ValueError as err:
        raise CliError(f"Berkas bukan JSON yang sah / not valid JSON: {path}: {err}") from None
    try:
        village = Village.model_validate(data)
    except ValidationError as err:
        raise CliError(f"Data desa tidak sah / invalid village:\n{err}") from None
    from .fakes.channels import local_secret, seed_credential

    state = attach()
    put_village(village, svc=services())
    held: dict[str, dict[str, str]] = {}  # pointing at the running stack's fakes (one secret may serve two)
    for channels in village.channels.values():
        for channel in channels:
            if channel.secret_name:
                held.setdefault(channel.secret_name, {}).update(local_secret(state["base_url"], village, channel))
    for name, value in held.items():
        # A credential already there holds a real connection (a connected WordPress, a Page token):
        # the local fakes' ones only fill in what is missing.
        if not seed_credential(village.id, name, value, replace=False):
            _say(f"Kredensial {name} sudah ada; tidak diubah / credential exists; left unchanged")
    _say(f"Desa disimpan / village saved: {village.id} ({village.name})")
    return 0


def cmd_village_backfill(args: argparse.Namespace) -> int:
    """Write the directory items a deployment from before them lacks (the village directory the job
    schedulers page through, the kabupaten directory, the Page lookups the Meta webhooks route by): on the
    local stack, or on a deployed stack (``--aws``). Idempotent: a second run writes nothing."""
    from kabar.domain.errors import NotFound
    from kabar.usecases.villages import backfill_directory

    if args.aws:
        attach_aws(args.aws, args.region)
    else:
        attach()
    try:
        done = backfill_directory(services(), only=args.village)
    except NotFound:
        raise CliError(f"Desa {args.village} tidak ada / no such village.") from None
    for village in done:
        if village.written or village.conflicts:
            _say(f"{village.village}: ditulis / written {len(village.written)}: {', '.join(village.written) or '-'}")
        for conflict in village.conflicts:
            _say(f"{village.village}: halaman milik desa lain, tidak diubah / a Page held by another village, "
                 f"left: {conflict}")
    written = sum(len(v.written) for v in done)
    _say(f"{len(done)} desa / villages: {written} item ditulis / items written, "
         f"{sum(len(v.present) for v in done)} sudah ada / already there, "
         f"{sum(len(v.conflicts) for v in done)} bentrok / conflicts")
    return 1 if any(v.conflicts for v in done) else 0


def cmd_credentials_migrate(args: argparse.Namespace) -> int:
    """Seal each channel's Secrets Manager secret into the table (against the local stack, or AWS when
    KABAR_TABLE, KABAR_CREDENTIALS_KEY and the AWS credentials point there)."""
    from kabar.adapters.secrets import get_secret_json
    from kabar.domain.clock import now
    from kabar.services import services
    from kabar.usecases.credentials_migration import migrate

    if not os.environ.get("KABAR_TABLE"):
        attach()
    svc = services()

    def read(name: str) -> dict | None:
        try:
            return get_secret_json(name)
        except Exception as err:  # noqa: BLE001 - botocore's ResourceNotFoundException and its kin
            if "ResourceNotFound" in type(err).__name__ or "ResourceNotFound" in str(err):
                return None
            raise ValueError(str(err)) from err

    moved = migrate(svc.store, svc.credentials, read, now(), only=args.village)
    for item in moved:
        _say(f"{item.village}: {item.name}: {item.outcome}")
    counts = {k: sum(m.outcome == k for m in moved) for k in ("moved", "kept", "missing")}
    _say(f"Dipindahkan / moved: {counts['moved']}, sudah ada / kept: {counts['kept']}, "
         f"tidak ada / missing: {counts['missing']}")
    return 1 if any(m.outcome == "unreadable" for m in moved) else 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from kabar.domain.errors import NotFound
    from kabar.usecases.audit import verify_trail

    attach()
    try:
        verdict = verify_trail(args.village, svc=services())
    except NotFound:
        raise CliError(f"Desa {args.village!r} tidak dikenal. / Unknown village {args.village!r}.") from None
    if verdict.intact:
        _say(f"Jejak audit {verdict.village} utuh / audit trail intact: {verdict.entries} entri / entries, "
             f"{verdict.anchors} jangkar di luar tabel / anchors outside the table")
        return 0
    _say(f"Jejak audit {verdict.village} TIDAK UTUH / audit trail TAMPERED ({verdict.entries} entri / entries):")
    for problem in verdict.problems:
        _say(f"  [{problem.kind}] {problem.message}")
    return 1


def cmd_demo(args: argparse.Namespace) -> int:
    from . import demo

    result = demo.main(args.rest)
    return int(result or 0)


# --- entry point ------------------------------------------------------------------------------


def cmd_publish_retry(args: argparse.Namespace) -> int:
    from kabar.domain.errors import Conflict, NotFound
    from kabar.domain.models import Procedure
    from kabar.usecases.publication import republish

    attach()
    try:
        channels = republish(args.village, args.submission, Procedure(args.procedure), "admin",
                             channel=args.channel, svc=services())
    except NotFound:
        raise CliError("Draf tidak ditemukan. / Draft not found.") from None
    except Conflict as err:
        raise CliError(str(err)) from None
    _say(f"Diterbitkan ulang / published again: {', '.join(channels) or '-'} (persetujuan diumumkan lagi / "
         "approval announced again)")
    return 0


def cmd_outbox_replay(args: argparse.Namespace) -> int:
    from datetime import datetime

    from kabar.domain.clock import to_wib
    from kabar.services import services
    from kabar.usecases.relay import replay

    try:
        since = datetime.fromisoformat(args.since)
    except ValueError:
        raise CliError("--since: tulis waktu seperti 2026-12-03T08:00+07:00 / write a time like "
                       "2026-12-03T08:00+07:00") from None
    if since.tzinfo is None:
        raise CliError("--since: sertakan zona waktu, mis. +07:00 / include the time zone, e.g. +07:00")
    attach()
    svc = services()
    counts = replay(svc.store.outbox_since(since, args.village), svc.events)
    _say(f"Dikirim ulang ke bus sejak {to_wib(since):%d-%m-%Y %H.%M} WIB / put on the bus again: "
         f"{counts['event']} peristiwa / events, {counts['notice']} pemberitahuan / notices")
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    """A person's erasure on request (usecases/erasure.py): staff who leave, commenters."""
    from kabar.domain.errors import NotFound
    from kabar.usecases import erasure

    attach()
    try:
        if args.action == "staff":
            result = erasure.erase_staff(args.village, args.staff_id, f"operator:{args.by}", reason=args.reason,
                                         svc=services())
        else:
            result = erasure.erase_commenter(args.village, args.author_id, f"operator:{args.by}",
                                             reason=args.reason, svc=services())
    except NotFound as err:
        raise CliError(f"Tidak ditemukan / not found: {err}") from None
    _say(f"Penghapusan tercatat di jejak audit / erasure recorded in the audit trail "
         f"({result.village}, {result.subject})")
    for what, n in result.removed.items():
        _say(f"  dihapus / removed: {what} = {n}")
    for what, n in result.anonymised.items():
        _say(f"  dianonimkan / anonymised: {what} = {n}")
    _say(f"  tetap sebagai arsip / kept as the record: {', '.join(result.kept)}")
    return 0


# --- kabar run -----------------------------------------------------------------------------------

#: job -> (the function whose schedule starts it, its queue's logical id, the setting of its queue's URL)
RUN_JOBS = {
    "token-watch": ("TokenWatchFunction", "TokenWatchQueue", "KABAR_TOKEN_WATCH_QUEUE_URL"),
    "sla-watch": ("SlaWatchFunction", "SlaWatchQueue", "KABAR_SLA_WATCH_QUEUE_URL"),
    "intake-watch": ("IntakeWatchFunction", "IntakeWatchQueue", "KABAR_INTAKE_WATCH_QUEUE_URL"),
    "inbox-digest": ("InboxDigestFunction", "InboxDigestQueue", "KABAR_INBOX_DIGEST_QUEUE_URL"),
    "metrics": ("MetricsSchedulerFunction", "MetricsQueue", "KABAR_METRICS_QUEUE_URL"),
    "report": ("ReportSchedulerFunction", "ReportQueue", "KABAR_REPORT_QUEUE_URL"),
    "regency-report": ("ReportSchedulerFunction", "ReportQueue", "KABAR_REPORT_QUEUE_URL"),
}


def attach_aws(stack_name: str, region: str | None) -> None:
    """Point this process at a deployed stack: its table and job queues, read from CloudFormation."""
    import boto3

    if region:
        os.environ["AWS_DEFAULT_REGION"] = region
    cfn = boto3.client("cloudformation")
    physical: dict[str, str] = {}
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for res in page["StackResourceSummaries"]:
            physical[res["LogicalResourceId"]] = res["PhysicalResourceId"]
    if "Table" not in physical:
        raise CliError(f"Stack {stack_name} tidak punya tabel Kabar / has no Kabar table.")
    os.environ["KABAR_TABLE"] = physical["Table"]
    for _, queue, setting in RUN_JOBS.values():
        os.environ[setting] = physical[queue]  # a queue's physical id is its URL
    for key, logical in (("KABAR_UPLOADS_BUCKET", "UploadsBucket"), ("KABAR_MEDIA_BUCKET", "MediaBucket"),
                         ("KABAR_SITE_BUCKET", "SiteBucket"), ("KABAR_REPORTS_BUCKET", "ReportsBucket"),
                         ("KABAR_EVENT_BUS", "KabarBus"), ("KABAR_IDEMPOTENCY_TABLE", "IdempotencyTable")):
        os.environ.setdefault(key, physical.get(logical, "-"))
    os.environ.setdefault("KABAR_MAIL_FROM", "kabar@localhost.invalid")  # not used: the job only queues
    from .stack import _reset_kabar_caches

    _reset_kabar_caches()


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scheduled job now: through its scheduler (every village, each once for the period), or one
    village's run queued directly (``--village``: done again even when the period's run is done)."""
    import time

    from kabar import jobs
    from kabar.adapters.sqs import SqsQueue
    from kabar.config import job_queue_url, settings
    from kabar.ports import QueuedJob
    from kabar.services import services
    from kabar.usecases import fanout

    if args.aws:
        attach_aws(args.aws, args.region)
    else:
        attach()
    job = args.job
    event = {k: v for k, v in (("month", args.month), ("day", args.day), ("at", args.at)) if v}
    url = job_queue_url(settings(), job)
    if args.village:
        if job == "regency-report":
            raise CliError("--village tidak berlaku untuk laporan kabupaten / --village does not apply to "
                           "the regency report.")
        from kabar.domain.errors import NotFound

        try:
            services().store.get_village(args.village)
        except NotFound:
            raise CliError(f"Desa {args.village} tidak ada / no such village.") from None
        start = jobs.JobStart.model_validate(event)
        from kabar.domain.clock import iso, now
        from kabar.domain.fanout import period_of

        at = start.at or now()
        period = start.month or start.day or period_of(job, at)
        params = {"at": iso(at)} if job in jobs.INSTANT_JOBS else {("month" if job == "report" else "day"): period}
        body = {**fanout.village_message(job, args.village, period, params), "force": True}
        failed = SqsQueue(url).send([QueuedJob(body)])
        if failed:
            raise CliError("Pesan tidak masuk antrean / the message was not queued.")
        started = {"job": job, "period": period, "queued": 1, "villages": [args.village]}
    else:
        if job == "regency-report":
            event["regency"] = True
        started = jobs.start("report" if job == "regency-report" else job, event, None, url, svc=services())
    _say(f"{job} {started['period']}: {started['queued']} desa diantrekan / villages queued"
         + (f", {started.get('already', 0)} sudah / already" if "already" in started else ""))
    if args.wait > 0:
        deadline = time.monotonic() + args.wait
        store = services().store
        units = started.get("villages") or (
            [f"kabupaten:{k}" for k in store.regencies()] if job == "regency-report"
            else [v.id for v in store.list_villages()])
        waiting = list(units)
        while waiting and time.monotonic() < deadline:
            waiting = [u for u in waiting
                       if (store.job_run(u, started["job"], started["period"]) or {}).get("status") != "done"]
            if waiting:
                time.sleep(0.5)
        if waiting:
            _say(f"belum selesai / not finished yet: {len(waiting)} desa / villages")
            return 1
        _say(f"selesai untuk {len(units)} desa / done for {len(units)} villages")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kabar", description="Kabar: tumpukan lokal / the local stack")
    sub = parser.add_subparsers(dest="command", required=True)

    local = sub.add_parser("local", help="jalankan tumpukan lokal / run the local stack until Ctrl-C")
    local.add_argument("--port", type=int, default=8000)
    local.add_argument("--aws-port", type=int, default=0,
                       help="port emulator AWS (moto) / the AWS emulator's port (default: any free port)")
    local.add_argument("--template", default="template.yaml")
    local.add_argument("--villages", default=None, help="villages JSON (default: the two sample villages)")
    local.add_argument("--retry-delay", type=float, default=None,
                       help="seconds before a failed message is retried (default: the queue's visibility timeout)")
    local.set_defaults(func=cmd_local)

    staff = sub.add_parser("staff", help="staf / staff").add_subparsers(dest="action", required=True)
    add = staff.add_parser("add", help="tambah staf / add a staff member")
    add.add_argument("--village", required=True)
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--send", action="store_true",
                     help="kirim tautan masuk lewat email / email the workspace sign-in link")
    add.set_defaults(func=cmd_staff_add)
    for name, func, helptext in (("revoke", cmd_staff_revoke, "cabut token / revoke a token"),
                                 ("rotate", cmd_staff_rotate, "ganti token / rotate a token")):
        action = staff.add_parser(name, help=helptext)
        action.add_argument("--village", required=True)
        action.add_argument("who", help="email atau id staf / the staff member's email or id")
        action.add_argument("--by", default="admin", help="siapa yang melakukannya (audit) / who does it (audit)")
        action.set_defaults(func=func)

    village = sub.add_parser("village", aliases=["villages"], help="desa / villages").add_subparsers(
        dest="action", required=True)
    put = village.add_parser("put", help="simpan satu desa dari JSON / save one village from JSON")
    put.add_argument("file")
    put.set_defaults(func=cmd_village_put)
    backfill = village.add_parser("backfill", help="tulis direktori desa dan pencarian Halaman yang belum ada "
                                  "(deployment lama) / write the missing village directory and Page lookups")
    backfill.add_argument("--village", default=None, help="hanya desa ini / only this village")
    backfill.add_argument("--aws", metavar="STACK", default=None,
                          help="nama stack CloudFormation di AWS / run against this deployed stack")
    backfill.add_argument("--region", default=None, help="wilayah AWS / the AWS region (with --aws)")
    backfill.set_defaults(func=cmd_village_backfill)

    credentials = sub.add_parser("credentials", help="kredensial kanal / channel credentials").add_subparsers(
        dest="action", required=True)
    migrate = credentials.add_parser("migrate", help="pindahkan secret per kanal ke tabel (terenkripsi KMS) / move "
                                                     "per-channel secrets into the table (sealed under KMS)")
    migrate.add_argument("--village", default=None)
    migrate.set_defaults(func=cmd_credentials_migrate)
    audit = sub.add_parser("audit", help="jejak audit / audit trail").add_subparsers(dest="action", required=True)
    verify = audit.add_parser("verify", help="periksa rantai hash satu desa / verify one village's hash chain")
    verify.add_argument("--village", required=True)
    verify.set_defaults(func=cmd_audit_verify)

    erase = sub.add_parser("erase", help="hapus data pribadi seseorang atas permintaan / erase a person's data on "
                           "request").add_subparsers(dest="action", required=True)
    erase_staff = erase.add_parser("staff", help="staf yang keluar / a staff member who leaves")
    erase_staff.add_argument("--staff-id", required=True)
    erase_commenter = erase.add_parser("commenter", help="pengirim komentar atau pesan / a commenter")
    erase_commenter.add_argument("--author-id", required=True, help="id Facebook/Instagram pengirim / sender's id")
    for p in (erase_staff, erase_commenter):
        p.add_argument("--village", required=True)
        p.add_argument("--by", required=True, help="siapa yang memproses permintaan / who handles the request")
        p.add_argument("--reason", default="permintaan penghapusan data pribadi (UU 27/2022)")
        p.set_defaults(func=cmd_erase)

    publish = sub.add_parser("publish", help="publikasi / publication").add_subparsers(dest="action", required=True)
    retry = publish.add_parser("retry", help="terbitkan ulang kanal yang gagal / publish failed channels again")
    retry.add_argument("--village", required=True)
    retry.add_argument("--submission", required=True)
    retry.add_argument("--procedure", required=True, choices=["social", "website"])
    retry.add_argument("--channel", default=None, help="hanya kanal ini / only this channel")
    retry.set_defaults(func=cmd_publish_retry)

    outbox = sub.add_parser("outbox", help="kotak keluar / the outbox").add_subparsers(dest="action", required=True)
    replay = outbox.add_parser("replay", help="kirim ulang ke bus sejak suatu waktu / put on the bus again since")
    replay.add_argument("--since", required=True, help="e.g. 2026-12-03T08:00+07:00")
    replay.add_argument("--village", default=None)
    replay.set_defaults(func=cmd_outbox_replay)

    run = sub.add_parser("run", help="jalankan tugas terjadwal sekarang / run a scheduled job now")
    run.add_argument("job", choices=sorted(RUN_JOBS), help="tugas / the job")
    run.add_argument("--village", default=None, help="hanya desa ini (diulang walau sudah) / only this village "
                     "(run again even when done)")
    run.add_argument("--month", default=None, help="bulan laporan / the report's month, e.g. 2026-11")
    run.add_argument("--day", default=None, help="hari metrik / the metrics' day, e.g. 2026-11-26")
    run.add_argument("--at", default=None, help="saat yang diputar ulang / the instant to run for, e.g. "
                     "2026-12-03T08:00+07:00")
    run.add_argument("--aws", metavar="STACK", default=None,
                     help="nama stack CloudFormation di AWS (bukan tumpukan lokal) / run against this deployed stack")
    run.add_argument("--region", default=None, help="wilayah AWS / the AWS region (with --aws)")
    run.add_argument("--wait", type=float, default=0.0,
                     help="tunggu sampai selesai, detik / wait up to this many seconds for every village's run")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="jalankan SOP sekali dari awal sampai akhir / run the SOP once, end to end")
    demo.set_defaults(func=cmd_demo, rest=[])  # its own options go to kabar_local.demo.main
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        if args.command != "demo":
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.rest = extra
    try:
        return int(args.func(args) or 0)
    except CliError as err:
        print(f"kabar: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 - the known stack errors carry readable messages
        from .lambda_runtime import EnvironmentConflict
        from .template import TemplateError

        if isinstance(err, TemplateError | EnvironmentConflict):
            print(f"kabar: template.yaml tidak bisa dijalankan lokal / cannot run locally: {err}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
