"""deploy/ describes the same layout the production tests run (runtime/production.py): the same
processes, the same `python -m bot` commands, the same environment switch and per-process variables
(the inbox's SANIC_PROXIES_COUNT); and the nginx template renders to a configuration nginx accepts.
No servers are started here."""

import re
import shlex
import subprocess

import pytest
import yaml

from runtime.cli import main
from runtime.production import DEPLOY, PROCESS_ENV, RASA_PORTS, InboxSite, environment, layout, render_nginx_conf
from tools.local_services import NGINX_PACKAGES, ensure_debian_packages, find_binary, self_signed_certificate

# Options that differ by where a process runs (interface, folders, files), not what it is.
PLACEMENT = {"--host", "--prefix", "--model", "--run-dir", "--tls-certificate", "--tls-key"}
UPSTREAMS = {"--rasa", "--inbox"}  # HOST:PORT of another process: its host differs by placement


def normalised(arguments: list[str]) -> list[str]:
    """The arguments to `python -m bot`, without placement options; a replica as its port only."""
    kept, skip = [], False
    for index, argument in enumerate(arguments):
        if skip:
            skip = False
        elif argument in PLACEMENT:
            skip = True
        elif index and arguments[index - 1] in UPSTREAMS:
            kept.append(argument.rsplit(":", 1)[1])
        else:
            kept.append(argument)
    return kept


def bot_arguments(command: list[str]) -> list[str]:
    assert command[1:3] == ["-m", "bot"] and command[0].endswith("python"), command
    return normalised(command[3:])


EXPECTED = {name: normalised(arguments) for name, arguments in layout().items()}


def without_env_prefix(command: list[str]) -> tuple[dict[str, str], list[str]]:
    """`env A=1 B=2 program …` → ({A: 1, B: 2}, [program, …])."""
    if command[0] != "env":
        return {}, command
    assignments = [word for word in command[1:] if "=" in word and not word.startswith("-")]
    return dict(word.split("=", 1) for word in assignments), command[1 + len(assignments):]


def test_the_procfile_runs_the_layout():
    lines = [line for line in (DEPLOY / "Procfile").read_text().splitlines() if line and not line.startswith("#")]
    commands = {name: without_env_prefix(shlex.split(command)) for name, command in (line.split(":", 1) for line in lines)}
    assert {name: bot_arguments(command) for name, (_env, command) in commands.items()} == EXPECTED
    assert {name: env for name, (env, _command) in commands.items() if env} == PROCESS_ENV


def exec_start(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / unit).read_text()
    return shlex.split(re.search(r"^ExecStart=(.*)$", text, re.M).group(1))


def unit_environment(unit: str) -> dict[str, str]:
    text = (DEPLOY / "systemd" / unit).read_text()
    return dict(match.split("=", 1) for match in re.findall(r"^Environment=(.*)$", text, re.M))


def test_the_systemd_units_run_the_layout():
    single = {"actions": "clinic-actions.service", "inbox": "clinic-inbox.service", "proxy": "clinic-proxy.service"}
    units = {name: bot_arguments(exec_start(unit)) for name, unit in single.items()}
    template = exec_start("clinic-rasa@.service")
    for number, port in enumerate(RASA_PORTS, start=1):
        units[f"rasa-{number}"] = bot_arguments([part.replace("%i", str(port)) for part in template])
    assert units == EXPECTED
    assert {name: unit_environment(unit) for name, unit in single.items() if unit_environment(unit)} == PROCESS_ENV
    assert unit_environment("clinic-rasa@.service") == {}
    for unit in (DEPLOY / "systemd").glob("*.service"):
        assert "EnvironmentFile=/etc/clinic-assistant/env" in unit.read_text(), unit.name


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_docker_compose_runs_the_layout_on_postgres_and_redis(compose):
    services = compose["services"]
    assert set(services) == {*EXPECTED, "postgres", "redis"}
    assert {name: bot_arguments(services[name]["command"]) for name in EXPECTED} == EXPECTED
    assert services["postgres"]["image"].startswith("postgres:") and services["redis"]["image"].startswith("redis:")


def test_every_process_gets_the_same_environment_switch(compose):
    switch = set(environment("postgresql://", "redis://", "token", "http://", "http://"))
    example = {line.split("=", 1)[0] for line in (DEPLOY / "clinic.env.example").read_text().splitlines()
               if "=" in line and not line.startswith("#")}
    assert switch <= example
    for name in EXPECTED:
        env = compose["services"][name]["environment"]
        assert switch <= set(env), name
        assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert {key: env[key] for key in set(env) - switch - {"HANDOFF_WEBHOOK_URL"}} == PROCESS_ENV.get(name, {})


def test_the_nginx_template_renders_to_a_valid_configuration(tmp_path):
    ensure_debian_packages(NGINX_PACKAGES)
    certificate, key = self_signed_certificate(tmp_path / "tls")
    inbox = InboxSite("127.0.0.1:5010", "127.0.0.1:18443", str(certificate), str(key))
    config = render_nginx_conf("127.0.0.1:18080", ["127.0.0.1:5005", "127.0.0.1:5006"], inbox)
    assert "{{" not in config and config.count("server 127.0.0.1:5005 ") == 2  # REST and socket.io upstreams
    assert "listen 127.0.0.1:18443 ssl;" in config and f"ssl_certificate_key {key};" in config
    assert "server 127.0.0.1:5010;" in config and "proxy_set_header X-Forwarded-For $remote_addr;" in config
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(config)
    checked = subprocess.run([find_binary("nginx"), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_the_nginx_template_refuses_no_replicas_and_unknown_placeholders(tmp_path):
    with pytest.raises(ValueError, match="at least one"):
        render_nginx_conf("8080", [], InboxSite())
    template = tmp_path / "nginx.conf"
    template.write_text("listen {{listen}}; {{upstreams}}")
    with pytest.raises(ValueError, match="unknown placeholder"):
        render_nginx_conf("8080", ["a:1"], InboxSite(), template)


def test_the_proxy_will_not_start_without_the_inbox_certificate(tmp_path):
    ensure_debian_packages(NGINX_PACKAGES)  # nginx is looked for first
    missing = ["--tls-certificate", str(tmp_path / "none.crt"), "--tls-key", str(tmp_path / "none.key")]
    with pytest.raises(SystemExit, match="served over HTTPS only"):
        main(["proxy", "--rasa", "127.0.0.1:5005", "--prefix", str(tmp_path / "proxy"), *missing])
    assert not (tmp_path / "proxy").exists()
