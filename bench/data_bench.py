"""pgbench against the postgresql role's tuned server and the distribution's defaults.

Both run on the same node, in one run: the role's cluster (`<major>/main`,
with its conf.d/nova.conf) and a second cluster made for the run with
`pg_createcluster` and left as Debian ships it, on another port. Each gets
the same `pgbench -i` data set and the same timed run over the Unix socket;
the figure is pgbench's transactions per second. The node is a container
(a sandbox node, or the Molecule scenario's `pg-primary`) on which the role
has converged; the bench reaches it with `docker exec`, and drops its
second cluster at the end.

The k-NN part needs pgvector, which only Ubuntu 24.04 ships: on a Debian 12
node it is reported as not run, never as a figure.

Run: .venv/bin/python bench/data_bench.py --node pg-primary [--scale 10] [--seconds 30]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

DEFAULTS_CLUSTER = "benchdefaults"
DEFAULTS_PORT = 5499
TPS = re.compile(r"^tps = ([0-9.]+)", re.MULTILINE)


def on_node(node: str, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "exec", node, *argv], capture_output=True, text=True, check=check
    )


def as_postgres(node: str, *argv: str) -> str:
    return on_node(node, "runuser", "-u", "postgres", "--", *argv).stdout


def major_version(node: str) -> str:
    out = on_node(node, "pg_lsclusters", "--no-header").stdout.split()
    if not out:
        raise SystemExit(f"{node}: no PostgreSQL cluster; converge the postgresql role first")
    return out[0]


def pgbench(node: str, major: str, port: int, args: argparse.Namespace) -> float:
    binary = f"/usr/lib/postgresql/{major}/bin/pgbench"
    common = ["-h", "/var/run/postgresql", "-p", str(port)]
    as_postgres(node, "dropdb", "--if-exists", *common, "bench")
    as_postgres(node, "createdb", *common, "bench")
    as_postgres(node, binary, *common, "-i", "-q", "-s", str(args.scale), "bench")
    out = as_postgres(
        node, binary, *common, "-c", str(args.clients), "-j", str(args.jobs),
        "-T", str(args.seconds), "bench",
    )  # fmt: skip
    as_postgres(node, "dropdb", *common, "bench")
    found = TPS.search(out)
    if found is None:
        raise SystemExit(f"pgbench printed no tps line:\n{out}")
    return float(found.group(1))


def setting(node: str, port: int, name: str) -> str:
    return as_postgres(
        node, "psql", "-XAt", "-h", "/var/run/postgresql", "-p", str(port), "-c", f"SHOW {name}"
    ).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--node", required=True, help="container the role converged on")
    parser.add_argument("--scale", type=int, default=10, help="pgbench -i scale factor")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()

    major = major_version(args.node)
    on_node(args.node, "pg_dropcluster", "--stop", major, DEFAULTS_CLUSTER, check=False)
    on_node(
        args.node, "pg_createcluster", "--port", str(DEFAULTS_PORT), "--start",
        major, DEFAULTS_CLUSTER,
    )  # fmt: skip
    try:
        rows = []
        for label, port in (("role-tuned", 5432), ("distribution", DEFAULTS_PORT)):
            memory = {n: setting(args.node, port, n) for n in ("shared_buffers", "work_mem")}
            rows.append((label, pgbench(args.node, major, port, args), memory))
    finally:
        on_node(args.node, "pg_dropcluster", "--stop", major, DEFAULTS_CLUSTER, check=False)

    print(f"pgbench on {args.node}, PostgreSQL {major}: scale {args.scale},")
    print(f"{args.clients} clients, {args.jobs} threads, {args.seconds} s each, Unix socket")
    print(f"{'server':<14} {'tps':>10} {'shared_buffers':>15} {'work_mem':>9}")
    for label, tps, memory in rows:
        print(f"{label:<14} {tps:>10.1f} {memory['shared_buffers']:>15} {memory['work_mem']:>9}")
    vector = on_node(args.node, "dpkg", "-s", f"postgresql-{major}-pgvector", check=False)
    if vector.returncode != 0:
        print(f"k-NN: not run: no postgresql-{major}-pgvector on this node (Ubuntu 24.04 has it)")
    else:
        print("k-NN: not measured: this bench does not run a pgvector query yet")
    print(f"command: {' '.join([sys.executable.rsplit('/', 1)[-1], *sys.argv])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
