"""The profiles of the AWS CLI's configuration, for a picker: name, kind and region.

Reads the files the AWS CLI reads (``AWS_CONFIG_FILE``, ``AWS_SHARED_CREDENTIALS_FILE``,
else ``~/.aws/config`` and ``~/.aws/credentials``) and says which ones it read. Secret
values are never kept: a profile only records that it has keys.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from byok_desktop.credential_profiles import ProfileInput, ProfileKind, SsoSession
from byok_desktop.wording import counted

CONFIG_ENV = "AWS_CONFIG_FILE"
CREDENTIALS_ENV = "AWS_SHARED_CREDENTIALS_FILE"


class ConfigProfileKind(Enum):
    SSO = "sso"
    ASSUME_ROLE = "assume_role"
    PROCESS = "credential_process"
    KEYS = "keys"
    OTHER = "other"  # settings only (a region, an output format)

    @property
    def display_name(self) -> str:
        return {
            ConfigProfileKind.SSO: "IAM Identity Center (SSO)",
            ConfigProfileKind.ASSUME_ROLE: "Assume role",
            ConfigProfileKind.PROCESS: "Credential process",
            ConfigProfileKind.KEYS: "Access keys",
            ConfigProfileKind.OTHER: "No credentials",
        }[self]


@dataclass(frozen=True, slots=True)
class ConfigProfile:
    name: str
    kind: ConfigProfileKind
    region: str  # "" when the profile names none
    files: tuple[Path, ...]  # where it is defined
    mfa_serial: str = ""
    role_arn: str = ""
    sso_session: SsoSession | None = None
    sso_account_id: str = ""
    sso_role_name: str = ""

    @property
    def needs_mfa(self) -> bool:
        return bool(self.mfa_serial)

    def as_profile_input(self, name: str = "", default_region: str = "") -> ProfileInput:
        """A new BYOK Desktop profile for this one: an SSO profile signs in itself (its
        token in the OS keyring); any other is used by name through the AWS CLI's files."""
        region = default_region or self.region or "us-east-1"
        if self.kind is ConfigProfileKind.SSO and self.sso_session is not None:
            return ProfileInput(
                name=name or self.name,
                kind=ProfileKind.SSO,
                default_region=region,
                sso_session=self.sso_session,
                sso_account_id=self.sso_account_id,
                sso_role_name=self.sso_role_name,
            )
        return ProfileInput(
            name=name or self.name,
            kind=ProfileKind.CLI,
            cli_profile=self.name,
            default_region=region,
        )


@dataclass(frozen=True, slots=True)
class ConfigListing:
    profiles: list[ConfigProfile]
    config_file: Path
    credentials_file: Path
    read: list[Path]  # the files that existed and were read
    problems: list[str] = field(default_factory=list)  # each a sentence naming its file

    def find(self, name: str) -> ConfigProfile | None:
        return next((p for p in self.profiles if p.name == name), None)

    @property
    def summary(self) -> str:
        if not self.read:
            return (
                f"No AWS configuration found: neither {self.config_file} nor "
                f"{self.credentials_file} exists."
            )
        files = " and ".join(str(p) for p in self.read)
        return f"{counted(len(self.profiles), 'profile')} in {files}."


def aws_config_paths(environ: Mapping[str, str] | None = None) -> tuple[Path, Path]:
    env = os.environ if environ is None else environ
    home = Path.home()
    config = Path(env.get(CONFIG_ENV) or home / ".aws" / "config").expanduser()
    credentials = Path(env.get(CREDENTIALS_ENV) or home / ".aws" / "credentials").expanduser()
    return config, credentials


def _read(path: Path, problems: list[str]) -> configparser.RawConfigParser | None:
    parser = configparser.RawConfigParser(strict=False, default_section="\x00no-defaults")
    try:
        with path.open(encoding="utf-8") as stream:
            parser.read_file(stream)
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        first = reason.splitlines()[0] if reason else type(exc).__name__
        problems.append(f"The AWS configuration {path} could not be read: {first}.")
        return None
    return parser


def list_config_profiles(environ: Mapping[str, str] | None = None) -> ConfigListing:
    config_path, credentials_path = aws_config_paths(environ)
    problems: list[str] = []
    read: list[Path] = []
    settings: dict[str, dict[str, str]] = {}
    files: dict[str, list[Path]] = {}
    sessions: dict[str, dict[str, str]] = {}

    config = _read(config_path, problems)
    if config is not None:
        read.append(config_path)
        for section in config.sections():
            values = dict(config.items(section))
            words = section.split(None, 1)
            if section == "default":
                name = "default"
            elif len(words) == 2 and words[0] == "profile":
                name = words[1].strip()
            elif len(words) == 2 and words[0] == "sso-session":
                sessions[words[1].strip()] = values
                continue
            else:
                continue  # services, plugins and the like
            settings.setdefault(name, {}).update(values)
            files.setdefault(name, []).append(config_path)
    credentials = _read(credentials_path, problems)
    if credentials is not None:
        read.append(credentials_path)
        for section in credentials.sections():
            name = section.strip()
            values = dict(credentials.items(section))
            merged = settings.setdefault(name, {})
            for key, value in values.items():
                merged.setdefault(key, value)  # the CLI prefers the credentials file's keys
                if key in ("aws_access_key_id", "aws_secret_access_key"):
                    merged[key] = value
            files.setdefault(name, []).append(credentials_path)

    profiles = []
    for name in sorted(settings, key=lambda n: (n != "default", n.lower())):
        values = settings[name]
        profile, problem = _profile(name, values, tuple(files[name]), sessions, config_path)
        profiles.append(profile)
        if problem:
            problems.append(problem)
    return ConfigListing(profiles, config_path, credentials_path, read, problems)


def _profile(
    name: str,
    values: dict[str, str],
    files: tuple[Path, ...],
    sessions: dict[str, dict[str, str]],
    config_path: Path,
) -> tuple[ConfigProfile, str]:
    region = values.get("region", "").strip()
    problem = ""
    session: SsoSession | None = None
    if values.get("sso_session") or values.get("sso_start_url"):
        session_name = values.get("sso_session", "").strip()
        if session_name:
            found = sessions.get(session_name)
            if found is None:
                problem = (
                    f"Profile '{name}' in {config_path} names the sso-session "
                    f"'{session_name}', which that file does not define."
                )
                found = {}
            session = SsoSession(
                session_name,
                found.get("sso_start_url", "").strip(),
                found.get("sso_region", "").strip(),
            )
        else:  # the legacy form: the start URL on the profile itself
            start_url = values.get("sso_start_url", "").strip()
            session = SsoSession(start_url, start_url, values.get("sso_region", "").strip())
        kind = ConfigProfileKind.SSO
    elif values.get("role_arn"):
        kind = ConfigProfileKind.ASSUME_ROLE
    elif values.get("credential_process"):
        kind = ConfigProfileKind.PROCESS
    elif values.get("aws_access_key_id"):
        kind = ConfigProfileKind.KEYS
    else:
        kind = ConfigProfileKind.OTHER
    return (
        ConfigProfile(
            name=name,
            kind=kind,
            region=region,
            files=files,
            mfa_serial=values.get("mfa_serial", "").strip(),
            role_arn=values.get("role_arn", "").strip(),
            sso_session=session,
            sso_account_id=values.get("sso_account_id", "").strip(),
            sso_role_name=values.get("sso_role_name", "").strip(),
        ),
        problem,
    )
