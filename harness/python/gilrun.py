#!/usr/bin/env python3
"""gilrun.py - run one gilsim workload for real, under CPython's own GIL.

The gilsim harness measures the simulator against real runs.  For runtime
`cpython` the real run is this script: it runs the same workloads (primes,
countdown, sleep, custom, download, convoy) with the same concurrency models
(sequential, threads, processes, asyncio) using only the standard library,
and reports what `time` and IPython's %time would see, in the keys that
`gilsim run --format json` uses.

Protocol
--------
Started with an argument vector, never through a shell:

    python3 harness/python/gilrun.py            (no arguments)

stdin: ONE JSON object, the job:

    {"workload": "primes"|"countdown"|"sleep"|"custom"|"download"|"convoy",
     "model": "sequential"|"threads"|"processes"|"asyncio",
     "workers": W,               # int >= 1; optional for sequential (1)
     "switch_interval_s": 0.005, # optional: sys.setswitchinterval
     "tasks": [...],             # see below
     "download": {"host": H, "port": P, "sizes": [bytes, ...], "timeout_s": 30},
     "convoy": {"ops": M, "latency_s": L, "op_cpu_s": c, "cpu_threads": K, "cpu_s": X},
     "_test_kill_worker": true}  # tests only: task 0 SIGKILLs its worker
                                 # process (processes model only)

  tasks: primes    - ints >= 2 (value: least prime factor, reference trial
                     division);
         countdown - ints >= 0 (decrements);
         sleep     - seconds >= 0;
         custom    - a list per task of steps {"kind": K, "seconds": x},
                     K in cpu, sleep, io, cpu_nogil, thread;
         download  - file indices into download.sizes (value: bytes read);
         convoy    - optional; if given, a list of cpu_threads + 1 entries
                     (ignored).  Task 0 is the I/O thread, 1..K compute.

stdout: ONE JSON object, the result (nothing else is ever written there):

    {"wall_s", "user_s", "sys_s", "nvcsw", "nivcsw",   # measured section
     "python": "3.11.7", "gil": "new"|"none", "cores": n,
     "workload", "model", "workers", "switch_interval_s",
     "tasks": [{"task", "value", "tid", "started_s", "finished_s"}, ...],
     "calibration": {"countdown_per_s", "pbkdf2_per_s"}   # when measured
     "net": {"requests", "bytes", "max_in_flight", "busy_s"}  # download
     "convoy": {"ops", "time_s", "ops_per_s"}}                 # convoy

  The measured section starts after imports, job parsing and calibration and
  includes pool start-up and shut-down (the simulator models both).  wall_s
  is time.perf_counter over it; user_s, sys_s, nvcsw and nivcsw are deltas of
  getrusage(RUSAGE_SELF) + getrusage(RUSAGE_CHILDREN) over it (the worker
  processes are joined inside it, so their CPU is counted).  Task times are
  perf_counter seconds since its start: CLOCK_MONOTONIC on Linux, one clock
  for every process, so worker processes report on the same time line.  tid
  is the native id of the thread that ran the task (the worker process's pid
  for the processes model; the event-loop thread for asyncio).

Exit status: 0 and the result on stdout; 1 a task failed (a download error,
a worker process died, an internal error); 2 an invalid job or command line;
130 interrupted (SIGINT), after cancelling the pool and ending its workers.
Every failure writes one line to stderr, starting with "gilrun: ".

Choices, and why
----------------
cpu steps (custom, convoy) are a countdown loop of a count calibrated before
the measured section (decrements per CPU second of this thread), not a loop
until a perf_counter deadline: a deadline loop stops at a wall-clock time
whether or not it held the GIL, so under contention it would do *less* work
instead of taking longer.  The simulator's cpu step is an amount of work
done with the GIL held, which is what a fixed count is.

cpu_nogil steps are hashlib.pbkdf2_hmac("sha256", ...) with a calibrated
iteration count: SHA-256 in C inside one call that releases the GIL for its
whole length (_hashopenssl.c wraps PKCS5_PBKDF2_HMAC in
Py_BEGIN_ALLOW_THREADS), with constant memory.  hashlib.sha256 over a buffer
also drops the GIL, but a buffer that takes a second to hash is a gigabyte,
and hashing it in chunks would re-take the GIL between chunks, which the
simulator's step (drop, compute, take back) does not do.

io and sleep steps, and the convoy's blocking operations, are time.sleep:
a blocking system call (clock_nanosleep) around which CPython drops and
re-takes the GIL exactly as around a blocking read, without needing a peer
to answer.  In asyncio they are asyncio.sleep, as the simulator times them.

convoy runs through the model's pool like every other workload, as the
simulator does: tasks 0..K are submitted in order to W workers, so with
W >= K + 1 each gets its own thread (threads) or process (processes).

Never starts a shell or a subprocess; worker processes come from
multiprocessing's "fork" context.  Needs Python 3.9 or later
(shutdown(cancel_futures=True), asyncio.to_thread) and Linux or another
POSIX system (fork, getrusage).
"""

