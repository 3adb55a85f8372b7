"""`make bench BENCH=upload`: a learner's 15 MB attachment through gunicorn beside a raw write.

On PostgreSQL (DATABASE_URL) it builds a small cohort, starts gunicorn from the image's config
with one worker on loopback (`tests/bench_settings.py`; the file check is published to a broker
nobody consumes, as it runs on a worker in production), and sends the phase answer form with one
attachment streamed from disk, as a browser does: the time from the first byte sent to the
redirect, against writing the same bytes to a file in the same folder. The worker's peak
resident memory (VmHWM, reset before each upload) is read for 15 MB and 60 MB
(`SUBMISSION_MAX_FILE_MB` is raised for the bench so the 60 MB file is stored too). Targets:
the upload <= 3x the raw write, the peak memory the same for both sizes. Writes
`test-artifacts/bench/<vendor>-upload.json`.

As in a container, whose /tmp is not on the volume that holds the private files, gunicorn's
system temporary folder (TMPDIR) is on another file system than the private files (a folder in
/dev/shm when there is one): an upload spooled there would be copied into storage, one spooled
beside the private files (core/uploads.py) is renamed. The 15 MB and the 10 kB uploads take
turns; besides the total, the bench reports what the 15 MB cost beyond the small file (the
bytes' own path: receiving, parsing, spooling, storing) against the raw write, in time and in
the worker's CPU. On a shared machine compare the CPU figures, and repeat a run when in doubt.
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
    """The process's user + system CPU seconds so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _reset_peak(pid: int) -> None:
    # "5" resets the peak resident set size (VmHWM) to the current one (Linux 4.0+).
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _raw_write(source: Path, folder: Path) -> tuple[float, float]:
    """(seconds, CPU seconds) to write the file's bytes (already in memory) to a new file in
    `folder`."""
    data = source.read_bytes()
    target = folder / "raw-write.bin"
    cpu = time.process_time()
    start = time.perf_counter()
    with target.open("wb") as out:
        for offset in range(0, len(data), MB):
            out.write(data[offset : offset + MB])
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    target.unlink()
    return elapsed, cpu


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


def upload(port: int, cookie: str, url: str, source: Path) -> float:
    """Seconds from the first byte of the multipart body to the response: the answer form with
    its text and one PDF attachment, the file streamed from disk in 256 kB chunks."""
    token, cookie = _form_token(port, cookie, url)
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
    results: dict[str, object] = {}
    try:
        runs = 1 + 2 * ROUNDS + len(SIZES_MB)
        assignment, people = build(runs)
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
        with gunicorn(workers=1, env=env) as (port, process):
            worker = _worker_pid(process.pid)
            upload(port, cookies[0], url, files[15])  # warm: code loaded, connection open
            # The two sizes take turns, so a change in the machine's load hits both alike.
            times, smalls, cpu_15, cpu_small = [], [], 0.0, 0.0
            for n in range(ROUNDS):
                cpu_before = _cpu_s(worker)
                times.append(upload(port, cookies[1 + 2 * n], url, files[15]))
                cpu_middle = _cpu_s(worker)
                smalls.append(upload(port, cookies[2 + 2 * n], url, small))
                cpu_15 += (cpu_middle - cpu_before) / ROUNDS
                cpu_small += (_cpu_s(worker) - cpu_middle) / ROUNDS
            raw = [_raw_write(files[15], private) for _ in range(ROUNDS)]
            memory = {}
            for n, mb in enumerate(SIZES_MB):
                _reset_peak(worker)
                before = _memory_kb(worker)
                upload(port, cookies[1 + 2 * ROUNDS + n], url, files[mb])
                after = _memory_kb(worker)
                memory[mb] = {
                    "rss_before_kb": before["VmRSS"],
                    "peak_kb": after["VmHWM"],
                    "peak_over_before_kb": after["VmHWM"] - before["VmRSS"],
                }
        stored = sorted(p.stat().st_size for p in private.rglob("*") if p.is_file())
        assert stored, "no file was stored"
        assert stored[-1] >= 60 * MB, "the 60 MB file was not stored"
        upload_s = statistics.median(times)
        small_s = statistics.median(smalls)
        raw_s = statistics.median(r[0] for r in raw)
        raw_cpu = statistics.median(r[1] for r in raw)
        results = {
            "upload_15mb_ms": upload_s * 1000,
            "upload_15mb_all_ms": [t * 1000 for t in times],
            "raw_write_15mb_ms": raw_s * 1000,
            "upload_small_ms": small_s * 1000,
            "upload_small_all_ms": [t * 1000 for t in smalls],
            "worker_cpu_15mb_ms": cpu_15 * 1000,
            "worker_cpu_small_ms": cpu_small * 1000,
            "raw_write_cpu_ms": raw_cpu * 1000,
            "cpu_ratio": cpu_15 / raw_cpu if raw_cpu else None,
            "ratio": upload_s / raw_s,
            # What the 15 MB cost beyond the same request with a small file: the bytes' path
            # (receiving, parsing, spooling, storing) without the request's fixed cost.
            "bytes_ratio": (upload_s - small_s) / raw_s,
            "bytes_cpu_ratio": (cpu_15 - cpu_small) / raw_cpu if raw_cpu else None,
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
    print(
        f"\n{connection.vendor}: 15 MB upload {results['upload_15mb_ms']:.0f} ms (median of "
        f"{ROUNDS}), raw write {results['raw_write_15mb_ms']:.1f} ms: "
        f"{results['ratio']:.1f}x (target <= 3x); load {results['load']:.1f}"
    )
    print(
        f"  the 15 MB beyond the same form with a {SMALL_KB} kB file: "
        f"{results['upload_15mb_ms'] - results['upload_small_ms']:.0f} ms, "
        f"{results['bytes_ratio']:.1f}x the raw write; in the worker's CPU "
        f"{results['worker_cpu_15mb_ms'] - results['worker_cpu_small_ms']:.0f} ms, "
        f"{results['bytes_cpu_ratio']:.1f}x the raw write's"
    )
    print(
        f"  the same form with a {SMALL_KB} kB file: {results['upload_small_ms']:.0f} ms; the "
        f"worker's CPU per upload: {results['worker_cpu_15mb_ms']:.0f} ms (15 MB), "
        f"{results['worker_cpu_small_ms']:.0f} ms ({SMALL_KB} kB); the raw write's CPU: "
        f"{results['raw_write_cpu_ms']:.0f} ms"
    )
    for mb, m in results["memory"].items():  # type: ignore[attr-defined]
        print(
            f"  {mb} MB: worker peak {m['peak_kb'] / 1024:.1f} MB "
            f"({m['peak_over_before_kb'] / 1024:+.1f} MB over its resident size before)"
        )
    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    out = bench.RESULTS / f"{connection.vendor}-upload.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written to {out.relative_to(settings.BASE_DIR)}")


if __name__ == "__main__":
    main()
