"""Names for processes in claims and leases, and telling a dead process of this host from a live
one.

A name is `kind:host:pid:random`. A process that starts may take over at once what a process of
its own host held if that process no longer runs; on other hosts it waits for the lease to run
out (a process elsewhere cannot be asked).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable


def _host() -> str:
    return socket.gethostname()[:20].replace(":", "-")


def new_worker_id(kind: str) -> str:
    """A name for this process in claims and leases: host, process and a random part."""
    return f"{kind}:{_host()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it runs, as someone else
    return True


def dead_here(worker_ids: Iterable[str]) -> list[str]:
    """The names among these of processes of this host that no longer run."""
    dead = []
    host = _host()
    for worker_id in worker_ids:
        parts = worker_id.split(":")
        if len(parts) != 4 or parts[1] != host or not parts[2].isdigit():
            continue
        if int(parts[2]) != os.getpid() and not _runs(int(parts[2])):
            dead.append(worker_id)
    return dead
