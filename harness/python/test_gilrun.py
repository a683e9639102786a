#!/usr/bin/env python3
"""test_gilrun.py - tests of gilrun.py, the CPython side of gilsim's real runs.

Runs gilrun.py as a subprocess (sys.executable and an argument list, never a
shell), writes a small JSON job to its stdin and checks the one JSON result
on its stdout: every workload under every model it applies to, download
against a tiny HTTP/1.1 server in this process on an ephemeral 127.0.0.1
port, and the failures: invalid jobs (exit 2), download errors and a worker
process that dies (exit 1), SIGINT (exit 130).

Checks are about correctness only: results parse, carry the keys, every task
ran exactly once, prime factors and byte counts are exact.  No timing is
asserted; the jobs are small so that the whole file runs in a few seconds.

    python3 harness/python/test_gilrun.py [-v]
"""

import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

GILRUN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gilrun.py")
MODELS = ("sequential", "threads", "processes", "asyncio")
RESULT_KEYS = ("wall_s", "user_s", "sys_s", "nvcsw", "nivcsw", "python", "workers", "tasks")
TASK_KEYS = ("task", "value", "tid", "started_s", "finished_s")

# Least prime factors, all below 10^9 so each takes at most milliseconds.
# 999999937 is the largest prime below 10^9, 961748941 the 50,000,000th
# prime, 999634589 = 31607 x 31627.
PRIMES = {999999937: 999999937, 1000000: 2, 999999999: 3, 961748941: 961748941,
          999634589: 31607, 2: 2, 3: 3, 49: 7}

SIZES = [0, 1, 1000, 300000, 70000]  # the test server's files, in bytes


def start(job):
    """gilrun.py started with `job` (an object, or raw text) on its stdin."""
    text = job if isinstance(job, str) else json.dumps(job)
    p = subprocess.Popen([sys.executable, GILRUN], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdin.write(text.encode())  # a job is far smaller than a pipe's buffer
    p.stdin.close()
    p.stdin = None  # so that communicate() does not touch it again
    return p


def run_all(jobs, timeout=60):
    """Run the jobs at once (interpreter start-up dominates these small
    jobs); [(exit status, stdout, stderr)] in the order of jobs."""
    procs = [start(j) for j in jobs]
    out = []
    for p in procs:
        try:
            o, e = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
                q.communicate()
            raise
        out.append((p.returncode, o.decode(), e.decode()))
    return out


class FileHandler(http.server.BaseHTTPRequestHandler):
    """GET /file/<i>: SIZES[i] bytes (chunked when the server says so)."""
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        parts = self.path.split("/")
        if len(parts) != 3 or parts[1] != "file" or not parts[2].isdigit() \
                or int(parts[2]) >= len(SIZES):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"x" * SIZES[int(parts[2])]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if self.server.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for k in range(0, len(body), 4096):
                piece = body[k:k + 4096]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):
        pass  # keep the test output clean


class GilrunCase(unittest.TestCase):
    def ok(self, jobs, ntasks=None):
        """Run jobs that must succeed, at once; check the common shape of each
        result (a subtest per job); return the results (None for a failed one)."""
        results = []
        for job, (rc, out, err) in zip(jobs, run_all(jobs)):
            with self.subTest(model=job["model"], workload=job["workload"]):
                results.append(None)
                self.assertEqual(rc, 0, "exit %d, stderr: %s" % (rc, err))
                results[-1] = self.check(job, out, ntasks)
        return results

    def check(self, job, out, ntasks):
        self.assertEqual(out.count("\n"), 1, "stdout must be one JSON line: %r" % out[:200])
        res = json.loads(out)
        for k in RESULT_KEYS:
            self.assertIn(k, res)
        for k in ("wall_s", "user_s", "sys_s"):
            self.assertIsInstance(res[k], float)
            self.assertGreaterEqual(res[k], 0.0)
        for k in ("nvcsw", "nivcsw"):
            self.assertIsInstance(res[k], int)
        self.assertEqual(res["python"], "%d.%d.%d" % sys.version_info[:3])
        self.assertEqual(res["workers"], job.get("workers", 1))
        self.assertEqual((res["workload"], res["model"]), (job["workload"], job["model"]))
        n = len(job["tasks"]) if ntasks is None else ntasks
        self.assertEqual([t["task"] for t in res["tasks"]], list(range(n)),
                         "every task exactly once")
        for t in res["tasks"]:
            for k in TASK_KEYS:
                self.assertIn(k, t)
            self.assertGreaterEqual(t["started_s"], 0.0)
            self.assertLessEqual(t["started_s"], t["finished_s"])
            self.assertLessEqual(t["finished_s"], res["wall_s"])
        return res

    def fails(self, jobs, code, *phrases):
        """Run jobs that must fail with exit status `code` and one line on
        stderr containing every phrase."""
        for job, (rc, out, err) in zip(jobs, run_all(jobs)):
            with self.subTest(job=job):
                self.assertEqual(rc, code, "stderr: %s" % err)
                self.assertEqual(out, "", "nothing on stdout on failure")
                self.assertEqual(err.count("\n"), 1, "one line on stderr: %r" % err)
                self.assertTrue(err.startswith("gilrun: "), err)
                for p in phrases:
                    self.assertIn(p, err)


