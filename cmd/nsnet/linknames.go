package main

// linkNames is what a batch knows of the links it made itself: name ->
// index per namespace ("" is nsnet's own), from the kernel's echo of each
// `link add` (NLM_F_ECHO), so that the lines after it (`addr add ... dev
// NAME`, `route add ... dev NAME`) need no RTM_GETLINK first.
//
// What the batch knows stays true only while nothing but its own link,
// address, route, nat and netns add lines runs: runBatch forgets all of it
// before any other line (a rename, a link moved or deleted, a netns del,
// an exec of another program, a listing ...). Another process that
// deletes such a link meanwhile makes the kernel refuse the index, and the
// line then looks the name up and tries again; one that renames the link
// and makes another of the same name within that window is not seen, as
// it would not be between a lookup by name and the request that follows.
type linkNames map[string]map[string]uint32

// remember records that link name in namespace ns has index idx.
func (n linkNames) remember(ns, name string, idx uint32) {
	if n == nil {
		return
	}
	m := n[ns]
	if m == nil {
		m = map[string]uint32{}
		n[ns] = m
	}
	m[name] = idx
}

// index returns the index of link name in namespace ns, if known.
func (n linkNames) index(ns, name string) (uint32, bool) {
	idx, ok := n[ns][name]
	return idx, ok
}

// forget drops everything known.
func (n linkNames) forget() {
	for k := range n {
		delete(n, k)
	}
}

// keepsLinkNames reports whether a batch line of kind k leaves the links
// the batch knows as they are: a link add, an address or route change, a
// link set that neither renames nor moves the link, a nat add or a netns
// add.
func keepsLinkNames(k lineKind) bool {
	switch k {
	case kindLinkAdd, kindAddr, kindRoute, kindNatAdd, kindNetnsAdd, kindLinkSet:
		return true
	}
	return false
}
