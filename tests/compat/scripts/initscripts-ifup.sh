#!/bin/bash
# Written for the corpus after the checks Fedora's network-scripts
# (ifup-eth, ifup-routes) make: they parse "ip -o" output and test exit
# statuses.
DEVICE=eth1
ip link add $DEVICE type veth peer name ${DEVICE}p
if ! ip -o link show $DEVICE > /dev/null 2>&1; then
	echo "Device $DEVICE does not seem to be present"
	exit 1
fi
ip link set dev $DEVICE up
ip addr flush dev $DEVICE 2>/dev/null
ip -4 addr add 10.20.30.40/24 brd 10.20.30.255 dev $DEVICE scope global label $DEVICE
if ip -o -4 addr show dev $DEVICE | grep -q "10.20.30.40"; then
	echo "address configured"
fi
ip route replace default metric 100 via 10.20.30.1 dev $DEVICE
ip route add 172.16.0.0/12 via 10.20.30.2 dev $DEVICE table 100 || echo "route failed: $?"
ip route add 172.16.0.0/12 via 10.20.30.2 dev $DEVICE table 100 2>/tmp/err.$$ || grep -c "File exists" /tmp/err.$$
rm -f /tmp/err.$$
ip -o link show nosuchdev > /dev/null 2>&1 || echo "nosuchdev: status $?"
ip route show table 100
ip -o route show
