package server

import (
	"unicode"

	"mensakiosk/app"
	"mensakiosk/central/pinhash"
)

// What the import holds for the counter's identification: pupils' codici
// fiscali, the family holder's, and the family access code (hashed here,
// never stored in clear).

// Access codes: 4 to 16 letters or digits (typed on the counter's
// on-screen keyboard).
const (
	minAccessCode = 4
	maxAccessCode = 16
)

func validAccessCode(c string) bool {
	if len(c) < minAccessCode || len(c) > maxAccessCode {
		return false
	}
	for _, r := range c {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// accountSecrets checks account i's holder fiscal code and sets its
// AccessHash: from the import's access code (hashed; the stored hash is
// kept when its fingerprint says it is this code's, so a re-import changes
// nothing and costs no bcrypt; see access_codes.go), from a pre-hashed
// access_hash, or, when the import gives neither, the stored one (an
// accounts file without the column does not wipe the codes).
func (im *importer) accountSecrets(i int, a *app.Account, stored app.Account) error {
	const k = app.KindAccount
	if a.HolderFiscalCode != "" {
		cf, err := NormalizeFiscalCode(a.HolderFiscalCode)
		if err != nil {
			return im.fail(k, i, "holder_fiscal_code", "%v", err)
		}
		a.HolderFiscalCode = cf
	}
	code, hasCode := im.d.AccessCodes[a.ID]
	switch {
	case hasCode && a.AccessHash != "":
		return im.fail(k, i, "access_code", "give access_code or access_hash, not both")
	case hasCode:
		if !validAccessCode(code) {
			// The message never repeats the code.
			return im.fail(k, i, "access_code", "want %d to %d letters or digits", minAccessCode, maxAccessCode)
		}
		return im.accessCode(a, code, stored.AccessHash)
	case a.AccessHash != "":
		if err := pinhash.Check(a.AccessHash); err != nil {
			return im.fail(k, i, "access_hash", "%v", err)
		}
		if a.AccessHash != stored.AccessHash {
			// A fingerprint names its hash, so the old one would not match
			// anyway: the next import of a code hashes it.
			return im.tx.Bucket(bAccessFP).Delete([]byte(a.ID))
		}
	default:
		a.AccessHash = stored.AccessHash
	}
	return nil
}

// accessCode sets a's AccessHash for code: the stored hash when its
// fingerprint matches, else the one hashed before the transaction (or,
// should the store have changed since, one hashed now), and records the
// fingerprint of the hash kept.
func (im *importer) accessCode(a *app.Account, code, storedHash string) error {
	p := im.d.access
	if p == nil { // no codes when prepared (an importer not reached through Server.Import)
		key, err := im.s.accessKey()
		if err != nil {
			return err
		}
		p = &accessPrep{key: key}
		im.d.access = p
	}
	switch pre, ok := p.hashed[a.ID]; {
	case p.keeps(im.tx, a.ID, code, storedHash):
		a.AccessHash = storedHash
		return nil
	case ok && pre.code == code && pre.hash != "":
		a.AccessHash = pre.hash
	default:
		h, err := im.s.accessHasher()(code)
		if err != nil {
			return err
		}
		a.AccessHash = h
	}
	return im.tx.Bucket(bAccessFP).Put([]byte(a.ID), accessFingerprint(p.key, a.ID, code, a.AccessHash))
}

// pupilFiscalCode checks and normalises pupil i's codice fiscale; two
// pupils of one import may not share one (the counter could not tell
// which family).
func (im *importer) pupilFiscalCode(i int, p *app.Pupil) error {
	if p.FiscalCode == "" {
		return nil
	}
	cf, err := NormalizeFiscalCode(p.FiscalCode)
	if err != nil {
		return im.fail(app.KindPupil, i, "fiscal_code", "%v", err)
	}
	p.FiscalCode = cf
	if im.cfs == nil {
		im.cfs = seen{}
	}
	return im.unique(im.cfs, app.KindPupil, i, "fiscal_code", cf)
}

// importJSON is the JSON import format: ImportData, with an account's
// access code in clear beside its fields.
type importJSON struct {
	ImportData
	Accounts []importAccount `json:"accounts,omitempty"`
}

type importAccount struct {
	app.Account
	AccessCode string `json:"access_code,omitempty"`
}

func (j importJSON) data() ImportData {
	d := j.ImportData
	d.Accounts = nil
	for _, a := range j.Accounts {
		d.Accounts = append(d.Accounts, a.Account)
		if a.AccessCode != "" {
			if d.AccessCodes == nil {
				d.AccessCodes = map[app.AccountID]string{}
			}
			d.AccessCodes[a.ID] = a.AccessCode
		}
	}
	return d
}
