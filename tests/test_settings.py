"""Settings layers: defaults, file, environment, overrides."""

import pytest

from graph.settings import SettingsError, load_settings


def write_config(tmp_path, text):
    path = tmp_path / "datatheque.toml"
    path.write_text(text, "utf-8")
    return path


def test_defaults_without_file(tmp_path):
    settings = load_settings(None, environ={"DATATHEQUE_CONFIG": str(tmp_path / "none.toml")})
    assert settings.base_uri == "http://127.0.0.1:8000"
    assert settings.port == 8000


def test_layers_override_in_order(tmp_path):
    config = write_config(tmp_path, 'base_uri = "http://file.example"\nport = 9000\nstore = "data/store"\n')
    settings = load_settings(config, environ={"DATATHEQUE_PORT": "9100", "DATATHEQUE_BASE_URI": "http://env.example/"})
    assert settings.base_uri == "http://env.example"
    assert settings.port == 9100
    assert settings.store == tmp_path / "data" / "store"

    settings = load_settings(config, environ={"DATATHEQUE_PORT": "9100"}, port=9200, base_uri=None)
    assert settings.port == 9200
    assert settings.base_uri == "http://file.example"


def test_sources_resolve_relative_locations(tmp_path):
    config = write_config(tmp_path, '[[sources]]\nname = "geo"\nkind = "etalab-geo"\nlocation = "geo"\nstrict = true\n')
    source = load_settings(config, environ={}).source("geo")
    assert source.location == str(tmp_path / "geo")
    assert source.strict is True


def test_token_secret_hidden_from_repr(tmp_path):
    config = write_config(tmp_path, '[[tokens]]\nname = "club-habitat"\nsecret = "s3cret-value"\ngraphs = ["http://x/graph/a"]\n')
    settings = load_settings(config, environ={})
    assert settings.tokens[0].name == "club-habitat"
    assert "s3cret-value" not in repr(settings)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('base_uri = "ftp://x"', "base_uri"),
        ('port = "eighty"', "port"),
        ("unknown_key = 1", "unknown_key"),
        ("port = ", "invalid TOML"),
        ('[[sources]]\nname = "x"\n', "kind"),
    ],
)
def test_invalid_settings_rejected(tmp_path, text, fragment):
    config = write_config(tmp_path, text)
    with pytest.raises(SettingsError, match=fragment):
        load_settings(config, environ={})


def test_unknown_source_names_known_ones(tmp_path):
    config = write_config(tmp_path, '[[sources]]\nname = "geo"\nkind = "etalab-geo"\nlocation = "x"\n')
    with pytest.raises(SettingsError, match="known sources: geo"):
        load_settings(config, environ={}).source("budgets")
