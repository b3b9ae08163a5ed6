"""pytest plugin: the peak memory of each notebook's kernel, measured under nbval.

Loaded by the Makefile with ``-p tests.kernel_memory --kernel-memory-limit-mb=1800``.
After the last cell of a notebook, while its kernel still runs, the plugin reads the
kernel process's peak resident set size (``VmHWM`` in ``/proc/PID/status``, kept by
Linux for the life of the process, so no sampling is needed). A notebook above the limit
fails its last cell; the summary at the end lists every notebook's peak. Binder stops a
session at 2 GB, hence CI's limit of 1.8 GB.
"""

from pathlib import Path

import pytest

PEAKS = pytest.StashKey[dict]()


def peak_rss_mb(status_text: str) -> float:
    """Peak resident set size in MB (10^6 bytes) from the text of ``/proc/PID/status``.

    Raises ``ValueError`` when the text has no ``VmHWM`` line (not Linux, or not a process).
    """
    for line in status_text.splitlines():
        if line.startswith("VmHWM:"):
            value, unit = line.split()[1:3]
            if unit != "kB":
                raise ValueError(f"status_text: VmHWM in unexpected unit {unit!r}, expected kB")
            return int(value) * 1024 / 1e6
    raise ValueError("status_text: no VmHWM line; is this /proc/PID/status of a Linux process?")


def pytest_addoption(parser):
    parser.addoption("--kernel-memory-limit-mb", type=float, default=None,
                     help="fail a notebook whose kernel's peak resident memory exceeds this many MB")


def pytest_configure(config):
    config.stash[PEAKS] = {}


def _kernel_pid(item):
    """The process id of the nbval kernel running ``item``'s notebook, or None."""
    kernel = getattr(item.parent, "kernel", None)
    if kernel is None or not kernel.is_alive():
        return None
    return kernel.km.provisioner.pid


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Read the kernel's peak before nbval stops it; fail the last cell above the limit."""
    last_cell = nextitem is None or nextitem.parent is not item.parent
    pid = _kernel_pid(item) if last_cell else None
    peak = None if pid is None else peak_rss_mb(Path(f"/proc/{pid}/status").read_text())
    result = yield
    if peak is not None:
        item.config.stash[PEAKS][str(item.parent.path)] = peak
        limit = item.config.getoption("--kernel-memory-limit-mb")
        if limit is not None and peak > limit:
            pytest.fail(f"{item.parent.path.name}: kernel peak memory {peak:.0f} MB exceeds the limit of {limit:.0f} MB",
                        pytrace=False)
    return result


def pytest_terminal_summary(terminalreporter, config):
    peaks = config.stash[PEAKS]
    if peaks:
        terminalreporter.section("peak kernel memory (resident, MB)")
        for path, peak in sorted(peaks.items()):
            terminalreporter.write_line(f"{peak:7.0f}  {Path(path).name}")
