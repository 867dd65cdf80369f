package server

import (
	"net/http"
	"strings"

	"mensakiosk/app"
	"mensakiosk/central"
)

// Token roles (see RoleCanteen, RoleCounter). A canteen's token pulls and
// pushes its own meals, voids and audit events; a counter's token pulls,
// pushes its audit events, reads family views and notices, changes
// bookings and creates top-ups. The receipts token only posts receipts
// (positions_http.go). Anything else is answered 403 forbidden.

// counterOnly reports whether path is one only a counter's token may use.
func counterOnly(path string) bool {
	if _, ok := familyPath(path); ok {
		return true
	}
	if _, ok := certificatePath(path); ok {
		return true
	}
	return path == central.PathTopUps || path == central.PathBookings || strings.HasPrefix(path, central.PathNotices) ||
		path == central.PathAbsences || path == central.PathMessages
}

// roleMay reports whether a token of role may use path.
func roleMay(role, path string) bool {
	switch role {
	case roleLegacy, RoleCounter:
		return true
	case RoleCanteen:
		return !counterOnly(path)
	}
	return false
}

// authorize answers 403 when the token's role may not use the request's
// path, and logs it (a kiosk configured with another role's token).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, kiosk, role string) bool {
	if roleMay(role, r.URL.Path) {
		return true
	}
	s.log.Warn("a token was used beyond its role: refused", "kiosk", kiosk, "role", role, "method", r.Method, "path", r.URL.Path)
	forbidden(w, "this kiosk's token is for the "+role+" role: it may not use "+r.URL.Path+" (make it a counter token: central token -kiosk "+kiosk+" -role counter)")
	return false
}

func forbidden(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusForbidden, central.CodeForbidden, "", msg)
}

// eventAllowed reports whether a token of role may push events of kind:
// meals and voids come from a canteen (or a token made before roles);
// audit entries from either.
func eventAllowed(role, kind string) bool {
	if kind == app.EventMessageRead { // messages are family data: never from a canteen
		return role != RoleCanteen
	}
	return role != RoleCounter || kind == app.EventStaffAction
}

// eventRole is the role whose token pushes events of kind.
func eventRole(kind string) string {
	if kind == app.EventMessageRead {
		return RoleCounter
	}
	return RoleCanteen
}
