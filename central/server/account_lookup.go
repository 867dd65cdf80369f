package server

import (
	"net/http"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server/kv"
)

// knownAccount reads account a in tx; an account the server does not hold
// is refused as the family's HTTP calls refuse it (404 unknown_account,
// field account_id).
func knownAccount(tx kv.Tx, a app.AccountID) (app.Account, error) {
	acc, ok, err := getJSON[app.Account](tx, app.KindAccount, string(a))
	if err != nil {
		return app.Account{}, err
	}
	if !ok {
		return app.Account{}, refuse(http.StatusNotFound, central.CodeUnknownAccount, "account_id", "unknown account %q", a)
	}
	return acc, nil
}
