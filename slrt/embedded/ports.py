"""Local TCP ports: check before starting anything, so a clash is reported by name, not as a
half-started system."""

from __future__ import annotations

import socket

LOCALHOST = "127.0.0.1"


class PortInUse(RuntimeError):
    """One or more ports the embedded system needs are taken; the message says how to fix it."""

    def __init__(self, message: str, ports: dict[str, int]) -> None:
        super().__init__(message)
        self.ports = ports


def port_is_free(host: str, port: int) -> bool:
    """True when a server could listen on (host, port) right now.

    SO_REUSEADDR mirrors what Tansu and uvicorn do, so connections lingering in TIME_WAIT after
    a stop do not count as "in use"; a live listener still does.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = LOCALHOST) -> int:
    """A port that is free now (the OS picks it). Someone else may take it before we do."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _flag(name: str) -> str:
    return f"--{name.replace('_', '-')}-port"


def ensure_ports_free(mapping: dict[str, int], host: str = LOCALHOST) -> None:
    """Raise `PortInUse` naming every port of `mapping` (name -> port) that is taken or shared."""
    problems: list[str] = []
    bad: dict[str, int] = {}
    owner: dict[int, str] = {}
    for name, port in mapping.items():
        if port in owner:
            problems.append(
                f"port {port} is given to both {owner[port]} and {name}: pass {_flag(name)}"
            )
            bad[name] = port
        elif not port_is_free(host, port):
            problems.append(
                f"port {port} ({name}) is already in use: stop what uses it or pass {_flag(name)}"
            )
            bad[name] = port
        owner.setdefault(port, name)
    if problems:
        raise PortInUse("; ".join(problems), bad)
