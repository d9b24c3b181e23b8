#!/bin/sh
# Publishes a listener the way Docker publishes a container's port with
# `docker run -p 8090:8000 -p 8091:8000`: a network namespace plugged into
# docker0 like a container, an ACCEPT in Docker's filter chain DOCKER, and a
# DNAT per host port in Docker's nat chain DOCKER, written with iptables-nft as
# Docker writes them. Nested containers cannot start in these nodes, so this
# stands in for one; the kernel path (DNAT, forward hook, Docker's chains) is
# the same.
set -eu
ns=published
gateway=$(ip -4 -o addr show dev docker0 | awk '{print $4}')
prefix=${gateway#*/}
network=${gateway%/*}
address="${network%.*}.200"

ip netns add "$ns"
ip link add published0 type veth peer name eth0 netns "$ns"
ip link set published0 master docker0 up
ip -n "$ns" link set lo up
ip -n "$ns" addr add "$address/$prefix" dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" route add default via "$network"

iptables -t filter -A DOCKER -d "$address/32" ! -i docker0 -o docker0 -p tcp -m tcp --dport 8000 -j ACCEPT
for port in 8090 8091; do
    iptables -t nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport "$port" -j DNAT --to-destination "$address:8000"
done
echo "$address" > /root/published-address
