package main

// runBatch runs the commands of a batch file (see the batch issue).
func runBatch(s *session, g globals, file string) error {
	return usagef("-batch %q: not implemented yet", file)
}
