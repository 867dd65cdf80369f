package main

import (
	"log/slog"
	"strings"
	"testing"
)

// The command end to end on a tiny rush: an in-process server, a clean
// run, exit status 0; with -strict and an impossible p99 goal, an error.
func TestLoadgenCommandRuns(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	args := []string{"-kiosks", "2", "-meals", "2", "-rush", "1s", "-drain", "2s", "-data", t.TempDir()}
	if err := run(args, log); err != nil {
		t.Fatal(err)
	}
	err := run(append(args, "-strict", "-p99", "1ns"), log)
	if err == nil || !strings.Contains(err.Error(), "-strict") {
		t.Fatalf("-strict with p99 goal 1ns: %v, want an error", err)
	}
}

// Bad flags are refused before anything runs: a server off loopback, a
// URL without tokens, counts out of bounds.
func TestLoadgenCommandRefusesBadFlags(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-url", "http://192.0.2.1:8700", "-tokens", "x"}, "loopback only"},
		{[]string{"-url", "http://127.0.0.1:8700"}, "needs -tokens"},
		{[]string{"-kiosks", "0"}, "want numbers from 1"},
		{[]string{"-kiosks", "100000"}, "want numbers from 1"},
		{[]string{"-meals", "0"}, "-meals"},
		{[]string{"-rush", "100ms"}, "-rush"},
	} {
		err := run(tc.args, log)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
