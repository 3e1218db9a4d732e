package main

const addrHelp = `Usage: nsnet addr help (not implemented yet)
`

func parseAddr(args []string, opt options) (command, error) {
	return nil, usagef("nsnet addr: not implemented yet")
}
