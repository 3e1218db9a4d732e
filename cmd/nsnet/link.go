package main

const linkHelp = `Usage: nsnet link help (not implemented yet)
`

func parseLink(args []string, opt options) (command, error) {
	return nil, usagef("nsnet link: not implemented yet")
}
