"""The kernel-memory plugin reads a process's peak and fails a notebook above the limit."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.kernel_memory import peak_rss_mb


def test_peak_is_read_from_vmhwm_in_megabytes():
    status = "Name:\tpython\nVmPeak:\t 9000 kB\nVmHWM:\t  1953125 kB\nVmRSS:\t 1000 kB\n"
    assert peak_rss_mb(status) == pytest.approx(2000.0)


def test_status_without_peak_is_rejected():
    with pytest.raises(ValueError, match="no VmHWM"):
        peak_rss_mb("Name:\tpython\n")


def run_notebook_under_limit(tmp_path, limit_mb):
    notebook = tmp_path / "allocates.ipynb"
    cell = nbformat.v4.new_code_cell("import numpy as np\nx = np.ones(40_000_000)  # 320 MB\nprint(x.sum())")
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), notebook)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval-lax", "--nbval-current-env",
                           "-p", "no:cacheprovider", "-p", "tests.kernel_memory",
                           f"--kernel-memory-limit-mb={limit_mb}", str(notebook)],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parent.parent)


def test_notebook_above_the_limit_fails_and_below_passes(tmp_path):
    over = run_notebook_under_limit(tmp_path, 200)
    assert over.returncode != 0 and "exceeds the limit of 200 MB" in over.stdout
    under = run_notebook_under_limit(tmp_path, 1800)
    assert under.returncode == 0, under.stdout[-2000:]
    peak = float(under.stdout.split("peak kernel memory (resident, MB)")[1].split()[1])
    assert 320 < peak < 1800
