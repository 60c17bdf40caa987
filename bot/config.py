"""Typed settings read from a TOML file, with the bot token from the environment."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.db.encryption import KEYS_ENV, KeyRing, is_valid_key

TOKEN_ENV = "MENTORBOT_TOKEN"
CONFIG_ENV = "MENTORBOT_CONFIG"
SECRET_ENV = "MENTORBOT_ANONYMITY_SECRET"
RESEARCH_KEY_ENV = "MENTORBOT_RESEARCH_KEY"
RESEARCH_KEY_MIN = 16
WEB_CLIENT_SECRET_ENV = "MENTORBOT_WEB_CLIENT_SECRET"
WEB_SESSION_SECRET_ENV = "MENTORBOT_WEB_SESSION_SECRET"
SESSION_SECRET_MIN = 32
DEFAULT_CONFIG_PATH = Path("config.toml")
DISCORD_API = "https://discord.com/api/v10"

# A bot token is three base64url parts joined by dots; anything else is a paste mistake.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{20,}$")


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to fix."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiscordSettings(_Section):
    """How the bot reaches Discord."""

    token: SecretStr | None = None
    api_base_url: str = DISCORD_API
    dev_guild_id: int | None = None
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None
    # How long Discord remembers a message's nonce ("a few minutes"; it does not say exactly). A
    # send retried later than this is looked for in its channel first instead of sent again.
    nonce_memory_seconds: float = Field(default=180.0, gt=0, le=3600)
    # How long starting waits for Discord's first answer before giving up with one line.
    connect_timeout_seconds: float = Field(default=30.0, gt=0, le=600)

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, such as https://discord.com/api/v10")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _shards_fit(self) -> DiscordSettings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("shard_ids needs shard_count too")
            if not self.shard_ids or any(not 0 <= i < self.shard_count for i in self.shard_ids):
                raise ValueError(f"shard_ids must be between 0 and shard_count - 1 ({self.shard_count - 1})")
        return self


class DatabaseSettings(_Section):
    """Where the data lives."""

    url: str = "sqlite+aiosqlite:///mentorbot.db"
    echo: bool = False
    # How long a unit of work waits for the database (SQLite's write lock, a PostgreSQL connection)
    # before the user is asked to try again in a moment.
    busy_timeout_seconds: float = Field(default=15.0, gt=0, le=120)

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value


class SchedulerSettings(_Section):
    """How scheduled work is woken up and sent."""

    # How often the outbox is swept for messages whose time has come.
    dispatch_interval_seconds: float = Field(default=15.0, gt=0)
    # Sends in flight at once; discord.py and Discord's buckets pace them further.
    max_concurrent_sends: int = Field(default=8, ge=1, le=50)
    # Requests this process makes in any one second (every request with the bot token, not only
    # sends). Discord allows 50 per token across all its processes; unset, each process takes its
    # share of the shards' (see bot/messaging/pacing.py), all 50 for a single process.
    send_rate_per_second: int | None = Field(default=None, ge=1, le=50)
    # A send claimed by a process that died is retried after this long, with the same nonce (within
    # discord.nonce_memory_seconds; a claim older than that is looked for in its channel first).
    stale_claim_seconds: float = Field(default=120.0, gt=0, le=240)


class CheckinSettings(_Section):
    """How check-ins are planned and when they are too late to send."""

    # A check-in missed by less than this (the bot was down) is sent late; older ones are
    # recorded as missed rather than sent in a burst.
    late_grace_minutes: int = Field(default=120, ge=0, le=24 * 60)
    # How long a round stays open before its digest is posted, after the last member's time.
    round_hours: int = Field(default=24, ge=1, le=7 * 24)


class GoalSettings(_Section):
    """When goals get a gentle nudge or reminder."""

    # A goal with no update for this many days gets one nudge (then quiet until the next stretch).
    stale_after_days: int = Field(default=10, ge=1, le=365)
    # A goal with a due date gets a "coming up" reminder this many (owner-local) days before it,
    # and one on the day; 0: only the one on the day.
    due_reminder_days: int = Field(default=2, ge=0, le=60)


class RescueSettings(_Section):
    """When a quiet pair or group gets help."""

    # Days without activity (home messages, check-in answers, goal updates) before members are nudged.
    quiet_days: int = Field(default=21, ge=1, le=365)
    # Days between the rescue's steps: members nudged, then the facilitator told, then a rematch offered.
    step_days: int = Field(default=7, ge=1, le=90)


class PromptSettings(_Section):
    """Light conversation prompts and quick-call suggestions."""

    # A pair or small group whose members are both around gets at most one call suggestion per this many days.
    live_call_every_days: int = Field(default=7, ge=1, le=90)
    # "Around" means they wrote in their group's channel within this many minutes, in their waking hours.
    live_call_active_minutes: int = Field(default=30, ge=5, le=240)


class PrivacySettings(_Section):
    """Secrets that protect members' privacy."""

    # Mixed into the keyed hash of anonymous authors, so that even a copy of the database does
    # not let anyone test which member wrote what. Prefer MENTORBOT_ANONYMITY_SECRET.
    anonymity_secret: SecretStr | None = None
    # Keys that encrypt free text at rest, comma-separated, newest first. Prefer MENTORBOT_DATA_KEYS.
    data_keys: SecretStr | None = None
    # Check-in answers and discussion participation counts older than this many days are
    # deleted by a daily job (0 keeps them).
    answer_retention_days: int = Field(default=0, ge=0, le=36500)
    participation_retention_days: int = Field(default=0, ge=0, le=36500)
    # A server's data is deleted this many days after the bot was removed from it (unless re-added).
    guild_data_grace_days: int = Field(default=30, ge=0, le=3650)
    # The key of the pseudonyms in the research export (`mentorbot report --research`): the same
    # key gives the same pseudonyms, run after run. Prefer MENTORBOT_RESEARCH_KEY.
    research_key: SecretStr | None = None

    @field_validator("research_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < RESEARCH_KEY_MIN:
            raise ValueError(
                f"the research key must be at least {RESEARCH_KEY_MIN} characters (a long random string)"
            )
        return value

    @field_validator("data_keys")
    @classmethod
    def _usable_keys(cls, value: SecretStr | None) -> SecretStr | None:
        keys = [k.strip() for k in (value.get_secret_value() if value else "").split(",") if k.strip()]
        for position, key in enumerate(keys, start=1):
            if not is_valid_key(key):  # never echo the key itself
                raise ValueError(
                    f"key {position} is not a data key (32 random bytes in url-safe base64); "
                    "make one with `mentorbot data new-key`"
                )
        return value

    def key_ring(self) -> KeyRing | None:
        """Return the data keys (None: free text is stored in clear)."""
        return KeyRing.parse(self.data_keys.get_secret_value() if self.data_keys else None)


class LoggingSettings(_Section):
    """What the log shows."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class WebSettings(_Section):
    """The coordinator dashboard: where it listens and how people sign in with Discord."""

    # Run the dashboard inside `mentorbot run` too (`mentorbot web` runs it on its own).
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (tests)
    # The address people open; Discord sends them back to {public_url}/oauth/callback. Default:
    # http://host:port. Behind a reverse proxy with HTTPS, its https:// address (cookies turn Secure).
    public_url: str | None = None
    # The application's OAuth2 client id and secret (Developer Portal -> OAuth2).
    client_id: int | None = None
    client_secret: SecretStr | None = None
    # Signs the session cookies: a long random string. Prefer MENTORBOT_WEB_SESSION_SECRET.
    session_secret: SecretStr | None = None
    session_hours: int = Field(default=12, ge=1, le=24 * 30)

    @field_validator("public_url")
    @classmethod
    def _public_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, such as https://mentoring.example.org")
        return value.rstrip("/")

    @field_validator("session_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < SESSION_SECRET_MIN:
            raise ValueError(
                f"the session secret must be at least {SESSION_SECRET_MIN} characters (a long random string)"
            )
        return value

    def base_url(self, port: int | None = None) -> str:
        """Return the address people open (the configured one, else http://host:port)."""
        return self.public_url or f"http://{self.host}:{port if port is not None else self.port}"

    def require_sign_in(self) -> tuple[int, str, str]:
        """Return the client id, client secret and session secret, or raise ConfigError naming the key."""
        missing = []
        if self.client_id is None:
            missing.append("web.client_id: the application's client id (Developer Portal -> OAuth2)")
        if self.client_secret is None or not self.client_secret.get_secret_value().strip():
            missing.append(
                "web.client_secret: the OAuth2 client secret "
                f"(or the {WEB_CLIENT_SECRET_ENV} environment variable)"
            )
        if self.session_secret is None:
            missing.append(
                f"web.session_secret: a random string of at least {SESSION_SECRET_MIN} characters "
                f"(or the {WEB_SESSION_SECRET_ENV} environment variable)"
            )
        if missing:
            raise ConfigError("The dashboard needs sign-in settings:\n  " + "\n  ".join(missing))
        assert self.client_id is not None and self.client_secret is not None and self.session_secret
        return (
            self.client_id,
            self.client_secret.get_secret_value().strip(),
            self.session_secret.get_secret_value().strip(),
        )


class Settings(_Section):
    """Every setting of the bot."""

    discord: DiscordSettings = DiscordSettings()
    database: DatabaseSettings = DatabaseSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    checkins: CheckinSettings = CheckinSettings()
    goals: GoalSettings = GoalSettings()
    rescue: RescueSettings = RescueSettings()
    prompts: PromptSettings = PromptSettings()
    privacy: PrivacySettings = PrivacySettings()
    logging: LoggingSettings = LoggingSettings()
    web: WebSettings = WebSettings()

    def bot_token(self) -> str:
        """Return the token, or raise ConfigError with one line on how to set it."""
        token = self.discord.token.get_secret_value().strip() if self.discord.token else ""
        if not token:
            raise ConfigError(
                f"No Discord bot token: set the {TOKEN_ENV} environment variable "
                "(or discord.token in config.toml) to the token from the Developer Portal's Bot page."
            )
        if not _TOKEN_SHAPE.match(token):
            raise ConfigError(
                f"The Discord bot token is malformed: copy it again from the Developer Portal's Bot page "
                f"into {TOKEN_ENV} (a token has three parts separated by dots)."
            )
        return token


def load_settings(path: Path | None = None, *, environ: dict[str, str] | None = None) -> Settings:
    """Read settings from ``path`` (or the default file if it exists) and the environment."""
    environ = dict(os.environ) if environ is None else environ
    explicit = path is not None or CONFIG_ENV in environ
    path = path or Path(environ.get(CONFIG_ENV, DEFAULT_CONFIG_PATH))
    data: dict = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    elif explicit:
        raise ConfigError(f"{path}: no such configuration file (copy config.example.toml to start one)")

    if environ.get(KEYS_ENV):
        data.setdefault("privacy", {})
        if isinstance(data["privacy"], dict):
            data["privacy"]["data_keys"] = environ[KEYS_ENV]
    if environ.get(RESEARCH_KEY_ENV):
        data.setdefault("privacy", {})
        if isinstance(data["privacy"], dict):
            data["privacy"]["research_key"] = environ[RESEARCH_KEY_ENV]
    if environ.get(SECRET_ENV):
        data.setdefault("privacy", {})
        if isinstance(data["privacy"], dict):
            data["privacy"]["anonymity_secret"] = environ[SECRET_ENV]
    for env, key in ((WEB_CLIENT_SECRET_ENV, "client_secret"), (WEB_SESSION_SECRET_ENV, "session_secret")):
        if environ.get(env):
            data.setdefault("web", {})
            if isinstance(data["web"], dict):
                data["web"][key] = environ[env]
    if environ.get(TOKEN_ENV):
        data.setdefault("discord", {})
        if isinstance(data["discord"], dict):
            data["discord"]["token"] = environ[TOKEN_ENV]
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: invalid configuration"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        lines.append(f"  {key}: {message}")
    return "\n".join(lines)
