"""Refuse network connections outside this machine when COURSE_BLOCK_NETWORK=1.

The test suite puts this directory on PYTHONPATH, so the Jupyter kernels that nbval starts
import it too: a notebook that tried to download data or weights would fail loudly instead
of working only on machines with internet access. Loopback and Unix sockets stay open
(Jupyter's kernels talk to their client over 127.0.0.1).
"""

import os

if os.environ.get("COURSE_BLOCK_NETWORK") == "1":
    import ipaddress
    import socket

    class NetworkBlockedError(OSError):
        """Raised instead of opening a connection to another machine."""

    def _allowed(address) -> bool:
        if not isinstance(address, tuple):  # AF_UNIX path
            return True
        host = address[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False  # a host name: resolving it would already need the network

    def _guard(original):
        def guarded(self, address, *args, **kwargs):
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _allowed(address):
                raise NetworkBlockedError(f"network access is blocked during tests: {address!r}")
            return original(self, address, *args, **kwargs)

        return guarded

    socket.socket.connect = _guard(socket.socket.connect)
    socket.socket.connect_ex = _guard(socket.socket.connect_ex)
    _getaddrinfo = socket.getaddrinfo

    def _getaddrinfo_guard(host, *args, **kwargs):
        if host not in (None, "localhost") and not _allowed((host, 0)):
            raise NetworkBlockedError(f"network access is blocked during tests: lookup of {host!r}")
        return _getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = _getaddrinfo_guard
