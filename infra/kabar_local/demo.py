"""`make demo`: one activity through the whole SOP on the local stack, over HTTP, as people do it."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from kabar.domain.clock import month_of, now
from kabar.services import services

from . import samples

REVIEWER = "ppid@purwobinangun.desa.id"
VILLAGE = "purwobinangun"


@dataclass
class SopRun:
    """What one run of the SOP produced, for the demo to print and the tests to check."""

    submission_id: str = ""
    submission: dict = field(default_factory=dict)
    review_links: list[str] = field(default_factory=list)
    decisions: list[int] = field(default_factory=list)
    news_url: str = ""
    feed_url: str = ""
    report_key: str = ""
    steps: list[str] = field(default_factory=list)


class Http:
    """A person's side of the system: plain HTTP against the local stack."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        self.session = requests.Session()

    def post_json(self, path: str, body: dict, token: str) -> requests.Response:
        return self.session.post(self.base + path, json=body, headers={"Authorization": f"Bearer {token}"},
                                 timeout=30)

    def get(self, path: str, token: str | None = None, **kw) -> requests.Response:  # noqa: ANN003
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.session.get(path if path.startswith("http") else self.base + path, headers=headers,
                                timeout=30, **kw)

    def upload(self, instruction: dict, blob: bytes, name: str, content_type: str) -> requests.Response:
        return self.session.post(instruction["url"], data=instruction["fields"],
                                 files={"file": (name, blob, content_type)}, timeout=60)

    def outbox(self, to: str | None = None) -> list[dict]:
        return self.get("/_local/outbox", params={"to": to} if to else None).json()


def links_to(mail: dict, pattern: str) -> list[str]:
    return list(dict.fromkeys(u for u in mail["links"] if re.search(pattern, u)))


def run_sop(stack, tokens: dict[str, str], say: Callable[[str], None] = print) -> SopRun:  # noqa: ANN001
    """Submit, upload, draft, review (GET then POST approve), publish, report: the SOP once."""
    http = Http(stack.base_url)
    run = SopRun()
    today = now().date()

    def step(text: str) -> None:
        run.steps.append(text)
        say(text)

    payload, blobs = samples.submission_payload(today)
    step(f"1. Pelaksana kegiatan meminta tautan unggah untuk {len(blobs)} berkas "
         "(submitter asks for upload URLs): POST /submissions")
    response = http.post_json("/submissions", payload, tokens["submitter"])
    response.raise_for_status()
    created = response.json()
    run.submission_id = created["submission_id"]
    step(f"   -> 201, nomor register (register number) {run.submission_id}")

    step("2. Foto, video dan narasi diunggah langsung ke penyimpanan (uploads straight to storage, presigned POST)")
    for instruction, blob, declared in zip(created["uploads"], blobs, payload["files"], strict=True):
        result = http.upload(instruction, blob, declared["name"], declared["content_type"])
        result.raise_for_status()
        step(f"   -> {declared['name']} ({len(blob)} byte): HTTP {result.status_code}")

    step("3. Intake memeriksa berkas, lalu draf media sosial dan website dibuat (intake, then drafting)")
    stack.dispatcher.wait_idle(timeout=60)
    run.submission = http.get(f"/submissions/{run.submission_id}", tokens["submitter"]).json()
    for draft in run.submission["drafts"]:
        step(f"   -> draf {draft['procedure']} v{draft['version']}: {draft['status']}")

    step(f"4. Email ke PPID (reviewer's email) -> {REVIEWER}")
    mails = [m for m in http.outbox(REVIEWER) if "Mohon keputusan" in m["subject"]]
    for mail in mails:
        run.review_links += links_to(mail, r"/review/")
        step(f"   -> \"{mail['subject']}\"")

    step("5. PPID membuka halaman konfirmasi (GET: tidak mengubah apa pun) lalu menekan TERIMA (POST approve)")
    for link in run.review_links:
        shown = http.get(link)
        step(f"   -> GET  {shown.status_code} {'TERIMA' in shown.text and 'halaman keputusan' or ''}".rstrip())
        page = shown.text
        # one page for the activity: each draft on it decided in turn (the page after a decision shows the next)
        while re.search(r'name="form_token" value="[^"]+"', page) and len(run.decisions) < 8:
            procedure = re.search(r'name="procedure" value="([^"]+)"', page)
            decided = approve_as_a_person(http, link, page)
            run.decisions.append(decided.status_code)
            step(f"   -> POST {decided.status_code} TERIMA {procedure.group(1) if procedure else ''}: "
                 "keputusan tercatat (decision recorded)")
            if decided.status_code != 200:
                break
            page = decided.text

    step("6. Konten yang disetujui diterbitkan (publication to the local website and the local feed)")
    stack.dispatcher.wait_idle(timeout=60)
    run.submission = http.get(f"/submissions/{run.submission_id}", tokens["submitter"]).json()
    for pub in run.submission["publications"]:
        step(f"   -> {pub['channel']}: {pub['status']} {pub['url'] or ''}".rstrip())
        if pub["channel"] == "static_site" and pub["url"]:
            run.news_url = pub["url"]
    run.feed_url = f"{stack.base_url}/feed/"

    if run.news_url:
        step("7. Pembaca mengklik tautan berita dari media sosial (a reader follows the link: click counter)")
        slug = run.news_url.rstrip("/").rsplit("/", 1)[-1]
        clicked = http.session.get(f"{stack.base_url}/r/{VILLAGE}/{slug}?c=facebook", allow_redirects=False,
                                   headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14)"}, timeout=30)
        step(f"   -> {clicked.status_code} -> {clicked.headers.get('Location')}")

    inbox_demo(stack, step)

    month = month_of(now())
    step(f"8. Laporan bulanan {month} dibuat ke bucket laporan (monthly report into the reports bucket)")
    stack.dispatcher.fire("ReportSchedulerFunction", {"month": month})
    stack.dispatcher.wait_idle(timeout=60)
    run.report_key = f"{VILLAGE}/{month}/laporan-{VILLAGE}-{month}.html"
    step(f"   -> s3://{stack.settings.reports_bucket}/{run.report_key}")
    return run


