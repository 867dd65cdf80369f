package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"mensakiosk/central"
)

// readJSONBody reads a request body of at most limit bytes and decodes
// exactly one JSON value from it into v (decodeBody). On failure it has
// answered the request itself and returns false: 413 too_large saying
// tooLarge, 400 bad_request when the body could not be read, 400
// malformed_json naming the field of a type error.
func readJSONBody(w http.ResponseWriter, r *http.Request, limit int64, tooLarge string, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "", tooLarge)
			return false
		}
		writeError(w, http.StatusBadRequest, "bad_request", "", "reading the body: "+err.Error())
		return false
	}
	if field, err := decodeBody(body, v); err != nil {
		writeError(w, http.StatusBadRequest, "malformed_json", field, err.Error())
		return false
	}
	return true
}

// readRequest is readJSONBody for the kiosks' and the office's requests:
// bodies up to central.MaxBodyBytes.
func readRequest(w http.ResponseWriter, r *http.Request, v any) bool {
	return readJSONBody(w, r, central.MaxBodyBytes, fmt.Sprintf("the body exceeds %d bytes", central.MaxBodyBytes), v)
}

// serveJSONCall answers a request whose JSON body is a Req (readRequest)
// with what call makes of it, as JSON, or with call's error
// (writeAPIError).
func serveJSONCall[Req, Rep any](s *Server, w http.ResponseWriter, r *http.Request, call func(Req) (Rep, error)) {
	var req Req
	if !readRequest(w, r, &req) {
		return
	}
	rep, err := call(req)
	if writeAPIError(s, w, r, err) {
		return
	}
	writeJSON(w, rep)
}
