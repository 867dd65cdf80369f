//go:build linux

package device

import (
	"os"
	"path/filepath"
	"slices"
)

// ListPorts lists the serial ports present: /dev/ttyUSB*, /dev/ttyACM*,
// /dev/ttyS* and every target of a /dev/serial/by-id/ link, with that stable
// alias (the name to configure: it survives a replug into another USB port).
func ListPorts() ([]PortInfo, error) {
	return listPorts("/dev")
}

func listPorts(dev string) ([]PortInfo, error) {
	byID := map[string]string{}
	entries, err := os.ReadDir(filepath.Join(dev, "serial", "by-id"))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, e := range entries {
		alias := filepath.Join(dev, "serial", "by-id", e.Name())
		if target, err := filepath.EvalSymlinks(alias); err == nil {
			byID[target] = alias
		}
	}
	seen := map[string]bool{}
	var out []PortInfo
	add := func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		out = append(out, PortInfo{Path: path, ByID: byID[path]})
	}
	for _, pat := range []string{"ttyUSB*", "ttyACM*", "ttyS*"} {
		m, _ := filepath.Glob(filepath.Join(dev, pat))
		for _, p := range m {
			add(p)
		}
	}
	for target := range byID {
		add(target)
	}
	slices.SortFunc(out, func(a, b PortInfo) int {
		// by-id ports (real adapters) first, then by path
		if (a.ByID == "") != (b.ByID == "") {
			if a.ByID != "" {
				return -1
			}
			return 1
		}
		return naturalCompare(a.Path, b.Path)
	})
	return out, nil
}
