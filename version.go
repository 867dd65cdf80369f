// Package mensakiosk holds what belongs to the whole project rather than to
// one layer: its version, read from FyneApp.toml (the one place it lives).
package mensakiosk

import (
	_ "embed"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/BurntSushi/toml"
)

//go:embed FyneApp.toml
var fyneApp []byte

// commit is stamped at build time by the Makefile
// (-ldflags "-X mensakiosk.commit=<git revision>"); without it the Go
// toolchain's own VCS stamp is used, when the build has one.
var commit string

// Metadata is FyneApp.toml's [Details] section.
type Metadata struct {
	ID      string `toml:"ID"`
	Name    string `toml:"Name"`
	Version string `toml:"Version"`
	Build   int    `toml:"Build"`
	Icon    string `toml:"Icon"`
}

var meta = sync.OnceValue(func() Metadata {
	m, err := parseFyneApp(fyneApp)
	if err != nil {
		panic(err) // FyneApp.toml is embedded: a test catches this first
	}
	return m
})

func parseFyneApp(b []byte) (Metadata, error) {
	var f struct {
		Details Metadata `toml:"Details"`
	}
	if _, err := toml.Decode(string(b), &f); err != nil {
		return Metadata{}, fmt.Errorf("FyneApp.toml: %w", err)
	}
	if f.Details.Version == "" || f.Details.ID == "" {
		return Metadata{}, fmt.Errorf("FyneApp.toml: [Details] needs ID and Version")
	}
	return f.Details, nil
}

// App is FyneApp.toml's [Details]: ID, name, version, build and icon.
func App() Metadata { return meta() }

// Version is the app's version, e.g. "0.9.0".
func Version() string { return meta().Version }

// Build is the build number within the version.
func Build() int { return meta().Build }

// Commit is the source revision the binary was built from, or "unknown".
func Commit() string {
	if commit != "" {
		return commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" && dirty {
			rev += "-dirty"
		}
		if rev != "" {
			return rev
		}
	}
	return "unknown"
}

// String is the line `-version` prints: "<program> 0.9.0 (build 1, commit abc123)".
func String(program string) string {
	return program + " " + Version() + " (build " + strconv.Itoa(Build()) + ", commit " + Commit() + ")"
}
