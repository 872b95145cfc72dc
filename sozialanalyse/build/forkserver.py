"""Forked kernels: a notebook's kernel is forked from a process that has imported the stack and
loaded the district already (Linux; ``SOZIALANALYSE_KERNELS=fresh`` turns it off).

A kernel started for a notebook pays, before the notebook's first cell does anything of its own,
the start of a Python process (about 0.5 s on the 2-core development machine), the import of the
stack (about 1 s) and the notebook's ``sa.load(config)`` (about 1.1 s in a synthetic Land of 400
municipalities, even from the build's validated cache). The warm kernels of
:mod:`sozialanalyse.build.kernels` move that work off the notebook's clock but not off the CPU; on
2 cores, a build of hundreds of profiles pays it in full.

A :class:`ForkServer` is a plain Python process (``python -m sozialanalyse.build.forkserver``)
started once per worker with the kernels' working directory and environment. It imports the
stack and IPython's kernel (:data:`SERVER_MODULES`) and what the pages import on first use
(:data:`PAGE_MODULES`), loads the build's district once (:func:`sozialanalyse.io.load.preload`),
reads for it what every kernel reads first (the build's saved protected layer with its snapshot
and shared frames, :func:`sozialanalyse.protected.layer.warm`, and the boundaries), computes
what every profile computes alike (the goals' progress, the published monitoring), freezes what
it holds out of the cyclic garbage collector's sight (``gc.freeze``: a kernel's full collections
would walk and copy it), and then forks one child per kernel. The child becomes a
session leader, points its standard streams at the kernel's log, and runs ipykernel's own
``IPKernelApp`` on the connection file jupyter_client wrote for it: the same kernel a kernel spec
would start, without the process start, the imports and the load.

What a notebook sees is, as far as the tests check, that of a kernel started for it alone:

- its namespace is IPython's fresh one (nothing of the server is bound in it), its execution
  counts start at 1, and a module attribute, an environment variable or a mutated district it
  leaves behind dies with its process (the next kernel is forked from the server, not from it);
  numpy's global random state is seeded anew in each kernel; the project folder is not on the
  server's ``sys.path`` (ipykernel's launcher removes it too); the kernel ends when the server
  does (``parent_handle``), and the server when its worker does (its input closes);
- the first ``sa.load(config)`` of a kernel returns the server's district only when that is what
  a load would read: the same call in the same folder, the data files unchanged (size and
  modification time) since before the server's load, and that load printed and warned nothing
  (:func:`sozialanalyse.io.load.preload`); a second call, or any other, reads the files;
- that district comes with what the server read for it: the layer, snapshot and shared frames
  the kernel's own first reads would give (the same files through the same readers) and its
  boundaries, and with what every profile computes alike from them, computed once by the same
  library calls and kept where those calls keep it: the goals with their progress in the report
  year and the published monitoring of the report year (:func:`_warm`); a step that printed,
  warned or failed is undone and left to the kernel, and an import of the pages' modules that
  warned turns the server off (kernels start fresh), since the notebook would show that output;
- matplotlib's backend is chosen as ipykernel chooses it (``MPLBACKEND``, set before matplotlib
  is imported), and its inline backend is first imported in the kernel, where it installs its
  hooks in the kernel's shell (the server checks it never imported it).

:class:`ForkProvisioner` is a jupyter_client provisioner: the kernel manager writes the connection
file and talks to the kernel as to any other; only the launch asks the server to fork, and
signals and polls go to the forked process. A kernel spec whose command is not ipykernel's
launcher is started as always.
"""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

__all__ = ["ENV_VAR", "KERNEL_LOGGERS", "PAGE_MODULES", "SERVER_MODULES", "ForkProvisioner", "ForkServer", "ForkServerError",
           "available", "kernel_logs_to_log"]

#: ``fresh`` turns forked kernels off (every kernel a process of its own, started and warmed as
#: in :mod:`sozialanalyse.build.kernels`); ``fork`` (the default where :func:`available`) on.
ENV_VAR = "SOZIALANALYSE_KERNELS"

