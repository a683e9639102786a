#!/usr/bin/env python3
"""faults.py - real runs under faults, for CTest.

    faults.py GILSIM SRCDIR WORKDIR CASE

CASE is one of:

  server               the download server is killed (SIGKILL) in the middle
                       of a transfer of `gilsim measure`: runtime c (threads,
                       asyncio) and cpython (threads, processes);
  worker               a worker process is killed in the middle of `gilsim
                       measure --model processes`: runtime c and cpython;
  output-measure, output-others
                       output files that cannot be written (a missing folder,
                       a directory, a read-only folder, an unreadable CSV to
                       append to, a device) for measure, and for validate,
                       sweep, calibrate and run: refused at once, exit 2;
  output-late          a folder made read-only during a run: exit 1 at the
                       end;
  interrupt-validate-c, interrupt-validate-py
                       ^C (SIGINT to the process group, as a terminal sends
                       it), SIGTERM and SIGKILL to the gilsim process alone,
                       in the middle of `gilsim validate --csv F --plot P`,
                       while a C (or a CPython) configuration is measured;
                       and ^Z then fg (SIGTSTP, SIGCONT to the group) before
                       ^C: every process stops and continues;
  interrupt-calibrate  the same in the middle of `gilsim calibrate -o F`,
                       in its C part and in its python3 part.

Every case checks what a user must be able to rely on: a clear message on
stderr (and nothing on stdout), the exit status (1 for a failed run, 2 for
an output refused before the run, death by the signal for an interrupt),
no process left behind, and every file the command was given, and the
project's data/ folder, byte for byte as before (SHA-256), with no
temporary file beside them.

How it stays robust on a loaded 2-core machine: every gilsim runs in a
session of its own (setsid), so "no process left" means no live process in
that session, whatever it was reparented to; in the session a small
launcher starts gilsim as a shell with job control does, in a process group
of its own, which gets the signals a terminal sends (^C, ^Z); faults are injected when a condition is seen
in /proc (the server holds an established connection, a worker process
exists, a temporary file exists), polled every 10 ms, never after a fixed
delay; the runs it interrupts would last many seconds if nothing happened
(tests/data/fault-*.cfg), and a refusal "before any long work" must come
within a bound that the run itself could not meet.  No timing of the host is
asserted.

As root, a read-only folder does not stop a process that has
CAP_DAC_OVERRIDE; those cases then run gilsim under setpriv without that
capability, and are skipped (saying so) where setpriv cannot.
"""
import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import time

GILSIM, SRC, WORK, CASE = sys.argv[1:5] if len(sys.argv) == 5 else (None,) * 4
DATA = os.path.join(SRC or ".", "tests", "data")
POLL = 0.01
GONE_WITHIN = 3.0     # s for killed processes to vanish after gilsim exits
REFUSED_WITHIN = 5.0  # s; the runs refused would need 7 s or more
RUN_LIMIT = 60.0      # s; any one gilsim command, whatever happens


class Fail(Exception):
    pass


def check(cond, what, run=None):
    if not cond:
        raise Fail(what + ("" if run is None else "\n" + run.describe()))


# ---- Processes ------------------------------------------------------------------

def session_procs(sid):
    """{pid: (comm, state, ppid)} of the live processes of session sid
    (zombies are dead: ignored)."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        r = st.rfind(")")
        comm = st[st.find("(") + 1:r]
        f = st[r + 2:].split()
        state, ppid, session = f[0], int(f[1]), int(f[3])
        if session == sid and state != "Z":
            out[int(d)] = (comm, state, ppid)
    return out


def wait_for(what, pred, run, timeout=20.0):
    """Poll pred() until it returns something true; fail if the run ends or
    timeout s pass first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        if run.p.poll() is not None:
            raise Fail("gilsim ended before %s\n%s" % (what, run.describe()))
        time.sleep(POLL)
    raise Fail("timed out waiting for %s\n%s" % (what, run.describe()))


def established_sockets(pid):
    """Inodes of pid's TCP sockets in state ESTABLISHED."""
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        return set()
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[3] == "01" and cols[9] in inodes:
                        found.add(cols[9])
        except OSError:
            pass
    return found


# ---- Files -----------------------------------------------------------------------

def snapshot(*roots):
    """{path: sha256} of every file under roots (files or folders)."""
    out = {}
    for root in roots:
        if os.path.isfile(root):
            paths = [root]
        else:
            paths = [os.path.join(d, n) for d, _, ns in os.walk(root) for n in ns]
        for p in paths:
            try:
                with open(p, "rb") as f:
                    out[p] = hashlib.sha256(f.read()).hexdigest()
            except OSError as e:
                out[p] = "unreadable: %s" % e
    return out


