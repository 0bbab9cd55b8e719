"""The embedded default (SQLite) queues concurrent writers instead of failing one of them.

Two requests that each read and then write in one transaction (an application, an
approval) failed the second with "database is locked" at once: SQLite refuses to upgrade a
reading transaction to a writing one while another holds the lock. The settings begin every
transaction IMMEDIATE (with the write lock) so the second waits for the first.
"""

import os
import subprocess
import sys
import textwrap

from django.conf import settings

SCRIPT = textwrap.dedent(
    """
    import threading, time
    import django
    django.setup()
    from django.db import connection, connections, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE claims (n integer)")
    errors, barrier = [], threading.Barrier(4)

    def write(n):
        barrier.wait()
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM claims")  # read first, as services do
                time.sleep(0.2)
                cursor.execute("INSERT INTO claims VALUES (%s)", [n])
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claims")
        print(cursor.fetchone()[0], errors)
    """
)


def test_four_writers_at_once_all_commit(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "4 []"
