// Command badgetool inspects and imitates serial badge readers:
//
//	badgetool ports                                  list serial ports
//	badgetool listen -port P [-format F] [-baud B]   print the ids a reader sends
//	badgetool play -port P [-format F] ID...         write frames, like a reader
//	badgetool pty [-link L] [-in W] [-format F]      a virtual reader on a pty
//
// Formats and numberings are the ones of the kiosk configuration (see package
// device): rdm6300, id12, em18, line[:base=hex|dec,width=N,max=N]; hex, dec10,
// wiegand26, reversed.
//
// Exit status: 0 success, 1 failure, 2 usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"mensakiosk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: badgetool <command> [flags]

commands:
  ports    list serial ports (with their /dev/serial/by-id names)
  listen   print each badge id a reader sends, one per line
  play     write the frames of badge ids to a port, as a reader would
  version  print the version and the commit it was built from
  pty      create a virtual reader (pseudo-terminal): ids typed on stdin
           are sent as frames

Run "badgetool <command> -h" for the flags of a command.
`

// errUsage marks errors that are the caller's mistake (exit status 2); the
// message has been printed already.
var errUsage = errors.New("usage")

// run executes badgetool with args and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "ports":
		err = cmdPorts(rest, stdout, stderr)
	case "listen":
		err = cmdListen(ctx, rest, stdout, stderr)
	case "play":
		err = cmdPlay(ctx, rest, stdout, stderr)
	case "pty":
		err = cmdPTY(ctx, rest, stdin, stdout, stderr)
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, mensakiosk.String("mensakiosk-badgetool"))
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "badgetool: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "badgetool %s: %v\n", args[0], err)
	return 1
}

// newFlags returns a flag set for a command that prints its usage to stderr.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: badgetool %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, turning a parse error into errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// usageErr prints a usage problem and returns errUsage.
func usageErr(fs *flag.FlagSet, format string, a ...any) error {
	fmt.Fprintf(fs.Output(), "badgetool %s: %s\n(run \"badgetool %s -h\" for help)\n",
		fs.Name(), fmt.Sprintf(format, a...), fs.Name())
	return errUsage
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
