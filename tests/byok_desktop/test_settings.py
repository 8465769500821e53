"""Core settings (settings.json): round trip, per-field fallback, command-line overrides."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from byok_desktop.changes import ChangeBus, Changes, Kind
from byok_desktop.context import open_context
from byok_desktop.credential_profiles import ProfileInput, ProfileKind
from byok_desktop.paths import AppPaths
from byok_desktop.settings import (
    Settings,
    SettingsInvalid,
    SettingsService,
    load_settings,
    save_settings,
    setting_problem,
)
from tests.helpers.memory_keyring import MemoryKeyring

CUSTOM = Settings(
    aws_endpoint_url="http://127.0.0.1:4566",
    sandbox=True,
    worker_threads=8,
    aws_connect_timeout_s=2.5,
    aws_read_timeout_s=12.0,
    aws_max_attempts=3,
    keyring_timeout_s=4.0,
)


def write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "config" / "settings.json"

    save_settings(path, CUSTOM)

    assert load_settings(path) == CUSTOM
    assert json.loads(path.read_text("utf-8"))["aws_endpoint_url"] == "http://127.0.0.1:4566"
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temp file left


def test_saving_again_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(path, CUSTOM)

    save_settings(path, Settings())

    assert load_settings(path) == Settings()


def test_a_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "nope.json") == Settings()


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '"text"', "null", ""])
def test_an_unusable_file_gives_defaults(tmp_path: Path, text: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text, encoding="utf-8")

    assert load_settings(path) == Settings()


def test_invalid_values_fall_back_one_field_at_a_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.json"
    write(
        path,
        {
            "aws_endpoint_url": 4566,  # not text
            "sandbox": "yes",  # not a boolean
            "worker_threads": 0,  # not positive
            "aws_connect_timeout_s": "fast",
            "aws_read_timeout_s": 7,  # an int is a fine number of seconds
            "aws_max_attempts": 2,
            "keyring_timeout_s": True,  # a bool is not a number here
            "unknown_setting": 1,
        },
    )

    with caplog.at_level(logging.WARNING, logger="byok_desktop.settings"):
        settings = load_settings(path)

    assert settings == Settings(aws_read_timeout_s=7.0, aws_max_attempts=2)
    assert isinstance(settings.aws_read_timeout_s, float)
    warned = " ".join(r.getMessage() for r in caplog.records)
    for name in (
        "aws_endpoint_url",
        "sandbox",
        "worker_threads",
        "aws_connect_timeout_s",
        "keyring_timeout_s",
    ):
        assert name in warned
    assert "aws_max_attempts" not in warned


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("worker_threads", -1),
        ("worker_threads", 2.5),
        ("worker_threads", True),
        ("worker_threads", "4"),
        ("aws_max_attempts", None),
        ("aws_read_timeout_s", 0),
        ("aws_read_timeout_s", -3.0),
        ("keyring_timeout_s", "10"),
        ("sandbox", 1),
        ("aws_endpoint_url", None),
        ("role_name", ""),
        ("role_name", "has space"),
        ("role_name", "x" * 65),
        ("provider_principal", "Cryptor-OSB-Provider"),
        ("provider_principal", "arn:aws:iam::27976624415:role/Cryptor-OSB-Provider"),
        ("restore_window_days", 0),
        ("health_check_minutes", -5),
        ("sandbox_health_check_minutes", 1.5),
        ("database_connect_timeout_s", 1.0),  # libpq's least is 2 s
        ("database_connect_timeout_s", "5"),
        ("database_statement_timeout_s", 0),
        ("database_statement_timeout_s", 3601.0),
        ("database_link_timeout_s", 0.5),
        ("database_link_timeout_s", True),
    ],
)
def test_each_invalid_value_is_replaced_by_its_default(
    tmp_path: Path, field: str, value: object
) -> None:
    path = tmp_path / "settings.json"
    write(
        path,
        {field: value, "aws_max_attempts": 3} if field != "aws_max_attempts" else {field: value},
    )

    settings = load_settings(path)

    assert getattr(settings, field) == getattr(Settings(), field)
    if field != "aws_max_attempts":
        assert settings.aws_max_attempts == 3  # the valid neighbour is kept


def test_with_changes_returns_a_new_settings() -> None:
    changed = Settings().with_changes(sandbox=True)

    assert changed.sandbox is True
    assert Settings().sandbox is False


# --- the context applies settings and overrides ------------------------------------------------


def test_the_context_reads_the_settings_file(paths: AppPaths) -> None:
    save_settings(paths.core_settings_file, Settings(aws_endpoint_url="http://from-file:1"))
    context = open_context(paths, keyring_backend=MemoryKeyring())
    try:
        assert context.settings.aws_endpoint_url == "http://from-file:1"
        assert not context.in_sandbox
    finally:
        context.close()


def test_command_line_overrides_beat_the_file(paths: AppPaths) -> None:
    save_settings(
        paths.core_settings_file,
        Settings(aws_endpoint_url="http://from-file:1", sandbox=True, aws_max_attempts=2),
    )
    before = paths.core_settings_file.read_bytes()

    context = open_context(
        paths, sandbox=False, aws_endpoint_url="http://cli:2", keyring_backend=MemoryKeyring()
    )
    try:
        assert context.settings.sandbox is False
        assert not context.in_sandbox
        assert context.settings.aws_endpoint_url == "http://cli:2"
        assert context.settings.aws_max_attempts == 2  # not overridden: from the file
        profile = context.credentials.save(
            None, ProfileInput(name="CLI", kind=ProfileKind.CLI, cli_profile="c"), None
        )
        config = context.aws_config(profile)
        assert config.endpoint_url == "http://cli:2"
        assert config.max_attempts == 2
        assert config.sandbox_account_id == ""
    finally:
        context.close()
    # Overrides are for this run only.
    assert paths.core_settings_file.read_bytes() == before


def test_a_sandbox_override_opens_the_sandbox(paths: AppPaths) -> None:
    context = open_context(paths, sandbox=True, keyring_backend=MemoryKeyring())
    try:
        assert context.in_sandbox
        assert context.settings.sandbox is True
        assert context.database.path.parent == paths.sandbox_dir
    finally:
        context.close()
    assert load_settings(paths.core_settings_file) == Settings()


def test_an_empty_endpoint_override_means_real_aws(paths: AppPaths) -> None:
    save_settings(paths.core_settings_file, Settings(aws_endpoint_url="http://from-file:1"))

    context = open_context(paths, aws_endpoint_url="", keyring_backend=MemoryKeyring())
    try:
        assert context.settings.aws_endpoint_url == ""
    finally:
        context.close()


def test_zero_turns_the_periodic_health_check_off_and_names_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    principal = "arn:aws:iam::111122223333:role/Provider"
    write(
        path,
        {
            "health_check_minutes": 0,
            "sandbox_health_check_minutes": 5,
            "role_name": "byok.keys@team",
            "provider_principal": principal,
            "restore_window_days": 3,
        },
    )

    settings = load_settings(path)

    assert settings.health_check_minutes == 0
    assert settings.sandbox_health_check_minutes == 5
    assert settings.role_name == "byok.keys@team"
    assert settings.provider_principal == principal
    assert settings.restore_window_days == 3


# --- the settings service: the one reader and writer of settings.json ------------------


def test_the_service_checks_each_setting_with_its_own_check_before_writing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    service = SettingsService(path)
    with pytest.raises(SettingsInvalid) as refused:
        service.update(role_name="has spaces", worker_threads=0, restore_window_days=3)
    assert set(refused.value.problems) == {"role_name", "worker_threads"}
    assert "worker threads must be more than 0" in str(refused.value)
    assert not path.exists()  # nothing written, not even the valid change
    assert service.snapshot() == Settings()


def test_an_update_keeps_what_another_window_saved_and_announces_itself(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.json"
    bus = ChangeBus()
    heard: list[Changes] = []
    bus.subscribe(heard.append)
    service = SettingsService(path, bus=bus)
    save_settings(path, Settings(restore_window_days=3))  # another window, meanwhile

    saved = service.update(health_check_minutes=5, worker_threads=8)

    assert load_settings(path) == Settings(
        restore_window_days=3, health_check_minutes=5, worker_threads=8
    )
    assert saved.settings == service.snapshot() == load_settings(path)
    assert saved.restart_needed == ("worker_threads",)
    assert heard == [Changes.of(Kind.SETTINGS)]


def test_a_snapshot_never_changes_under_its_holder(tmp_path: Path) -> None:
    service = SettingsService(tmp_path / "settings.json")
    held = service.snapshot()
    service.update(role_name="byok-keys")
    assert held.role_name == Settings().role_name
    assert service.snapshot().role_name == "byok-keys"


def test_overrides_for_this_run_beat_the_file_and_are_never_saved(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    save_settings(path, Settings(aws_endpoint_url="http://127.0.0.1:4566"))
    service = SettingsService(path, {"aws_endpoint_url": "http://127.0.0.1:5000"})
    assert service.snapshot().aws_endpoint_url == "http://127.0.0.1:5000"

    service.update(restore_window_days=20)
    service.override(aws_max_attempts=2)

    on_disk = load_settings(path)
    assert on_disk.aws_endpoint_url == "http://127.0.0.1:4566"
    assert on_disk.aws_max_attempts == Settings().aws_max_attempts
    assert service.snapshot().aws_endpoint_url == "http://127.0.0.1:5000"
    assert service.snapshot().restore_window_days == 20
    assert service.saved.aws_endpoint_url == "http://127.0.0.1:4566"


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("sandbox", "yes", "must be bool, not str"),
        ("worker_threads", 2.5, "must be int, not float"),
        ("aws_read_timeout_s", True, "must be float, not bool"),
        ("health_check_minutes", -1, "must be 0 (off) or more"),
        ("aws_endpoint_url", "localhost:4566", "Enter the endpoint as a URL"),
        ("database_url", "mysql://db/byok", "Only PostgreSQL"),
        ("no_such_setting", 1, "there is no setting called"),
    ],
)
def test_each_setting_declares_its_check(name: str, value: object, problem: str) -> None:
    found = setting_problem(name, value)
    assert found is not None
    assert problem in found


def test_good_values_pass_their_checks() -> None:
    assert setting_problem("health_check_minutes", 0) is None
    assert setting_problem("aws_read_timeout_s", 7) is None
    assert setting_problem("aws_endpoint_url", "") is None
    assert setting_problem("role_name", "byok-keys") is None


def test_database_timeouts_reach_the_server_engine(tmp_path: Path) -> None:
    from byok_desktop.context import server_timeouts

    path = tmp_path / "settings.json"
    write(
        path,
        {
            "database_connect_timeout_s": 3,
            "database_statement_timeout_s": 2.5,
            "database_link_timeout_s": 6.0,
        },
    )

    timeouts = server_timeouts(load_settings(path))
    args = timeouts.connect_args()

    assert args["connect_timeout"] == "3"
    assert args["options"] == "-c statement_timeout=2500"
    assert args["tcp_user_timeout"] == "6000"
    assert args["keepalives"] == "1"
    # Keepalives give up about a link timeout after the link fell silent.
    idle, interval, count = (
        int(args[k]) for k in ("keepalives_idle", "keepalives_interval", "keepalives_count")
    )
    assert 3 <= idle + interval * count <= 9
    assert timeouts.answer_s == 8.5
