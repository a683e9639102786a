#!/usr/bin/env python3
"""calibrate.py - time CPython primitives for `gilsim calibrate`.

Standard library only.  Started by the gilsim tool with an argument vector
(`python3 calibrate.py [--quick]`); prints one JSON object on stdout:

    {"python": "3.11.7", "quick": false,
     "div": {"ns": 40.1, "n": 5, "what": "..."}, ...}

Each entry is the median of n repeated timings, in nanoseconds per
operation.  Only primitives are timed (one loop iteration, one thread
start, one fork...), never a whole workload.
"""
import asyncio
import concurrent.futures
import json
import math
import multiprocessing
import os
import pickle
import platform
import queue
import resource
import statistics
import sys
import threading
import time

NS = time.perf_counter_ns

# The runner's own loops are timed where the runner has them (as the C
# calibration times the harness's loops): gilrun.py sits beside this file.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gilrun  # noqa: E402

# The primes workload's reference number (2^56 - 5).
N_PRIME = 72057594037927931


def median_of(fn, reps):
    """Median of reps calls of fn(), each returning ns per operation."""
    return statistics.median(fn() for _ in range(reps))


def trial_division(n, i):
    """The reference loop of the primes workload, from odd i on."""
    while i * i <= n:
        if n % i == 0:
            break
        i += 2
    return i


def div_ns(iters):
    # Start iters steps below sqrt(n), so that the exact reference loop
    # runs about iters iterations on operands of the real magnitude.
    r = math.isqrt(N_PRIME)
    start = (r - 2 * iters) | 1
    t0 = NS()
    end = trial_division(N_PRIME, start)
    t1 = NS()
    done = max(1, (end - start) // 2)
    return (t1 - t0) / done


def countdown_ns(iters):
    t0 = NS()
    gilrun.countdown(iters)
    return (NS() - t0) / iters


def noop(*_args):
    return None


def thread_costs(reps):
    create, join = [], []
    for _ in range(reps):
        t = threading.Thread(target=noop)
        t0 = NS()
        t.start()
        t1 = NS()
        t.join()
        t2 = NS()
        create.append(t1 - t0)
        join.append(t2 - t1)
    return statistics.median(create), statistics.median(join)


def fork_costs(reps):
    forks, exits = [], []
    for _ in range(reps):
        t0 = NS()
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        t1 = NS()
        os.waitpid(pid, 0)
        t2 = NS()
        forks.append(t1 - t0)
        exits.append(t2 - t1)
    return statistics.median(forks), statistics.median(exits)


def _cpu(who):
    r = resource.getrusage(who)
    return (r.ru_utime + r.ru_stime) * 1e9


def executor_run(workers):
    """Start a fork-context ProcessPoolExecutor of `workers` processes as
    gilrun.py's processes model does, run one noop task per worker, shut
    it down.  Returns (the parent's CPU ns, the children's CPU ns)."""
    ctx = multiprocessing.get_context("fork")
    s0, c0 = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    ex = concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    for f in [ex.submit(noop, i) for i in range(workers)]:
        f.result()
    ex.shutdown(wait=True)  # joins (waits for) every worker process
    return _cpu(resource.RUSAGE_SELF) - s0, _cpu(resource.RUSAGE_CHILDREN) - c0


def executor_costs(starts, tasks, k):
    """Medians over `starts` pool starts of 1 and of k workers: the
    parent's CPU for each, the CPU of one child; and the round trip of one
    task through a started one-worker pool."""
    ctx = multiprocessing.get_context("fork")
    p1, pk, child = [], [], []
    for _ in range(starts):
        p1.append(executor_run(1)[0])
        par, chi = executor_run(k)
        pk.append(par)
        child.append(chi / k)
    rtt = []
    ex = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx)
    try:
        ex.submit(noop).result()
        for _ in range(tasks):
            a = NS()
            ex.submit(noop, 12345, 67890).result()
            rtt.append(NS() - a)
    finally:
        ex.shutdown(wait=True)
    med = statistics.median
    return med(p1), med(pk), med(child), med(rtt)


