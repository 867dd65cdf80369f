package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"mensakiosk/app"
	"mensakiosk/device"
)

func cmdPlay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("play", "-port P [-format F] [-baud B] [-interval D] [-repeat N] ID...", stderr)
	var rf readerFlags
	rf.register(fs)
	interval := fs.Duration("interval", 500*time.Millisecond, "pause between badges")
	repeat := fs.Int("repeat", 1, "frames per badge, 50 ms apart (an RDM6300 repeats while the tag is in the field)")
	if err := parse(fs, args); err != nil {
		return err
	}
	format, err := rf.check(fs)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErr(fs, "no badge ids given")
	}
	if *repeat < 1 || *interval < 0 {
		return usageErr(fs, "-repeat must be at least 1 and -interval not negative")
	}
	frames := make([][]byte, fs.NArg())
	for i, s := range fs.Args() {
		id, err := app.ParseBadgeID(s)
		if err == nil {
			frames[i], err = format.Encode(id)
		}
		if err != nil {
			return usageErr(fs, "%v", err)
		}
	}
	port, err := device.TarmOpener(device.PortConfig{Path: rf.port, Baud: rf.baud, NoFlush: true})
	if err != nil {
		return err
	}
	defer port.Close()
	for i, frame := range frames {
		if i > 0 {
			if err := sleepCtx(ctx, *interval); err != nil {
				return nil // interrupted
			}
		}
		for r := range *repeat {
			if r > 0 {
				if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
					return nil
				}
			}
			if _, err := port.Write(frame); err != nil {
				return fmt.Errorf("write %s: %w", rf.port, err)
			}
		}
		fmt.Fprintf(stdout, "sent %s\n", fs.Arg(i))
	}
	return nil
}