#: Imported by the server before it forks: the stack the templates import and ipykernel's
#: application (IPython, pyzmq, tornado), everything a kernel would import before its first cell.
SERVER_MODULES = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "shapely", "geopandas",
                  "scipy.stats", "sozialanalyse", "ipykernel.kernelapp", "ipykernel.ipkernel",
                  # what IPKernelApp.initialize imports (its debugger: about 0.15 s per kernel otherwise)
                  "ipykernel.debugger", "IPython.core.debugger", "IPython.core.completerlib",
                  "IPython.extensions.storemagic", "sqlite3")

#: Imported by the server too where installed: what the pages import on first use, inside their
#: functions (statsmodels' API for a goal's forecast alone was about 1 s of every profile's
#: kernel), and every page module of the report with what they import.
PAGE_MODULES = ("statsmodels.api", "seaborn", "pyogrio", "PIL.Image", "PIL.PngImagePlugin",
                "matplotlib.patheffects", "IPython.display", "sozialanalyse.pages")

_INLINE = "matplotlib_inline.backend_inline"
START_TIMEOUT = 300  # seconds for the server's imports and the district's load


class ForkServerError(RuntimeError):
    """The fork server did not start, or did not fork a kernel (the message says why)."""


def available() -> bool:
    """Forked kernels here: Linux (``fork`` is safe with the stack's thread pools there and
    ``os.setsid`` exists) and not turned off by :data:`ENV_VAR` = ``fresh``."""
    choice = os.environ.get(ENV_VAR, "fork").strip().lower()
    return choice != "fresh" and sys.platform.startswith("linux") and hasattr(os, "fork")


# --- the client side ---------------------------------------------------------------------------
class ForkServer:
    """A running fork server for kernels in ``cwd`` with ``env`` (added to this process's
    environment) that has loaded the districts ``preload`` (``sa.load`` arguments)."""

    def __init__(self, cwd: str, env: dict | None = None, preload: tuple = (), log: str | None = None,
                 timeout: float = START_TIMEOUT):
        self.cwd, self.env, self.preload = str(cwd), dict(env or {}), tuple(preload)
        self.log = log
        self._lock = threading.Lock()
        self._buffer = b""
        full_env = {**os.environ, **self.env}
        err = subprocess.DEVNULL
        if log:
            Path(log).parent.mkdir(parents=True, exist_ok=True)
            err = open(log, "ab")  # noqa: SIM115 - the server holds its own copy
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sozialanalyse.build.forkserver", json.dumps({"preload": list(self.preload)})],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, cwd=self.cwd, env=full_env,
                start_new_session=True)
        finally:
            if log:
                err.close()
        t0 = time.perf_counter()
        reply = self._read(timeout)
        self.started = time.perf_counter() - t0
        if reply.get("ready") is not True:
            self.close()
            raise ForkServerError(f"the fork server did not start: {reply.get('error', reply)}"
                                  + (f" (its log: {log})" if log else ""))
        self.preloaded = reply.get("preloaded", [])

    def matches(self, cwd: str, env: dict, preload: tuple) -> bool:
        return self.alive() and (str(cwd), dict(env), tuple(preload)) == (self.cwd, self.env, self.preload)

    def alive(self) -> bool:
        return self.process.poll() is None

    def _read(self, timeout: float) -> dict:
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return {"error": f"no answer within {timeout:g} s", "timeout": True}
            if not _readable(fd, left):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                code = self.process.wait()
                return {"error": f"the server ended (exit code {code})"}
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            return json.loads(line)
        except ValueError:
            return {"error": f"unreadable answer {line[:200]!r}"}

    def fork(self, argv: list[str], env: dict, cwd: str, log: str | None, timeout: float = 60) -> int:
        """Fork a kernel: ``IPKernelApp`` with ``argv`` (``-f <connection file>`` and options),
        ``env`` as its whole environment, in ``cwd``, its standard streams into ``log``. Returns
        its process id once it leads its own session."""
        request = json.dumps({"argv": list(argv), "env": dict(env), "cwd": str(cwd), "log": log}) + "\n"
        with self._lock:
            if not self.alive():
                raise ForkServerError(f"the fork server has ended (exit code {self.process.returncode})"
                                      + (f"; its log: {self.log}" if self.log else ""))
            try:
                self.process.stdin.write(request.encode())
                self.process.stdin.flush()
            except OSError as exc:
                raise ForkServerError(f"the fork server does not listen ({exc})") from None
            reply = self._read(timeout)
        if reply.get("timeout"):
            self.close()  # its late answer would be taken for the next request's: a new server instead
        if "pid" not in reply:
            raise ForkServerError(f"the fork server did not fork a kernel: {reply.get('error', reply)}")
        return int(reply["pid"])

    def close(self) -> None:
        proc = self.process
        try:
            proc.stdin.close()  # the server ends at the end of its input
        except OSError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def _readable(fd: int, timeout: float) -> bool:
    """Whether ``fd`` becomes readable (or reaches its end) within ``timeout`` seconds; poll(2),
    which, unlike select(2), takes descriptors above 1024."""
    watch = select.poll()
    watch.register(fd, select.POLLIN)
    return bool(watch.poll(max(0, int(timeout * 1000 + 0.999))))