class Workloads(GilrunCase):
    def test_primes(self):
        nums = list(PRIMES)
        res = self.ok([{"workload": "primes", "model": m, "workers": 3, "tasks": nums} for m in MODELS])
        for m, r in zip(MODELS, res):
            if r:
                self.assertEqual([t["value"] for t in r["tasks"]], [PRIMES[n] for n in nums], m)

    def test_countdown(self):
        res = self.ok([{"workload": "countdown", "model": m, "workers": 2, "tasks": [10 ** 5] * 3}
                       for m in MODELS])
        for r in filter(None, res):
            self.assertEqual([t["value"] for t in r["tasks"]], [0, 0, 0])

    def test_sleep(self):
        self.ok([{"workload": "sleep", "model": m, "workers": 3, "tasks": [0.01] * 3} for m in MODELS])

    def test_custom(self):
        steps = [{"kind": k, "seconds": 0.003} for k in ("cpu", "sleep", "io", "cpu_nogil", "thread")]
        tasks = [steps, steps[:2], [], [{"kind": "thread", "seconds": 0.002}]]
        res = self.ok([{"workload": "custom", "model": m, "workers": 2, "tasks": tasks} for m in MODELS])
        for r in filter(None, res):
            self.assertGreater(r["calibration"]["countdown_per_s"], 0)
            self.assertGreater(r["calibration"]["pbkdf2_per_s"], 0)

    def test_switch_interval(self):
        res = self.ok([{"workload": "countdown", "model": "threads", "workers": 2,
                        "switch_interval_s": 0.001, "tasks": [1000, 1000]}])
        self.assertAlmostEqual(res[0]["switch_interval_s"], 0.001)

    def test_convoy(self):
        convoy = {"ops": 20, "latency_s": 0.001, "op_cpu_s": 5e-6, "cpu_threads": 1, "cpu_s": 0.1}
        res = self.ok([{"workload": "convoy", "model": m, "workers": 2, "convoy": convoy}
                       for m in MODELS], ntasks=2)
        for r in filter(None, res):
            c = r["convoy"]
            self.assertEqual(c["ops"], 20)
            self.assertGreater(c["time_s"], 0)
            self.assertAlmostEqual(c["ops_per_s"], 20 / c["time_s"])
            t0 = r["tasks"][0]
            self.assertAlmostEqual(c["time_s"], t0["finished_s"] - t0["started_s"])


def _unused_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens there now
    return port


class Download(GilrunCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FileHandler)
        cls.server.daemon_threads = True
        cls.server.chunked = False
        cls.port = cls.server.server_address[1]
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def job(self, model, tasks, sizes=SIZES, port=None, timeout_s=10):
        return {"workload": "download", "model": model, "workers": 3, "tasks": tasks,
                "download": {"host": "127.0.0.1", "port": port or self.port,
                             "sizes": sizes, "timeout_s": timeout_s}}

    def test_download(self):
        tasks = [0, 1, 2, 3, 4, 3]
        for r in filter(None, self.ok([self.job(m, tasks) for m in MODELS])):
            self.assertEqual([t["value"] for t in r["tasks"]], [SIZES[i] for i in tasks])
            self.assertEqual(r["net"]["requests"], len(tasks))
            self.assertEqual(r["net"]["bytes"], sum(SIZES[i] for i in tasks))
            self.assertGreaterEqual(r["net"]["max_in_flight"], 1)

    def test_download_chunked(self):
        # The asyncio model parses HTTP itself; http.client does the others'.
        self.server.chunked = True
        try:
            for r in filter(None, self.ok([self.job(m, [3, 2, 0]) for m in ("asyncio", "threads")])):
                self.assertEqual(r["net"]["bytes"], SIZES[3] + SIZES[2])
        finally:
            self.server.chunked = False

    def test_errors(self):
        sizes = list(SIZES)
        sizes[2] = 999
        self.fails([self.job(m, [2], sizes=sizes) for m in ("threads", "asyncio")], 1,
                   "file 2", "received 1000 bytes, expected 999")
        self.fails([self.job(m, [5], sizes=SIZES + [10]) for m in ("sequential", "asyncio")], 1,
                   "file 5", "HTTP 404")
        port = _unused_port()
        self.fails([self.job(m, [1], port=port) for m in MODELS], 1, "file 1", "refused")

    def test_timeout(self):
        # Listening but never accepting: the connection completes in the
        # backlog and the response never comes.
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        try:
            self.fails([self.job(m, [4], port=s.getsockname()[1], timeout_s=0.3)
                        for m in ("threads", "asyncio")], 1, "file 4", "timed out")
        finally:
            s.close()


