#!/bin/bash
# Written for the corpus after Docker's and Kubernetes' bridge networking
# explanations: a bridge, three "containers" on it, JSON read back.
ip link add name docker0 type bridge
ip addr add 172.17.0.1/16 dev docker0
ip link set docker0 up
for i in 1 2 3; do
	ip netns add c$i
	ip link add veth$i type veth peer name eth0 netns c$i
	ip link set veth$i master docker0
	ip link set veth$i up
	ip -n c$i addr add 172.17.0.$((i + 1))/16 dev eth0
	ip -n c$i link set eth0 up
	ip -n c$i route add default via 172.17.0.1
done
ip -br link show master docker0 | awk '{print $1}'
ip -j link show master docker0 | tr ',' '\n' | grep -c '"master":"docker0"'
ip -n c1 -j route show default
ip netns exec c1 ping -c 1 -W 2 172.17.0.4 > /dev/null && echo "c1 reaches c3"
ip link del veth2
ip -br link show master docker0 | awk '{print $1}'
