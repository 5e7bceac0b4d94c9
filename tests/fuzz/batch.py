"""Run many generated programs in worker subprocesses, so a segfault is caught and reported.

    python -m tests.fuzz --n 10000            # all profiles, seeds 0..9999
    python -m tests.fuzz --profile arrays --start 500 --n 200 --jobs 2

A worker (`python -m tests.fuzz.batch worker PROFILE SEED...`) prints one JSON line as it
starts each program and one with its outcome. The parent reads them: a worker that dies
(a signal, an abort) or says nothing for `timeout` seconds is replaced, and the program
it had started is recorded as a "crash" or a "hang" with its source.
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.fuzz.generator import DEFAULT_DISABLED, PROFILES, Program, generate
from tests.fuzz.runner import FAILURES, Outcome

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class Report:
    counts: dict[str, Counter[str]] = field(default_factory=dict)   # profile -> status -> n
    rejections: Counter[str] = field(default_factory=Counter)       # message -> n
    failures: list[tuple[Program, Outcome]] = field(default_factory=list)

    def add(self, prog: Program, outcome: Outcome) -> None:
        self.counts.setdefault(prog.profile, Counter())[outcome.status] += 1
        if outcome.status == "rejected":
            self.rejections[_normalise(outcome.message)] += 1
        elif outcome.failed:
            self.failures.append((prog, outcome))

    @property
    def total(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for c in self.counts.values():
            out.update(c)
        return out

    def summary(self, top: int = 10) -> str:
        lines = []
        for profile, c in sorted(self.counts.items()):
            lines.append(f"{profile:8} {sum(c.values()):6} programs  " + "  ".join(
                f"{k}={v}" for k, v in sorted(c.items())))
        t = self.total
        n = sum(t.values())
        rejected = t["rejected"]
        failed = sum(t[k] for k in FAILURES)
        lines.append(f"total    {n:6} programs  ok={t['ok']}  failed={failed}  "
                     f"rejected={rejected} ({100.0 * rejected / max(n, 1):.2f} %)")
        if self.rejections:
            lines.append("top rejections:")
            for msg, k in self.rejections.most_common(top):
                lines.append(f"  {k:5}  {msg}")
        return "\n".join(lines)


def _normalise(message: str) -> str:
    """A rejection message without the parts that vary between programs."""
    import re

    return re.sub(r"\b[a-z]\d+\b", "_", message)[:160]


def seeds_for(profile: str, start: int, n: int) -> list[tuple[str, int]]:
    """(profile, seed) pairs: one profile, or all of them in turn."""
    if profile != "all":
        return [(profile, s) for s in range(start, start + n)]
    names = sorted(PROFILES)
    return [(names[s % len(names)], s) for s in range(start, start + n)]


def run_batch(work: list[tuple[str, int]], jobs: int = 1, timeout: float = 120.0,
              disabled: frozenset[str] = DEFAULT_DISABLED, memcheck: bool = False,
              progress: bool = False, deadline: float | None = None) -> Report:
    """Run every (profile, seed) in `jobs` worker processes; their outcomes.

    At `deadline` (a `time.time()`), no further program starts: the report holds those
    that finished (a long run on a shared machine still ends with its summary)."""
    report = Report()
    chunks = [work[i::jobs] for i in range(jobs)]
    lock = threading.Lock()
    done = [0]

    def drive(chunk: list[tuple[str, int]]) -> None:
        todo = list(chunk)
        while todo:
            finished = _run_worker(todo, timeout, disabled, memcheck, report, lock, done,
                                   progress, len(work), deadline)
            todo = todo[finished:]

    threads = [threading.Thread(target=drive, args=(c,)) for c in chunks if c]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return report


def _run_worker(todo: list[tuple[str, int]], timeout: float, disabled: frozenset[str],
                memcheck: bool, report: Report, lock: threading.Lock, done: list[int],
                progress: bool, total: int, deadline: float | None = None) -> int:
    """Run programs of `todo` in one worker until it ends or dies; how many it finished."""
    cmd = [sys.executable, "-m", "tests.fuzz.batch", "worker", ",".join(sorted(disabled)),
           "1" if memcheck else "0", *(f"{p}:{s}" for p, s in todo)]
    env = dict(os.environ, PYTHONFAULTHANDLER="1")
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    lines: queue.Queue[str | None] = queue.Queue()
    errors: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def read_err() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            errors.append(line)
            del errors[:-40]

    threading.Thread(target=read, daemon=True).start()
    threading.Thread(target=read_err, daemon=True).start()
    finished = 0
    started: tuple[str, int] | None = None
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            proc.kill()
            proc.wait()
            _record(report, lock, started, Outcome("hang", f"no answer in {timeout} s"),
                    disabled)
            return finished + 1
        if line is None:
            break
        msg: dict[str, Any] = json.loads(line)
        if "start" in msg:
            started = (msg["profile"], msg["start"])
            continue
        prog = generate(msg["seed"], msg["profile"], disabled)
        with lock:
            report.add(prog, Outcome(msg["status"], msg["message"]))
            done[0] += 1
            if progress and done[0] % 100 == 0:
                print(f"  {done[0]}/{total} {dict(report.total)}", flush=True)
        started = None
        finished += 1
        if deadline is not None and time.time() > deadline:
            proc.kill()
            proc.wait()
            return len(todo)
    code = proc.wait()
    if started is not None or (code != 0 and finished < len(todo)):
        where = started or todo[finished]
        tail = "".join(errors[-12:]).strip()
        _record(report, lock, where, Outcome("crash", f"exit code {code}\n{tail}"), disabled)
        return finished + 1
    return finished


def _record(report: Report, lock: threading.Lock, where: tuple[str, int] | None,
            outcome: Outcome, disabled: frozenset[str]) -> None:
    if where is None:
        return
    with lock:
        report.add(generate(where[1], where[0], disabled), outcome)


def _worker(argv: list[str]) -> None:
    from tests.fuzz.runner import balanced_allocations, run_source, set_memory_audit

    disabled = frozenset(x for x in argv[0].split(",") if x)
    if argv[1] == "1":
        set_memory_audit(balanced_allocations)
    for item in argv[2:]:
        profile, seed_s = item.split(":")
        seed = int(seed_s)
        print(json.dumps({"start": seed, "profile": profile}), flush=True)
        if os.environ.get("JITCORE_FUZZ_CRASH_SEED") == seed_s:  # tests the crash path
            import signal

            os.kill(os.getpid(), signal.SIGSEGV)
        prog = generate(seed, profile, disabled)
        try:
            outcome = run_source(prog.source, prog.args_src)
        except Exception as exc:  # noqa: BLE001 - the runner itself failed on this program
            outcome = Outcome("internal", f"runner: {type(exc).__name__}: {exc}"[:500])
        print(json.dumps({"seed": seed, "profile": profile, "status": outcome.status,
                          "message": outcome.message}), flush=True)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from tests.fuzz.generator import FEATURES

    ap = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    ap.add_argument("--n", type=int, default=1000, help="number of programs")
    ap.add_argument("--start", type=int, default=0, help="first seed")
    ap.add_argument("--profile", default="all", choices=["all", *sorted(PROFILES)])
    ap.add_argument("--jobs", type=int, default=max(1, min(2, os.cpu_count() or 1)))
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per program")
    ap.add_argument("--disable", default=",".join(sorted(DEFAULT_DISABLED)),
                    help=f"comma-separated features not to generate, of {', '.join(FEATURES)}")
    ap.add_argument("--memcheck", action="store_true",
                    help="also check that native allocations and releases balance")
    ap.add_argument("--reduce", action="store_true", help="reduce each failure")
    ap.add_argument("--out", default="fuzz-failures", help="folder for failing programs")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="seconds after which no further program starts (then the summary)")
    args = ap.parse_args(argv)
    disabled = frozenset(x for x in args.disable.split(",") if x)
    t0 = time.time()
    work = seeds_for(args.profile, args.start, args.n)
    deadline = None if args.time_limit is None else t0 + args.time_limit
    report = run_batch(work, args.jobs, args.timeout, disabled, args.memcheck, progress=True,
                       deadline=deadline)
    print(report.summary())
    print(f"{time.time() - t0:.0f} s")
    if report.failures:
        os.makedirs(args.out, exist_ok=True)
        for prog, outcome in report.failures:
            path = os.path.join(args.out, f"{prog.profile}-{prog.seed}.py")
            source = prog
            if args.reduce and outcome.status != "hang":
                from tests.fuzz.reduce import reduce_program

                source = reduce_program(prog, outcome)
            with open(path, "w") as fh:
                fh.write(f"# {outcome.status}: {outcome.message}\n".replace("\n", "\n# ")
                         .rstrip("# ") + "\n" + source.script())
            print(f"{outcome.status:9} {path}: {outcome.message.splitlines()[0][:150]}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        _worker(sys.argv[2:])
    else:
        sys.exit(main(sys.argv[1:]))
