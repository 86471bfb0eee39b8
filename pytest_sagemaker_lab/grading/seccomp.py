"""A seccomp filter for the sandbox: the system calls a submission has no use for and an attacker has.

bwrap loads it (``--seccomp FD``: the filter's raw BPF instructions) before the submission starts; it
holds for every process in the sandbox and cannot be lifted. It refuses, with EPERM:

- new user namespaces (``unshare`` or ``clone`` with CLONE_NEWUSER; ``clone3``, whose flags a filter
  cannot read, answers ENOSYS, so the C library falls back to ``clone``): inside one a process gets
  every capability over what it creates there, the usual first step of a kernel exploit. bwrap's
  ``--disable-userns`` does the same where bwrap makes the user namespace (a grader that is not
  root); this filter covers the root grader too;
- joining another namespace (``setns``), the kernel keyrings (``keyctl``, ``add_key``,
  ``request_key``), ``bpf``, ``userfaultfd``, ``perf_event_open`` and ``io_uring_setup``: none is
  needed to run a notebook, each has had its privilege escalations (Docker's default profile refuses
  most of them too);
- any system call of another ABI (32-bit x86 through ``int 0x80``, x32), whose numbers differ.

As Flatpak's and Docker's filters do; written here because the machine's libseccomp has no Python
binding on PyPI that is kept up, and the program is twenty instructions.
"""

from __future__ import annotations

import errno
import os
import platform
import struct

# linux/filter.h, linux/seccomp.h, linux/audit.h
LD_W_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
ALLOW = 0x7FFF0000
ERRNO = 0x00050000
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0 = 0, 4, 16  # struct seccomp_data; ARG0's low 32 bits (little endian)
CLONE_NEWUSER = 0x10000000
X32_BIT = 0x40000000

# Each architecture's audit id and system call numbers (asm/unistd.h).
ARCHES = {
    "x86_64": (0xC000003E, {"clone": 56, "unshare": 272, "clone3": 435, "setns": 308, "keyctl": 250,
                            "add_key": 248, "request_key": 249, "bpf": 321, "userfaultfd": 323,
                            "perf_event_open": 298, "io_uring_setup": 425}),
    "aarch64": (0xC00000B7, {"clone": 220, "unshare": 97, "clone3": 435, "setns": 268, "keyctl": 219,
                             "add_key": 217, "request_key": 218, "bpf": 280, "userfaultfd": 282,
                             "perf_event_open": 241, "io_uring_setup": 425}),
}
REFUSED = ("setns", "keyctl", "add_key", "request_key", "bpf", "userfaultfd", "perf_event_open", "io_uring_setup")


def _statement(code: int, k: int, jt: int, jf: int) -> bytes:
    """One BPF instruction, as struct sock_filter lays it out."""
    return struct.pack("HBBI", code, jt, jf, k)


def program(machine: str | None = None) -> bytes | None:
    """The filter for ``machine`` (this one's by default), or None where its numbers are not known."""
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine or platform.machine(), machine or platform.machine())
    if machine not in ARCHES:
        return None
    arch, numbers = ARCHES[machine]
    statements: list[tuple[str | None, int, int, str | None, str | None]] = []  # label, code, k, if true, if false

    def add(code: int, k: int, true: str | None = None, false: str | None = None, label: str | None = None) -> None:
        statements.append((label, code, k, true, false))

    add(LD_W_ABS, OFFSET_ARCH)
    add(JEQ, arch, false="nosys")
    add(LD_W_ABS, OFFSET_NR)
    if machine == "x86_64":
        add(JGE, X32_BIT, true="nosys")
    add(JEQ, numbers["clone3"], true="nosys")
    add(JEQ, numbers["unshare"], true="flags")
    add(JEQ, numbers["clone"], true="flags")
    for name in REFUSED:
        add(JEQ, numbers[name], true="refuse")
    add(RET, ALLOW)
    add(LD_W_ABS, OFFSET_ARG0, label="flags")
    add(JSET, CLONE_NEWUSER, true="refuse", false="allow")
    add(RET, ALLOW, label="allow")
    add(RET, ERRNO | errno.EPERM, label="refuse")
    add(RET, ERRNO | errno.ENOSYS, label="nosys")
    where = {label: index for index, (label, *_) in enumerate(statements) if label}
    return b"".join(
        _statement(code, k, where[true] - index - 1 if true else 0, where[false] - index - 1 if false else 0)
        for index, (_, code, k, true, false) in enumerate(statements))


_written: dict[str, str] = {}


def filter_file() -> str | None:
    """The filter, in a file of this process's (bwrap reads it from a descriptor: ``sandbox.command``)."""
    if "path" not in _written:
        compiled = program()
        if compiled is None:
            return None
        import atexit
        import tempfile

        handle, path = tempfile.mkstemp(prefix="sml-seccomp-", suffix=".bpf")
        os.write(handle, compiled)
        os.close(handle)
        atexit.register(os.unlink, path)
        _written["path"] = path
    return _written["path"]