class _Forked:
    """The part of :class:`subprocess.Popen` that jupyter_client's provisioner uses, for a kernel
    that is the server's child, not this process's. It is held by a pidfd (Linux 5.3), which
    becomes readable when the process ends and never names another process, although the server
    reaps its children at once and their ids may be reused; without pidfds, by signal 0. The
    exit status went to the server: :attr:`returncode` is -1 once the kernel has ended."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None
        try:
            self._fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self._fd = None  # no pidfds (or it ended already: then poll() says so)

    def poll(self):
        if self.returncode is None:
            if self._fd is not None:
                # poll(2), not select(2): a worker that ran hundreds of kernels holds descriptors
                # above select's limit of 1024 (ValueError there, and the kernel was never killed)
                if _readable(self._fd, 0):
                    self._ended()
            else:
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    self._ended()
                except PermissionError:
                    pass
        return self.returncode

    def _ended(self):
        self.returncode = -1
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def wait(self, timeout=None):
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            if self._fd is not None:  # readable when the kernel has ended
                _readable(self._fd, 1.0 if left is None else min(left, 1.0))
            else:
                time.sleep(0.02 if left is None else min(left, 0.02))
        return self.returncode

    def send_signal(self, signum):
        if self.poll() is None:
            if self._fd is not None:
                signal.pidfd_send_signal(self._fd, signum)
            else:
                os.kill(self.pid, signum)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


_PROVISIONER = None


def _provisioner_class():
    global _PROVISIONER
    if _PROVISIONER is not None:
        return _PROVISIONER
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class ForkProvisioner(LocalProvisioner):
        """jupyter_client's local provisioner, but the kernel is forked by :attr:`server`."""

        server: ForkServer | None = None
        log: str | None = None

        async def launch_kernel(self, cmd: list[str], **kwargs):
            try:
                at = cmd.index("ipykernel_launcher")
            except ValueError:
                raise ForkServerError(f"not ipykernel's launcher: {cmd}") from None
            env = kwargs.get("env") or dict(os.environ)
            cwd = str(kwargs.get("cwd") or os.getcwd())
            pid = self.server.fork(cmd[at + 1:], env, cwd, self.log)
            self.process = _Forked(pid)
            self.pid = self.pgid = pid  # the kernel leads its own session (and process group)
            self.cwd = cwd
            return self.connection_info

        async def send_signal(self, signum: int) -> None:
            # the kernel's process group only while the kernel lives (its id may be reused after)
            if self.process is not None and self.process.poll() is not None:
                return
            await super().send_signal(signum)

    _PROVISIONER = ForkProvisioner
    return ForkProvisioner