import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import platform
import resource
import signal
import socket
import sys
import threading
import time
from concurrent.futures.process import BrokenProcessPool

# Imported only by the jobs that use them (_load_modules), still before the
# measured section: asyncio alone costs more than the rest of these imports
# together, and the harness starts this script for every run.
asyncio = None
http = None
_prctl = None      # libc's prctl, for the processes model's workers
_POOL_PARENT = 0   # the pid that forks them

WORKLOADS = ("primes", "countdown", "sleep", "custom", "download", "convoy")
MODELS = ("sequential", "threads", "processes", "asyncio")
STEP_KINDS = ("cpu", "sleep", "io", "cpu_nogil", "thread")
JOB_KEYS = ("workload", "model", "workers", "switch_interval_s", "tasks", "download", "convoy",
            "_test_kill_worker")
READ_CHUNK = 256 * 1024  # bytes per read of a response body


class JobError(Exception):
    """The job description is invalid (exit 2)."""


class TaskError(Exception):
    """A task failed: a download error (exit 1).  One message argument so that
    it pickles back from a worker process unchanged."""


# ---- The job, shared with forked workers ---------------------------------

# Set before the pool starts; worker processes are forked and inherit them,
# so tasks travel as bare indices and nothing big is pickled.
JOB = None
T0 = 0.0          # perf_counter at the start of the measured section
RATE_CD = 0.0     # countdown decrements per CPU second
RATE_PB = 0.0     # pbkdf2 iterations per CPU second


# ---- Reference workloads ----------------------------------------------------

def least_prime_factor(n):
    # The reference trial division, exactly as the simulator counts it.
    if n % 2 == 0:
        return 2
    i = 3
    while i * i <= n:
        if n % i == 0:
            return i
        i += 2
    return n


def countdown(n):
    while n > 0:
        n -= 1


def cpu_work(seconds):
    """Pure-Python work worth `seconds` of this host's CPU, GIL held."""
    countdown(int(round(RATE_CD * seconds)))


def nogil_work(seconds):
    """C work worth `seconds` of CPU, in one call that drops the GIL."""
    n = int(round(RATE_PB * seconds))
    if n >= 1:
        hashlib.pbkdf2_hmac("sha256", b"gilsim", b"salt", n)


# ---- Calibration (before the measured section) -------------------------------

def _cpu_clock():
    # The thread's own CPU time: another process on the host does not
    # inflate it, and it is what a cpu step stands for.
    return time.thread_time()