def same(before, after, what, run):
    if before != after:
        changed = sorted(set(before) ^ set(after)) + sorted(
            p for p in set(before) & set(after) if before[p] != after[p])
        raise Fail("%s changed: %s\n%s" % (what, ", ".join(changed), run.describe()))


def fresh_dir(name):
    d = os.path.join(WORK, name)
    if os.path.exists(d):
        for root, dirs, _ in os.walk(d):
            for x in dirs:
                os.chmod(os.path.join(root, x), 0o755)
        shutil.rmtree(d)
    os.makedirs(d)
    return d


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


# ---- Running gilsim ----------------------------------------------------------------

def can_drop_dac():
    """As root: a prefix that runs a command without CAP_DAC_OVERRIDE, so
    that permissions stop it as they stop a user; None if that cannot be
    done here.  Not root: the empty prefix."""
    if os.geteuid() != 0:
        return []
    cmd = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
    if not shutil.which("setpriv"):
        return None
    probe = fresh_dir("probe")
    os.chmod(probe, 0o555)
    try:
        r = subprocess.run(cmd + ["touch", os.path.join(probe, "x")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        os.chmod(probe, 0o755)
    return cmd if r.returncode != 0 else None


# Starts gilsim as a shell with job control starts a command: in a process
# group of its own, under a parent in another group of the same session
# (so that the group is not orphaned and ^Z stops it), then exits with
# gilsim's status, or 128 + N for death by signal N, as a shell reports it.
LAUNCHER = r"""
import os, sys
w = int(sys.argv[1])
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    os.close(w)
    os.execvp(sys.argv[2], sys.argv[2:])
try:
    os.setpgid(pid, pid)
except OSError:
    pass
os.write(w, b"%d" % pid)
os.close(w)
_, st = os.waitpid(pid, 0)
sys.exit(128 + os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st))
"""


class Run:
    """One gilsim command in a session of its own, started by LAUNCHER:
    pid is gilsim's (and its process group's), sid the session's."""

    def __init__(self, args, name, prefix=()):
        self.args = list(prefix) + [GILSIM] + args
        self.out = os.path.join(WORK, name + ".out")
        self.err = os.path.join(WORK, name + ".err")
        r, w = os.pipe()
        with open(self.out, "wb") as o, open(self.err, "wb") as e:
            self.p = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(w)] + self.args,
                                      stdout=o, stderr=e, stdin=subprocess.DEVNULL, cwd=WORK,
                                      start_new_session=True, pass_fds=(w,))
        os.close(w)
        with os.fdopen(r, "rb") as f:
            got = f.read()
        if not got:
            self.p.wait()
            raise Fail("the launcher did not start gilsim")
        self.pid = int(got)
        self.sid = self.p.pid
        self.started = time.monotonic()
        self.rc = None

    def procs(self):
        """gilsim and everything it started: the session, less the launcher."""
        return {p: v for p, v in session_procs(self.sid).items() if p != self.sid}

    def kill_everything(self):
        for p in list(session_procs(self.sid)):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass

    def finish(self, timeout=RUN_LIMIT):
        """Wait for gilsim, then for every process of its session to be
        gone, and only then read what was printed: a child left running
        would print after gilsim has ended (a python3 whose pipe is gone
        says so), and that must count."""
        try:
            self.rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill_everything()
            self.p.wait()
            raise Fail("gilsim did not end within %.0f s\n%s" % (timeout, self.describe()))
        self.took = time.monotonic() - self.started
        self.no_process_left()
        with open(self.out) as f:
            self.stdout = f.read()
        with open(self.err) as f:
            self.stderr = f.read()
        return self.rc

    def describe(self):
        text = "command: %s\nexit: %s" % (" ".join(self.args), self.rc)
        for name, path in (("stdout", self.out), ("stderr", self.err)):
            try:
                with open(path) as f:
                    text += "\n--- %s:\n%s" % (name, f.read()[-3000:])
            except OSError:
                pass
        return text

    def no_process_left(self):
        """Every process of the session gone (killed ones take a moment)."""
        end = time.monotonic() + GONE_WITHIN
        left = self.procs()
        while left and time.monotonic() < end:
            time.sleep(POLL)
            left = self.procs()
        if left:
            self.kill_everything()  # not to leave them to the next test
            raise Fail("processes left behind %.0f s after gilsim ended: %s\n%s" % (
                GONE_WITHIN, left, self.describe()))

    def failed_with(self, code, *needles):
        check(self.rc == code, "exit status %s, expected %d" % (self.rc, code), self)
        check(self.stdout == "", "stdout should be empty", self)
        for n in needles:
            check(n in self.stderr, "stderr lacks %r" % n, self)
        check("Traceback" not in self.stderr, "a traceback on stderr", self)

    def died_of(self, sig):
        # As a shell shows death by signal N: 128 + N (130 for ^C).
        ok = self.rc == 128 + sig
        check(ok, "exit status %s, expected death by signal %d" % (self.rc, sig), self)
        check(self.stdout == "", "stdout should be empty", self)
        # Nothing from gilsim or its children: they were killed, not left to
        # notice the interruption (a traceback, a broken pipe) on their own.
        check(self.stderr == "", "stderr should be empty", self)


