"""Warm kernels: a notebook gets a Jupyter kernel that has already started and imported the stack.

Starting a Python kernel and importing the library stack (pandas, geopandas, matplotlib, the
package itself) costs every notebook the same: measured on the 2-core development machine, about
0.5 s for the kernel to answer and 1.5 s for the imports, before the notebook's first cell does
anything of its own. A :class:`KernelPool` (one per worker process) keeps one *spare* kernel
starting and importing in the background; a notebook takes the spare (waiting only for what is
left of its warm-up) and the next spare starts at once, so that while notebook *k* runs, kernel
*k + 1* warms.

Every notebook still runs in a fresh namespace: a kernel serves exactly one notebook and is shut
down after it. The warm-up imports the modules only (``sys.modules``), in a namespace of its own,
silently and without history, so the notebook's ``globals()``, its execution counts (from 1) and
its outputs are those of a kernel started for it alone (tests/test_executors.py checks both).

The kernel's own standard error (its chatter, a crash's last words) goes to a log file the pool
names (:attr:`WarmKernel.log`), not to the console.

On Linux the pool forks its kernels from a fork server that has imported the stack and loaded the
build's district (:mod:`sozialanalyse.build.forkserver`): no process start, no import and no
load per notebook. Where that is not available, turned off (``SOZIALANALYSE_KERNELS=fresh``) or
the server does not start, every kernel is started and warmed as described above.
"""
from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["KERNEL_TIMEOUT", "WARM_MODULES", "KernelPool", "WarmKernel", "pool", "run_papermill", "start_kernel"]

#: Imported by every spare kernel before it is handed out (what the template notebooks' setup
#: cell imports through ``import sozialanalyse as sa``; the heavy ones are named to be sure).
WARM_MODULES = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "shapely", "geopandas",
                "scipy.stats", "sozialanalyse")

#: The warm-up (:func:`_warm_code`): modules only, in a namespace of its own (``exec`` with a fresh dict), so nothing
#: is bound in the notebook's namespace.
def _warm_code(modules) -> str:
    # also: the kernel's own loggers to its log, not into a cell
    src = (f"import importlib\nfor _m in {tuple(modules)!r}:\n    importlib.import_module(_m)\n"
           "importlib.import_module('sozialanalyse.build.forkserver').kernel_logs_to_log()\n")
    return f"exec(compile({src!r}, '<warm-up>', 'exec'), {{}})"


START_TIMEOUT = 60

#: The client a kernel's manager hands to papermill (nbclient): an asynchronous one. With the
#: blocking client of a plain ``KernelManager``, nbclient waits for the kernel's output in a
#: blocking call that its check for a dead kernel never interrupts: a kernel that died in a cell
#: (a crash in a C library, ``os._exit``) hung the build. The warm-up uses a blocking client of its own.
#: It is jupyter_client's asynchronous client, closed with its kernel (:func:`release_clients`):
#: nbclient leaves the channels of a client it made for a kernel manager it was handed open, so
#: the client's zmq context was never destroyed (about 13 descriptors per notebook; after some
#: 80 notebooks a worker held descriptors above 1024, and with the common limit of 1024 open
#: files it could have opened none).
ASYNC_CLIENT = "sozialanalyse.build.kernels.NotebookClient"
#: Seconds a cell may run (papermill's ``execution_timeout``).
KERNEL_TIMEOUT = 600

#: Kernel start-up failures that say nothing about the notebook: jupyter_client picks free ports
#: and closes them before the kernel binds them, so two kernels starting at once can collide
#: ("Address already in use"; the client then reports the kernel did not respond).
_KERNEL_START_ERRORS = ("Kernel didn't respond", "Kernel died before replying", "Address already in use")


