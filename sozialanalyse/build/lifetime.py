"""Worker processes of the build end with the build.

The build's process pools (the notebook workers of the local executor, the disclosure audit's
second process, ``verify``'s workers) are ``spawn``-ed by :class:`concurrent.futures.ProcessPoolExecutor`.
When the build ends normally, the pool tells its workers to stop. When the build's process is
killed (``kill PID``, an out-of-memory kill, a CI job's timeout), nobody does: an idle worker
waits for its next task forever, and with it its fork server and the kernels forked from that,
about 3.5 GB of a Land of 400 still held 11 minutes after a killed benchmark build (issue 19).

:func:`end_with_parent` is the pools' ``initializer``: a daemon thread of the worker waits on the
sentinel ``multiprocessing`` gives a spawned child of its parent (the end of a pipe only the
parent holds: readable once the parent is gone, however it ended) and then ends the worker at
once. What the worker started ends with it: a fork server reads the end of its input and
returns, its kernels and a fresh kernel watch their parent (ipykernel's ``parent_handle``).
"""
from __future__ import annotations

import os
import threading

__all__ = ["EXIT_CODE", "end_with_parent"]

#: The exit status of a worker whose build is gone (128 + SIGHUP, as a shell reports a hang-up).
EXIT_CODE = 129


def end_with_parent(then=None, *args) -> None:
    """Initializer of a worker process: end this process when its parent process ends; then run
    ``then(*args)``, the pool's own initializer if it has one. Does nothing (but ``then``) in a
    process that was not started by ``multiprocessing``."""
    import multiprocessing
    from multiprocessing.connection import wait

    parent = multiprocessing.parent_process()
    if parent is not None and parent.sentinel is not None:
        sentinel = parent.sentinel

        def watch() -> None:
            wait([sentinel])  # returns only when the parent's end of the pipe is closed
            os._exit(EXIT_CODE)

        threading.Thread(target=watch, name="sozialanalyse-end-with-parent", daemon=True).start()
    if then is not None:
        then(*args)
