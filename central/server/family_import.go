package server

import (
	"runtime"
	"sync"
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
// kept when the code is the same, so a re-import changes nothing), from a
// pre-hashed access_hash, or, when the import gives neither, the stored
// one (an accounts file without the column does not wipe the codes).
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
		if err := im.hashAccessCodes(); err != nil {
			return err
		}
		a.AccessHash = im.accessHashes[a.ID]
	case a.AccessHash != "":
		if err := pinhash.Check(a.AccessHash); err != nil {
			return im.fail(k, i, "access_hash", "%v", err)
		}
	default:
		a.AccessHash = stored.AccessHash
	}
	return nil
}

// hashAccessCodes hashes every valid access code of the import once, on
// all CPUs: bcrypt takes tens of milliseconds a code, and a Comune
// imports hundreds of families at a time. A code equal to the stored one
// keeps its hash.
func (im *importer) hashAccessCodes() error {
	if im.accessHashes != nil {
		return nil
	}
	type job struct {
		id        app.AccountID
		code, old string
		hash      string
		err       error
	}
	var jobs []*job
	for _, a := range im.d.Accounts {
		code, ok := im.d.AccessCodes[a.ID]
		if !ok || !validAccessCode(code) {
			continue
		}
		old, _, err := getJSON[app.Account](im.tx, app.KindAccount, string(a.ID))
		if err != nil {
			return err
		}
		jobs = append(jobs, &job{id: a.ID, code: code, old: old.AccessHash})
	}
	work := make(chan *job)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(jobs), 1)) {
		wg.Go(func() {
			for j := range work {
				if j.old != "" && pinhash.Verify(j.old, j.code) {
					j.hash = j.old
					continue
				}
				j.hash, j.err = pinhash.Hash(j.code)
			}
		})
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	im.accessHashes = map[app.AccountID]string{}
	for _, j := range jobs {
		if j.err != nil {
			return j.err
		}
		im.accessHashes[j.id] = j.hash
	}
	return nil
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