def run_papermill(*args, attempts: int = 3, pause: float = 1.0, **kwargs):
    """``papermill.execute_notebook``, started again (up to ``attempts`` times) when the kernel
    failed to start; an error in a cell is never retried (it is a ``PapermillExecutionError``).

    >>> import papermill
    >>> calls = []
    >>> def flaky(*a, **k):
    ...     calls.append(1)
    ...     if len(calls) == 1:
    ...         raise RuntimeError("Kernel didn't respond in 60 seconds")
    ...     return "ran"
    >>> real, papermill.execute_notebook = papermill.execute_notebook, flaky
    >>> try:
    ...     run_papermill("t.ipynb", "o.ipynb", pause=0), len(calls)
    ... finally:
    ...     papermill.execute_notebook = real
    ('ran', 2)
    """
    import papermill as pm  # papermill: heavy, loaded only when notebooks run

    return retry_start(lambda: pm.execute_notebook(*args, **kwargs), attempts, pause, say=True)


def retry_start(start, attempts: int, pause: float = 0.5, say: bool = False):
    """``start()``, called again (up to ``attempts`` calls in all) while it raises a kernel start
    error (:data:`_KERNEL_START_ERRORS`: two kernels starting at once can collide on a port, as
    jupyter_client picks free ports and closes them before the kernel binds them); waits
    ``pause`` seconds times the number of failed calls before the next. Any other exception, and
    the last call's, is raised as it is. ``say``: each retry is one line on standard error.

    >>> calls = []
    >>> def collide_once():
    ...     calls.append(1)
    ...     if len(calls) == 1:
    ...         raise RuntimeError("Address already in use")
    ...     return "started"
    >>> retry_start(collide_once, attempts=2, pause=0), len(calls)
    ('started', 2)
    """
    attempt = 1
    while True:
        try:
            return start()
        except RuntimeError as exc:
            if attempt >= attempts or not any(s in str(exc) for s in _KERNEL_START_ERRORS):
                raise
            attempt += 1
            if say:
                print(f"kernel start failed ({exc}); starting it again ({attempt}/{attempts})", file=sys.stderr)
            time.sleep(pause * (attempt - 1))


@dataclass
class WarmKernel:
    """A started kernel (``km``: a :class:`jupyter_client.KernelManager`) with its log, what it
    was started for (``cwd``, ``env``) and how long its start and warm-up took."""

    km: object
    cwd: str
    env: dict
    log: str | None
    started: float = 0.0        #: seconds until the kernel answered
    warmed: float = 0.0         #: seconds of the stack import inside the kernel
    error: BaseException | None = None
    preload: tuple = ()         #: the ``sa.load`` arguments its fork server loaded (a pool's spare)
    ready: threading.Event = field(default_factory=threading.Event)

    def shutdown(self) -> None:
        km = self.km
        if km is None:
            return
        self.km = None
        release_clients(km)
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            # jupyter_client kills the kernel, then polls every 0.1 s whether it has ended: a worker
            # lost 0.115 s per notebook, its core idle. The same kill of the kernel's process group
            # (the provisioner's), then a wait that returns when the kernel has ended (milliseconds).
            try:
                km.signal_kernel(signal.SIGKILL)
                process.wait(timeout=5)
            except Exception:  # noqa: BLE001 - shutdown_kernel below, and the kill after it
                pass
        try:
            if km.has_kernel:
                km.shutdown_kernel(now=True)
        except Exception as exc:  # noqa: BLE001 - a kernel that is gone already, or see below
            if process is not None and process.poll() is None:
                print(f"shutting down kernel {process.pid} failed ({type(exc).__name__}: {exc}); killing it",
                      file=sys.stderr)
        if process is not None and process.poll() is None:
            # never leave a kernel behind: each one holds the district and a share of a core
            try:
                process.kill()
                process.wait(timeout=10)
            except Exception as exc:  # noqa: BLE001
                print(f"kernel {process.pid} could not be killed ({type(exc).__name__}: {exc})", file=sys.stderr)
        try:
            km.cleanup_resources()
        except Exception:  # noqa: BLE001
            pass


