package gpdsim

import (
	"fmt"
	"net/http"
)

// foundLocked is the position iupd of creditor org, or nil after
// answering 404 with GPD's problem for a debt position it does not know
// (what GET and invalidate answer alike). s.mu is held.
func (s *Sim) foundLocked(w http.ResponseWriter, org, iupd string) *position {
	p := s.positions[org+"\x00"+iupd]
	if p == nil {
		problem(w, http.StatusNotFound, "Not found the debt position", fmt.Sprintf("Not found a debt position for Organization Fiscal Code %s and IUPD %s", org, iupd))
	}
	return p
}