def pickle_costs(reps, per):
    """ns to pickle and to unpickle one task message of a
    ProcessPoolExecutor (small args)."""
    from concurrent.futures.process import _CallItem
    from multiprocessing.reduction import ForkingPickler
    msg = _CallItem(0, noop, (12345, 67890), {})
    data = bytes(ForkingPickler.dumps(msg))

    def dumps():
        t0 = NS()
        for _ in range(per):
            ForkingPickler.dumps(msg)
        return (NS() - t0) / per

    def loads():
        t0 = NS()
        for _ in range(per):
            pickle.loads(data)
        return (NS() - t0) / per

    return median_of(dumps, reps), median_of(loads, reps)


async def _spinner(iters):
    for _ in range(iters):
        await asyncio.sleep(0)


async def _spinners(k, iters):
    await asyncio.gather(*(_spinner(iters) for _ in range(k)))


def asyncio_ns(k, iters):
    """ns per loop iteration with k coroutines each awaiting sleep(0)."""
    loop = asyncio.new_event_loop()
    try:
        t0 = NS()
        loop.run_until_complete(_spinners(k, iters))
        return (NS() - t0) / iters
    finally:
        loop.close()


def simplequeue_ns(per):
    q = queue.SimpleQueue()
    put, get = q.put, q.get
    t0 = NS()
    for _ in range(per):
        put(1)
        get()
    return (NS() - t0) / per


def main(argv):
    quick = "--quick" in argv[1:]
    reps = 3 if quick else 7
    out = {"python": platform.python_version(), "quick": quick}

    def put(key, ns, n, what):
        out[key] = {"ns": ns, "n": n, "what": what}

    # Size the division loop so that all repetitions take about 0.2 s.
    probe = div_ns(20000)
    budget = 0.05e9 if quick else 0.2e9
    iters = int(min(5e7, max(1e4, budget / reps / max(probe, 1.0))))
    put("div", median_of(lambda: div_ns(iters), reps), reps,
        "one iteration of `while i*i <= n: if n %% i == 0: ...; i += 2` "
        "for n = 72057594037927931, %d iterations per run" % iters)
    iters = int(min(5e7, max(1e4, budget / reps / max(countdown_ns(20000), 1.0))))
    put("countdown_step", median_of(lambda: countdown_ns(iters), reps), reps,
        "one step of `while n > 0: n -= 1`, %d steps per run" % iters)

    n = 20 if quick else 200
    c, j = thread_costs(n)
    put("thread_create", c, n, "threading.Thread(target=noop).start()")
    put("thread_join", j, n, "Thread.join() right after start()")

    n = 10 if quick else 60
    f, e = fork_costs(n)
    put("fork", f, n, "os.fork() until it returns in the parent")
    put("proc_exit", e, n, "child os._exit(0) and the parent's os.waitpid()")

    starts, tasks, k = (2, 50, 4) if quick else (5, 400, 4)
    p1, pk, child, rtt = executor_costs(starts, tasks, k)
    what = ("fork-context ProcessPoolExecutor(max_workers=%d) started, one noop task per "
            "worker, shut down")
    put("pool_parent_1", p1, starts, "the parent's CPU (user+sys): " + what % 1)
    put("pool_parent_k", pk, starts, "the parent's CPU (user+sys): " + what % k)
    put("pool_child_k", child, starts,
        "each worker process's CPU (user+sys, RUSAGE_CHILDREN / %d): " % k + what % k)
    out["pool_k"] = k
    put("pool_rtt", rtt, tasks,
        "ProcessPoolExecutor(max_workers=1).submit(noop, 12345, 67890).result(): one task "
        "and its result")

    per = 2000 if quick else 20000
    d, ld = pickle_costs(reps, per)
    put("pickle_dumps", d, reps, "ForkingPickler.dumps of a ProcessPoolExecutor task message (_CallItem), small args")
    put("pickle_loads", ld, reps, "pickle.loads of that message")

    iters = 2000 if quick else 20000
    k = 10
    one = median_of(lambda: asyncio_ns(1, iters), reps)
    many = median_of(lambda: asyncio_ns(k, iters), reps)
    put("loop_1", one, reps,
        "one event-loop iteration with 1 coroutine awaiting asyncio.sleep(0)")
    put("loop_k", many, reps,
        "one event-loop iteration with %d coroutines awaiting asyncio.sleep(0)" % k)
    out["loop_k_count"] = k

    per = 20000 if quick else 200000
    put("queue_pair", median_of(lambda: simplequeue_ns(per), reps), reps,
        "queue.SimpleQueue put(1) then get(), uncontended")

    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
