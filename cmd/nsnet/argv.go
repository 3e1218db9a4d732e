package main

import (
	"os"
	"strings"
)

// matches reports whether word is an abbreviation of keyword, the way
// iproute2 accepts "a" for "address" and "ls" for "list".
//
//go:noinline
func matches(word, keyword string) bool {
	return word != "" && strings.HasPrefix(keyword, word)
}

// argv is a cursor over the words of a command line.
type argv struct {
	w []string
	i int
}

func (a *argv) more() bool { return a.i < len(a.w) }

func (a *argv) peek() string {
	if a.i < len(a.w) {
		return a.w[a.i]
	}
	return ""
}

func (a *argv) next() string {
	s := a.peek()
	a.i++
	return s
}

// rest returns the words not consumed yet.
func (a *argv) rest() []string {
	if a.i >= len(a.w) {
		return nil
	}
	return a.w[a.i:]
}

// value returns the word after keyword, or a usage error naming keyword.
func (a *argv) value(keyword string) (string, error) {
	if !a.more() {
		return "", errIncomplete(usagef("missing value after %q", keyword))
	}
	return a.next(), nil
}

// noMore fails when words are left over.
func (a *argv) noMore() error {
	if a.more() {
		return usagef("unexpected argument %q", a.peek())
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// parsedValue reads the word after keyword and parses it, turning a parse
// error into a usage error ("scope", "proto", "type" and friends).
func parsedValue[T any](a *argv, keyword string, parse func(string) (T, error)) (*T, error) {
	v, err := a.value(keyword)
	if err != nil {
		return nil, err
	}
	x, err := parse(v)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return &x, nil
}

// once records a keyword that takes a value (words maps its spellings to
// one name) and fails when the command line gives it a second time.
func once(seen map[string]bool, words map[string]string, word string, a *argv) error {
	name, ok := words[word]
	if !ok {
		return nil
	}
	if seen[name] {
		return usagef("duplicate %q: %q would be its second value", word, a.peek())
	}
	seen[name] = true
	return nil
}

// wordValue reads keyword's value and parses it with parse, returning
// parse's error as it is (an ip-worded error keeps its wording and exit
// status; parsedValue makes every error a usage error).
func wordValue[T any](a *argv, keyword string, parse func(string) (T, error)) (T, error) {
	v, err := a.value(keyword)
	if err != nil {
		var zero T
		return zero, err
	}
	return parse(v)
}