def start_kernel(cwd: str, env: dict | None = None, log: str | None = None, warm: bool = True,
                 modules: tuple[str, ...] = WARM_MODULES, attempts: int = 1) -> WarmKernel:
    """Start a ``python3`` kernel in ``cwd`` with ``env`` (added to this process's environment)
    and, with ``warm``, import ``modules`` in it and send the kernel's own log records to its log
    (:func:`sozialanalyse.build.forkserver.kernel_logs_to_log`; ``modules=()``: only that). A
    start that failed for a port collision (:data:`_KERNEL_START_ERRORS`) is tried again, up to
    ``attempts`` times; raises what the last start raised (e.g. a ``RuntimeError`` "Kernel didn't
    respond")."""
    return retry_start(lambda: _start_kernel(cwd, env, log, warm, modules), attempts)


def _start_kernel(cwd: str, env: dict | None, log: str | None, warm: bool, modules: tuple[str, ...]) -> WarmKernel:
    from jupyter_client import KernelManager

    full_env = {**os.environ, **(env or {})}
    wk = WarmKernel(km=None, cwd=cwd, env=dict(env or {}), log=log)
    t0 = time.perf_counter()
    km = KernelManager(kernel_name="python3", client_class=ASYNC_CLIENT)
    # nbclient starts ipykernel with an in-memory history (no SQLite file shared by kernels)
    kwargs = {"cwd": cwd, "env": full_env, "extra_arguments": ["--HistoryManager.hist_file=:memory:"]}
    fh = None
    if log:
        Path(log).parent.mkdir(parents=True, exist_ok=True)
        fh = open(log, "ab")  # noqa: SIM115 - the kernel holds its own copy of the descriptor
        kwargs["stderr"] = fh
    try:
        km.start_kernel(**kwargs)
    finally:
        if fh is not None:
            fh.close()
    wk.km = km
    try:
        kc = km.blocking_client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=START_TIMEOUT)
            wk.started = time.perf_counter() - t0
            if warm:
                t1 = time.perf_counter()
                reply = kc.execute_interactive(_warm_code(modules), silent=True,
                                               store_history=False, allow_stdin=False, timeout=START_TIMEOUT * 5)
                if reply["content"].get("status") != "ok":
                    c = reply["content"]
                    raise RuntimeError(f"warm-up of the kernel failed: {c.get('ename')}: {c.get('evalue')}")
                wk.warmed = time.perf_counter() - t1
        finally:
            kc.stop_channels()
    except BaseException:
        wk.shutdown()
        raise
    return wk