def __getattr__(name):  # ForkProvisioner: jupyter_client loaded only when kernels start
    if name == "ForkProvisioner":
        return _provisioner_class()
    raise AttributeError(name)


def start_kernel(server: ForkServer, cwd: str, env: dict | None = None, log: str | None = None,
                 client_class: str = "jupyter_client.blocking.BlockingKernelClient"):
    """A kernel forked by ``server``: its started ``jupyter_client.KernelManager`` (whose
    ``client()`` is a ``client_class``), ready (it answered ``kernel_info``). Raises
    :class:`ForkServerError` or what jupyter_client raised (the kernel then shut down)."""
    from jupyter_client import KernelManager

    if log:  # the kernel opens it: its folder may be gone since the server started (a long-lived
        # Dask worker keeps its server from one build to the next, `.cache` removed in between)
        Path(log).parent.mkdir(parents=True, exist_ok=True)
    km = KernelManager(kernel_name="python3", client_class=client_class)
    if "ipykernel_launcher" not in km.kernel_spec.argv:
        raise ForkServerError(f"the python3 kernel spec does not start ipykernel: {km.kernel_spec.argv}")
    provisioner = _provisioner_class()(kernel_id=km.kernel_id or str(uuid.uuid4()), kernel_spec=km.kernel_spec, parent=km)
    provisioner.server, provisioner.log = server, log
    km.kernel_id = provisioner.kernel_id
    km.provisioner = provisioner
    try:
        km.start_kernel(cwd=cwd, env={**os.environ, **(env or {})},
                        extra_arguments=["--HistoryManager.hist_file=:memory:"])
        kc = km.blocking_client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
        finally:
            kc.stop_channels()
    except BaseException:
        for step in (lambda: km.has_kernel and km.shutdown_kernel(now=True), km.cleanup_resources):
            try:
                step()
            except Exception:  # noqa: BLE001 - a kernel that is gone already
                pass
        raise
    return km


