package server

import (
	"fmt"
	"net/http"
)

// answerPanic is what the kiosks' and the admin handlers do with p, what
// recover returned in their deferred function: nothing when nil;
// http.ErrAbortHandler is panicked again (net/http's way of aborting an
// answer); any other panic is answered 500 and counted in s.panics under
// msg, with the path and the panic as an example: one line per log
// interval however many requests panic (a request that panics once can
// be sent again and again).
func (s *Server) answerPanic(w http.ResponseWriter, r *http.Request, p any, msg string) {
	if p == nil {
		return
	}
	if p == http.ErrAbortHandler {
		panic(p)
	}
	s.panics.Add(msg, r.URL.Path+": "+fmt.Sprint(p))
	writeError(w, http.StatusInternalServerError, "internal", "", "internal error")
}
