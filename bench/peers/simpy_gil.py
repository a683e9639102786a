#!/usr/bin/python3
"""simpy_gil.py - gilsim-bench scenario 1's machinery written for SimPy 2.

The peer of the benchmark: the same round-robin-plus-lock model as the
scenario, in the classic process-interaction style of SimPy 2.3
(`from SimPy.Simulation import ...`; Debian's python3-simpy), so that the
two engines' costs per event can be compared on the same input.

  cores   a Resource with one unit per core and a FIFO queue: the run
          queue of a round-robin scheduler.  A thread holds a core for at
          most one quantum of computing, then queues again at the back.
          Every dispatch costs ctx_switch.
  GIL     a Resource of one unit.  A thread that finds it taken gives its
          core back (it blocks) and waits for the GIL with a timeout of the
          switch interval (SimPy's renege: `yield (request, ...), (hold,
          ...)`).  A waiter that times out with no switch in between sets
          the drop request and interrupts the holder, which drops the GIL
          at its next check point (every gil_check ns of work) and queues
          for it again behind the others.  Either way the waiter needs a
          core again to go on.

Costs are gilsim's CPython defaults (ctx_switch 1500 ns, gil_check 200 ns,
rr_quantum 10 ms).  The run stops at --until-ns of simulated time; every
SimPy event processed (one step of the scheduler: a process resumed) is
counted.  Prints one line: events=N sim_s=X run_s=Y.

Run with the system Python that has SimPy 2 (/usr/bin/python3 on Debian).
"""
import argparse
import sys
import time

from SimPy.Simulation import (Process, Resource, Simulation, hold, release,
                              request)

CTX_SWITCH = 1500
GIL_CHECK = 200
RR_QUANTUM = 10_000_000


class CountingSimulation(Simulation):
    """A Simulation that counts the events it processes."""

    def __init__(self):
        Simulation.__init__(self)
        self.events = 0

    def step(self):
        self.events += 1
        return Simulation.step(self)


class Machine:
    def __init__(self, sim, cores, interval):
        self.sim = sim
        self.cores = Resource(capacity=cores, name="cores", sim=sim)
        self.gil = Resource(capacity=1, name="gil", sim=sim)
        self.interval = interval
        self.holder = None          # the PyThread holding the GIL
        self.last_holder = None
        self.switch_number = 0
        self.drop_request = False


class PyThread(Process):
    def __init__(self, m, name):
        Process.__init__(self, name=name, sim=m.sim)
        self.m = m
        self.has_gil = False
        self.computing = False

    def acquired_gil(self):
        m = self.m
        self.has_gil = True
        m.holder = self
        if m.last_holder is not self:
            m.last_holder = self
            m.switch_number += 1
        m.drop_request = False

    def run(self, work):
        m, sim = self.m, self.sim
        left = work
        while left > 0:
            yield request, self, m.cores          # the run queue
            yield hold, self, CTX_SWITCH
            if not self.has_gil:
                if m.gil.n > 0:
                    yield request, self, m.gil    # free: taken at once
                    self.acquired_gil()
                else:
                    seen = m.switch_number
                    yield release, self, m.cores  # block: the core is free
                    yield (request, self, m.gil), (hold, self, m.interval)
                    if self.acquired(m.gil):
                        self.acquired_gil()
                    elif m.switch_number == seen and not m.drop_request:
                        m.drop_request = True
                        h = m.holder
                        if h is not None and h.computing:
                            self.interrupt(h)
                    continue                      # back to the run queue
            run = min(left, RR_QUANTUM)
            dropping = m.drop_request
            if not dropping:
                start = sim.now()
                self.computing = True
                yield hold, self, run
                self.computing = False
                done = sim.now() - start
                if self.interrupted():
                    self.interruptReset()
                    # on to the next check point
                    to = (GIL_CHECK - done % GIL_CHECK) % GIL_CHECK
                    to = min(to, left - done)
                    if to > 0:
                        yield hold, self, to
                    done += to
                    dropping = True
                left -= done
            if dropping and left > 0:
                m.drop_request = False
                m.holder = None
                self.has_gil = False
                yield release, self, m.gil        # queue for it again
            yield release, self, m.cores          # round robin
        if self.has_gil:
            m.holder = None
            self.has_gil = False
            yield release, self, m.gil


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1000)
    ap.add_argument("--cores", type=int, default=64)
    ap.add_argument("--cpu-ns", type=int, default=1_000_000)
    ap.add_argument("--interval-ns", type=int, default=5000)
    ap.add_argument("--until-ns", type=int, default=20_000_000)
    a = ap.parse_args(argv)

    sim = CountingSimulation()
    m = Machine(sim, a.cores, a.interval_ns)
    for i in range(a.threads):
        t = PyThread(m, "worker-%d" % (i + 1))
        sim.activate(t, t.run(a.cpu_ns))
    t0 = time.perf_counter()
    sim.simulate(until=a.until_ns)
    run_s = time.perf_counter() - t0
    print("events=%d sim_s=%.9f run_s=%.6f" % (sim.events, sim.now() / 1e9, run_s))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
