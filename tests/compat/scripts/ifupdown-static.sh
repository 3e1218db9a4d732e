#!/bin/sh
# Written for the corpus: the commands Debian's ifupdown (inet.defn,
# method static) runs for "iface eth0 inet static", up then down, with a
# veth standing in for the NIC.
ip link add eth0 type veth peer name eth0-peer
ip link set dev eth0-peer up
# up
ip addr add 192.168.1.2/255.255.255.0 broadcast + dev eth0 label eth0
ip link set dev eth0 mtu 1400 up
ip route add default via 192.168.1.1 dev eth0 onlink
ip -4 addr show dev eth0
ip route
# down
ip route del default via 192.168.1.1 dev eth0 2>&1
ip -4 addr flush dev eth0
ip link set dev eth0 down
ip addr show dev eth0
