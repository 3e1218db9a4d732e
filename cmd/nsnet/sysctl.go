package main

const sysctlHelp = `Usage: nsnet sysctl help (not implemented yet)
`

func parseSysctl(args []string, opt options) (command, error) {
	return nil, usagef("nsnet sysctl: not implemented yet")
}
