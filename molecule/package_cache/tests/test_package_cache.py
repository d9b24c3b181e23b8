"""What package_cache leaves on a cluster: one cache, bound to its cluster address,
used by the allowed client, closed to the outsider, and apt still working when the
cache is down."""

import testinfra

testinfra_hosts = ["pkgcache-client"]

PORT = 3142
PROBE = "/usr/local/lib/nova/apt-proxy-probe"
PACKAGE = "hello"


def other(host, name):
    return testinfra.get_host(name, connection="ansible",
                              ansible_inventory=host.backend.ansible_inventory)


def address_of(host):
    return host.check_output("ip -4 -o addr show dev eth0").split()[3].split("/")[0]


def reachable(prober, address):
    return prober.run(f"timeout 3 bash -c ': > /dev/tcp/{address}/{PORT}'").rc == 0


def download(host):
    host.run_expect([0], "rm -rf /tmp/dl && mkdir /tmp/dl")
    return host.run(f"cd /tmp/dl && apt-get download {PACKAGE}")


def test_the_cache_listens_on_its_cluster_address_and_localhost_only(host):
    server = other(host, "pkgcache-server")
    assert server.service("apt-cacher-ng").is_running
    assert server.service("apt-cacher-ng").is_enabled
    listening = server.check_output(f"ss -Htln 'sport = :{PORT}'")
    bound = sorted(line.split()[3].rsplit(":", 1)[0] for line in listening.splitlines())
    assert address_of(server) in bound
    assert "0.0.0.0" not in bound and "*" not in bound and "[::]" not in bound


def test_the_allowed_client_goes_through_the_cache(host):
    server = other(host, "pkgcache-server")
    url = f"http://{address_of(server)}:{PORT}"
    assert host.check_output(PROBE) == url
    host.run_expect([0], "apt-get update")
    result = download(host)
    assert result.rc == 0, result.stderr
    cached = server.check_output(f"find /var/cache/apt-cacher-ng -name '{PACKAGE}_*.deb'")
    assert cached, "the package was not stored in the cache"
    log = server.check_output("cat /var/log/apt-cacher-ng/apt-cacher.log")
    assert address_of(host) in log and f"{PACKAGE}_" in log


def test_the_outsider_is_kept_out_and_goes_direct(host):
    server = other(host, "pkgcache-server")
    outsider = other(host, "pkgcache-outsider")
    assert reachable(host, address_of(server))
    assert not reachable(outsider, address_of(server))
    assert outsider.check_output(PROBE) == "DIRECT"
    result = download(outsider)
    assert result.rc == 0, result.stderr


def test_apt_still_works_when_the_cache_is_down(host):
    server = other(host, "pkgcache-server")
    server.run_expect([0], "systemctl stop apt-cacher-ng")
    try:
        assert host.check_output(PROBE) == "DIRECT"
        result = download(host)
        assert result.rc == 0, result.stderr
    finally:
        server.run_expect([0], "systemctl start apt-cacher-ng")
    assert host.check_output(PROBE).startswith("http://")
