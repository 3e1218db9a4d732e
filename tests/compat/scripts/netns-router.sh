#!/bin/bash
# Written for the corpus after the netns routing labs (two hosts and a
# router namespace, default routes, ping across) that tutorials build.
set -e
ip netns add h1
ip netns add h2
ip netns add r
ip link add h1-eth0 type veth peer name r-eth0
ip link add h2-eth0 type veth peer name r-eth1
ip link set h1-eth0 netns h1
ip link set h2-eth0 netns h2
ip link set r-eth0 netns r
ip link set r-eth1 netns r
ip -n h1 addr add 192.0.2.1/24 dev h1-eth0
ip -n r addr add 192.0.2.254/24 dev r-eth0
ip -n r addr add 198.51.100.254/24 dev r-eth1
ip -n h2 addr add 198.51.100.1/24 dev h2-eth0
for ns in h1 h2 r; do ip -n $ns link set lo up; done
ip -n h1 link set h1-eth0 up
ip -n h2 link set h2-eth0 up
ip -n r link set r-eth0 up
ip -n r link set r-eth1 up
ip -n h1 route add default via 192.0.2.254
ip -n h2 route add default via 198.51.100.254
ip netns exec r sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
ip netns exec h1 ping -c 1 -W 2 198.51.100.1 > /dev/null && echo "h1 reaches h2"
ip -n h1 route get 198.51.100.1
ip netns list
ip -all netns delete
ip netns list
