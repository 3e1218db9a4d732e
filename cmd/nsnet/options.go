package main

// A command is one parsed nsnet command line, ready to run. Parsing and
// running are separate so that a batch file can be parsed whole before
// anything runs, and --dry-run can print the plan.
type command interface {
	run(e *env) error
}

// options are the global options that change how a command prints.
type options struct {
	json    bool
	pretty  bool
	details bool
	brief   bool
	stats   bool
	family  int  // 0 all, 4 or 6
	all     bool // -all (netns exec/del in every namespace)
	force   bool // -force (batch: go on after errors)
	// timestamp is monitor's -t (1) or -ts (2); accepted everywhere.
	timestamp int

	// iproute2's other global options.
	linkOnly   bool // -0, -family link: link-layer information only
	oneline    bool // -oneline: one record per line, "\\" between its lines
	color      colorWhen
	human      bool // -human: counters with K, M, G suffixes
	iec        bool // -iec: powers of 1024 with -human
	statsLevel int  // how many -s were given
}

// colorWhen is the -color option's value.
type colorWhen uint8

const (
	colorNever colorWhen = iota
	colorAlways
	colorAuto
)
