"""The sandbox's own failures and settings: no bwrap, user namespaces blocked, --lab-sandbox none; how a
sandbox is built for a grader that is not root; the one way out of a sandbox (moto's socket)."""

from __future__ import annotations

import http.client
import os
import socket
import struct
import subprocess
import sys
import textwrap

import pytest

from pytest_sagemaker_lab.grading import sandbox

from .conftest import LAB41, SDK_MAJOR

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="makes user namespaces of its own (as CI does, as root)")


def _class(pytester: pytest.Pytester) -> str:
    folder = pytester.mkdir("class")
    (folder / "ann.ipynb").write_bytes((LAB41 / f"solution_sdk{SDK_MAJOR}.ipynb").read_bytes())
    return str(folder)


def test_grading_refuses_to_start_without_bubblewrap(pytester):
    result = pytester.runpytest_subprocess(str(LAB41), "-p", "no:randomly", f"--lab-submission={_class(pytester)}",
                                           "--lab-bwrap=/nonexistent/bwrap")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "ERROR: pytest-sagemaker-lab will not grade submissions without a sandbox: --lab-bwrap /nonexistent/bwrap "
        "is not an executable file. To grade in a sandbox, install bubblewrap*--lab-sandbox none.*"])
    assert "passed" not in result.stdout.str()


def test_with_sandbox_none_a_class_is_graded_and_said_to_be_unisolated(pytester):
    report = pytester.path / "grades.json"
    result = pytester.runpytest_subprocess(str(LAB41), "-p", "no:randomly", f"--lab-submission={_class(pytester)}",
                                           "--lab-bwrap=/nonexistent/bwrap", "--lab-sandbox=none",
                                           f"--lab-report={report}")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-3000:]
    result.stdout.fnmatch_lines(["sagemaker-lab: submissions are NOT isolated (--lab-sandbox none)*"])


def test_the_reference_run_needs_no_sandbox(pytester):
    """`pytest lab_steps` runs the course's own code: no sandbox is asked for, none is checked."""
    result = pytester.runpytest_subprocess(str(LAB41), "-p", "no:randomly", "--lab-bwrap=/nonexistent/bwrap")
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-3000:]
    assert "isolated" not in result.stdout.str()


def test_a_bad_sandbox_mode_names_its_variable(pytester, monkeypatch):
    monkeypatch.setenv("SAGEMAKER_LAB_SANDBOX", "docker")
    result = pytester.runpytest_subprocess(str(LAB41), "--co")
    result.stderr.fnmatch_lines(["*environment variable SAGEMAKER_LAB_SANDBOX (--lab-sandbox) is not valid: "
                                 "expected one of auto, bwrap, none, got 'docker'*"])


# A grader that is not root, where user namespaces are blocked (as Ubuntu 24.04's AppArmor rule and
# GitHub's runners block them): made for real, in a user namespace of the test's own whose limit on
# nested namespaces is 0, with the grader's uid mapped to 1000 (not root) inside it.
BLOCKED_USERNS = textwrap.dedent("""
    import ctypes, os, sys
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_NEWUSER = 0x10000000
    if libc.unshare(CLONE_NEWUSER) != 0:
        sys.exit(f"unshare: {os.strerror(ctypes.get_errno())}")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"1000 {os.environ['OUTER_UID']} 1")
    with open("/proc/sys/user/max_user_namespaces", "w") as f:  # no user namespace may be made in here
        f.write("0")
    os.execv(sys.executable, [sys.executable, "-c", sys.argv[1]])
""")
ASK = ("import os; from pytest_sagemaker_lab.grading.sandbox import availability; "
       "print('uid', os.geteuid()); print(availability())")