def _rate(fn, first, total_s, runs=5, warm_s=0.1):
    """Units per CPU second of fn(units).  Double the count until one call
    takes 2 ms (this also warms up the specialising interpreter), keep
    calling until warm_s of CPU has gone (a core that was idle runs the
    first tens of milliseconds markedly slower: a rate taken then was up
    to a third low, and every cpu step was worth less CPU than the
    scenario says), then time `runs` calls sharing total_s and keep the
    median rate: one disturbed or unusually lucky run does not set it."""
    n = first
    w0 = _cpu_clock()
    while True:
        c0 = _cpu_clock()
        fn(n)
        dt = _cpu_clock() - c0
        if dt >= 0.002:
            break
        n *= 2
    while _cpu_clock() - w0 < warm_s:
        fn(n)
    n = max(1, int(n / dt * total_s / runs))
    rates = []
    for _ in range(runs):
        c0 = _cpu_clock()
        fn(n)
        rates.append(n / max(_cpu_clock() - c0, 1e-9))
    return sorted(rates)[len(rates) // 2]


def calibrate(job):
    global RATE_CD, RATE_PB
    cal = {}
    steps = []
    if job["workload"] == "custom":
        steps = [s["kind"] for t in job["tasks"] for s in t]
    if job["workload"] == "convoy" or "cpu" in steps or "thread" in steps:
        RATE_CD = _rate(countdown, 10000, 0.05)
        cal["countdown_per_s"] = RATE_CD
    if "cpu_nogil" in steps:
        RATE_PB = _rate(lambda k: hashlib.pbkdf2_hmac("sha256", b"gilsim", b"salt", k), 1000, 0.03)
        cal["pbkdf2_per_s"] = RATE_PB
    return cal


# ---- Job validation --------------------------------------------------------

def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return (isinstance(v, (int, float)) and not isinstance(v, bool)
            and v == v and v not in (float("inf"), float("-inf")))


def _int(v, what, lo):
    if not _is_int(v) or v < lo:
        raise JobError("%s: expected an integer >= %d, got %s" % (what, lo, json.dumps(v)))
    return v


def _secs(v, what):
    if not _is_num(v) or v < 0:
        raise JobError("%s: expected a number of seconds >= 0, got %s" % (what, json.dumps(v)))
    return float(v)


def _list(v, what):
    if not isinstance(v, list):
        raise JobError("%s: expected a list, got %s" % (what, json.dumps(v)[:60]))
    return v


def _group(job, key, keys):
    g = job.get(key)
    if not isinstance(g, dict):
        raise JobError("%s: expected an object with %s" % (key, ", ".join(keys)))
    for k in g:
        if k not in keys:
            raise JobError("%s: unknown key %s" % (key, json.dumps(k)))
    return g


def parse_job(text):
    try:
        job = json.loads(text)
    except ValueError as e:
        raise JobError("not JSON: %s" % e)
    if not isinstance(job, dict):
        raise JobError("expected a JSON object")
    for k in job:
        if k not in JOB_KEYS:
            raise JobError("unknown key %s" % json.dumps(k))
    wl, model = job.get("workload"), job.get("model")
    if wl not in WORKLOADS:
        raise JobError("workload: expected one of %s, got %s" % (", ".join(WORKLOADS), json.dumps(wl)))
    if model not in MODELS:
        raise JobError("model: expected one of %s, got %s" % (", ".join(MODELS), json.dumps(model)))
    if "workers" in job or model != "sequential":
        _int(job.get("workers"), "workers", 1)
    else:
        job["workers"] = 1
    if "switch_interval_s" in job:
        si = job["switch_interval_s"]
        if not _is_num(si) or si <= 0:
            raise JobError("switch_interval_s: expected a number > 0, got %s" % json.dumps(si))
    kill = job.get("_test_kill_worker", False)
    if not isinstance(kill, bool):
        raise JobError("_test_kill_worker: expected true or false")

    if wl == "convoy":
        c = _group(job, "convoy", ("ops", "latency_s", "op_cpu_s", "cpu_threads", "cpu_s"))
        for k in ("ops", "latency_s", "op_cpu_s", "cpu_threads", "cpu_s"):
            if k not in c:
                raise JobError("convoy.%s: missing" % k)
        _int(c["ops"], "convoy.ops", 1)
        _int(c["cpu_threads"], "convoy.cpu_threads", 0)
        for k in ("latency_s", "op_cpu_s", "cpu_s"):
            _secs(c[k], "convoy." + k)
        n = c["cpu_threads"] + 1
        if "tasks" in job and len(_list(job["tasks"], "tasks")) != n:
            raise JobError("tasks: %d convoy tasks, expected cpu_threads + 1 = %d" % (len(job["tasks"]), n))
        job["tasks"] = list(range(n))
        return job

    tasks = _list(job.get("tasks"), "tasks")
    for i, t in enumerate(tasks):
        what = "tasks[%d]" % i
        if wl == "primes":
            _int(t, what, 2)
        elif wl == "countdown":
            _int(t, what, 0)
        elif wl == "sleep":
            tasks[i] = _secs(t, what)
        elif wl == "custom":
            for j, s in enumerate(_list(t, what)):
                sw = "%s[%d]" % (what, j)
                if not isinstance(s, dict) or set(s) != {"kind", "seconds"}:
                    raise JobError("%s: expected {\"kind\": ..., \"seconds\": ...}" % sw)
                if s["kind"] not in STEP_KINDS:
                    raise JobError("%s.kind: expected one of %s, got %s"
                                   % (sw, ", ".join(STEP_KINDS), json.dumps(s["kind"])))
                s["seconds"] = _secs(s["seconds"], sw + ".seconds")
    if wl == "download":
        d = _group(job, "download", ("host", "port", "sizes", "timeout_s"))
        if not isinstance(d.get("host"), str) or not d["host"]:
            raise JobError("download.host: expected a host name or address")
        if not _is_int(d.get("port")) or not 1 <= d["port"] <= 65535:
            raise JobError("download.port: expected an integer between 1 and 65535")
        sizes = _list(d.get("sizes"), "download.sizes")
        for i, s in enumerate(sizes):
            _int(s, "download.sizes[%d]" % i, 0)
        tmo = d.get("timeout_s", 30.0)
        if not _is_num(tmo) or tmo <= 0:
            raise JobError("download.timeout_s: expected a number of seconds > 0, got %s" % json.dumps(tmo))
        d["timeout_s"] = float(tmo)
        for i, t in enumerate(tasks):
            if not _is_int(t) or not 0 <= t < len(sizes):
                raise JobError("tasks[%d]: expected a file index between 0 and %d, got %s"
                               % (i, len(sizes) - 1, json.dumps(t)))
    return job


# ---- Downloads ---------------------------------------------------------------

def _why(e, timeout):
    """A short phrase for a network exception."""
    if isinstance(e, ConnectionRefusedError):
        return "connection refused"
    # asyncio's TimeoutError is the builtin one only from 3.11 on.
    if isinstance(e, (TimeoutError, socket.timeout)) or (asyncio and isinstance(e, asyncio.TimeoutError)):
        return "timed out (%gs)" % timeout
    if asyncio and isinstance(e, asyncio.IncompleteReadError):
        return "connection closed after %d of %d bytes" % (len(e.partial), e.expected)
    text = str(e).strip().replace("\n", " ")
    return "%s%s" % (type(e).__name__, ": " + text if text else "")


def _check_bytes(i, fi, got, want):
    if got != want:
        raise TaskError("download task %d (file %d): received %d bytes, expected %d" % (i, fi, got, want))


def download(i):
    """GET /file/<index> with http.client; returns (bytes, transfer start, end)."""
    d = JOB["download"]
    fi = JOB["tasks"][i]
    t0 = time.perf_counter() - T0
    conn = http.client.HTTPConnection(d["host"], d["port"], timeout=d["timeout_s"])
    try:
        conn.request("GET", "/file/%d" % fi)
        resp = conn.getresponse()
        if resp.status != 200:
            raise TaskError("download task %d (file %d): HTTP %d %s"
                            % (i, fi, resp.status, resp.reason))
        # readinto one buffer: no allocation per chunk.
        buf = memoryview(bytearray(READ_CHUNK))
        got = 0
        while True:
            n = resp.readinto(buf)
            if not n:
                break
            got += n
    except TaskError:
        raise
    except (OSError, http.client.HTTPException) as e:
        raise TaskError("download task %d (file %d) from %s:%d: %s"
                        % (i, fi, d["host"], d["port"], _why(e, d["timeout_s"])))
    finally:
        conn.close()
    _check_bytes(i, fi, got, d["sizes"][fi])
    return got, t0, time.perf_counter() - T0


async def _http_get_async(fi, d):
    """GET /file/<fi> over asyncio streams; returns the body's byte count."""
    tmo = d["timeout_s"]
    reader, writer = await asyncio.wait_for(asyncio.open_connection(d["host"], d["port"]), tmo)
    try:
        writer.write(("GET /file/%d HTTP/1.1\r\nHost: %s:%d\r\nAccept-Encoding: identity\r\n"
                      "Connection: close\r\n\r\n" % (fi, d["host"], d["port"])).encode("ascii"))
        await asyncio.wait_for(writer.drain(), tmo)
        status = (await asyncio.wait_for(reader.readline(), tmo)).decode("latin-1").split(None, 2)
        if len(status) < 2 or not status[0].startswith("HTTP/") or not status[1].isdigit():
            raise ValueError("bad status line %r" % " ".join(status))
        if status[1] != "200":
            raise TaskError("HTTP %s %s" % (status[1], status[2].strip() if len(status) > 2 else ""))
        length, chunked = None, False
        while True:
            line = await asyncio.wait_for(reader.readline(), tmo)
            if not line:
                raise ValueError("connection closed in the headers")
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        got = 0
        if chunked:
            while True:
                size = int((await asyncio.wait_for(reader.readline(), tmo)).split(b";")[0], 16)
                if size == 0:
                    while (await asyncio.wait_for(reader.readline(), tmo)) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                got += len(await asyncio.wait_for(reader.readexactly(size), tmo))
                await asyncio.wait_for(reader.readline(), tmo)
        else:
            # By Content-Length, or until the server closes without one.
            left = length
            while left is None or left > 0:
                data = await asyncio.wait_for(
                    reader.read(READ_CHUNK if left is None else min(READ_CHUNK, left)), tmo)
                if not data:
                    break
                got += len(data)
                if left is not None:
                    left -= len(data)
        return got
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def download_async(i):
    d = JOB["download"]
    fi = JOB["tasks"][i]
    t0 = time.perf_counter() - T0
    try:
        got = await _http_get_async(fi, d)
    except TaskError as e:
        raise TaskError("download task %d (file %d): %s" % (i, fi, e))
    except (OSError, ValueError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
        raise TaskError("download task %d (file %d) from %s:%d: %s"
                        % (i, fi, d["host"], d["port"], _why(e, d["timeout_s"])))
    _check_bytes(i, fi, got, d["sizes"][fi])
    return got, t0, time.perf_counter() - T0


# ---- One task -------------------------------------------------------------------

def run_task(i):
    """Task i in the calling thread.  Returns (value, extra)."""
    wl = JOB["workload"]
    t = JOB["tasks"][i]
    if wl == "primes":
        return least_prime_factor(t), None
    if wl == "countdown":
        countdown(t)
    elif wl == "sleep":
        time.sleep(t)
    elif wl == "custom":
        for s in t:
            k = s["kind"]
            if k in ("cpu", "thread"):   # no event loop: a thread step computes
                cpu_work(s["seconds"])
            elif k == "cpu_nogil":
                nogil_work(s["seconds"])
            else:
                time.sleep(s["seconds"])
    elif wl == "download":
        got, a, b = download(i)
        return got, (a, b)
    elif wl == "convoy":
        c = JOB["convoy"]
        if i == 0:
            # The I/O thread: a blocking call (GIL dropped), then a little Python.
            for _ in range(c["ops"]):
                time.sleep(c["latency_s"])
                cpu_work(c["op_cpu_s"])
        else:
            cpu_work(c["cpu_s"])
    return 0, None


async def run_task_async(i):
    """Task i as a coroutine of the one event loop.  Returns (value, extra)."""
    wl = JOB["workload"]
    t = JOB["tasks"][i]
    if wl == "sleep":
        await asyncio.sleep(t)
    elif wl == "custom":
        for s in t:
            k = s["kind"]
            if k == "cpu":
                cpu_work(s["seconds"])          # inline: blocks the loop
            elif k == "cpu_nogil":
                nogil_work(s["seconds"])        # inline too, GIL dropped
            elif k == "thread":
                await asyncio.to_thread(cpu_work, s["seconds"])
            else:                               # sleep, io: awaited timers
                await asyncio.sleep(s["seconds"])
    elif wl == "download":
        got, a, b = await download_async(i)
        return got, (a, b)
    elif wl == "convoy" and i == 0:
        c = JOB["convoy"]
        for _ in range(c["ops"]):
            await asyncio.sleep(c["latency_s"])
            cpu_work(c["op_cpu_s"])
    else:
        return run_task(i)                      # CPU-bound: runs inline
    return 0, None


def timed(i):
    """Run task i; the record a result lists.  Module-level so that a
    process pool can call it."""
    if JOB.get("_test_kill_worker") and JOB["model"] == "processes" and i == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    started = time.perf_counter() - T0
    value, extra = run_task(i)
    finished = time.perf_counter() - T0
    return i, value, threading.get_native_id(), started, finished, extra


async def timed_async(i):
    started = time.perf_counter() - T0
    value, extra = await run_task_async(i)
    finished = time.perf_counter() - T0
    return i, value, threading.get_native_id(), started, finished, extra


# ---- Models ------------------------------------------------------------------------

def _worker_init():
    # SIGINT is the parent's to handle: it cancels the pool and ends the
    # workers, and a worker's own KeyboardInterrupt traceback would only
    # clutter stderr.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Die with this script: a worker whose parent was killed (SIGKILL, or
    # PR_SET_PDEATHSIG when the harness that started us dies) would wait
    # for a task for ever.  One system call; ctypes was loaded before the
    # measured section.
    if _prctl is not None:
        _prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != _POOL_PARENT:
            os._exit(1)


def _abandon(ex):
    """Stop a pool after a failure or an interrupt without waiting for the
    tasks that are running: cancel what has not started, end the worker
    processes, reap them."""
    ex.shutdown(wait=False, cancel_futures=True)
    for p in multiprocessing.active_children():
        p.terminate()
    for p in multiprocessing.active_children():
        p.join(1.0)


def run_pool(ex, n):
    try:
        # SIGINT blocked while the pool starts its threads, which inherit
        # the mask: a SIGINT sent to the process can then only be delivered
        # to this thread, so its wait below is interrupted at once (one
        # delivered to a pool thread would only mark the handler as due,
        # and the wait would go on until a task ends).  Blocked during the
        # submissions too, so that none is cut half-way through the
        # executor's bookkeeping; one sent meanwhile is raised on unblocking.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            futs = [ex.submit(timed, i) for i in range(n)]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        # as_completed, so that the first failure ends the run at once.
        recs = [f.result() for f in concurrent.futures.as_completed(futs)]
    except BaseException:
        _abandon(ex)
        raise
    # Joins the threads / reaps the worker processes inside the measured
    # section, so that RUSAGE_CHILDREN counts the workers' CPU.
    ex.shutdown(wait=True)
    return recs


async def _async_main(n, workers):
    loop = asyncio.get_running_loop()
    # to_thread uses the default executor: W threads, like the simulator's pool.
    loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(max_workers=workers))
    return await asyncio.gather(*(timed_async(i) for i in range(n)))


def run_model(model, n, workers):
    if model == "sequential":
        return [timed(i) for i in range(n)]
    if model == "threads":
        return run_pool(concurrent.futures.ThreadPoolExecutor(max_workers=workers), n)
    if model == "processes":
        ctx = multiprocessing.get_context("fork")
        return run_pool(concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_worker_init), n)
    return asyncio.run(_async_main(n, workers))


