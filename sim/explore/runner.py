"""Start the explorer's web server (``startup-sim explore``).

The Solara server runs in a child process (``python -m solara run sim.explore.app``) with the
settings in its environment (:mod:`sim.explore.settings`), Solara's usage telemetry off, and the
front-end assets served from the installed ``solara-assets`` package, so the page contacts no
server but this one.
"""

from __future__ import annotations

import os
import subprocess
import sys

from sim.explore.settings import Settings

OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no usage statistics sent
    # front-end assets come from the installed solara-assets package; were one missing, the server
    # would fetch it from a CDN: point that fallback at a closed local port instead, so a missing
    # asset fails here rather than contacting anyone
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
}
"""Environment that keeps the server off the network."""


def server_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The command that runs the Solara server of the explorer."""
    return [sys.executable, "-m", "solara", "run", "sim.explore.app", "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version", "--log-level", "warning"]


def server_env(settings: Settings) -> dict[str, str]:
    """The current environment plus the explorer's settings and the offline switches."""
    return {**os.environ, **OFFLINE_ENV, **settings.to_env()}


def serve(settings: Settings, port: int = 8765, host: str = "127.0.0.1") -> int:
    """Run the explorer until interrupted; returns the server's exit code."""
    print(f"startup-sim explorer: http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    with subprocess.Popen(server_command(port, host), env=server_env(settings)) as process:
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            process.wait()
            return 130


def start_server(settings: Settings, port: int, host: str = "127.0.0.1", **popen: object) -> subprocess.Popen:
    """Start the explorer in the background (tests, scripts); the caller stops the process."""
    return subprocess.Popen(server_command(port, host), env=server_env(settings), **popen)  # type: ignore[call-overload]


__all__ = ["OFFLINE_ENV", "serve", "server_command", "server_env", "start_server"]
