package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"mensakiosk/device"
)

// readerFlags are the flags that describe a reader's line.
type readerFlags struct {
	port, format string
	baud         int
}

func (r *readerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.port, "port", "", "serial port `path` (e.g. /dev/serial/by-id/..., /dev/ttyUSB0, a pty)")
	fs.StringVar(&r.format, "format", device.FormatRDM6300,
		"frame `format`: rdm6300, id12, em18, line[:base=hex|dec,width=N,max=N]")
	fs.IntVar(&r.baud, "baud", device.DefaultBaud, "line speed")
}

func (r *readerFlags) check(fs *flag.FlagSet) (device.Format, error) {
	if r.port == "" {
		return device.Format{}, usageErr(fs, "-port is required")
	}
	f, err := device.ParseFormat(r.format)
	if err != nil {
		return device.Format{}, usageErr(fs, "%v", err)
	}
	if err := device.CheckBaud(r.baud); err != nil {
		return device.Format{}, usageErr(fs, "%v", err)
	}
	return f, nil
}

func cmdListen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("listen", "-port P [-format F] [-baud B] [-numbering N] [-count N] [-wait]", stderr)
	var rf readerFlags
	rf.register(fs)
	numbering := fs.String("numbering", string(device.NumberingHex), "map ids to a `numbering`: hex, dec10, wiegand26, reversed")
	count := fs.Int("count", 0, "exit after `N` ids (0: until interrupted)")
	wait := fs.Bool("wait", false, "wait for the port to appear instead of failing")
	quiet := fs.Bool("q", false, "do not report rejected frames one by one, only their count")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr(fs, "unexpected arguments %q", fs.Args())
	}
	format, err := rf.check(fs)
	if err != nil {
		return err
	}
	n, err := device.ParseNumbering(*numbering)
	if err != nil {
		return usageErr(fs, "%v", err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var firstErr error // the first connection failure, without -wait
	connectedOnce := false
	sup, err := device.Start(ctx, device.Config{
		Path: rf.port, Baud: rf.baud, Format: format.String(), Numbering: n,
		OnState: func(s device.Status) {
			switch s.State {
			case device.StateConnected:
				connectedOnce = true
				fmt.Fprintf(stderr, "connected to %s (%s, %d baud, numbering %s)\n", s.Path, format, rf.baud, n)
			case device.StateDisconnected:
				if !connectedOnce && !*wait {
					firstErr = s.Err
					cancel()
					return
				}
				fmt.Fprintf(stderr, "disconnected: %v; retrying\n", s.Err)
			}
		},
		OnFrame: func(f device.LoggedFrame) {
			if !f.Accepted() && !*quiet {
				fmt.Fprintf(stderr, "rejected %s: % X\n", f.Reason, f.Raw)
			}
		},
	})
	if err != nil {
		return err
	}
	got := 0
	for tap := range sup.Taps() {
		fmt.Fprintln(stdout, tap.ID)
		if got++; *count > 0 && got >= *count {
			break
		}
	}
	sup.Stop() // after this, the callbacks have returned
	if firstErr != nil {
		return fmt.Errorf("%w (use -wait to wait for the device)", firstErr)
	}
	st := sup.Status()
	fmt.Fprintf(stderr, "%d ids, %d rejected frames\n", st.Accepted, st.Rejected)
	return nil
}
