"""`datatheque fetch` against a loopback HTTP server serving fixture files."""

import io
import json
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from graph.cli import main
from graph.fetch import FetchError, fetch_national
from graph.geo import ETALAB_FILES
from graph.settings import Settings
from tests.conftest import FIXTURES

ETALAB = FIXTURES / "geo" / "etalab"


def package_tarball() -> bytes:
    """Return an npm-style tarball (`package/data/*.json`) of the Etalab fixtures."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(ETALAB, arcname="package/data")
    return buffer.getvalue()


class FixtureHandler(BaseHTTPRequestHandler):
    tarball = package_tarball()

    def log_message(self, format, *args):
        pass

    def send_body(self, body: bytes, length: int | None = None) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(length if length is not None else len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (the timeout test): nothing left to send to.
            pass

    def do_GET(self):
        if self.path == "/package.tgz":
            self.send_body(self.tarball)
        elif self.path == "/truncated.tgz":
            self.send_body(self.tarball[: len(self.tarball) // 2], length=len(self.tarball))
        elif self.path == "/cut.tgz":
            self.send_body(self.tarball[: len(self.tarball) // 2])
        elif self.path == "/slow.tgz":
            time.sleep(1.5)
            self.send_body(self.tarball)
        elif self.path == "/text.tgz":
            self.send_body(b"<html>not a tarball</html>")
        elif self.path.startswith("/folder/") and (ETALAB / self.path.removeprefix("/folder/")).is_file():
            self.send_body((ETALAB / self.path.removeprefix("/folder/")).read_bytes())
        elif self.path == "/cut/communes.json":
            body = (ETALAB / "communes.json").read_bytes()
            self.send_body(body[: len(body) // 2])
        elif self.path.startswith("/partial/") and not self.path.endswith("/epci.json"):
            self.send_body((ETALAB / self.path.removeprefix("/partial/")).read_bytes())
        elif self.path.startswith("/cut/"):
            self.send_body((ETALAB / self.path.removeprefix("/cut/")).read_bytes())
        else:
            self.send_error(404)


@pytest.fixture(scope="module")
def server_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FixtureHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def settings_for(tmp_path, url: str) -> Settings:
    return Settings(national_dir=tmp_path / "national", national_url=url, http_timeout=0.5)


def assert_fixture_copies(directory):
    for name in ETALAB_FILES:
        assert (directory / f"{name}.json").read_bytes() == (ETALAB / f"{name}.json").read_bytes()


def assert_no_partial_file(directory):
    leftovers = [path.name for path in directory.iterdir() if path.name.startswith(".fetch-")]
    assert leftovers == []


def test_fetch_tarball(tmp_path, server_url):
    written = fetch_national(settings_for(tmp_path, server_url + "/package.tgz"))
    assert [path.name for path in written] == [f"{name}.json" for name in ETALAB_FILES]
    assert_fixture_copies(tmp_path / "national")
    assert_no_partial_file(tmp_path / "national")


def test_fetch_folder(tmp_path, server_url):
    fetch_national(settings_for(tmp_path, server_url + "/folder/"))
    assert_fixture_copies(tmp_path / "national")


def test_fetch_folder_missing_file(tmp_path, server_url):
    with pytest.raises(FetchError) as raised:
        fetch_national(settings_for(tmp_path, server_url + "/partial/"))
    assert raised.value.params["url"].endswith("/partial/epci.json")
    assert raised.value.params["status"] == "404"
    assert list((tmp_path / "national").iterdir()) == []


def test_fetch_not_found(tmp_path, server_url):
    with pytest.raises(FetchError) as raised:
        fetch_national(settings_for(tmp_path, server_url + "/missing.tgz"))
    assert raised.value.params["status"] == "404"
    assert list((tmp_path / "national").iterdir()) == []


def test_fetch_timeout(tmp_path, server_url):
    with pytest.raises(FetchError) as raised:
        fetch_national(settings_for(tmp_path, server_url + "/slow.tgz"))
    assert "timed out" in raised.value.message
    assert raised.value.params["timeout"] == "0.5"
    assert list((tmp_path / "national").iterdir()) == []


def test_fetch_truncated_body(tmp_path, server_url):
    with pytest.raises(FetchError) as raised:
        fetch_national(settings_for(tmp_path, server_url + "/truncated.tgz"))
    assert raised.value.params["url"].endswith("/truncated.tgz")
    assert list((tmp_path / "national").iterdir()) == []


def test_fetch_cut_tarball(tmp_path, server_url):
    with pytest.raises(FetchError) as raised:
        fetch_national(settings_for(tmp_path, server_url + "/cut.tgz"))
    assert "cannot be extracted" in raised.value.message
    assert list((tmp_path / "national").iterdir()) == []


def test_fetch_not_tarball(tmp_path, server_url):
    with pytest.raises(FetchError) as raised:
        fetch_national(settings_for(tmp_path, server_url + "/text.tgz"))
    assert "gzip" in raised.value.message
    assert list((tmp_path / "national").iterdir()) == []


def test_fetch_truncated_json_keeps_old_files(tmp_path, server_url):
    settings = settings_for(tmp_path, server_url + "/package.tgz")
    fetch_national(settings)
    with pytest.raises(FetchError) as raised:
        fetch_national(settings_for(tmp_path, server_url + "/cut/"))
    assert raised.value.params["name"] == "communes.json"
    assert_fixture_copies(tmp_path / "national")
    assert_no_partial_file(tmp_path / "national")


def test_fetch_cli_exit_codes(tmp_path, server_url, capfd, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    config = tmp_path / "empty.toml"
    config.write_text("", "utf-8")
    output = tmp_path / "national"
    assert main(["fetch", "--config", str(config), "--url", server_url + "/package.tgz", "--output", str(output)]) == 0
    assert json.loads((output / "regions.json").read_text("utf-8"))[0]["code"] == "01"
    assert main(["fetch", "--config", str(config), "--url", server_url + "/missing.tgz", "--output", str(output)]) == 1
    assert "HTTP 404" in capfd.readouterr().err


def test_france_config_reads_fetched_files():
    from graph.settings import PROJECT_ROOT, load_settings

    settings = load_settings(PROJECT_ROOT / "datatheque-france.toml", environ={})
    assert [(source.name, source.kind) for source in settings.sources] == [("geo", "etalab-geo")]
    assert settings.sources[0].location == str(settings.national_dir)
