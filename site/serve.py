"""Serve the static site on 127.0.0.1: ``make site-serve`` (any static web server will do).

A plain file server with the types a browser insists on (WebAssembly, JavaScript modules) and
nothing else: no headers that change how the pages run, so it behaves as a host's static
hosting would. It binds to 127.0.0.1 only.

    .venv/bin/python site/serve.py [--port 8000] [--dir _site]
"""

from __future__ import annotations

import argparse
import functools
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parents[1]

TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".ipynb": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}


class SiteHandler(SimpleHTTPRequestHandler):
    """Files from the site's folder, with the right types; quiet unless asked.

    With ``record`` set, every answer is appended to that file as ``status bytes path``, so
    tests and benchmarks can count what a visit downloaded.
    """

    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        **TYPES,
    }
    quiet = True
    record: Path | None = None
    _lock = threading.Lock()
    _length = "0"
    _status = 0

    def log_message(self, format: str, *args: object) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    def send_response(self, code: int, message: str | None = None) -> None:
        self._status, self._length = code, "0"
        super().send_response(code, message)

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "content-length":
            self._length = value
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        super().end_headers()
        if self.record is not None:
            line = f"{self._status} {self._length} {self.path}\n"
            with self._lock, self.record.open("a", encoding="utf-8") as sink:
                sink.write(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--dir", type=Path, default=ROOT / "_site")
    parser.add_argument("--log", action="store_true", help="print every request")
    parser.add_argument("--record", type=Path, help="append 'status bytes path' per answer")
    arguments = parser.parse_args()
    if not (arguments.dir / "index.html").exists():
        sys.exit(f"no site in {arguments.dir}: run make site first")
    SiteHandler.quiet = not arguments.log
    SiteHandler.record = arguments.record
    handler = functools.partial(SiteHandler, directory=str(arguments.dir))
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), handler)
    print(f"Holding in Mind (static site) on http://127.0.0.1:{arguments.port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