def no_temporaries(folder, run):
    left = [n for n in os.listdir(folder) if ".tmp" in n]
    check(not left, "temporary files left in %s: %s" % (folder, left), run)


def say(text):
    print(text, flush=True)


# ---- (a) the download server killed ---------------------------------------------------

def case_server():
    for cfg, model in (("fault-download-c.cfg", "threads"), ("fault-download-c.cfg", "asyncio"),
                       ("fault-download-py.cfg", "threads"),
                       ("fault-download-py.cfg", "processes")):
        d = fresh_dir("server-%s-%s" % (cfg[:-4], model))
        csv = os.path.join(d, "m.csv")
        write(csv, "a,b\n1,2\n")
        before = snapshot(d)
        run = Run(["measure", os.path.join(DATA, cfg), "--model", model, "--repeat", "1",
                   "--csv", csv], "server")

        def server_sending():
            for pid, (comm, _, _) in run.procs().items():
                if comm == "gilsim-server" and established_sockets(pid):
                    return pid
            return None
        pid = wait_for("the server's first connection", server_sending, run)
        time.sleep(0.2)  # 1 ms of latency, then 2 s of transfer: in the middle of it
        os.kill(pid, signal.SIGKILL)
        run.finish()
        run.failed_with(1, "gilsim: measurement failed: download server (pid %d) was killed by "
                           "signal 9" % pid)
        same(before, snapshot(d), "the CSV", run)
        no_temporaries(d, run)
        say("ok: %s %s: the server killed mid-transfer: exit 1 after %.2f s; %s" % (
            cfg, model, run.took, run.stderr.strip().splitlines()[-1]))


# ---- (b) a worker process killed --------------------------------------------------------

def case_worker():
    def c_worker(run):
        ws = [p for p, (comm, _, _) in run.procs().items() if comm == "gilsim-worker"]
        return ws[0] if ws else None

    def py_worker(run):
        ps = run.procs()
        ws = [p for p, (comm, _, ppid) in ps.items()
              if comm.startswith("python") and ppid in ps and ps[ppid][0].startswith("python")]
        return ws[0] if ws else None

    for cfg, find, needles in (
            ("fault-countdown-c.cfg", c_worker,
             ("gilsim: measurement failed: worker process worker-", "was killed by signal 9")),
            ("fault-countdown-py.cfg", py_worker,
             ("gilrun: worker process died", "gilsim: measurement failed: python3"))):
        d = fresh_dir("worker-" + cfg[:-4])
        csv = os.path.join(d, "m.csv")
        write(csv, "a,b\n1,2\n")
        before = snapshot(d)
        run = Run(["measure", os.path.join(DATA, cfg), "--repeat", "1", "--csv", csv], "worker")
        pid = wait_for("a worker process", lambda: find(run), run)
        time.sleep(0.1)  # in the middle of its task
        os.kill(pid, signal.SIGKILL)
        run.finish()
        run.failed_with(1, *needles)
        same(before, snapshot(d), "the CSV", run)
        no_temporaries(d, run)
        say("ok: %s: a worker killed: exit 1 after %.2f s; %s" % (
            cfg, run.took, run.stderr.strip().splitlines()[-1]))


# ---- (c) outputs that cannot be written ---------------------------------------------------

