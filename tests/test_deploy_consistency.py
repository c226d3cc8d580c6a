"""The production description (docker-compose.yml, deploy/) agrees with the code's settings."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from slrt.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "registry", "referral", "notification")
DATABASE = re.compile(r"^CREATE DATABASE (\w+) OWNER (\w+);", re.MULTILINE | re.IGNORECASE)
DEFAULTED = re.compile(r"\$\{\w+:-([^}]*)\}")  # ${NAME:-default} as compose interpolates it
DATABASE_URL = re.compile(r"^postgresql\+asyncpg://(?P<user>[^:@/]+)(:[^@]*)?@[^/]+/(?P<db>\w+)$")

by_service = pytest.mark.parametrize("service", SERVICES)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def databases() -> dict[str, str]:
    """Database name -> owner, as created by deploy/postgres/init.sql."""
    sql = (ROOT / "deploy" / "postgres" / "init.sql").read_text(encoding="utf-8")
    return dict(DATABASE.findall(sql))


def command(spec: dict[str, Any]) -> list[str]:
    cmd = spec.get("command", [])
    return cmd.split() if isinstance(cmd, str) else [str(part) for part in cmd]


def environment(spec: dict[str, Any]) -> dict[str, str]:
    env = spec.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def settings_class(service: str) -> type[ServiceSettings]:
    """The service's own Settings class: the shared fields plus its service-specific ones.

    Imported from `services.<name>.settings` alone, not the composition root, so this test does
    not depend on the rest of a service importing cleanly."""
    cls = importlib.import_module(f"services.{service}.settings").Settings
    assert issubclass(cls, ServiceSettings)
    return cls  # type: ignore[no-any-return]


def settings_of(compose: dict[str, Any], service: str) -> dict[str, str]:
    """The `SLRT_<SERVICE>_` variables of a service, keyed by lower-cased field name."""
    prefix = f"SLRT_{service.upper()}_"
    env = environment(compose["services"][service])
    return {k.removeprefix(prefix).lower(): v for k, v in env.items() if k.startswith(prefix)}


def published_container_ports(spec: dict[str, Any]) -> set[int]:
    ports: set[int] = set()
    for entry in spec.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(str(entry).split("/")[0].rsplit(":", 1)[-1]))
    return ports


@by_service
def test_service_runs_its_own_command(compose: dict[str, Any], service: str) -> None:
    spec = compose["services"][service]
    assert command(spec)[:2] == ["service", service]
    assert "--migrate" in command(spec)


def test_services_share_one_image(compose: dict[str, Any]) -> None:
    services = compose["services"]
    images = {services[name].get("image") for name in (*SERVICES, "topics")}
    assert len(images) == 1
    assert services["intake"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (ROOT / "deploy" / "Dockerfile").is_file()


@by_service
def test_env_vars_are_settings_fields(compose: dict[str, Any], service: str) -> None:
    fields = set(settings_class(service).model_fields)
    env = environment(compose["services"][service])
    stray = [
        k for k in env if k.startswith("SLRT_") and not k.startswith(f"SLRT_{service.upper()}_")
    ]
    assert not stray, f"{service} has variables with another service's prefix: {stray}"
    unknown = sorted(set(settings_of(compose, service)) - fields)
    assert not unknown, f"{service}: no field of its Settings class for {unknown}"


@by_service
def test_required_production_settings_are_set(compose: dict[str, Any], service: str) -> None:
    settings = settings_of(compose, service)
    expected = {
        "database_url",
        "kafka_bootstrap_servers",
        "kafka_enable_idempotence",
        "kafka_session_timeout_ms",
        "kafka_heartbeat_interval_ms",
        "kafka_fetch_max_wait_ms",
        "auth_issuer",
        "auth_audience",
        "auth_jwks_url",
        "otlp_endpoint",
        "http_host",
        "http_port",
    }
    assert expected <= settings.keys(), f"{service} lacks {sorted(expected - settings.keys())}"
    # Apache Kafka refuses session timeouts under 6 s; the heartbeat must be well below it.
    assert int(settings["kafka_session_timeout_ms"]) >= 6000
    assert int(settings["kafka_heartbeat_interval_ms"]) * 3 <= int(
        settings["kafka_session_timeout_ms"]
    )
    assert settings["http_host"] == "0.0.0.0"


@by_service
def test_settings_values_parse(compose: dict[str, Any], service: str) -> None:
    """The values are valid for the settings class (types, constraints), not just named right;
    a `${NAME:-default}` is checked with its default."""
    defaulted = {k: DEFAULTED.sub(r"\1", v) for k, v in settings_of(compose, service).items()}
    values = {k: v for k, v in defaulted.items() if "${" not in v}
    settings_class(service).model_validate(values)


@by_service
def test_database_url_names_an_initialised_database(
    compose: dict[str, Any], databases: dict[str, str], service: str
) -> None:
    url = settings_of(compose, service)["database_url"]
    match = DATABASE_URL.match(url)
    assert match, f"{service}: {url!r} is not a postgresql+asyncpg URL with a database"
    assert match["db"] in databases, f"{service}: database {match['db']!r} not in init.sql"
    assert databases[match["db"]] == match["user"], f"{service} must log in as its DB's owner"


def test_each_service_has_its_own_database(
    compose: dict[str, Any], databases: dict[str, str]
) -> None:
    names = [DATABASE_URL.match(settings_of(compose, s)["database_url"]) for s in SERVICES]
    assert len({m["db"] for m in names if m}) == len(SERVICES)
    assert set(databases) == set(SERVICES)


@by_service
def test_http_port_is_published(compose: dict[str, Any], service: str) -> None:
    port = int(settings_of(compose, service)["http_port"])
    assert port in published_container_ports(compose["services"][service])


def test_http_ports_are_distinct(compose: dict[str, Any]) -> None:
    ports = [settings_of(compose, s)["http_port"] for s in SERVICES]
    assert len(set(ports)) == len(SERVICES)


@by_service
def test_idempotent_producer_on_apache_kafka(compose: dict[str, Any], service: str) -> None:
    assert settings_of(compose, service)["kafka_enable_idempotence"].lower() == "true"


def test_notification_channels_come_from_the_environment(compose: dict[str, Any]) -> None:
    """The relay, the gateway and the webhook secret differ per deployment: none is a literal."""
    settings = settings_of(compose, "notification")
    for key in ("smtp_host", "sms_gateway_url", "webhook_secret"):
        assert DEFAULTED.fullmatch(settings[key]), f"notification: {key} is not ${{VAR:-...}}"


def test_topics_service_creates_replicated_topics(compose: dict[str, Any]) -> None:
    spec = compose["services"]["topics"]
    cmd = command(spec)
    assert cmd[0] == "topics"
    assert cmd[cmd.index("--replication") + 1] == "3"
    for service in SERVICES:
        condition = compose["services"][service]["depends_on"]["topics"]["condition"]
        assert condition == "service_completed_successfully"


def test_kafka_cluster_is_durable(compose: dict[str, Any]) -> None:
    brokers = [name for name in compose["services"] if re.fullmatch(r"kafka-\d+", name)]
    assert sorted(brokers) == ["kafka-1", "kafka-2", "kafka-3"]
    for name in brokers:
        env = environment(compose["services"][name])
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3"
        assert "controller" in env["KAFKA_PROCESS_ROLES"]


def test_otel_collector_config_exists_and_parses(compose: dict[str, Any]) -> None:
    spec = compose["services"]["otel-collector"]
    sources = [str(v).split(":")[0] for v in spec.get("volumes", [])]
    configs = [s for s in sources if s.endswith((".yaml", ".yml"))]
    assert configs, "otel-collector mounts no config file"
    for source in configs:
        path = ROOT / source
        assert path.is_file(), f"{source} referenced by docker-compose.yml does not exist"
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert "otlp" in config["receivers"]
        assert config["service"]["pipelines"]["traces"]["exporters"]


@by_service
def test_otlp_and_jwks_point_at_compose_services(compose: dict[str, Any], service: str) -> None:
    settings = settings_of(compose, service)
    hosts = set(compose["services"])
    for key in ("otlp_endpoint", "auth_jwks_url"):
        host = re.sub(r"^\w+://", "", settings[key]).split("/")[0].split(":")[0]
        assert host in hosts, f"{service}: {key} points at {host!r}, not a compose service"


def test_mounted_files_exist(compose: dict[str, Any]) -> None:
    for name, spec in compose["services"].items():
        for volume in spec.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_console_signs_in_through_the_provider_and_calls_the_services(
    compose: dict[str, Any],
) -> None:
    from services.console.settings import Settings

    spec = compose["services"]["console"]
    assert command(spec) == ["console"]
    settings = settings_of(compose, "console")
    defaulted = {k: DEFAULTED.sub(r"\1", v) for k, v in settings.items()}
    parsed = Settings.model_validate(defaulted)
    assert parsed.dev_keys_dir is None and parsed.oidc_issuer  # no development sign-in
    assert parsed.auth_issuer == settings_of(compose, "intake")["auth_issuer"]
    assert parsed.auth_jwks_url == settings_of(compose, "intake")["auth_jwks_url"]
    for service in SERVICES:
        port = settings_of(compose, service)["http_port"]
        assert getattr(parsed, f"{service}_url") == f"http://{service}:{port}"
    assert int(settings["http_port"]) in published_container_ports(spec)
    realm = (ROOT / "deploy" / "keycloak" / "slrt-realm.json").read_text(encoding="utf-8")
    assert f'"clientId": "{parsed.oidc_client_id}"' in realm
