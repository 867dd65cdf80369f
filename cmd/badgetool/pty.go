package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"

	"mensakiosk/app"
	"mensakiosk/device"
)

func cmdPTY(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("pty", "[-format F] [-link PATH] [-in PATH]", stderr)
	formatName := fs.String("format", device.FormatRDM6300, "frame `format` of the virtual reader")
	link := fs.String("link", "", "keep a symlink at `path` to the reader's slave end (open this one)")
	in := fs.String("in", "", "also create an input pty with a symlink at `path`: bytes written there "+
		"(e.g. by badgetool play) come out of the reader, like a null-modem cable")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr(fs, "unexpected arguments %q", fs.Args())
	}
	if _, err := device.ParseFormat(*formatName); err != nil {
		return usageErr(fs, "%v", err)
	}
	vr, err := device.NewVirtualReader(*formatName, *link)
	if err != nil {
		return err
	}
	defer vr.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if *in != "" {
		m, err := relay(ctx, &wg, *in, vr, stderr)
		if err != nil {
			return err
		}
		defer m.Close()
	}
	fmt.Fprintf(stdout, "reader %s", vr.SlavePath())
	if *link != "" {
		fmt.Fprintf(stdout, " (link %s)", *link)
	}
	fmt.Fprintf(stdout, ", format %s\n", vr.Format())
	if *in != "" {
		fmt.Fprintf(stdout, "input %s\n", *in)
	}
	fmt.Fprintln(stdout, "type badge ids (or unplug, plug, replug), one per line; Ctrl-C to quit")

	lines := make(chan string)
	go func() { // ends with stdin; not waited for (a terminal read cannot be interrupted)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line := <-lines:
			if err := ptyCommand(vr, strings.TrimSpace(line)); err != nil {
				fmt.Fprintf(stderr, "%v\n", err)
			}
		}
	}
}

func ptyCommand(vr *device.VirtualReader, line string) error {
	switch line {
	case "":
		return nil
	case "unplug":
		return vr.Unplug()
	case "plug":
		return vr.Plug()
	case "replug":
		return vr.Replug()
	}
	id, err := app.ParseBadgeID(line)
	if err != nil {
		return err
	}
	return vr.Send(id)
}

// relay creates the input pty behind a symlink at link and copies what is
// written to it into the virtual reader until ctx ends.
func relay(ctx context.Context, wg *sync.WaitGroup, link string, vr *device.VirtualReader, stderr io.Writer) (*os.File, error) {
	m, slave, err := device.OpenPTY()
	if err != nil {
		return nil, err
	}
	// Hold the slave open: otherwise the master reads EIO whenever the
	// writer (badgetool play) has closed it.
	hold, err := os.OpenFile(slave, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, err
	}
	os.Remove(link)
	if err := os.Symlink(slave, link); err != nil {
		hold.Close()
		m.Close()
		return nil, err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer os.Remove(link)
		defer hold.Close()
		buf := make([]byte, 256)
		for {
			n, err := m.Read(buf)
			if n > 0 {
				if _, werr := vr.Write(buf[:n]); werr != nil {
					fmt.Fprintf(stderr, "input: %v\n", werr)
				}
			}
			if err != nil {
				if ctx.Err() == nil {
					fmt.Fprintf(stderr, "input: %v\n", err)
				}
				return
			}
		}
	}()
	go func() { <-ctx.Done(); m.Close() }()
	return m, nil
}