class KernelPool:
    """One spare warm kernel per process, started in a background thread.

    :meth:`take` returns a warm kernel for ``(cwd, env)`` (the spare if it was started for the
    same, else a new one) and, with ``prestart``, starts the next spare at once. The caller runs
    one notebook on it and shuts it down (:meth:`WarmKernel.shutdown`). A spare left at the end
    is shut down when the process exits (or by :meth:`close`).
    """

    def __init__(self, log_dir: str | None = None, attempts: int = 3, fork: bool | None = None):
        from . import forkserver

        self.log_dir = log_dir
        self.attempts = attempts
        #: kernels forked by a :class:`~sozialanalyse.build.forkserver.ForkServer` (default: where
        #: :func:`~sozialanalyse.build.forkserver.available`); False after the server failed
        self.fork = forkserver.available() if fork is None else fork
        self._server = None
        self._server_lock = threading.Lock()
        self._spare: WarmKernel | None = None
        self._lock = threading.Lock()
        self._n = 0
        atexit.register(self.close)

    def _log(self) -> str | None:
        if not self.log_dir:
            return None
        self._n += 1
        return str(Path(self.log_dir) / f"kernel-{os.getpid()}-{self._n}.log")

    def _start_spare(self, cwd: str, env: dict, preload: tuple = ()) -> WarmKernel:
        wk = WarmKernel(km=None, cwd=cwd, env=dict(env), log=self._log(), preload=tuple(preload))

        def run():
            try:
                got = self._start_with_retries(cwd, env, wk.log, preload)
                wk.km, wk.started, wk.warmed = got.km, got.started, got.warmed
            except BaseException as exc:  # noqa: BLE001 - handed to the notebook that takes it
                wk.error = exc
            finally:
                wk.ready.set()

        threading.Thread(target=run, name="sozialanalyse-warm-kernel", daemon=True).start()
        return wk

    def _server_for(self, cwd: str, env: dict, preload: tuple):
        """The fork server for ``(cwd, env, preload)``: the running one, or a new one (the old
        one ended)."""
        from . import forkserver

        with self._server_lock:
            server = self._server
            if server is not None and not server.matches(cwd, env, preload):
                if not server.alive():
                    print(f"the fork server {server.process.pid} ended (exit code {server.process.returncode}); "
                          "starting a new one", file=sys.stderr)
                self._server = None
                server.close()
                server = None
            if server is None:
                log = str(Path(self.log_dir) / f"forkserver-{os.getpid()}.log") if self.log_dir else None
                server = self._server = forkserver.ForkServer(cwd, env, preload, log=log)
            return server

    def _start(self, cwd: str, env: dict, log: str | None, preload: tuple = ()) -> WarmKernel:
        """A kernel forked by this pool's fork server, or (no fork here, or the server failed:
        said once on standard error) one started and warmed as a process of its own."""
        if self.fork:
            from . import forkserver

            try:
                t0 = time.perf_counter()
                km = forkserver.start_kernel(self._server_for(cwd, env, preload), cwd, env, log,
                                             client_class=ASYNC_CLIENT)
                return WarmKernel(km=km, cwd=cwd, env=dict(env), log=log, started=time.perf_counter() - t0)
            except forkserver.ForkServerError as exc:
                self.fork = False
                print(f"forked kernels are off in this worker ({exc}); starting every kernel on its own",
                      file=sys.stderr)
        return start_kernel(cwd, env, log)

    def _start_with_retries(self, cwd: str, env: dict, log: str | None, preload: tuple = ()) -> WarmKernel:
        """:meth:`_start`, tried again on a kernel start error (:func:`retry_start`)."""
        return retry_start(lambda: self._start(cwd, env, log, preload), self.attempts)

    def take(self, cwd: str, env: dict | None = None, prestart: bool = True,
             preload: tuple = ()) -> tuple[WarmKernel, float]:
        """A warm kernel for ``cwd`` and ``env`` and the seconds this call waited for it.
        ``preload``: the ``sa.load`` arguments of the notebook, which a fork server loads once
        for all the kernels it forks (:mod:`sozialanalyse.build.forkserver`)."""
        env, preload = dict(env or {}), tuple(preload)
        t0 = time.perf_counter()
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            spare.ready.wait()
            if spare.error is not None or (spare.cwd, spare.env, spare.preload) != (cwd, env, preload):
                spare.shutdown()
                spare = None
        if spare is None:
            spare = self._start_with_retries(cwd, env, self._log(), preload)
        waited = time.perf_counter() - t0
        if prestart:
            with self._lock:
                if self._spare is None:
                    self._spare = self._start_spare(cwd, env, preload)
        return spare, waited

    def close(self) -> None:
        with self._lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            spare.ready.wait(timeout=START_TIMEOUT)
            spare.shutdown()
        with self._server_lock:
            server, self._server = self._server, None
        if server is not None:
            server.close()


#: A kernel manager's attribute holding its NotebookClients until :func:`release_clients`. Held
#: by the kernel manager, not weakly by this module: nbclient drops its client when papermill
#: returns, and a garbage collection before the kernel's shutdown ended the client with its
#: channels running; jupyter_client's ``__del__`` then keeps the client's zmq context and its
#: heartbeat thread (one CI run: 11 descriptors in 8 notebooks; the same run's workers also met
#: "Too many open files").
_HELD = "_sozialanalyse_clients"
_CLIENT_CLASS = None


