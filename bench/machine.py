"""The machine a benchmark ran on, in one line, for every script in bench/.

Scripts run as ``python bench/NAME.py``, so this folder is on ``sys.path`` and
they import it as ``from machine import describe``.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path


def _proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def describe() -> str:
    """CPU model, cores (usable), RAM, load average, Python and library versions, OS."""
    import numpy
    import pandas
    import scipy

    cpu = _proc_field("/proc/cpuinfo", "model name") or platform.processor() or platform.machine()
    mem = _proc_field("/proc/meminfo", "MemTotal")
    ram = f"{int(mem.split()[0]) / 2**20:.0f} GiB RAM" if mem else "RAM unknown"
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = f"load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (
        f"{cpu}, {cores} cores ({usable} usable), {ram}, {load}; Python "
        f"{platform.python_version()}, pandas {pandas.__version__}, numpy "
        f"{numpy.__version__}, scipy {scipy.__version__}; {platform.system()} "
        f"{platform.release()}"
    )


if __name__ == "__main__":
    print(describe())
