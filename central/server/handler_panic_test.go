package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAnswerPanic: a handler's panic, recovered in its deferred function
// and handed to answerPanic, is answered 500 "internal" and logged once;
// no panic answers nothing; http.ErrAbortHandler is panicked again.
func TestAnswerPanic(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	r := httptest.NewRequest(http.MethodGet, "/v1/pull", nil)

	rec := httptest.NewRecorder()
	func() {
		defer func() { s.answerPanic(rec, r, recover(), "panic in handler") }()
		panic("boom")
	}()
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"internal"`) {
		t.Fatalf("after a panic: %d %s", rec.Code, rec.Body)
	}
	if n := strings.Count(logs.String(), `"msg":"panic in handler"`); n != 1 || !strings.Contains(logs.String(), `"panic":"boom"`) {
		t.Fatalf("logged %d times: %s", n, logs.String())
	}

	quiet := httptest.NewRecorder()
	func() {
		defer func() { s.answerPanic(quiet, r, recover(), "panic in handler") }()
	}()
	if quiet.Code != http.StatusOK || quiet.Body.Len() != 0 {
		t.Fatalf("without a panic: %d %q", quiet.Code, quiet.Body)
	}

	var again any
	func() {
		defer func() { again = recover() }()
		func() {
			defer func() { s.answerPanic(httptest.NewRecorder(), r, recover(), "panic in handler") }()
			panic(http.ErrAbortHandler)
		}()
	}()
	if again != http.ErrAbortHandler {
		t.Fatalf("ErrAbortHandler: got %v, want it panicked again", again)
	}
}
