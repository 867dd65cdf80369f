package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"mensakiosk/central/server"
)

// The administration commands accept the server's -config file: its data
// directory (unless -data is given on the command line) and the settings
// the database is opened with when no server runs (time zone, cut-off,
// pagoPA with its GPD connection).

const configUsage = "the server's JSON settings file (as serve's -config): its data directory and settings; -data wins"

// commandConfig applies -config path to an administration command.
func commandConfig(fs *flag.FlagSet, path string, data *string) (commandBase, error) {
	if path == "" {
		return commandBase{}, nil
	}
	cfg := Config{Data: *data}
	if err := loadConfig(path, fs, &cfg); err != nil {
		return commandBase{}, err
	}
	*data = cfg.Data
	opts, err := bookingOptions(cfg) // staff_cmd.go
	if err != nil {
		return commandBase{}, err
	}
	opts.PagoPA = cfg.PagoPA
	return commandBase{opts: opts, store: cfg.Store}, nil // store_config.go
}

// withBase is the options an administration command opens the database
// with: base (from -config) with its log and lock wait.
func withBase(log server.Options, base []commandBase) server.Options {
	if len(base) == 0 {
		return log
	}
	o := base[0].opts
	o.Log, o.LockTimeout = log.Log, log.LockTimeout
	return o
}

// gpdFlush tells GPD at once what an office command changed (a notice
// withdrawn, cash taken), when the command opened the database itself
// with GPD configured; otherwise the server does at its next round.
func gpdFlush(ops any, stdout io.Writer) {
	srv, ok := ops.(*server.Server)
	if !ok {
		return // the running server does it
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if srv.GPDConfigured() {
		_ = srv.GPDFlush(ctx)
	}
	if c, err := srv.Counts(); err == nil && c.GPDPending > 0 {
		fmt.Fprintf(stdout, "pagoPA GPD: %d operations wait to be sent (the server sends them when it runs with GPD configured)\n", c.GPDPending)
	}
}