def _notebook_client_class():
    global _CLIENT_CLASS
    if _CLIENT_CLASS is None:
        from queue import Empty

        from jupyter_client.asynchronous import AsyncKernelClient

        class NotebookClient(AsyncKernelClient):
            """jupyter_client's asynchronous client, known to :func:`release_clients`, whose
            wait for the kernel (nbclient's first step of every notebook) ends when the kernel
            has answered and its IOPub channel is connected."""

            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                if self.parent is not None:  # km.client(): released with its kernel
                    self.parent.__dict__.setdefault(_HELD, []).append(self)

            async def wait_for_ready(self, timeout: float | None = None) -> None:
                """jupyter_client's wait (ask ``kernel_info`` until the kernel replies on the
                shell channel and its IOPub channel carries a message), without the quiet
                period it waits for at its end: it read IOPub until no message came for 0.2 s,
                0.2 s per notebook in which kernel and worker did nothing. Here IOPub counts as
                connected when it carries the kernel's "idle" for the answered request, the
                kernel's last message for it (ipykernel publishes "busy", replies, then "idle"),
                so every message the kernel published before has been read too; later ones
                belong to no cell (nbclient takes a cell's output by its request's id)."""
                from jupyter_client.manager import KernelManager

                if not isinstance(self.parent, KernelManager):  # not ours: jupyter_client's
                    return await super().wait_for_ready(timeout)
                deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
                while True:
                    self.kernel_info()
                    try:
                        msg = await self.shell_channel.get_msg(timeout=1)
                    except Empty:
                        msg = None
                    if msg is not None and msg["msg_type"] == "kernel_info_reply" \
                            and await self._idle_after(msg["parent_header"].get("msg_id"), 0.2):
                        self._handle_kernel_info_reply(msg)
                        return
                    if not await self._async_is_alive():
                        raise RuntimeError("Kernel died before replying to kernel_info")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

            async def _idle_after(self, msg_id: str | None, timeout: float) -> bool:
                """Whether IOPub carries the kernel's "idle" after request ``msg_id`` within
                ``timeout`` seconds (reading every message before it)."""
                end = time.monotonic() + timeout
                while (left := end - time.monotonic()) > 0:
                    try:
                        msg = await self.iopub_channel.get_msg(timeout=left)
                    except Empty:
                        return False
                    if msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == msg_id \
                            and msg["content"].get("execution_state") == "idle":
                        return True
                return False

        NotebookClient.__module__ = __name__
        _CLIENT_CLASS = NotebookClient
    return _CLIENT_CLASS


def release_clients(km) -> int:
    """Stop the channels of every client of ``km`` (a notebook's kernel manager) still open and
    destroy the zmq context each made for itself; returns how many. Called with the kernel's
    shutdown (:meth:`WarmKernel.shutdown`)."""
    n = 0
    for client in km.__dict__.pop(_HELD, []):
        try:
            client.stop_channels()
        except Exception:  # noqa: BLE001 - channels of a kernel that is gone
            pass
        context = client.context
        if client._created_context and context is not None and not context.closed:
            context.destroy(linger=0)
        n += 1
    return n


def __getattr__(name):  # NotebookClient: jupyter_client loaded only when kernels start
    if name == "NotebookClient":
        return _notebook_client_class()
    raise AttributeError(name)


_POOL: KernelPool | None = None


def pool(log_dir: str | None = None) -> KernelPool:
    """This process's :class:`KernelPool` (created on first use; ``log_dir`` for the kernels' logs)."""
    global _POOL
    if _POOL is None:
        _POOL = KernelPool(log_dir)
    elif log_dir is not None:
        _POOL.log_dir = log_dir
    return _POOL
