package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"

	"mensakiosk/central/server"
)

// The steps the administration commands share before they do their work:
// parsing their flags with the server's -config file, and opening the
// database (or the running server's admin socket) in a data directory
// that must already exist.

// parseWithConfig adds -config (configUsage) to fs, parses args and applies
// the settings file, if one is named, to *data (commandConfig).
func parseWithConfig(fs *flag.FlagSet, args []string, data *string) (commandBase, error) {
	configPath := fs.String("config", "", configUsage)
	comune := comuneFlag(fs) // comuni_config.go
	if err := fs.Parse(args); err != nil {
		return commandBase{}, err
	}
	base, err := commandConfig(fs, *configPath, data) // config_cmd.go
	if err != nil {
		return base, err
	}
	return commandComune(fs, *configPath, *comune, data, base) // comuni_config.go
}

// parseFlagsOnly is parseWithConfig for a command that takes flags and no
// arguments: an argument left over is a usage error.
func parseFlagsOnly(fs *flag.FlagSet, args []string, data *string) (commandBase, error) {
	base, err := parseWithConfig(fs, args, data)
	if err == nil && fs.NArg() > 0 {
		err = usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	return base, err
}

// openOps is openCommand for a command that uses the set of operations T
// (the database and the running server's admin socket both give every
// set); done closes them. mustExist: the data directory must already be
// there: a command that reads must not create one by mistake.
func openOps[T any](data string, stderr io.Writer, base commandBase, mustExist bool) (ops T, done func(), err error) {
	if mustExist {
		if err := dataDirExists(data); err != nil {
			return ops, nil, err
		}
	}
	all, done, err := openCommand(data, stderr, base)
	if err != nil {
		return ops, nil, err
	}
	ops, ok := all.(T)
	if !ok {
		done()
		return ops, nil, fmt.Errorf("internal: the administration operations (%T) lack %v", all, reflect.TypeFor[T]())
	}
	return ops, done, nil
}

// dataDirExists is the error of a data directory that is not there.
func dataDirExists(data string) error {
	if _, err := os.Stat(data); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	return nil
}

// openCertificateCommand is the set-up of the certificate and refund
// commands: the data directory must exist, the optional settings file
// (config) gives the time zone and pagoPA, and the operations come from the
// database (srv set, to close) or the running server's admin socket. opts
// are the booking options the settings give.
func openCertificateCommand(fs *flag.FlagSet, data, config, comune string, stderr io.Writer) (ops certificateOps, srv *server.Server, opts server.Options, err error) {
	if err := dataDirExists(data); err != nil {
		return nil, nil, server.Options{}, err
	}
	var cfg Config
	if config != "" {
		if err := loadConfig(config, fs, &cfg); err != nil {
			return nil, nil, server.Options{}, err
		}
	}
	cfg.Data = data
	code, err := applyComune(&cfg, comune) // comuni_config.go
	if err != nil {
		return nil, nil, server.Options{}, err
	}
	data = cfg.Data
	if opts, err = bookingOptions(cfg); err != nil { // staff_cmd.go
		return nil, nil, server.Options{}, err
	}
	opts.Comune = code
	ops, srv, err = openCertificateOps(data, opts, cfg, stderr)
	return ops, srv, opts, err
}
