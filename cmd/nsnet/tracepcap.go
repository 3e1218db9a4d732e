package main

import (
	"fmt"
	"io"
	"os"

	"github.com/nsnet/nsnet/nlpcap"
)

// netlinkTap is what rtnl.Config, nat.Config and genl.Config take as
// Capture.
type netlinkTap = interface {
	WriteNetlink(family int, sent bool, datagram []byte)
}

// pcapOut is --trace-pcap's destination: the writer every connection of
// the session shares, and the file to close (nil for stdout).
type pcapOut struct {
	w    *nlpcap.Writer
	file *os.File
	name string
}

// startCapture opens --trace-pcap's file (- is stdout) and writes the pcap
// file header, before any socket is opened.
func (s *session) startCapture(name string) error {
	var (
		w    io.Writer = s.stdout
		file *os.File
	)
	if name != "-" {
		f, err := os.Create(name)
		if err != nil {
			return fmt.Errorf("--trace-pcap: %w", err)
		}
		w, file = f, f
	}
	pw, err := nlpcap.NewWriter(w)
	if err != nil {
		if file != nil {
			file.Close()
		}
		return fmt.Errorf("--trace-pcap %s: %w", name, err)
	}
	s.pcap = &pcapOut{w: pw, file: file, name: name}
	s.capture = pw
	s.ps.SetCapture(pw)
	return nil
}

// endCapture closes --trace-pcap's file. A capture that could not be
// written in full turns a successful exit status into 1, with a message.
func (s *session) endCapture(code int) int {
	if s.pcap == nil {
		return code
	}
	err := s.pcap.w.Err()
	if s.pcap.file != nil {
		if cerr := s.pcap.file.Close(); err == nil {
			err = cerr
		}
	}
	s.pcap, s.capture = nil, nil
	s.ps.SetCapture(nil)
	if err != nil {
		fmt.Fprintf(s.stderr, "nsnet: --trace-pcap: %s\n", oneLine(err.Error()))
		if code == 0 {
			code = 1
		}
	}
	return code
}
