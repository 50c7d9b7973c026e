"""deploy/ describes the same layout the production tests run (runtime/production.py): the same
processes, the same `python -m bot` commands, the same environment switch; and the nginx template
renders to a configuration nginx accepts. No servers are started here."""

import re
import shlex
import subprocess

import pytest
import yaml

from runtime.production import DEPLOY, RASA_PORTS, environment, layout, render_nginx_conf
from tools.local_services import NGINX_PACKAGES, ensure_debian_packages, find_binary

# Options that differ by where a process runs (interface, folders, replica host names), not what it is.
PLACEMENT = {"--host", "--prefix", "--model", "--run-dir"}


def normalised(arguments: list[str]) -> list[str]:
    """The arguments to `python -m bot`, without placement options; a replica as its port only."""
    kept, skip = [], False
    for index, argument in enumerate(arguments):
        if skip:
            skip = False
        elif argument in PLACEMENT:
            skip = True
        elif index and arguments[index - 1] == "--rasa":
            kept.append(argument.rsplit(":", 1)[1])
        else:
            kept.append(argument)
    return kept


def bot_arguments(command: list[str]) -> list[str]:
    assert command[1:3] == ["-m", "bot"] and command[0].endswith("python"), command
    return normalised(command[3:])


EXPECTED = {name: normalised(arguments) for name, arguments in layout().items()}


def test_the_procfile_runs_the_layout():
    lines = [line for line in (DEPLOY / "Procfile").read_text().splitlines() if line and not line.startswith("#")]
    procfile = {name: bot_arguments(shlex.split(command)) for name, command in (line.split(":", 1) for line in lines)}
    assert procfile == EXPECTED


def exec_start(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / unit).read_text()
    return shlex.split(re.search(r"^ExecStart=(.*)$", text, re.M).group(1))


def test_the_systemd_units_run_the_layout():
    units = {"actions": bot_arguments(exec_start("clinic-actions.service")),
             "proxy": bot_arguments(exec_start("clinic-proxy.service"))}
    template = exec_start("clinic-rasa@.service")
    for number, port in enumerate(RASA_PORTS, start=1):
        units[f"rasa-{number}"] = bot_arguments([part.replace("%i", str(port)) for part in template])
    assert units == EXPECTED
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
    switch = set(environment("postgresql://", "redis://", "token", "http://"))
    example = {line.split("=", 1)[0] for line in (DEPLOY / "clinic.env.example").read_text().splitlines()
               if "=" in line and not line.startswith("#")}
    assert switch <= example
    for name in EXPECTED:
        env = compose["services"][name]["environment"]
        assert switch <= set(env), name
        assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:")


def test_the_nginx_template_renders_to_a_valid_configuration(tmp_path):
    ensure_debian_packages(NGINX_PACKAGES)
    config = render_nginx_conf("127.0.0.1:18080", ["127.0.0.1:5005", "127.0.0.1:5006"])
    assert "{{" not in config and config.count("server 127.0.0.1:5005 ") == 2  # REST and socket.io upstreams
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(config)
    checked = subprocess.run([find_binary("nginx"), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_the_nginx_template_refuses_no_replicas_and_unknown_placeholders(tmp_path):
    with pytest.raises(ValueError, match="at least one"):
        render_nginx_conf("8080", [])
    template = tmp_path / "nginx.conf"
    template.write_text("listen {{listen}}; {{upstreams}}")
    with pytest.raises(ValueError, match="unknown placeholder"):
        render_nginx_conf("8080", ["a:1"], template)