# ---- Measurement ---------------------------------------------------------------------

def _usage():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (s.ru_utime + c.ru_utime, s.ru_stime + c.ru_stime,
            s.ru_nvcsw + c.ru_nvcsw, s.ru_nivcsw + c.ru_nivcsw)


def _net(recs):
    """Requests, bytes, the most transfers at once and the time with at least
    one active, from the transfers' [start, end] intervals."""
    ev = []
    for r in recs:
        ev.append((r[5][0], 1))
        ev.append((r[5][1], -1))
    ev.sort()
    active = peak = 0
    busy = 0.0
    since = 0.0
    for at, d in ev:
        if active == 0 and d > 0:
            since = at
        active += d
        peak = max(peak, active)
        if active == 0:
            busy += at - since
    return {"requests": len(recs), "bytes": sum(r[1] for r in recs),
            "max_in_flight": peak, "busy_s": busy}


def measure(job):
    global T0
    n = len(job["tasks"])
    u0 = _usage()
    T0 = time.perf_counter()
    recs = run_model(job["model"], n, job["workers"])
    wall = time.perf_counter() - T0
    u1 = _usage()

    recs = sorted(recs, key=lambda r: r[0])
    if [r[0] for r in recs] != list(range(n)):
        raise RuntimeError("tasks not run exactly once")
    res = {
        "wall_s": wall,
        # max(): float rounding must not make an idle section negative.
        "user_s": max(0.0, u1[0] - u0[0]),
        "sys_s": max(0.0, u1[1] - u0[1]),
        "nvcsw": u1[2] - u0[2],
        "nivcsw": u1[3] - u0[3],
        "python": platform.python_version(),
        "gil": "none" if getattr(sys, "_is_gil_enabled", lambda: True)() is False else "new",
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "workload": job["workload"],
        "model": job["model"],
        "workers": job["workers"],
        "switch_interval_s": sys.getswitchinterval(),
        "tasks": [{"task": r[0], "value": r[1], "tid": r[2], "started_s": r[3], "finished_s": r[4]}
                  for r in recs],
    }
    if job["workload"] == "download":
        res["net"] = _net(recs)
    if job["workload"] == "convoy":
        t = recs[0][4] - recs[0][3]
        ops = job["convoy"]["ops"]
        res["convoy"] = {"ops": ops, "time_s": t, "ops_per_s": ops / t if t > 0 else 0.0}
    return res