def case_output(commands):
    drop = can_drop_dac()
    d = fresh_dir("output")
    adir = os.path.join(d, "adir")
    os.makedirs(os.path.join(adir, "inside"))
    os.makedirs(os.path.join(d, "p.png"))
    ro = os.path.join(d, "ro")
    os.makedirs(ro)
    write(os.path.join(ro, "kept.csv"), "a,b\n1,2\n")
    os.chmod(ro, 0o555)
    unreadable = os.path.join(d, "unreadable.csv")
    write(unreadable, "a,b\n1,2\n")
    os.chmod(unreadable, 0o200)
    missing = os.path.join(d, "no-such-folder", "x.csv")
    c_cfg = os.path.join(DATA, "fault-countdown-c.cfg")
    py_cfg = os.path.join(DATA, "fault-countdown-py.cfg")
    matrix = ["--models", "processes", "--workers", "2", "--cores", "1", "--repeat", "1"]
    cases = [
        ("measure --csv in a missing folder", ["measure", c_cfg, "--csv", missing], False,
         "cannot write '%s': no folder" % missing),
        ("measure --csv a directory", ["measure", py_cfg, "--csv", adir], False,
         "cannot write '%s': it is a directory" % adir),
        ("measure --csv a device", ["measure", c_cfg, "--csv", "/dev/null"], False,
         "cannot write '/dev/null': it is not a regular file"),
        ("measure --csv in a read-only folder", ["measure", c_cfg, "--csv",
                                                 os.path.join(ro, "m.csv")], True,
         "no permission to create files in '%s'" % ro),
        ("measure --csv an unreadable file", ["measure", c_cfg, "--csv", unreadable], True,
         "cannot read it to append to it"),
        ("validate --csv in a missing folder", ["validate", c_cfg] + matrix + ["--csv", missing],
         False, "cannot write '%s': no folder" % missing),
        ("validate --plot onto a directory", ["validate", py_cfg] + matrix +
         ["--plot", os.path.join(d, "p")], False, "it is a directory"),
        ("validate --csv in a read-only folder", ["validate", c_cfg] + matrix +
         ["--csv", os.path.join(ro, "kept.csv")], True, "no permission to create files in"),
        ("sweep --csv a directory", ["sweep", c_cfg, "--cores", "1,2", "--csv", adir], False,
         "it is a directory"),
        ("sweep --plot in a missing folder", ["sweep", c_cfg, "--plot", missing[:-4]], False,
         "no folder"),
        ("calibrate -o a directory", ["calibrate", "--quick", "-o", adir], False,
         "cannot write '%s': it is a directory" % adir),
        ("run --trace a directory", ["run", c_cfg, "--trace", adir], False,
         "cannot write trace '%s'" % adir),
    ]
    for what, args, needs_perms, needle in cases:
        if (args[0] == "measure") != (commands == "measure"):
            continue
        if needs_perms and drop is None:
            say("skipped: %s (root, and setpriv cannot drop CAP_DAC_OVERRIDE here)" % what)
            continue
        before = snapshot(d)
        run = Run(args, "output", drop if needs_perms else ())
        run.finish()
        run.failed_with(2, needle)
        check(run.took < REFUSED_WITHIN, "refused only after %.1f s: after the work?" % run.took,
              run)
        same(before, snapshot(d), "the test folder", run)
        no_temporaries(d, run)
        no_temporaries(ro, run)
        say("ok: %s: exit 2 in %.2f s: %s" % (what, run.took, run.stderr.strip().splitlines()[0]))


def case_output_late():
    """A folder that stops being writable while the run goes on: the run
    fails at the end (exit 1), the CSV as it was, no temporary."""
    drop = can_drop_dac()
    if drop is None:
        say("skipped: a folder made read-only during the run (root, no setpriv)")
        return
    late = fresh_dir("output-late")
    csv = os.path.join(late, "m.csv")
    write(csv, "a,b\n1,2\n")
    before = snapshot(late)
    run = Run(["measure", os.path.join(DATA, "fault-short-c.cfg"), "--repeat", "1", "--csv",
               csv], "output-late", drop)
    wait_for("the measuring process",
             lambda: any(c == "gilsim-measure" for c, _, _ in run.procs().values()), run)
    os.chmod(late, 0o555)
    try:
        run.finish()
    finally:
        os.chmod(late, 0o755)
    run.failed_with(1, "gilsim: cannot write '%s'" % csv)
    same(before, snapshot(late), "the CSV", run)
    no_temporaries(late, run)
    say("ok: the folder made read-only during the run: exit 1: %s" % run.stderr.strip())


# ---- (d) interrupted ----------------------------------------------------------------------

def interrupt(run, how):
    if how == "SIGINT to the group":
        os.killpg(run.pid, signal.SIGINT)
        return signal.SIGINT
    sig = signal.SIGKILL if how == "SIGKILL to gilsim" else signal.SIGTERM
    os.kill(run.pid, sig)
    return sig


