from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

GOOD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_need_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.database.url == "sqlite+aiosqlite:///mentorbot.db"
    assert settings.discord.api_base_url == "https://discord.com/api/v10"
    assert settings.discord.dev_guild_id is None


def test_token_from_environment_wins_over_file(tmp_path):
    path = write(tmp_path, '[discord]\ntoken = "from.file.token"\n')
    settings = load_settings(path, environ={"MENTORBOT_TOKEN": GOOD_TOKEN})
    assert settings.bot_token() == GOOD_TOKEN


def test_missing_token_says_how_to_set_it(tmp_path):
    settings = load_settings(write(tmp_path, ""), environ={})
    with pytest.raises(ConfigError, match="MENTORBOT_TOKEN") as info:
        settings.bot_token()
    assert "\n" not in str(info.value)


def test_malformed_token_is_refused_without_echoing_it(tmp_path):
    settings = load_settings(write(tmp_path, ""), environ={"MENTORBOT_TOKEN": "not-a-token-secret"})
    with pytest.raises(ConfigError, match="malformed") as info:
        settings.bot_token()
    assert "not-a-token-secret" not in str(info.value)


def test_token_is_never_in_the_settings_repr(tmp_path):
    settings = load_settings(write(tmp_path, ""), environ={"MENTORBOT_TOKEN": GOOD_TOKEN})
    assert GOOD_TOKEN not in repr(settings)
    assert GOOD_TOKEN not in str(settings.model_dump())


def test_unknown_key_is_named(tmp_path):
    path = write(tmp_path, "[discord]\napi_base = 'http://x'\n")
    with pytest.raises(ConfigError, match=r"discord\.api_base: unknown key"):
        load_settings(path, environ={})


def test_wrong_value_points_at_the_key(tmp_path):
    path = write(tmp_path, "[database]\nurl = 'mysql://localhost/db'\n")
    with pytest.raises(ConfigError, match=r"database\.url: .*sqlite\+aiosqlite"):
        load_settings(path, environ={})


def test_a_stale_claim_must_be_retried_while_discord_still_knows_its_nonce(tmp_path):
    assert load_settings(write(tmp_path, ""), environ={}).scheduler.stale_claim_seconds <= 240
    path = write(tmp_path, "[scheduler]\nstale_claim_seconds = 300\n")
    with pytest.raises(ConfigError, match=r"scheduler\.stale_claim_seconds: .*240"):
        load_settings(path, environ={})


def test_invalid_toml_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[discord\n"), environ={})


def test_named_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "missing.toml", environ={})


def test_example_config_is_valid_and_complete():
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    settings = load_settings(example, environ={})
    text = example.read_text()
    for section, model in settings:
        for key in type(model).model_fields:
            assert f"{key} =" in text, f"config.example.toml does not document {section}.{key}"


def test_shard_ids_must_fit_the_shard_count(tmp_path):
    path = write(tmp_path, "[discord]\nshard_count = 2\nshard_ids = [0, 2]\n")
    with pytest.raises(ConfigError, match="shard_ids must be between 0 and shard_count - 1"):
        load_settings(path, environ={})
    path = write(tmp_path, "[discord]\nshard_ids = [0]\n")
    with pytest.raises(ConfigError, match="needs shard_count"):
        load_settings(path, environ={})


def test_anonymity_secret_comes_from_the_environment_and_stays_secret(tmp_path):
    settings = load_settings(write(tmp_path, ""), environ={"MENTORBOT_ANONYMITY_SECRET": "pepper-123"})
    assert settings.privacy.anonymity_secret.get_secret_value() == "pepper-123"
    assert "pepper-123" not in repr(settings)


def test_the_research_key_comes_from_the_environment_and_must_be_long(tmp_path):
    path = write(tmp_path, "")
    settings = load_settings(path, environ={"MENTORBOT_RESEARCH_KEY": "k" * 16})
    assert settings.privacy.research_key.get_secret_value() == "k" * 16
    with pytest.raises(ConfigError, match=r"privacy\.research_key: .*at least 16 characters"):
        load_settings(path, environ={"MENTORBOT_RESEARCH_KEY": "short"})


def test_the_dashboard_names_each_missing_sign_in_setting(tmp_path):
    settings = load_settings(write(tmp_path, "[web]\nenabled = true\n"), environ={})
    with pytest.raises(ConfigError) as raised:
        settings.web.require_sign_in()
    for key in ("web.client_id", "web.client_secret", "web.session_secret"):
        assert key in str(raised.value)


def test_the_dashboard_secrets_come_from_the_environment(tmp_path):
    path = write(tmp_path, "[web]\nclient_id = 42\n")
    environ = {"MENTORBOT_WEB_CLIENT_SECRET": "s3cret", "MENTORBOT_WEB_SESSION_SECRET": "x" * 32}
    assert load_settings(path, environ=environ).web.require_sign_in() == (42, "s3cret", "x" * 32)


def test_a_short_session_secret_or_a_bare_public_url_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"web\.session_secret: .*at least 32"):
        load_settings(write(tmp_path, '[web]\nsession_secret = "short"\n'), environ={})
    with pytest.raises(ConfigError, match=r"web\.public_url: .*https://"):
        load_settings(write(tmp_path, '[web]\npublic_url = "mentoring.example.org"\n'), environ={})
