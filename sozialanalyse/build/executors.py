"""Where the notebooks run: the executor seam of the build (``sozialanalyse build --executor``).

Every notebook of a build is one :class:`Task` (template, parameters, project folder, the
environment its kernel needs). An executor runs the tasks and yields, in the order they finish,
each task with its :class:`Outcome` (the executed notebook, its timings) or the exception that
stopped it. The build (:func:`sozialanalyse.build.report.execute`) writes every executed notebook
into its content-addressed cache (``.cache/executed/<key>.ipynb``) itself, so the cache is the
same whichever executor ran the notebook.

``local`` (:class:`LocalExecutor`, the default)
    worker processes on this machine (``--jobs``), each with a pool of warm kernels
    (:mod:`sozialanalyse.build.kernels`): while one notebook runs, the next kernel is forked
    from the worker's fork server, which has imported the stack and loaded the district
    (:mod:`sozialanalyse.build.forkserver`; elsewhere it starts and imports the stack).
``dask`` (:class:`DaskExecutor`, ``--executor dask --scheduler tcp://host:8786``)
    every notebook is a task on a `Dask distributed <https://distributed.dask.org>`_ cluster
    (``pure=False``: always executed); the worker returns the executed notebook's bytes and
    timings, the build writes them into its cache. The workers must see the same project
    folder at the same path (a shared file system) and have the same Python environment, since
    a kernel runs the project's templates on the project's data.

Failures: an error in a cell comes back as a value (never retried) and is reported like a local
one, naming the page and the cell. Any other exception of a task (its kernel died, did not start)
is retried once (``retries=1``). A worker that dies while running a task is the scheduler's
business: it runs the task again on another worker as long as the task has killed no more than
``distributed.scheduler.allowed-failures`` workers (set it to 1 on the scheduler for "retried
once"); after that the build stops with a message naming the page. A scheduler that does not
answer within :data:`CONNECT_TIMEOUT` seconds is one line naming its address.
"""
from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from . import kernels
from .kernels import KERNEL_TIMEOUT, run_papermill
from .lifetime import end_with_parent

__all__ = ["CONNECT_TIMEOUT", "DaskExecutor", "ExecutorError", "LocalExecutor", "Outcome", "Task", "make",
           "run_task"]

#: Seconds to wait for a Dask scheduler before the build gives up.
CONNECT_TIMEOUT = 5


class ExecutorError(RuntimeError):
    """The executor cannot run the build (no scheduler, a task that killed its workers)."""


@dataclass(frozen=True)
class Task:
    """One notebook to execute: the template (absolute path), papermill's parameters, the
    project folder (the kernel's working directory), what the kernel's environment adds, the
    job's content key and its label (for messages)."""

    key: str
    label: str
    template: str
    parameters: dict
    cwd: str
    env: dict = field(default_factory=dict)
    prestart: bool = True       #: start the next warm kernel after taking this one
    log_dir: str | None = None  #: where the kernels' standard error goes (None: inherited)
    preload: tuple = ()         #: ``sa.load`` arguments a fork server loads once for its kernels


@dataclass
class Outcome:
    """What a worker sends back: the executed notebook (bytes; ``None`` when the worker wrote
    it to the path it was given), timings, and a cell's failure (a value, so that it is not
    retried)."""

    key: str
    notebook: bytes | None = None
    seconds: float = 0.0        #: the whole task in the worker
    kernel_wait: float = 0.0    #: what the task waited for its warm kernel
    kernel_start: float = 0.0   #: seconds the kernel took to answer (in the background if warm)
    kernel_warm: float = 0.0    #: seconds of the stack import in the kernel (idem)
    cells: list = field(default_factory=list)  #: (execution count, seconds, first line) per code cell
    failure: BaseException | None = None
    worker: str = ""


