#!/bin/bash
# Written for the corpus after the multipath and policy examples of
# lartc.org and ip-route(8): ECMP routes, tables, flush, errors scripts
# test for.
ip link add wan0 type veth peer name wan0p
ip link add wan1 type veth peer name wan1p
ip link set wan0 up; ip link set wan1 up; ip link set wan0p up; ip link set wan1p up
ip addr add 10.0.0.2/24 dev wan0
ip addr add 10.0.1.2/24 dev wan1
ip route add default scope global nexthop via 10.0.0.1 dev wan0 weight 1 nexthop via 10.0.1.1 dev wan1 weight 3
ip route show
ip -j route show default
ip route add 10.9.0.0/16 via 10.0.0.1 table 10
ip route add 10.8.0.0/16 via 10.0.1.1 table 10
ip route show table 10
ip route flush table 10
ip route show table 10 2>&1; echo "status $?"
ip route add local 10.0.0.200 dev wan0
ip route show table local | grep 10.0.0.200
ip route del local 10.0.0.200 dev wan0 table local && echo deleted
ip route add 10.7.0.0/16 dev nosuch 2>&1; echo "status $?"
ip route add 10.7.0.0/33 dev wan0 2>&1; echo "status $?"
