"""A LibreOffice driven over UNO, one request a line: the far end of :mod:`.libreoffice`.

This file runs as a script under a Python that can import LibreOffice's
``uno`` module (Debian's ``/usr/bin/python3`` with ``python3-uno``, or the
``python`` that official LibreOffice builds ship), which need not be the
Python running unionnlp. It imports nothing from unionnlp.

It starts ``soffice.bin`` with the profile and pipe name it is given, connects,
prints ``{"ready": pid}`` and then answers each request line
``{"in": path, "out": path, "filter": name}`` on standard input with one line
``{"ok": true}`` or ``{"error": message, "alive": bool}`` on standard output.
At the end of its input it closes LibreOffice and exits.

Both this process and LibreOffice die with their parent (``PR_SET_PDEATHSIG``
on Linux): a worker killed outright leaves no LibreOffice behind.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

_PR_SET_PDEATHSIG = 1
_RESTART = 81  # soffice.bin asks its launcher to start it again (first start of a profile)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (elsewhere: nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _reply(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _start(command: list[str], log: str) -> subprocess.Popen[bytes]:
    bridge = os.getpid()

    def die_with_bridge() -> None:  # runs in LibreOffice's process, before its program
        _die_with_parent()
        if os.getppid() != bridge:  # the bridge died before the request took effect
            os._exit(1)

    with open(log, "ab") as stream:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=stream,
            stderr=stream,
            preexec_fn=die_with_bridge,
        )


def _prop(uno: Any, name: str, value: Any) -> Any:
    prop = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
    prop.Name = name
    prop.Value = value
    return prop


def _settle_version(uno: Any, context: Any) -> None:
    """Record this LibreOffice's version as the last one that ran with the profile.

    At every start LibreOffice runs its graphics render tests (drawing into
    4096 x 4096 bitmaps, about 1.5 s of a 2 s start measured here) while the
    version that last ran with the profile (``ooSetupLastVersion``) is older
    than its own. Only its start centre's "what's new" bar records that
    version, which a headless LibreOffice never shows, so the tests would run at
    every start of every profile. The profile keeps the setting when
    LibreOffice quits, and the profiles copied from it start without the tests.
    A failure here costs nothing but time.
    """
    with contextlib.suppress(Exception):
        provider = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.configuration.ConfigurationProvider", context
        )
        node = _prop(uno, "nodepath", "/org.openoffice.Setup/Product")
        product = provider.createInstanceWithArguments(
            "com.sun.star.configuration.ConfigurationUpdateAccess", (node,)
        )
        version = product.getByName("ooSetupVersion")
        if version and product.getByName("ooSetupLastVersion") != version:
            product.replaceByName("ooSetupLastVersion", version)
            product.commitChanges()


def _alive(office: subprocess.Popen[bytes], desktop: Any) -> bool:
    """Whether LibreOffice still answers (a killed one may not have exited yet)."""
    try:
        desktop.getComponents()
    except Exception:
        return False
    return office.poll() is None


def main() -> int:
    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request took effect
        return 1
    parser = argparse.ArgumentParser()
    parser.add_argument("--soffice", required=True)
    parser.add_argument("--profile", required=True, help="a file:// URL")
    parser.add_argument("--pipe", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--start-timeout", type=float, default=60.0)
    args = parser.parse_args()
    command = [
        args.soffice,
        "--headless",
        "--invisible",
        "--nocrashreport",
        "--nodefault",
        "--nologo",
        "--nolockcheck",
        "--norestore",
        f"-env:UserInstallation={args.profile}",
        f"--accept=pipe,name={args.pipe};urp;StarOffice.ComponentContext",
    ]
    try:
        import uno  # type: ignore[import-not-found]
    except ImportError as err:
        _reply({"error": f"{sys.executable} cannot import uno: {err}", "uno": False})
        return 3
    office = _start(command, args.log)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + args.start_timeout
    while True:
        try:
            context = resolver.resolve(f"uno:pipe,name={args.pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:  # NoConnectException until LibreOffice listens
            code = office.poll()
            if code == _RESTART:
                office = _start(command, args.log)
            elif code is not None:
                _reply({"error": f"LibreOffice exited with status {code} while starting"})
                return 1
            if time.monotonic() > deadline:
                _reply({"error": f"LibreOffice did not start within {args.start_timeout:g} s"})
                return 1
            time.sleep(0.05)
    desktop = context.ServiceManager.createInstanceWithContext(
        "com.sun.star.frame.Desktop", context
    )
    _settle_version(uno, context)
    load = (
        _prop(uno, "Hidden", True),
        _prop(uno, "ReadOnly", True),
        _prop(uno, "MacroExecutionMode", 0),  # NEVER_EXECUTE: legacy files carry macros
        _prop(uno, "UpdateDocMode", 0),  # NO_UPDATE: links to other files stay as they are
    )
    _reply({"ready": office.pid})
    for line in sys.stdin:
        request = json.loads(line)
        document = None
        try:
            document = desktop.loadComponentFromURL(
                uno.systemPathToFileUrl(request["in"]), "_blank", 0, load
            )
            if document is None:
                raise ValueError("LibreOffice could not load it")
            store = (_prop(uno, "FilterName", request["filter"]), _prop(uno, "Overwrite", True))
            document.storeToURL(uno.systemPathToFileUrl(request["out"]), store)
        except Exception as err:
            message = getattr(err, "Message", "") or str(err) or type(err).__name__
            _reply({"error": message.strip(), "alive": _alive(office, desktop)})
            continue
        finally:
            if document is not None:
                with contextlib.suppress(Exception):
                    document.close(True)
        _reply({"ok": True})
    with contextlib.suppress(Exception):
        desktop.terminate()
    try:
        office.wait(timeout=10)
    except subprocess.TimeoutExpired:
        office.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
