package server

import "mensakiosk/central/server/kv"

// The database id names the database a kiosk's pull cursor and menu
// version come from (pull.go, menu.go): `central restored` gives the
// database a new one (restore.go), so every cursor handed out before reads
// as foreign and the kiosk pulls afresh. Several servers may share one
// database (PostgreSQL), and the command may run through any of them or
// beside them: the id is therefore read in the transaction that uses it,
// never from what a server saw when it opened (one key, read in a
// transaction that reads meta anyway).

// dbIDOf is the database's id as tx sees it (valid during tx).
func dbIDOf(tx kv.Tx) []byte {
	return tx.Bucket(bMeta).Get(kDBID)
}