# --- the server side ---------------------------------------------------------------------------
def _answer(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _child(request: dict, setsid_done: int) -> None:
    """In the forked child: become the kernel. Never returns."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel waits for its own children
        os.setsid()
        os.close(setsid_done)  # the server answers once the kernel leads its session
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        out = os.open(request.get("log") or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(null)
        os.close(out)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # ipykernel ends when the server does (JPY_PARENT_PID was read when the server imported it)
        server = os.getppid()
        os.environ["JPY_PARENT_PID"] = str(server)
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={server}"]
        if "numpy" in sys.modules:  # numpy's global random state: the server's in every child otherwise
            sys.modules["numpy"].random.seed()
        import ipykernel_launcher

        sys.argv = [ipykernel_launcher.__file__, *request["argv"]]
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(argv)
        kernel_logs_to_log()
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - into the kernel's log
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


#: Loggers of the kernel's own machinery (tornado's loop, asyncio, ipykernel's comms). ipykernel
#: gives ``tornado`` a handler on the process's standard error
#: (``IPKernelApp.configure_tornado_logger``); ``asyncio`` and ``ipykernel`` have none, so Python's
#: last-resort handler writes to ``sys.stderr``. In a kernel all of these end in the output of the
#: cell that runs (ipykernel captures descriptor 2 into it): a malformed message on the kernel's
#: control channel ("ERROR:tornado.general:Uncaught exception in ZMQStream callback ... DELIM not
#: in msg_list") was published on about one of 401 profiles of a Land in each build, a different
#: one each time (issue 19).
KERNEL_LOGGERS = ("tornado", "asyncio", "ipykernel")


def kernel_logs_to_log() -> None:
    """Send :data:`KERNEL_LOGGERS` to the kernel's log (the kernel log file of the build), never
    into a cell's output. Forked kernels call it after ipykernel set up its streams; fresh ones in
    their warm-up (:func:`sozialanalyse.build.kernels._warm_code`).

    Not to file descriptor 2: ipykernel points that descriptor at a pipe whose thread writes
    everything into the cell that runs (``capture_fd_output``), so a handler on
    ``sys.__stderr__`` published the records as the last-resort handler had (4 December 2026: one
    profile in each of two builds of a Land of 400 again), and ipykernel's own handler of ``tornado`` on it is removed
    (it wrote those records). The handler writes to a duplicate of the descriptor
    ipykernel's ``sys.stderr`` reports as its ``fileno()``: the process's standard error from
    before the capture, the log."""
    import logging

    try:
        fd = sys.stderr.fileno()  # ipykernel's stream: its copy of the original descriptor 2
    except (AttributeError, OSError, ValueError):  # no descriptor of its own: not captured either
        stream = sys.__stderr__
    else:
        stream = os.fdopen(os.dup(fd), "w", buffering=1, encoding="utf-8", errors="replace")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
    for name in KERNEL_LOGGERS:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):  # ipykernel's own, on the captured descriptor 2
            if isinstance(old, logging.StreamHandler) and _descriptor(old.stream) == 2:
                logger.removeHandler(old)
        logger.addHandler(handler)
        logger.propagate = False


def _descriptor(stream) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def _import_pages() -> None:
    """Import :data:`PAGE_MODULES` (those installed) and every module of the report's pages. An
    import that warns would show that warning in the output of the notebook cell that first
    imports it, as a kernel of its own shows it: ForkServerError then (kernels start fresh)."""
    import importlib
    import pkgutil
    import warnings

    with warnings.catch_warnings(record=True) as caught:  # the filters a kernel has: Python's defaults
        for name in PAGE_MODULES:
            try:
                module = importlib.import_module(name)
            except ImportError:
                continue  # an optional dependency not installed: its page says so, as always
            for info in pkgutil.iter_modules(getattr(module, "__path__", []), module.__name__ + "."):
                try:
                    importlib.import_module(info.name)
                except Exception:  # noqa: BLE001 - the notebook importing it meets the error and shows it
                    continue
    if caught:
        w = caught[0]
        raise ForkServerError(f"importing the pages' modules warned ({w.category.__name__}: {w.message}), "
                              "which a notebook would show")


def _warm(source) -> list[str]:
    """Read, for the district preloaded from ``source``, what every kernel of the build reads
    first: the build's saved protected layer with its snapshot and shared frames
    (:func:`sozialanalyse.protected.layer.warm`) and the boundaries (``District.geometry``); then,
    once the layer is at hand, compute what every Gemeindeprofil computes alike from it: the
    goals with their progress in the report year (:func:`sozialanalyse.steering.goals.progress`,
    only where the goals file, the Kennzahl tables and the config's indicator catalogs are all
    files the preload stamped, so a changed file is read again by the kernel, and where no goal
    was left out for a problem, whose files are not listed) and the published monitoring of the
    report year
    (:func:`sozialanalyse.protected.monitoring.published_monitoring`). These are the library's
    own calls on the same objects a kernel's first call would use, kept where that call keeps
    them (with the district, in the monitoring's cache), so a kernel gets what it would compute.
    Each step is kept only if it printed and warned nothing (a kernel would show that output)
    and raised nothing (the page reports it); otherwise it is undone and left to the kernel."""
    import contextlib
    import importlib
    import io
    import warnings

    from sozialanalyse.protected import layer as _layer

    # the module (``sozialanalyse.io.load`` the attribute is the function)
    district, files = importlib.import_module("sozialanalyse.io.load").preloaded(source)
    stamped = {f.resolve() for f in files}

    def drop_layer():
        district.__dict__.pop(_layer._ATTRIBUTE, None)

    def layer_kept() -> bool:  # goals and monitoring only from the build's layer, never computed here
        return isinstance(getattr(district, _layer._ATTRIBUTE, None), _layer.Layer)

    def goals():
        from sozialanalyse.steering import goals as _goals

        file = _goals.goals_file(district)
        if not layer_kept() or file is None or file.resolve() not in stamped:
            return []  # no goals, or a goals file outside the data folder (not stamped): the kernel reads it
        catalogs = [Path(c) for c in getattr(district.config, "catalog", None) or ()]
        if _goals.of(district).problems \
                or any(Path(f).resolve() not in stamped for f in [*_goals.input_files(district), *catalogs]):
            # a goal left out for a problem may name a file not listed here, and a Kennzahl table
            # or an indicator catalog outside the data folder may change: the kernel reads them
            drop_goals()
            return []
        _goals.progress(district, district.report_year)
        return ["goals"]

    def drop_goals():
        from sozialanalyse.steering import goals as _goals

        district.__dict__.pop(_goals._ATTRIBUTE, None)
        district.__dict__.pop(_goals._PROGRESS_ATTRIBUTE, None)

    def monitoring():
        from sozialanalyse.protected import monitoring as _monitoring

        if not layer_kept() or not (district.areas["kind"] == "Sozialraum").any():
            return []
        _monitoring.published_monitoring(district, district.report_year)
        return ["monitoring"]

    def drop_monitoring():
        importlib.import_module("sozialanalyse.stats.monitoring").forget()

    steps = [(lambda: _layer.warm(district), drop_layer),
             (lambda: ["boundaries"] if district.kind == "own" and district.geometry is not None else [],
              lambda: district.__dict__.pop("geometry", None)),
             (goals, drop_goals),
             (monitoring, drop_monitoring)]
    done = []
    for step, undo in steps:
        out = io.StringIO()
        try:
            with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
                    contextlib.redirect_stderr(out):
                warnings.simplefilter("always")
                got = step()
        except Exception:  # noqa: BLE001 - the kernel meets it again and reports it
            undo()
            continue
        if caught or out.getvalue():
            undo()
            continue
        done += got
    return done


def serve(preload: list) -> None:
    """The server: import, preload, then fork one kernel per request line until the input ends."""
    # as ipykernel_launcher does: the working directory (the project) does not shadow the stack's
    # modules (IPython puts "" back in the kernel's shell), and the inline backend as ipykernel sets it
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import importlib

    try:
        for name in SERVER_MODULES:
            importlib.import_module(name)
        _import_pages()
        from sozialanalyse.io.load import preload as _preload

        done = []
        for source in preload:
            try:
                if not _preload(source):
                    continue
            except Exception as exc:  # noqa: BLE001 - the notebook's own load reports it, as always
                print(f"not preloaded: {source!r} ({type(exc).__name__}: {exc})", file=sys.stderr, flush=True)
                continue
            done.append(source)
            warmed = _warm(source)
            if warmed:
                print(f"read for the kernels of {source!r}: {', '.join(warmed)}", file=sys.stderr, flush=True)
        if _INLINE in sys.modules:
            raise ForkServerError(f"{_INLINE} was imported before a kernel existed")
    except BaseException as exc:  # noqa: BLE001 - reported to the client, which falls back
        _answer({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped at once: no zombies
    # What the server holds now lives as long as a kernel: out of the cyclic collector's sight
    # (gc.freeze), so a kernel's full collections neither walk it (about 0.09 s each at 230,000
    # objects) nor write to its pages, which copied about 74 MB per kernel (a Land of 400)
    import gc

    gc.collect()
    gc.freeze()
    _answer({"ready": True, "preloaded": done, "pid": os.getpid()})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read_end)
                _child(request, write_end)
            os.close(write_end)
            ready = _readable(read_end, 30)  # EOF once the child called setsid (or died)
            os.close(read_end)
            if not ready:
                os.kill(pid, signal.SIGKILL)
                _answer({"error": f"the forked kernel {pid} did not start its session within 30 s"})
                continue
            _answer({"pid": pid})
        except Exception as exc:  # noqa: BLE001 - one failed fork is the client's to report
            _answer({"error": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]).get("preload", []) if len(sys.argv) > 1 else [])
