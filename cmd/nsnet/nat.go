package main

const natHelp = `Usage: nsnet nat help (not implemented yet)
`

func parseNat(args []string, opt options) (command, error) {
	return nil, usagef("nsnet nat: not implemented yet")
}