# ---- Entry point ---------------------------------------------------------------------

def _load_modules(job):
    global asyncio, http, _prctl, _POOL_PARENT
    if job["model"] == "asyncio":
        import asyncio
    elif job["workload"] == "download":
        import http.client
    if job["model"] == "processes" and sys.platform.startswith("linux"):
        try:
            import ctypes
            _prctl = ctypes.CDLL(None, use_errno=True).prctl
            _POOL_PARENT = os.getpid()
        except (ImportError, OSError, AttributeError):
            _prctl = None

def _fail(code, msg):
    sys.stderr.write("gilrun: %s\n" % " ".join(str(msg).split()))
    sys.stderr.flush()
    sys.stdout.flush()
    # os._exit: pool threads still computing (they cannot be interrupted) must
    # not hold up the exit the way interpreter shutdown would wait for them.
    os._exit(code)


def _on_sigint(signum, frame):
    raise KeyboardInterrupt


def main(argv):
    global JOB
    if sys.version_info < (3, 9):  # cancel_futures, asyncio.to_thread
        _fail(1, "needs Python 3.9 or later, this is %s" % platform.python_version())
    # Our own handler, not signal.default_int_handler: asyncio.run only takes
    # SIGINT over when it finds the default one, and its handler merely
    # cancels the main task at the next await, which a coroutine stuck in a
    # CPU step never reaches.  This one raises KeyboardInterrupt at once,
    # whatever the model.
    signal.signal(signal.SIGINT, _on_sigint)
    try:
        if len(argv) > 1:
            raise JobError("takes no arguments; write the job as JSON to stdin")
        try:
            text = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError as e:
            raise JobError("not UTF-8: %s" % e)
        JOB = parse_job(text)
        _load_modules(JOB)
        if "switch_interval_s" in JOB:
            sys.setswitchinterval(JOB["switch_interval_s"])
        cal = calibrate(JOB)
        res = measure(JOB)
        if cal:
            res["calibration"] = cal
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()
        return 0
    except JobError as e:
        _fail(2, "invalid job: %s" % e)
    except BrokenProcessPool as e:
        _fail(1, "worker process died: %s" % e)
    except TaskError as e:
        _fail(1, e)
    except KeyboardInterrupt:
        _fail(130, "interrupted")
    except Exception as e:  # one line, not a traceback, for the harness
        _fail(1, "internal error: %s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
