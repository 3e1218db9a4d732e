package main

const routeHelp = `Usage: nsnet route help (not implemented yet)
`

func parseRoute(args []string, opt options) (command, error) {
	return nil, usagef("nsnet route: not implemented yet")
}
