"""Is the network there? One check, one clear error, for every online loader of the course.

The course runs offline (the bundled samples and the simulated study area). The extension
notebooks also reach real data online (Landslide4Sense on Zenodo, Sentinel-2 and Sentinel-1
through STAC APIs). Every online function calls :func:`require_network` first, so that without
a network the learner gets one readable message saying what failed and how to carry on with
the bundled data, instead of a stack of socket errors.

``COURSE_OFFLINE=1`` makes the course behave as if there were no network (for a workshop with
an unreliable connection, and for tests).

Examples:
    >>> import os
    >>> os.environ["COURSE_OFFLINE"] = "1"
    >>> network_available()
    False
    >>> require_network("zenodo.org", what="the Landslide4Sense download")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    course_lib.data.online.OfflineError: No network: cannot reach zenodo.org for the Landslide4Sense download (COURSE_OFFLINE is set). ...
    >>> del os.environ["COURSE_OFFLINE"]
"""

from __future__ import annotations

import os
import socket
from typing import Any

#: Hosts the course's online loaders use (checked on port 443).
DEFAULT_HOST = "zenodo.org"

#: What to do without a network; appended to every :class:`OfflineError`.
OFFLINE_ADVICE = (
    "Continue offline with the bundled data: the simulated study area "
    "(course_lib.simulator.load_study_area()), the real samples in data_samples/ "
    "(course_lib.data.samples), and, to try the Landslide4Sense reader, patches in its "
    "format written by course_lib.data.landslide4sense.write_example_patches(). Files "
    "downloaded earlier stay in the cache and keep working offline."
)


class OfflineError(ConnectionError):
    """Raised by an online function when the network (or the one host it needs) is missing."""


def offline_forced() -> bool:
    """True when ``COURSE_OFFLINE`` is set to a true value."""
    return os.environ.get("COURSE_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _check_endpoint(host: Any, port: Any, timeout: Any) -> None:
    """A host name (not a URL), a TCP port and a positive timeout, or a clear error."""
    if not isinstance(host, str) or not host.strip():
        raise TypeError(f"host must be a host name such as 'zenodo.org'; got {host!r}.")
    if "://" in host or "/" in host or " " in host.strip():
        from urllib.parse import urlparse

        name = urlparse(host if "://" in host else f"//{host}").hostname
        raise ValueError(f"host must be a host name such as 'zenodo.org', not a URL; got "
                         f"{host!r}." + (f" Use host={name!r}." if name else ""))
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"port must be a TCP port number (1-65535, 443 for HTTPS); got "
                         f"{port!r}.")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or \
            not 0 < timeout < float("inf"):
        raise ValueError(f"timeout must be a positive number of seconds; got {timeout!r}.")


def network_available(host: str = DEFAULT_HOST, port: int = 443, timeout: float = 3.0) -> bool:
    """True if a TCP connection to ``host:port`` opens within ``timeout`` seconds.

    Cheap (no data is sent) and safe to call in a notebook's first cell. Always False when
    ``COURSE_OFFLINE`` is set.
    """
    _check_endpoint(host, port, timeout)
    if offline_forced():
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_network(host: str = DEFAULT_HOST, what: str = "this download", port: int = 443,
                    timeout: float = 3.0) -> None:
    """Raise :class:`OfflineError` with a helpful message unless ``host`` is reachable.

    Args:
        host: the server the caller needs, e.g. ``"zenodo.org"``.
        what: a few words naming what needs it, for the message.
        port: TCP port to try (443 for HTTPS).
        timeout: seconds to wait.
    """
    _check_endpoint(host, port, timeout)
    if offline_forced():
        reason = "COURSE_OFFLINE is set"
    else:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return
        except OSError as err:
            reason = f"{type(err).__name__}: {err}"
    raise OfflineError(f"No network: cannot reach {host} for {what} ({reason}). "
                       f"{OFFLINE_ADVICE}")
