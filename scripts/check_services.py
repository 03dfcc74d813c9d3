"""Check that PostgreSQL and Redis answer before the suite runs; say how to start them if not."""

import os
import sys

import psycopg
import redis

PG_START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
REDIS_START = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'


def main() -> int:
    failures = []
    database_url = os.environ["DATABASE_URL"]
    # Connect to the maintenance database: the test database is created by the suite itself.
    maintenance = database_url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(maintenance, connect_timeout=3) as connection:
            connection.execute("select 1")
    except psycopg.Error as error:
        failures.append(
            f"PostgreSQL at {maintenance} does not answer ({error}).\n  Start it: {PG_START}"
        )
    redis_url = os.environ["TEST_REDIS_URL"]
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        failures.append(
            f"Redis at {redis_url} does not answer ({error}).\n  Start it: {REDIS_START}"
        )
    for failure in failures:
        print(failure, file=sys.stderr)
    if not failures:
        print("PostgreSQL and Redis answer.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