@needs_root
def test_where_user_namespaces_are_blocked_the_grader_says_why_and_how_to_enable_them():
    done = subprocess.run([sys.executable, "-c", BLOCKED_USERNS, ASK], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OUTER_UID": str(os.getuid())})
    assert done.returncode == 0, done.stderr
    uid, reason = done.stdout.splitlines()[:2]
    assert uid == "uid 1000"  # a grader that is not root: bwrap must make a user namespace, and cannot
    assert reason.startswith("bubblewrap (")
    assert "cannot create a sandbox here" in reason and "(user namespaces are blocked here)" in reason
    assert "kernel.apparmor_restrict_unprivileged_userns=0" in reason and "--lab-sandbox none" in reason


def test_a_grader_that_is_not_root_keeps_its_uid_and_counts_its_own_processes(monkeypatch):
    """Without root, bwrap makes a user namespace (and forbids more inside it), and RLIMIT_NPROC, which
    counts every process of the uid, gets the submission's allowance on top of what already runs."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(sandbox, "_processes_of", lambda uid: 37)
    built = sandbox.Sandbox(bwrap="bwrap", limits=sandbox.Limits(processes=100), uid=5).command(
        ["python"], interpreter_paths=())
    assert "--unshare-user" in built and "--disable-userns" in built
    assert "--nproc=137" in built
    assert not any(part.endswith("setpriv") for part in built)
    assert built[-1] == "python"


def test_a_root_grader_drops_to_the_sandboxs_uid_with_no_capabilities(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    built = sandbox.Sandbox(bwrap="bwrap", limits=sandbox.Limits(processes=100), uid=1_000_000_123).command(
        ["python"], interpreter_paths=())
    setpriv = next(i for i, part in enumerate(built) if part.endswith("setpriv"))
    assert built[setpriv + 1:setpriv + 8] == [
        "--reuid=1000000123", "--regid=1000000123", "--clear-groups", "--bounding-set=-all", "--inh-caps=-all",
        "--no-new-privs", "--"]
    assert "--unshare-user" not in built and "--nproc=100" in built


def test_the_seccomp_filter_refuses_new_user_namespaces_and_lets_threads_and_processes_be(tmp_path):
    """From inside a real sandbox: unshare(CLONE_NEWUSER) and the unshare command are refused (without the
    filter, a root grader's sandbox let both through), threads and subprocesses still start."""
    probe = (
        "import ctypes, os, subprocess, threading\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "print('unshare:', libc.unshare(0x10000000), os.strerror(ctypes.get_errno()))\n"
        "print('command:', subprocess.run(['unshare', '--user', 'true'], capture_output=True, text=True).returncode)\n"
        "t = threading.Thread(target=print, args=('thread: ok',)); t.start(); t.join()\n"
        "print(subprocess.run(['echo', 'process: ok'], capture_output=True, text=True).stdout.strip())\n")
    built = sandbox.Sandbox(bwrap=sandbox.find_bwrap(), uid=sandbox.worker_uid()).command(
        [sys.executable, "-c", probe], interpreter_paths=sandbox.interpreter(sys.executable).read_only)
    done = subprocess.run(built, capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["unshare: -1 Operation not permitted", "command: 1", "thread: ok",
                                        "process: ok"], done.stderr


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_filter_checks_the_architecture_first(machine):
    """A system call of another ABI (32-bit x86 on x86_64) has other numbers: refused before any rule."""
    from pytest_sagemaker_lab.grading import seccomp

    compiled = seccomp.program(machine)
    assert compiled is not None and len(compiled) % 8 == 0
    arch = seccomp.ARCHES[machine][0]
    assert compiled[:16] == (struct.pack("HBBI", seccomp.LD_W_ABS, 0, 0, seccomp.OFFSET_ARCH)
                             + struct.pack("HBBI", seccomp.JEQ, 0, len(compiled) // 8 - 3, arch))
    assert seccomp.program("riscv64") is None


def _request(path: str, method: str, target: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, bytes]:
    class UnixConnection(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(path)

    connection = UnixConnection("127.0.0.1", 4566, timeout=30)
    connection.request(method, target, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read()


def test_the_sandboxs_socket_serves_the_world_but_not_its_control_api(tmp_path):
    from pytest_sagemaker_lab.emulator.server import local_server, submission_socket

    path = f"/tmp/sml-test-{os.getpid()}.sock"
    with local_server(), submission_socket(path):
        status, body = _request(path, "POST", "/moto-api/reset")
        assert status == 403 and b"control API is not open to submissions" in body
        # Path-style S3 without credentials: moto answers as S3 does (a missing bucket), so the world is there.
        status, body = _request(path, "GET", "/no-such-bucket", headers={"Host": "s3.amazonaws.com"})
        assert status == 404 and b"NoSuchBucket" in body
    assert not os.path.exists(path)