def inbox_demo(stack, step: Callable[[str], None]) -> None:  # noqa: ANN001
    """A resident comments on the Page's newest post and another writes to the Page: Meta's signed
    deliveries to the webhook, as Meta sends them (the local app secret). They wait in the inbox."""
    import hashlib
    import hmac

    graph = getattr(stack, "fake_graph", None)
    if graph is None:
        return
    pages = [p for p in graph.posts() if p.get("page_id")]
    if not pages:
        return
    step("7b. Warga berkomentar dan mengirim pesan ke Halaman (comments and a message arrive by Meta's webhook)")
    post = pages[0]
    deliveries = [graph.visitor_comment(post["id"], "9988776655", "Sri Wahyuni", "Jam berapa kegiatannya mulai?"),
                  graph.visitor_comment(post["id"], "5566778899", "Budi", "Mantap, terima kasih! 👍"),
                  graph.visitor_message(post["page_id"], "24000000000001", "Rina Lestari",
                                        "Apakah kantor desa buka hari Sabtu?")]
    for delivery in deliveries:
        raw = json.dumps(delivery).encode()
        signature = "sha256=" + hmac.new(b"local-meta-app-secret", raw, hashlib.sha256).hexdigest()
        answer = requests.post(f"{stack.base_url}/webhooks/meta", data=raw, timeout=30, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": signature})
        step(f"   -> {answer.status_code} {answer.text}")
    step(f"   -> {stack.base_url}/app/{VILLAGE}/kotak-masuk (Kotak masuk / inbox)")


def export(stack, run: SopRun, folder: Path) -> dict[str, Path]:  # noqa: ANN001
    """Copy what the run produced to files, so it can be looked at after the stack stops."""
    from kabar.adapters.aws import client

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    s3 = client("s3")
    out: dict[str, Path] = {}
    for bucket, sub in ((stack.settings.site_bucket, "site"), (stack.settings.reports_bucket, "laporan")):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                target = folder / sub / obj["Key"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
    http = Http(stack.base_url)
    (folder / "feed.html").write_text(http.get("/feed/").text, encoding="utf-8")
    mails = http.outbox()
    (folder / "outbox.json").write_text(json.dumps(mails, ensure_ascii=False, indent=1), encoding="utf-8")
    for i, mail in enumerate(reversed(mails), 1):
        (folder / "outbox" / f"{i:02d}.html").parent.mkdir(exist_ok=True)
        (folder / "outbox" / f"{i:02d}.html").write_text(mail["html"] or mail["text"], encoding="utf-8")
    if run.news_url:
        slug = run.news_url.rstrip("/").rsplit("/", 1)[-1]
        out["news"] = folder / "site" / VILLAGE / "berita" / slug / "index.html"
    out["feed"] = folder / "feed.html"
    out["outbox"] = folder / "outbox"
    out["report"] = folder / "laporan" / run.report_key
    return out


def main(argv: list[str] | None = None) -> int:
    from kabar.usecases.staff import add_staff

    from .stack import LocalStack

    parser = argparse.ArgumentParser(prog="kabar demo")
    parser.add_argument("--keep", action="store_true", help="keep the stack running afterwards (Ctrl-C stops)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--out", default=".kabar/demo")
    args = parser.parse_args(argv)
    started = time.monotonic()
    print("Kabar: satu kegiatan melewati seluruh SOP (one activity through the whole SOP)\n")
    quiet = {"POWERTOOLS_LOG_LEVEL": "WARNING"}  # the demo prints the steps; the JSON logs stay in tests
    with LocalStack(port=args.port, retry_delay_seconds=1, env=quiet) as stack:
        print(f"Tumpukan lokal berjalan (local stack up): {stack.base_url}\n")
        tokens = {role: add_staff(VILLAGE, role, name, email, svc=services())[1] for role, name, email in (
            ("submitter", "Sri Rahayu", "sri.rahayu@purwobinangun.desa.id"),
            ("admin", "Admin Media Purwobinangun", "admin@purwobinangun.desa.id"),
            ("reviewer", "PPID Purwobinangun", REVIEWER))}
        run = run_sop(stack, tokens)
        files = export(stack, run, Path(args.out))
        print("\nSelesai (done) dalam %.1f detik. Lihat hasilnya (where to look):" % (time.monotonic() - started))
        print(f"  Berita di website lokal (news page):   {run.news_url}\n      berkas (file): {files.get('news')}")
        print(f"  Umpan media sosial lokal (feed):       {run.feed_url}\n      berkas (file): {files['feed']}")
        print(f"  Kotak keluar email (outbox):           {stack.base_url}/_local/outbox\n"
              f"      berkas (files): {files['outbox']}")
        print(f"  Laporan bulanan (report):              s3://{stack.settings.reports_bucket}/{run.report_key}\n"
              f"      berkas (files): {files['report']} (.pdf, .xlsx di sampingnya / beside it)")
        ok = bool(run.news_url) and all(code == 200 for code in run.decisions) and files["report"].exists()
        if args.keep:
            print("\nTumpukan tetap berjalan; Ctrl-C untuk berhenti. (Stack kept running; Ctrl-C stops it.)")
            try:
                while True:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
        else:
            print("\nURL di atas aktif selama tumpukan berjalan: `kabar demo --keep` atau `kabar local`.\n"
                  "(The URLs above are live while a stack runs: `kabar demo --keep` or `kabar local`.)")
    if not ok:
        print("Demo TIDAK lengkap (the demo did not complete): lihat log di atas.", file=sys.stderr)
        return 1
    return 0


#: the reviewer's phone browser (a script's own user agent is refused the decision)
PHONE_BROWSER = ("Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
                 "Chrome/131.0.0.0 Mobile Safari/537.36")


def approve_as_a_person(http: Http, link: str, page: str):
    """TERIMA as the reviewer does it: the page's form, then the confirmation step ticked and pressed."""
    def field(html: str, name: str) -> str:
        found = re.search(rf'name="{name}" value="([^"]*)"', html)
        return found.group(1) if found else ""

    headers = {"User-Agent": PHONE_BROWSER}
    form = {"decision": "approve", "note": "", "form_token": field(page, "form_token"),
            "procedure": field(page, "procedure")}
    step = http.session.post(link, data=form, headers=headers, timeout=30)
    return http.session.post(link, data={**form, "confirm": field(step.text, "confirm"), "sure": "ya"},
                             headers=headers, timeout=30)