def _children(pid):
    """Pids of the children of pid (Linux /proc; [] where it is missing)."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def _threads(pid):
    try:
        return len(os.listdir("/proc/%d/task" % pid))
    except OSError:
        return 0


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Failures(GilrunCase):
    def test_bad_jobs(self):
        bad = [
            "not json",
            "[]",
            {"workload": "primes", "model": "threads", "workers": 2},
            {"workload": "bogus", "model": "threads", "workers": 2, "tasks": []},
            {"workload": "primes", "model": "fibres", "workers": 2, "tasks": [3]},
            {"workload": "primes", "model": "threads", "tasks": [3]},
            {"workload": "primes", "model": "threads", "workers": 0, "tasks": [3]},
            {"workload": "primes", "model": "threads", "workers": 1, "tasks": [1]},
            {"workload": "primes", "model": "threads", "workers": 1, "tasks": [3], "extra": 1},
            {"workload": "sleep", "model": "threads", "workers": 1, "tasks": [-1]},
            {"workload": "custom", "model": "threads", "workers": 1,
             "tasks": [[{"kind": "nap", "seconds": 1}]]},
            {"workload": "download", "model": "threads", "workers": 1, "tasks": [1],
             "download": {"host": "127.0.0.1", "port": 80, "sizes": [1]}},
            {"workload": "download", "model": "threads", "workers": 1, "tasks": [0],
             "download": {"host": "127.0.0.1", "port": 80, "sizes": [1], "timeout_s": "soon"}},
            {"workload": "convoy", "model": "threads", "workers": 1,
             "convoy": {"ops": 1, "latency_s": 0.001}},
        ]
        # Each is refused by the parser (in this process, which is cheap);
        # a few go through the script too, for the exit status and message.
        sys.path.insert(0, os.path.dirname(GILRUN))
        sys.dont_write_bytecode = True  # no __pycache__ in the source tree
        import gilrun
        for job in bad:
            with self.subTest(job=job):
                with self.assertRaises(gilrun.JobError):
                    gilrun.parse_job(job if isinstance(job, str) else json.dumps(job))
        self.fails([bad[0], bad[4], bad[10]], 2, "invalid job")

    def test_arguments_refused(self):
        p = subprocess.run([sys.executable, GILRUN, "job.json"], input=b"{}",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(p.returncode, 2)

    def test_worker_dies(self):
        self.fails([{"workload": "primes", "model": "processes", "workers": 2,
                     "tasks": [999999937, 49], "_test_kill_worker": True}], 1, "worker process died")
        # Honoured by the processes model only.
        self.ok([{"workload": "primes", "model": "threads", "workers": 2,
                  "tasks": [49], "_test_kill_worker": True}])

    def test_interrupt(self):
        # Countdowns far longer than the test: only SIGINT ends them.  The
        # signal is sent once the pool is up (its threads or worker
        # processes exist), that is inside the measured section.
        procs = {m: start({"workload": "countdown", "model": m, "workers": 2, "tasks": [10 ** 10] * 4})
                 for m in ("threads", "processes")}
        # asyncio starts no thread of its own: a to_thread step first shows
        # that the loop runs, then a CPU step blocks it.
        procs["asyncio"] = start({"workload": "custom", "model": "asyncio", "workers": 2, "tasks": [
            [{"kind": "thread", "seconds": 0.001}, {"kind": "cpu", "seconds": 1000}]]})
        try:
            for m, p in procs.items():
                with self.subTest(model=m):
                    deadline = time.monotonic() + 30
                    kids = []
                    while p.poll() is None and time.monotonic() < deadline:
                        kids = _children(p.pid)
                        if (m == "threads" and _threads(p.pid) >= 3) or len(kids) >= 2 \
                                or (m == "asyncio" and _threads(p.pid) >= 2):
                            break
                        time.sleep(0.02)
                    time.sleep(0.05)
                    p.send_signal(signal.SIGINT)
                    out, err = p.communicate(timeout=20)
                    self.assertEqual(p.returncode, 130, err.decode())
                    self.assertEqual(out, b"")
                    self.assertEqual(err, b"gilrun: interrupted\n")
                    for k in kids:
                        self.assertFalse(_alive(k), "worker process %d left running" % k)
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.kill()
                    p.communicate()


if __name__ == "__main__":
    unittest.main()
