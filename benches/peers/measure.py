"""One timed run of one command in a fresh process: wall time, peak RSS, and how it ended.

A run is bounded: it is killed (with any process it started) when it passes the time limit or
when its resident memory passes the cap, so a runaway engine cannot take the machine down.
"""
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

# How often the watcher looks at the clock and at the child's memory.
WATCH_INTERVAL_S = 0.1


@dataclass
class Run:
    seconds: float
    # ru_maxrss of the child, from wait4: the most resident memory it held at any time.
    peak_rss_bytes: int
    # "ok", "exit N", "killed by signal N", "timeout after N s" or "over the N GB memory cap".
    outcome: str

    @property
    def ok(self):
        return self.outcome == "ok"


def resident_bytes(pid):
    """The process's resident memory now (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def kill_group(pid):
    """Kills the child and everything it started (it leads its own session)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def measure(argv, cwd, log_path, timeout_s, rss_cap_bytes):
    """Runs `argv` with standard output discarded and standard error in `log_path`."""
    with open(log_path, "wb") as log:
        start = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=log,
                                 start_new_session=True)
        stopped = threading.Event()
        reason = []

        def watch():
            while not stopped.wait(WATCH_INTERVAL_S):
                if time.perf_counter() - start > timeout_s:
                    reason.append(f"timeout after {timeout_s:g} s")
                elif rss_cap_bytes and resident_bytes(child.pid) > rss_cap_bytes:
                    reason.append(f"over the {rss_cap_bytes / 1e9:g} GB memory cap")
                else:
                    continue
                kill_group(child.pid)
                return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            # Wait without reaping, so the watcher can never signal a recycled process id.
            os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
            seconds = time.perf_counter() - start
        except BaseException:
            kill_group(child.pid)
            raise
        finally:
            stopped.set()
            watcher.join()
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in KiB.
    peak = usage.ru_maxrss * 1024
    if reason:
        return Run(seconds, peak, reason[0])
    if child.returncode == 0:
        return Run(seconds, peak, "ok")
    if child.returncode < 0:
        return Run(seconds, peak, f"killed by signal {-child.returncode}")
    return Run(seconds, peak, f"exit {child.returncode}")
