package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"golang.org/x/crypto/bcrypt"

	"mensakiosk/app"
	"mensakiosk/assets/demo"
	"mensakiosk/central/server"
	"mensakiosk/ui"
)

// demoImport is what the embedded demo server imports: the demo roster
// plus its staff, news and documents. The family access codes are hashed
// with bcrypt's lowest cost: they are printed on the demo panel anyway, and
// a demo must start in a second (a real import uses pinhash's cost).
func demoImport(roster app.Roster, now time.Time) (server.ImportData, error) {
	if err := hashDemoAccessCodes(&roster); err != nil {
		return server.ImportData{}, err
	}
	data := server.FromRoster(roster)
	for _, s := range demo.Staff {
		data.Staff = append(data.Staff, server.ImportStaff{ID: s.ID, Name: s.Name, Role: s.Role, PIN: s.PIN, BadgeID: s.Badge})
	}
	data.News = demo.News(now)
	data.Documents = demo.Documents(now)
	return data, nil
}

// hashDemoAccessCodes sets each demo account's access hash, where missing.
func hashDemoAccessCodes(r *app.Roster) error {
	for i := range r.Accounts {
		a := &r.Accounts[i]
		if a.AccessHash != "" {
			continue
		}
		h, err := bcrypt.GenerateFromPassword([]byte(demo.AccessCode(a.ID)), bcrypt.MinCost)
		if err != nil {
			return err
		}
		a.AccessHash = string(h)
	}
	return nil
}

// demoPanel builds the demo reader panel: one button per demo badge (with,
// on a counter, the codice fiscale and family code to type instead), the
// staff badges with their PINs, an unknown badge and a garbled frame, the
// reader's plug, the network's cable, and on a counter the stand-in for
// pagoPA's receipt. A tap writes the frame into the demo reader's
// pseudo-terminal.
func demoPanel(tr *ui.Catalogue, c *core, log *slog.Logger) *ui.DemoPanel {
	format := c.demoReader.Format()
	frame := func(id app.BadgeID) []byte {
		b, err := format.Encode(id)
		if err != nil {
			panic(fmt.Sprintf("demo badge %s: %v", id, err)) // demo data is ours
		}
		return b
	}
	counter := c.counter != nil
	entries := []ui.DemoEntry{}
	if counter && c.link != nil && c.link.demoServer != nil {
		entries = append(entries, ui.DemoEntry{Tags: []ui.DemoTag{ui.DemoTagMarkPaid}})
	}
	entries = append(entries, ui.DemoUnknown(frame(demo.UnknownBadge)), ui.DemoGarbled(garble(frame(demo.UnknownBadge))),
		ui.DemoUnplug(), ui.DemoReplug())
	if c.link != nil && c.link.demoProxy != nil {
		entries = append(entries, ui.DemoNetCut(), ui.DemoNetRestore())
	}
	for _, s := range demo.Staff {
		if s.Badge != "" {
			entries = append(entries, ui.DemoEntry{Label: s.Name, Tags: []ui.DemoTag{ui.DemoTagStaff}, Detail: s.PIN, Frame: frame(s.Badge)})
		}
	}
	for _, b := range c.demoBadges {
		e := ui.DemoEntry{Label: b.FirstName + " " + b.Initial + " " + b.Class, Frame: frame(b.ID)}
		if counter {
			e.Tags = []ui.DemoTag{ui.DemoTagFamilyCode}
			e.Detail = b.FiscalCode + " " + b.AccessCode
			if b.Blocked {
				e.Tags = append(e.Tags, ui.DemoTagBlocked)
			}
			entries = append(entries, e)
			continue
		}
		for _, t := range []struct {
			on  bool
			tag ui.DemoTag
		}{{b.Diet, ui.DemoTagDiet}, {b.Blocked, ui.DemoTagBlocked}, {b.Bland, ui.DemoTagBland},
			{b.Cancelled, ui.DemoTagCancelled}, {b.LowBalance, ui.DemoTagLowBalance}, {b.Negative, ui.DemoTagNegative}} {
			if t.on {
				e.Tags = append(e.Tags, t.tag)
			}
		}
		entries = append(entries, e)
	}
	p := ui.NewDemoPanel(tr, entries, func(e ui.DemoEntry) {
		go func() {
			var err error
			switch {
			case e.Is(ui.DemoTagUnplug):
				err = c.demoReader.Unplug()
			case e.Is(ui.DemoTagReplug):
				err = c.demoReader.Plug()
			case e.Is(ui.DemoTagNetCut):
				c.link.SetNetwork(false)
			case e.Is(ui.DemoTagNetRestore):
				c.link.SetNetwork(true)
			case e.Is(ui.DemoTagMarkPaid):
				err = c.demoPayLatest()
			default:
				_, err = c.demoReader.Write(e.Frame)
			}
			if err != nil {
				log.Error("demo panel", "err", err)
			}
		}()
	})
	if counter {
		p.SetPerPage(6) // entries of two or three lines: the panel stays within a 900 px window
	}
	return p
}

