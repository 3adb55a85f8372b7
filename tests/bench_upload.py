"""`make bench BENCH=upload`: a learner's 15 MB attachment through gunicorn beside a raw write.

On PostgreSQL (DATABASE_URL) it builds a small cohort and starts gunicorn from the image's config
with one worker on loopback (`tests/bench_settings.py`; the file check is published to a broker
nobody consumes, as it runs on a worker in production). A file is sent as the browser sends it
(static/js/staged-uploads.js, core/staged_uploads.py): first on its own, as the body of
`POST /uploads/`, streamed from disk, then the answer form with only the file's token. Measured:

- the staged upload of 15 MB, from the first byte sent to the response, against writing the same
  bytes to a file in the same folder (the fastest of three writes each round; target <= 3x), in
  time and in the worker's CPU, and what the 15 MB cost beyond the same request with a 10 kB
  file;
- the worker's peak resident memory (VmHWM, reset before each upload) for 15 MB and 60 MB staged
  uploads (target: the same for both; `SUBMISSION_MAX_FILE_MB` is raised for the bench);
- the answer form sent with a staged 15 MB file against one with a staged 10 kB file (storing
  is a rename, so they should take about the same);
- as a secondary line, the old path: the answer form with the 15 MB file inside its multipart
  body (what a browser without JavaScript still sends).

As in a container, whose /tmp is not on the volume that holds the private files, gunicorn's
system temporary folder (TMPDIR) is on another file system than the private files (a folder in
/dev/shm when there is one). The sizes take turns, so a change in the machine's load hits both
alike. The worker's CPU is read around each POST alone (the page that gives its CSRF token is
fetched before). On a shared machine compare the CPU figures, and repeat a run when in doubt.
Writes `test-artifacts/bench/<vendor>-upload.json`.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.test.utils import setup_test_environment

from tests import bench  # sets Django up with the test settings
from tests.bench_traffic import gunicorn, session_cookie

MB = 1024 * 1024
ROUNDS = int(os.environ.get("BENCH_UPLOAD_ROUNDS", "5"))
SIZES_MB = (15, 60)
SMALL_KB = 10
CHUNK = 256 * 1024


def _worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _memory_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = int(value.split()[0])
    return fields


def _cpu_s(pid: int) -> float:
    """The process's CPU seconds so far: its main thread's run time in nanoseconds from
    schedstat where the kernel has it (/proc/<pid>/stat counts 10 ms ticks, coarser than the
    few milliseconds compared here), else user + system ticks."""
    schedstat = Path(f"/proc/{pid}/schedstat")
    if schedstat.exists():
        return int(schedstat.read_text().split()[0]) / 1e9
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _reset_peak(pid: int) -> None:
    # "5" resets the peak resident set size (VmHWM) to the current one (Linux 4.0+).
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _raw_write(source: Path, folder: Path) -> tuple[float, float]:
    """(seconds, CPU seconds) to write the file's bytes (already in memory) to a new file in
    `folder`: the fastest of three writes. On a freshly started virtual machine one write in
    several takes memory the machine has not touched yet, 5-8x slower (the upload between two
    writes takes the memory the last one freed), which would flatter the ratio."""
    data = source.read_bytes()
    target = folder / "raw-write.bin"
    best = (float("inf"), 0.0)
    for _ in range(3):
        cpu = time.process_time()
        start = time.perf_counter()
        with target.open("wb") as out:
            for offset in range(0, len(data), MB):
                out.write(data[offset : offset + MB])
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        target.unlink()
        best = min(best, (elapsed, cpu))
    return best


def _form_token(port: int, cookie: str, url: str) -> tuple[str, str]:
    """(the CSRF token of the phase page's form, the Cookie header with its CSRF cookie)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", url, headers={"Cookie": cookie})
    response = conn.getresponse()
    body = response.read().decode()
    assert response.status == 200, (url, response.status)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token, "no CSRF token on the phase page"
    csrf = re.search(
        rf"{settings.CSRF_COOKIE_NAME}=([^;]+)", response.getheader("Set-Cookie") or ""
    )
    if csrf:
        cookie = f"{cookie}; {settings.CSRF_COOKIE_NAME}={csrf.group(1)}"
    conn.close()
    return token.group(1), cookie


def upload(
    port: int, cookie: str, url: str, source: Path, form: tuple[str, str] | None = None
) -> float:
    """Seconds from the first byte of the multipart body to the response: the answer form with
    its text and one PDF attachment, the file streamed from disk in 256 kB chunks. `form` is
    what `_form_token` gives, fetched here when not given."""
    token, cookie = form or _form_token(port, cookie, url)
    boundary = "----bench" + os.urandom(8).hex()
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{token}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
        "Kehittämishaasteemme on matkaketjujen sujuvuus.\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
        f'filename="{source.name}"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = len(head) + source.stat().st_size + len(tail)

    def body() -> Iterator[bytes]:
        yield head
        with source.open("rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
        yield tail

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    conn.request(
        "POST",
        url,
        body=body(),
        headers={
            "Cookie": cookie,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(size),
            "Origin": f"http://127.0.0.1:{port}",
            "Referer": f"http://127.0.0.1:{port}{url}",
        },
        encode_chunked=False,
    )
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    assert response.status == 302, (response.status, response.getheader("Location"))
    return elapsed


def stage(
    port: int, cookie: str, url: str, source: Path, form: tuple[str, str] | None = None
) -> tuple[float, str]:
    """(seconds from the first byte of the body to the response, the token): the file alone as
    the body of `POST /uploads/`, streamed from disk in 256 kB chunks, as the page's script
    sends it. `form` is what `_form_token` gives, fetched here when not given."""
    token, cookie = form or _form_token(port, cookie, url)

    def body() -> Iterator[bytes]:
        with source.open("rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    conn.request(
        "POST",
        "/uploads/",
        body=body(),
        headers={
            "Cookie": cookie,
            "X-CSRFToken": token,
            "X-File-Name": quote(source.name),
            "Content-Type": "application/pdf",
            "Content-Length": str(source.stat().st_size),
            "Origin": f"http://127.0.0.1:{port}",
            "Referer": f"http://127.0.0.1:{port}{url}",
        },
        encode_chunked=False,
    )
    response = conn.getresponse()
    answer = response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    assert response.status == 201, (response.status, answer[:300])
    return elapsed, json.loads(answer)["token"]


def submit_staged(
    port: int, cookie: str, url: str, staged_token: str, form: tuple[str, str] | None = None
) -> float:
    """Seconds from the first byte to the redirect: the answer form as the browser sends it once
    its file was staged (multipart, the file input empty, the file's token in a hidden input).
    `form` is what `_form_token` gives, fetched here when not given."""
    token, cookie = form or _form_token(port, cookie, url)
    boundary = "----bench" + os.urandom(8).hex()
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{token}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'
        "Kehittämishaasteemme on matkaketjujen sujuvuus.\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments_staged"\r\n\r\n'
        f"{staged_token}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    conn.request(
        "POST",
        url,
        body=body,
        headers={
            "Cookie": cookie,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": f"http://127.0.0.1:{port}",
            "Referer": f"http://127.0.0.1:{port}{url}",
        },
    )
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    assert response.status == 302, (response.status, response.getheader("Location"))
    return elapsed


def _pdf(path: Path, megabytes: int) -> None:
    """A file that starts like a PDF, padded to the size (the check runs later, elsewhere)."""
    with path.open("wb") as out:
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        block = os.urandom(MB)
        for _ in range(megabytes):
            out.write(block)


def build(learners: int) -> tuple[int, list[object]]:
    """(the assignment's id, learners each with an experiment in the first phase)."""
    from learners.models import Membership
    from tests import factories
    from workshops import services

    course = factories.CourseFactory(title="Upload bench")
    cohort = factories.CohortFactory(course=course)
    assignment = factories.AssignmentFactory(workshop=factories.WorkshopFactory(course=course))
    people = []
    for n in range(learners):
        user = factories.UserFactory(email=f"upload{n}@example.fi")
        factories.MembershipFactory(cohort=cohort, user=user, role=Membership.Role.LEARNER)
        services.experiment_create(
            learner=user, workshop=assignment.workshop, cohort=cohort, title=f"Kokeilu {n}"
        )
        people.append(user)
    return assignment.pk, people


def main() -> None:
    import logging

    logging.getLogger("alueagentti.requests").setLevel(logging.WARNING)
    if connection.vendor != "postgresql":
        raise SystemExit("BENCH=upload needs PostgreSQL (DATABASE_URL): gunicorn shares the data")
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    system_tmp: Path | None = None
    private = work / "private"
    private.mkdir()
    results: dict[str, Any] = {}
    try:
        # Each answer needs its own learner (a sent version waits for review): two warm-ups,
        # the staged pairs, the multipart pairs and one learner for the memory readings.
        assignment, people = build(3 + 4 * ROUNDS)
        cookies = [session_cookie(p) for p in people]
        connection.close()
        url = f"/workshops/assignments/{assignment}/"
        files = {mb: work / f"answer-{mb}mb.pdf" for mb in SIZES_MB}
        for mb, path in files.items():
            _pdf(path, mb)
        small = work / "answer-small.pdf"
        small.write_bytes(b"%PDF-1.4\n" + os.urandom(SMALL_KB * 1024))
        env = {"BENCH_PRIVATE_ROOT": str(private), "SUBMISSION_MAX_FILE_MB": "100"}
        if Path("/dev/shm").is_dir():  # noqa: S108 -- a folder of our own in it, removed below
            system_tmp = Path(tempfile.mkdtemp(prefix="bench-upload-tmp-", dir="/dev/shm"))
            env["TMPDIR"] = str(system_tmp)
        who = iter(cookies)
        with gunicorn(workers=1, env=env) as (port, process):
            worker = _worker_pid(process.pid)
            # Warm: code loaded, connection open, `.incoming` made, both paths once.
            upload(port, next(who), url, files[15])
            warm = next(who)
            submit_staged(port, warm, url, stage(port, warm, url, files[15])[1])
            staged: dict[str, list[float]] = {"15": [], "small": []}
            submits: dict[str, list[float]] = {"15": [], "small": []}
            cpu = {"stage_15": 0.0, "stage_small": 0.0, "submit_15": 0.0, "submit_small": 0.0}
            raw = []
            for _ in range(ROUNDS):
                # The raw write takes its turn with the uploads, so the machine's load (other
                # work on a shared machine) hits both alike.
                raw.append(_raw_write(files[15], private))
                for key, source in (("15", files[15]), ("small", small)):
                    cookie = next(who)
                    # The page that gives the CSRF token is fetched outside the CPU readings:
                    # they are the POST's alone.
                    form = _form_token(port, cookie, url)
                    before = _cpu_s(worker)
                    elapsed, token = stage(port, cookie, url, source, form)
                    cpu[f"stage_{key}"] += (_cpu_s(worker) - before) / ROUNDS
                    staged[key].append(elapsed)
                    form = _form_token(port, cookie, url)
                    before = _cpu_s(worker)
                    submits[key].append(submit_staged(port, cookie, url, token, form))
                    cpu[f"submit_{key}"] += (_cpu_s(worker) - before) / ROUNDS
            # The old path, secondary: the file inside the form's multipart body.
            forms: dict[str, list[float]] = {"15": [], "small": []}
            cpu_form = {"15": 0.0, "small": 0.0}
            for _ in range(ROUNDS):
                for key, source in (("15", files[15]), ("small", small)):
                    cookie = next(who)
                    form = _form_token(port, cookie, url)
                    before = _cpu_s(worker)
                    forms[key].append(upload(port, cookie, url, source, form))
                    cpu_form[key] += (_cpu_s(worker) - before) / ROUNDS
            memory = {}
            memory_cookie = next(who)
            for mb in SIZES_MB:
                _reset_peak(worker)
                before_kb = _memory_kb(worker)
                stage(port, memory_cookie, url, files[mb])
                after_kb = _memory_kb(worker)
                memory[mb] = {
                    "rss_before_kb": before_kb["VmRSS"],
                    "peak_kb": after_kb["VmHWM"],
                    "peak_over_before_kb": after_kb["VmHWM"] - before_kb["VmRSS"],
                }
        incoming = private / ".incoming"
        waiting = sorted(p.stat().st_size for p in incoming.iterdir() if p.is_file())
        assert waiting, "nothing was staged"
        assert waiting[-1] >= 60 * MB, "the 60 MB file was not staged"
        med = statistics.median
        raw_s = med(r[0] for r in raw)
        raw_cpu = med(r[1] for r in raw)
        stage_s, stage_small_s = med(staged["15"]), med(staged["small"])
        results = {
            "staged_upload_15mb_ms": stage_s * 1000,
            "staged_upload_15mb_all_ms": [t * 1000 for t in staged["15"]],
            "staged_upload_small_ms": stage_small_s * 1000,
            "raw_write_15mb_ms": raw_s * 1000,
            "raw_write_cpu_ms": raw_cpu * 1000,
            "ratio": stage_s / raw_s,
            "bytes_ratio": (stage_s - stage_small_s) / raw_s,
            "worker_cpu_stage_15mb_ms": cpu["stage_15"] * 1000,
            "worker_cpu_stage_small_ms": cpu["stage_small"] * 1000,
            "cpu_ratio": cpu["stage_15"] / raw_cpu if raw_cpu else None,
            "bytes_cpu_ratio": (cpu["stage_15"] - cpu["stage_small"]) / raw_cpu
            if raw_cpu
            else None,
            "submit_staged_15mb_ms": med(submits["15"]) * 1000,
            "submit_staged_15mb_all_ms": [t * 1000 for t in submits["15"]],
            "submit_staged_small_ms": med(submits["small"]) * 1000,
            "submit_staged_small_all_ms": [t * 1000 for t in submits["small"]],
            "worker_cpu_submit_15mb_ms": cpu["submit_15"] * 1000,
            "worker_cpu_submit_small_ms": cpu["submit_small"] * 1000,
            "multipart_form_15mb_ms": med(forms["15"]) * 1000,
            "multipart_form_small_ms": med(forms["small"]) * 1000,
            "multipart_ratio": med(forms["15"]) / raw_s,
            "worker_cpu_multipart_15mb_ms": cpu_form["15"] * 1000,
            "memory": memory,
            "commit": bench._head(),
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "load": os.getloadavg()[0],
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(work, ignore_errors=True)
        if system_tmp is not None:
            shutil.rmtree(system_tmp, ignore_errors=True)
    r = results
    print(
        f"\n{connection.vendor}: 15 MB staged upload {r['staged_upload_15mb_ms']:.0f} ms (median "
        f"of {ROUNDS}), raw write {r['raw_write_15mb_ms']:.1f} ms: {r['ratio']:.2f}x (target "
        f"<= 3x); load {r['load']:.1f}"
    )
    print(
        f"  beyond the same request with a {SMALL_KB} kB file "
        f"({r['staged_upload_small_ms']:.0f} ms): "
        f"{r['staged_upload_15mb_ms'] - r['staged_upload_small_ms']:.0f} ms, "
        f"{r['bytes_ratio']:.2f}x the raw write"
    )
    print(
        f"  the worker's CPU: {r['worker_cpu_stage_15mb_ms']:.1f} ms for 15 MB "
        f"({r['cpu_ratio']:.2f}x the raw write's), "
        f"{r['worker_cpu_stage_small_ms']:.1f} ms for {SMALL_KB} kB; the 15 MB's own "
        f"{r['worker_cpu_stage_15mb_ms'] - r['worker_cpu_stage_small_ms']:.1f} ms = "
        f"{r['bytes_cpu_ratio']:.2f}x the raw write's {r['raw_write_cpu_ms']:.1f} ms"
    )
    print(
        f"  then the answer form with the staged file: {r['submit_staged_15mb_ms']:.0f} ms "
        f"(15 MB) vs {r['submit_staged_small_ms']:.0f} ms ({SMALL_KB} kB); the worker's CPU "
        f"{r['worker_cpu_submit_15mb_ms']:.0f} ms vs {r['worker_cpu_submit_small_ms']:.0f} ms"
    )
    for mb, m in r["memory"].items():
        print(
            f"  {mb} MB staged: worker peak {m['peak_kb'] / 1024:.1f} MB "
            f"({m['peak_over_before_kb'] / 1024:+.1f} MB over its resident size before)"
        )
    print(
        f"  secondary, the file inside the form (no JavaScript): {r['multipart_form_15mb_ms']:.0f}"
        f" ms, {r['multipart_ratio']:.1f}x the raw write ({r['multipart_form_small_ms']:.0f} ms "
        f"with {SMALL_KB} kB; the worker's CPU {r['worker_cpu_multipart_15mb_ms']:.0f} ms)"
    )
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    out = bench.RESULTS / f"{connection.vendor}-upload.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out.relative_to(settings.BASE_DIR)}")


if __name__ == "__main__":
    main()
