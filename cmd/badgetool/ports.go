package main

import (
	"fmt"
	"io"

	"mensakiosk/device"
)

func cmdPorts(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ports", "", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr(fs, "unexpected arguments %q", fs.Args())
	}
	ports, err := device.ListPorts()
	if err != nil {
		return fmt.Errorf("listing ports: %w", err)
	}
	if len(ports) == 0 {
		fmt.Fprintln(stderr, "no serial ports found")
	}
	for _, p := range ports {
		if p.ByID != "" {
			fmt.Fprintf(stdout, "%s\t%s\n", p.Path, p.ByID)
		} else {
			fmt.Fprintln(stdout, p.Path)
		}
	}
	return nil
}
