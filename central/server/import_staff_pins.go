package server

import (
	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/pinhash"
	"mensakiosk/central/server/kv"
)

// An import's staff PINs are hashed, or checked against the stored hash,
// before its write transaction opens, as its access codes are
// (access_codes.go), on every CPU. Each is a bcrypt (about 50 ms at the
// default cost): inside the transaction a few hundred of them, its reads
// answered from memory (import_prefetch.go), left it sending nothing to
// PostgreSQL for longer than the bound on an idle transaction
// (kvpg/tx_timeout.go, 30 s), which ends it: such an import failed every
// time. Inside the transaction they also held the Comune's write turn,
// and so its kiosks' pushes, that long.

// staffPINs are the staff PINs of an import prepared before its
// transaction, by staff id.
type staffPINs map[string]preparedPIN

// preparedPIN is a staff member's PIN and what to store for it: the hash
// stored before the transaction when the PIN is the same (a fresh salt
// would make every re-import a change that kiosks pull), else a new hash.
type preparedPIN struct {
	pin    string
	stored string // the stored hash the preparation saw ("": none)
	hash   string // what to store; "": not prepared (hashed in the transaction)
}

// hashFor is the prepared hash of staff member id's pin, when the stored
// hash is still the one the preparation saw; "" otherwise (the
// transaction then hashes it itself).
func (p staffPINs) hashFor(id, pin, stored string) string {
	got, ok := p[id]
	if !ok || got.pin != pin || got.stored != stored {
		return ""
	}
	return got.hash
}

// prepareStaffPINs reads the stored hashes of the import's staff who come
// with a PIN (one View) and hashes or checks each PIN, outside any
// transaction. A PIN the transaction refuses anyway (malformed, an id
// given twice) is left to it.
func (s *Server) prepareStaffPINs(d *ImportData) (staffPINs, error) {
	prep := staffPINs{}
	var ids []string
	err := s.db.View(func(tx kv.Tx) error {
		clear(prep)
		ids = ids[:0]
		for _, in := range d.Staff {
			if in.PIN == "" || in.PINHash != "" || !app.ValidPIN(in.PIN) || central.CheckID(in.ID) != nil {
				continue // refused, or not a PIN to hash, in the transaction
			}
			if _, dup := prep[in.ID]; dup {
				continue // an error in the transaction
			}
			old, _, err := getJSON[app.Staff](tx, app.KindStaff, in.ID)
			if err != nil {
				return err
			}
			prep[in.ID] = preparedPIN{pin: in.PIN, stored: old.PINHash}
			ids = append(ids, in.ID)
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	hashes, _ := hashAll(func(id string) (string, error) { // access_codes.go
		p := prep[id]
		if p.stored != "" && pinhash.Verify(p.stored, p.pin) {
			return p.stored, nil
		}
		h, err := pinhash.Hash(p.pin)
		if err != nil {
			return "", nil // the transaction says it, as an import error
		}
		return h, nil
	}, ids, func(id string) string { return id })
	for i, id := range ids {
		p := prep[id]
		p.hash = hashes[i]
		prep[id] = p
	}
	return prep, nil
}
