package device

import "mensakiosk/app"

// ReaderStatus is the reader's state as app and the screens know it.
func (s Status) ReaderStatus() app.ReaderStatus {
	r := app.ReaderStatus{Port: s.Path, Since: s.Since}
	switch s.State {
	case StateConnecting:
		r.State = app.ReaderConnecting
	case StateConnected:
		r.State = app.ReaderConnected
	default:
		r.State = app.ReaderDisconnected
	}
	if s.Err != nil {
		r.Err = s.Err.Error()
	}
	return r
}
