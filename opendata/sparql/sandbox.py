"""Walls around a query process, raised once it has opened the data and warmed up.

The guard already refuses SERVICE, FROM and updates; these are the second wall, for
whatever might slip past it:

* a Python audit hook refuses network connections, name lookups, new processes and
  every file opened other than Python code;
* the kernel refuses new sockets to the whole process (a seccomp filter, Linux on
  x86-64 and ARM64): Oxigraph's own HTTP client, which would answer ``SERVICE``,
  is Rust code that no Python audit hook sees;
* the address space is capped at what the process uses plus the memory allowance.

Each wall is installed for good: nothing in the process can lift it again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import logging
import platform
import struct
import sys

log = logging.getLogger(__name__)

_FORBIDDEN_EVENTS = frozenset(
    {
        "socket.connect",
        "socket.bind",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.sendto",
        "socket.sendmsg",
        "urllib.Request",
        "http.client.connect",
        "ftplib.connect",
        "smtplib.connect",
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
    }
)
_CODE_SUFFIXES = (".py", ".pyc", ".so")


def shut_off(memory_mb: int) -> None:
    """Raise every wall: memory cap, no network for anything in the process, no files."""
    limit_memory(memory_mb)
    if not refuse_new_sockets():
        log.warning("no seccomp filter on this system: the audit hook and the guard remain")
    sys.addaudithook(_refuse_outside_access)


def _refuse_outside_access(event: str, args: tuple) -> None:
    if event in _FORBIDDEN_EVENTS:
        raise PermissionError(f"{event} is not allowed while answering a query")
    if event == "open" and not (isinstance(args[0], str) and args[0].endswith(_CODE_SUFFIXES)):
        raise PermissionError("opening files is not allowed while answering a query")


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space at what it uses now plus ``megabytes``."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
    except (ImportError, OSError):
        return  # not Linux: the time limit still holds
    limit = pages * resource.getpagesize() + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# seccomp: refuse (EPERM) the system calls that open a way out; allow everything else.
# (audit architecture, {name: number}) per machine.
_ARCHITECTURES = {
    "x86_64": (
        0xC000003E,
        {"socket": 41, "connect": 42, "execve": 59, "execveat": 322, "io_uring_setup": 425},
    ),
    "aarch64": (
        0xC00000B7,
        {"socket": 198, "connect": 203, "execve": 221, "execveat": 281, "io_uring_setup": 425},
    ),
}
_SECCOMP_SYSCALL = {"x86_64": 317, "aarch64": 277}
_X32_BIT = 0x40000000  # x86-64's x32 calling convention: refused altogether

# classic BPF
_LD_W_ABS, _JEQ_K, _JGE_K, _RET_K = 0x20, 0x15, 0x35, 0x06
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP = 38, 22
_SECCOMP_SET_MODE_FILTER, _SECCOMP_MODE_FILTER = 1, 2
_SECCOMP_FILTER_FLAG_TSYNC = 1


class _Program(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def _filter(arch: int, calls: dict[str, int]) -> bytes:
    """The BPF program: wrong architecture or a listed call → EPERM; else allow."""
    deny = _SECCOMP_RET_ERRNO | errno.EPERM
    numbers = sorted(calls.values())
    program = [
        (_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (_JEQ_K, 1, 0, arch),
        (_RET_K, 0, 0, deny),
        (_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (_JGE_K, len(numbers) + 1, 0, _X32_BIT),
    ]
    for index, number in enumerate(numbers):
        program.append((_JEQ_K, len(numbers) - index, 0, number))
    program += [(_RET_K, 0, 0, _SECCOMP_RET_ALLOW), (_RET_K, 0, 0, deny)]
    return b"".join(struct.pack("HBBI", *instruction) for instruction in program)


def refuse_new_sockets() -> bool:
    """Make the kernel refuse new sockets, connections and programs to every thread.

    False where seccomp is not available (not Linux, another architecture, or a
    sandbox that forbids it).
    """
    machine = platform.machine()
    if sys.platform != "linux" or machine not in _ARCHITECTURES:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return False
    code = _filter(*_ARCHITECTURES[machine])
    buffer = ctypes.create_string_buffer(code, len(code))
    program = _Program(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    # every thread (RocksDB keeps some of its own), else at least this one
    installed = libc.syscall(
        _SECCOMP_SYSCALL[machine],
        _SECCOMP_SET_MODE_FILTER,
        _SECCOMP_FILTER_FLAG_TSYNC,
        ctypes.byref(program),
    )
    if installed != 0:
        installed = libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0)
    return installed == 0
