package server

import (
	"fmt"
	"net/http"
)

// answerPanic is what the kiosks' and the admin handlers do with p, what
// recover returned in their deferred function: nothing when nil;
// http.ErrAbortHandler is panicked again (net/http's way of aborting an
// answer); any other panic is logged as msg and answered 500.
func (s *Server) answerPanic(w http.ResponseWriter, r *http.Request, p any, msg string) {
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	s.log.Error(msg, "panic", fmt.Sprint(p), "path", r.URL.Path)
	writeError(w, http.StatusInternalServerError, "internal", "", "internal error")
}