def _cell_times(nb) -> list:
    out = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        pm = cell.get("metadata", {}).get("papermill", {})
        if pm.get("duration") is None:
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        first = next((ln for ln in src.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
        out.append((cell.get("execution_count"), float(pm["duration"]), first.strip()[:80]))
    return out


def run_task(task: Task, output: str | None = None) -> Outcome:
    """Run one notebook on a warm kernel (this process's :func:`sozialanalyse.build.kernels.pool`)
    with papermill. With ``output`` the executed notebook is written there (the local workers
    write into the cache); without, its bytes are returned (a Dask worker). A failing cell is
    returned as :attr:`Outcome.failure`; anything else raises."""
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    wk, waited = kernels.pool(task.log_dir).take(task.cwd, task.env, prestart=task.prestart, preload=task.preload)
    path = output or os.path.join(task.cwd, ".cache", "executed", f"{task.key}.{os.getpid()}.{uuid.uuid4().hex}.tmp.ipynb")
    tmp = f"{path}.{os.getpid()}.tmp.ipynb" if output else path
    Path(tmp).parent.mkdir(parents=True, exist_ok=True)
    outcome = Outcome(key=task.key, kernel_wait=waited, kernel_start=wk.started, kernel_warm=wk.warmed,
                      worker=f"{os.uname().nodename}:{os.getpid()}")
    try:
        nb = run_papermill(task.template, tmp, parameters=task.parameters, cwd=task.cwd, progress_bar=False,
                           kernel_name="python3", execution_timeout=KERNEL_TIMEOUT, log_output=False, km=wk.km,
                           # written once at the end, not after every cell as papermill does by default
                           # (about 60 writes of the growing notebook, figures included, per profile)
                           request_save_on_cell_execute=False)
        outcome.cells = _cell_times(nb)
        if output:
            os.replace(tmp, output)
        else:
            outcome.notebook = Path(tmp).read_bytes()
        if wk.log:
            Path(wk.log).unlink(missing_ok=True)
    except PapermillExecutionError as exc:
        outcome.failure = exc
    finally:
        wk.shutdown()
        if os.path.exists(tmp):
            os.remove(tmp)
    outcome.seconds = time.perf_counter() - start
    return outcome


def _execute(task: Task, output: str) -> Outcome:
    """Worker of the local executor (a separate process): run one notebook on a warm kernel into
    ``output``. The kernels' chatter (their stderr) goes to a log beside the output
    (``<output>.log``), not to the console."""
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    log = open(output + ".log", "w", encoding="utf-8")  # noqa: SIM115 - kept open for the worker's life
    os.dup2(log.fileno(), 2)
    return run_task(task, output)


def _collect(futures: dict, finished, fatal=None) -> Iterator[tuple[Task, Outcome | BaseException | None]]:
    """The results of both executors, in the order ``finished`` yields the futures of
    ``futures`` (future -> :class:`Task`): each task with its :class:`Outcome` (a failing cell is
    in :attr:`Outcome.failure`), the exception that stopped it, or ``None`` if it was cancelled.
    The build names the page and the cell of a failure (``report._failure_message``).
    ``fatal(task, exc)`` may turn an exception into one that stops the whole run (raised, not
    yielded); it returns ``None`` for the others."""
    for fut in finished:
        task = futures[fut]
        if fut.cancelled():
            yield task, None
            continue
        try:
            result = fut.result()
        except BaseException as exc:  # noqa: BLE001 - reported with the job's name
            stop = fatal(task, exc) if fatal is not None else None
            if stop is not None:
                raise stop from None
            result = exc
        yield task, result


class LocalExecutor:
    """Worker processes on this machine (``spawn``), each running its notebooks on warm kernels."""

    name = "local"

    def __init__(self, jobs_n: int = 2):
        self.jobs_n = max(1, int(jobs_n))
        self._futures: dict = {}

    def workers(self, n_tasks: int) -> int:
        return max(1, min(self.jobs_n, n_tasks))

    def run(self, tasks: list[Task], outputs: dict[str, str]) -> Iterator[tuple[Task, Outcome | BaseException]]:
        """Run ``tasks``; each writes its notebook to ``outputs[task.key]``."""
        n = self.workers(len(tasks))
        # initializer: a worker (with its fork server and kernels) ends when the build is killed
        with ProcessPoolExecutor(max_workers=n, mp_context=get_context("spawn"), initializer=end_with_parent) as pool:
            self._futures = {pool.submit(_execute, t, outputs[t.key]): t for t in tasks}
            yield from _collect(self._futures, as_completed(self._futures))

    def cancel(self) -> None:
        for fut in self._futures:
            fut.cancel()

    def close(self) -> None:
        pass


class DaskExecutor:
    """The tasks on a Dask distributed cluster (``address``: the scheduler's, or a
    ``distributed.Client`` to use as it is)."""

    name = "dask"

    def __init__(self, address, timeout: float = CONNECT_TIMEOUT):
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - a dependency of the project
            raise ExecutorError("--executor dask needs the packages dask and distributed "
                                "(pip install 'dask[distributed]')") from None
        if isinstance(address, Client):
            self.client, self._own = address, False
            self.address = address.scheduler.address if address.scheduler else "?"
        else:
            self.address = str(address)
            try:
                self.client = Client(self.address, timeout=f"{timeout}s", set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ExecutorError(
                    f"no Dask scheduler answered at {self.address} within {timeout:g} s "
                    f"({type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}); "
                    "start one (`dask scheduler`, then `dask worker ADDRESS` on machines that see this "
                    "project folder) or build with --executor local") from None
            self._own = True
        self._futures: dict = {}

    def workers(self, n_tasks: int) -> int:
        try:
            n = len(self.client.scheduler_info(n_workers=-1)["workers"])
        except TypeError:  # older distributed: no n_workers
            n = len(self.client.scheduler_info()["workers"])
        except Exception:  # noqa: BLE001
            n = 0
        return max(1, min(n, n_tasks))

    def run(self, tasks: list[Task], outputs: dict[str, str]) -> Iterator[tuple[Task, Outcome | BaseException]]:
        """Run ``tasks`` on the cluster; each outcome carries its notebook's bytes (``outputs`` is
        not used: the build writes them)."""
        from distributed import as_completed as completed
        from distributed.scheduler import KilledWorker

        batch = uuid.uuid4().hex[:8]
        self._futures = {self.client.submit(run_task, t, None, key=f"sozialanalyse-{t.key[:16]}-{batch}",
                                            pure=False, retries=1): t for t in tasks}
        def killed(task: Task, exc: BaseException) -> ExecutorError | None:
            if not isinstance(exc, KilledWorker):
                return None
            self.cancel()
            return ExecutorError(
                f"{task.label}: the Dask worker running it died "
                f"{getattr(exc, 'allowed_failures', 0) + 1} time(s) (KilledWorker, last on "
                f"{getattr(getattr(exc, 'last_worker', None), 'address', '?')}); the build stopped. Look at the "
                "worker's log (memory limit? a notebook that ends its process?); the task ran again on "
                "another worker as often as the scheduler's distributed.scheduler.allowed-failures allows")

        yield from _collect(self._futures, completed(list(self._futures), loop=self.client.loop), fatal=killed)

    def cancel(self) -> None:
        futures = list(self._futures)
        if futures:
            self.client.cancel(futures)

    def close(self) -> None:
        if self._own:
            self.client.close()


def make(name: str = "local", jobs_n: int = 2, scheduler: str | None = None):
    """The executor ``name`` (``local`` or ``dask``)."""
    if name == "local":
        return LocalExecutor(jobs_n)
    if name == "dask":
        if not scheduler:
            raise ExecutorError("--executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
        return DaskExecutor(scheduler)
    raise ExecutorError(f"unknown executor {name!r} (local or dask)")
