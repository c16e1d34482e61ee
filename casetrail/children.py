"""Child processes that do not outlive the process that started them.

On Linux the kernel sends the child SIGKILL when its parent dies (PR_SET_PDEATHSIG), so a
`casetrail up` killed with SIGKILL, or by the OOM killer, leaves no service holding its port.
Elsewhere the children are only stopped by a parent that lives to stop them.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def dying_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` binding the child's life to this process (None where not Linux).

    The kernel ties the signal to the thread that forks, so spawn from a thread that lives
    as long as the children should (the main thread of `casetrail up`)."""
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def bind() -> None:
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(127)  # a child that might outlive us is worse than none
        if os.getppid() != parent:  # the parent died before the binding took effect
            os._exit(1)

    return bind