// garble corrupts a frame's checksum: the decoder must reject it.
func garble(f []byte) []byte {
	g := append([]byte(nil), f...)
	if len(g) > 4 {
		g[len(g)-2] ^= 0x01 // a checksum digit (the byte before ETX)
	}
	return g
}

// withSidePanel puts the demo panel at the right of a screen.
func withSidePanel(content, panel fyne.CanvasObject) fyne.CanvasObject {
	return container.NewBorder(nil, nil, nil, panel, content)
}

// demoNotices remembers the notices the demo counter issued, newest last,
// so that the panel can pay the newest one still to be paid.
type demoNotices struct {
	mu    sync.Mutex
	codes []string
}

func (d *demoNotices) add(code string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.codes = append(d.codes, code)
}

func (d *demoNotices) list() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.codes...)
}

// demoPayLatest pays the newest notice still payable that this demo counter
// issued, as pagoPA's receipt would: through the embedded server's receipt
// path, which credits the family once.
func (c *core) demoPayLatest() error {
	if c.link == nil || c.link.demoServer == nil {
		return nil
	}
	codes := c.demoIssued.list()
	for i := len(codes) - 1; i >= 0; i-- {
		n, err := c.link.demoServer.Notice(codes[i])
		if err != nil {
			return err
		}
		if n.State != app.NoticeValid {
			continue
		}
		id := make([]byte, 8)
		if _, err := rand.Read(id); err != nil {
			return err
		}
		_, err = c.link.demoServer.RecordReceipt(app.Receipt{ReceiptID: "DEMO-" + hex.EncodeToString(id),
			NoticeCode: n.NoticeCode, Amount: n.Amount, PaidAt: time.Now().UTC(), PSP: "Banca Demo"})
		return err
	}
	c.log.Info("demo: no notice to pay: make one at the counter first")
	return nil
}

// fitDemoPanel lays the demo panel out in whatever height the window gives
// it: as many badges a page as fit on every page (a full screen 1280×720
// holds fewer than the developer's 1600×900 window). It asks for no height
// of its own, so the panel never makes the window taller than the display.
func fitDemoPanel(p *ui.DemoPanel) fyne.CanvasObject {
	return container.New(&demoPanelLayout{p: p}, p.Content())
}

type demoPanelLayout struct {
	p *ui.DemoPanel
	h float32 // the height the page size was chosen for
}

func (l *demoPanelLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if size.Height != l.h && size.Height > 0 {
		l.h = size.Height
		l.perPageFor(size.Height)
	}
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// perPageFor sets the largest page size, up to ui.DefaultDemoPerPage, at
// which every page of the panel fits height h (at least one badge a page).
func (l *demoPanelLayout) perPageFor(h float32) {
	n := ui.DefaultDemoPerPage
	for ; n > 1; n-- {
		l.p.SetPerPage(n)
		fits := true
		for pg := range l.p.Pages() {
			l.p.SetPage(pg)
			if l.p.Content().MinSize().Height > h {
				fits = false
				break
			}
		}
		if fits {
			break
		}
	}
	l.p.SetPerPage(n) // back to the first page
}

// MinSize is the panel's width and no height: it pages to fit.
func (l *demoPanelLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w float32
	for _, o := range objs {
		w = max(w, o.MinSize().Width)
	}
	return fyne.NewSize(w, 0)
}
