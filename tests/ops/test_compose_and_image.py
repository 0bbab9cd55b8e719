"""docker-compose.yml and the Dockerfile as the deployment gets them.

The Celery workers' task counts reach web's /metrics only through one Prometheus multiprocess
directory shared by web and every Celery container (they wrote to none: the counts stayed in
each worker process). The image carries pg_dump, pg_restore and psql, so that ops/backup.sh and
ops/restore.sh run inside it (it had none)."""

import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT
from tests.subprocess_env import child_environment

CELERY_SERVICES = {"worker", "worker-settlement", "worker-pdf", "worker-email", "beat"}
# The PostgreSQL major version of each Debian release's postgresql-client.
DEBIAN_POSTGRESQL = {"bookworm": 15, "trixie": 17}


def compose() -> dict:
    """docker-compose.yml with its anchors and `<<` merges resolved, as compose reads it."""
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def metrics_directory(service: dict) -> str:
    return service["environment"]["PROMETHEUS_MULTIPROC_DIR"]


def mounted(service: dict) -> dict[str, str]:
    """{path in the container: volume} of the service's named volumes."""
    return {
        volume.split(":")[1]: volume.split(":")[0]
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }


def web_metrics_volume() -> tuple[str, str]:
    """(directory, volume): where web's processes write their counts, and what is mounted there."""
    web = compose()["services"]["web"]
    directory = metrics_directory(web)
    return directory, mounted(web)[directory]


def test_web_and_every_celery_service_count_into_one_shared_volume():
    directory, volume = web_metrics_volume()
    assert volume in compose()["volumes"]
    services = compose()["services"]
    for name in CELERY_SERVICES:
        assert metrics_directory(services[name]) == directory, name
        assert mounted(services[name]).get(directory) == volume, name


def test_web_does_not_empty_the_directory_the_workers_write_to():
    """Emptied as web starts, the running workers' files would be gone (their counts with
    them) while they go on writing to them; and `rm -rf` of the mount point itself fails,
    which would stop web's start."""
    directory, _volume = web_metrics_volume()
    command = compose()["services"]["web"]["command"]
    assert "rm " not in command and directory not in command, command


def test_the_metrics_volume_lives_in_memory_and_any_process_may_write_there():
    _directory, volume = web_metrics_volume()
    options = compose()["volumes"][volume]["driver_opts"]
    assert options["type"] == "tmpfs"
    assert "mode=1777" in options["o"]


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_docker_compose_reads_the_file():
    result = subprocess.run(
        ["docker-compose", "config", "-q"],
        cwd=ROOT,
        env=child_environment(SECRET_KEY="x", POSTGRES_PASSWORD="x"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose is not installed")
def test_docker_compose_refuses_to_start_the_database_without_a_password_of_its_own():
    """It fell back to the password "portal": a stack started without thinking had the
    database's password in this repository."""
    environment = child_environment(SECRET_KEY="x")
    environment.pop("POSTGRES_PASSWORD", None)
    result = subprocess.run(
        ["docker-compose", "config", "-q"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD" in result.stderr


def final_stage() -> list[str]:
    """The instructions of the Dockerfile's last stage, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    starts = [index for index, line in enumerate(instructions) if line.upper().startswith("FROM ")]
    return instructions[starts[-1] :]


def test_the_image_installs_the_postgresql_client_as_root_and_keeps_no_apt_lists():
    stage = final_stage()
    installs = [
        index
        for index, line in enumerate(stage)
        if line.upper().startswith("RUN ")
        and re.search(r"apt-get install\b.*\bpostgresql-client\b", line)
    ]
    assert len(installs) == 1, stage
    install = stage[installs[0]]
    assert "--no-install-recommends" in install
    assert "apt-get update" in install  # in the same layer: never a stale package list
    assert "rm -rf /var/lib/apt/lists/*" in install
    users = [index for index, line in enumerate(stage) if line.upper().startswith("USER ")]
    assert not users or installs[0] < users[0], "apt-get runs as root, before USER"


def test_the_client_is_the_major_version_of_the_database_it_backs_up():
    """pg_dump's output is not sure to load into an older server than the pg_dump: the
    client in the image is the compose database's major version."""
    base = final_stage()[0].split()[1]
    release = next((name for name in DEBIAN_POSTGRESQL if base.endswith(f"-{name}")), None)
    assert release, f"{base} does not name its Debian release, so the client's version floats"
    database = compose()["services"]["db"]["image"]
    assert database == f"postgres:{DEBIAN_POSTGRESQL[release]}", (base, database)