def stopped_and_continued(run):
    """^Z (SIGTSTP to the group), then fg (SIGCONT to the group): the
    children, in groups of their own, must stop and continue with gilsim."""
    os.killpg(run.pid, signal.SIGTSTP)
    wait_for("every process of the run stopped", lambda: all(
        st == "T" for _, st, _ in run.procs().values()) and len(run.procs()) > 1, run)
    os.killpg(run.pid, signal.SIGCONT)
    wait_for("every process of the run continued", lambda: all(
        st != "T" for _, st, _ in run.procs().values()), run)


def case_interrupt_validate(runtime):
    def c_measuring(run):
        return any(c == "gilsim-worker" for c, _, _ in run.procs().values())

    def py_measuring(run):
        ps = run.procs()
        return any(c.startswith("python") and pp in ps and ps[pp][0].startswith("python")
                   for c, _, pp in ps.values())

    for cfg, busy in (("fault-countdown-%s.cfg" % runtime,
                       c_measuring if runtime == "c" else py_measuring),):
        # SIGKILL leaves gilsim no clean-up of its own: its children die
        # with it (PR_SET_PDEATHSIG), and it has written nothing yet.
        for how in ("SIGINT to the group", "SIGTERM to gilsim", "SIGKILL to gilsim",
                    "^Z, fg, then SIGINT to the group"):
            d = fresh_dir("interrupt-validate")
            csv, plot = os.path.join(d, "v.csv"), os.path.join(d, "v")
            write(csv, "an old validation\n")
            write(plot + ".png", "an old PNG\n")
            write(plot + ".svg", "an old SVG\n")
            before = snapshot(d)
            run = Run(["validate", os.path.join(DATA, cfg), "--models", "processes",
                       "--workers", "2", "--cores", "1", "--repeat", "2", "--csv", csv,
                       "--plot", plot], "interrupt-validate")
            wait_for("a measurement", lambda: busy(run), run)
            if how.startswith("^Z"):
                stopped_and_continued(run)
            sig = interrupt(run, "SIGINT to the group" if how.startswith("^Z") else how)
            run.finish()
            run.died_of(sig)
            same(before, snapshot(d), "--csv and --plot files", run)
            no_temporaries(d, run)
            say("ok: validate %s, %s: died of signal %d, files unchanged" % (cfg, how, sig))


def case_interrupt_calibrate():
    def tmp_exists(d):
        return lambda: any(".tmp" in n for n in os.listdir(d))

    def python_running(run):
        return lambda: any(c.startswith("python") for c, _, _ in run.procs().values())

    # python3 runs in a group of its own, so ^C in its part reaches gilsim
    # alone and ends the same way as SIGTERM does (validate tests both).
    for phase, how in (("its C part", "SIGINT to the group"),
                       ("its python3 part", "SIGTERM to gilsim")):
        d = fresh_dir("interrupt-calibrate")
        cal = os.path.join(d, "cal.cfg")
        write(cal, "# an old calibration\n")
        before = snapshot(d)
        run = Run(["calibrate", "--quick", "-o", cal], "interrupt-calibrate")
        if phase == "its C part":  # the temporary is made before any timing
            wait_for("the temporary file", tmp_exists(d), run)
        else:
            wait_for("python3", python_running(run), run)
        sig = interrupt(run, how)
        run.finish()
        run.died_of(sig)
        same(before, snapshot(d), "-o FILE", run)
        no_temporaries(d, run)
        say("ok: calibrate, %s in %s: died of signal %d, FILE unchanged" % (how, phase, sig))


CASES = {
    "server": case_server,
    "worker": case_worker,
    "output-measure": lambda: case_output("measure"),
    "output-others": lambda: case_output("others"),
    "output-late": case_output_late,
    "interrupt-validate-c": lambda: case_interrupt_validate("c"),
    "interrupt-validate-py": lambda: case_interrupt_validate("py"),
    "interrupt-calibrate": case_interrupt_calibrate,
}


def main():
    if CASE not in CASES:
        sys.stderr.write("usage: faults.py GILSIM SRCDIR WORKDIR %s\n" % "|".join(CASES))
        return 2
    os.makedirs(WORK, exist_ok=True)
    data = os.path.join(SRC, "data")
    before = snapshot(data)
    started = time.monotonic()
    try:
        CASES[CASE]()
        after = snapshot(data)
        if before != after:
            raise Fail("data/ changed: %s" % sorted(
                p for p in set(before) | set(after) if before.get(p) != after.get(p)))
    except Fail as e:
        print("FAIL: %s" % e, flush=True)
        return 1
    say("%s: passed in %.1f s" % (CASE, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
