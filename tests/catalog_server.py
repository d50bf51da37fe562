"""A loopback HTTP server for harvest tests: fixture files, ETags, scripted failures.

Each route maps a path to a `Route`: the fixture file (with `{server}`
replaced by the server's own URL), its media type, and an optional list of
statuses to send first (503, 500…) before serving the file. Every request
is recorded with its headers, so tests can check retries and conditional
requests.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "catalog"


@dataclass
class Route:
    """The response of the server on one path."""

    file: str | None = None
    media_type: str = "text/turtle"
    failures: list[int] = field(default_factory=list)
    body: bytes | None = None
    etag: bool = True


class CatalogServer:
    """A ThreadingHTTPServer on 127.0.0.1, port chosen by the system."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if route.failures:
                    self.send_response(route.failures.pop(0))
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = route.body if route.body is not None else server.render(route.file)
                etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                if route.etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", route.media_type)
                self.send_header("Content-Length", str(len(body)))
                if route.etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def render(self, name: str | None) -> bytes:
        return (FIXTURES / name).read_text("utf-8").replace("{server}", self.url).encode("utf-8") if name else b""

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def __enter__(self) -> "CatalogServer":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
