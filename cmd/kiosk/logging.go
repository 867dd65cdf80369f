package main

import (
	"bytes"
	"log"
	"log/slog"
	"strings"
)

// routeStdLog sends what libraries write through the standard logger (Fyne
// does, for its errors) to the kiosk's JSON log, one line each, so that
// stderr carries JSON lines only.
func routeStdLog(l *slog.Logger) {
	log.SetFlags(0)
	log.SetPrefix("")
	log.SetOutput(stdLogWriter{l.With("component", "toolkit")})
}

type stdLogWriter struct{ l *slog.Logger }

func (w stdLogWriter) Write(p []byte) (int, error) {
	for _, line := range bytes.Split(bytes.TrimRight(p, "\n"), []byte("\n")) {
		if s := strings.TrimSpace(string(line)); s != "" {
			w.l.Warn(s)
		}
	}
	return len(p), nil
}
