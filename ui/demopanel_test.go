package ui

import (
	"bytes"
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// demoEntries makes n pupil entries and the unknown and garbled ones.
func demoEntries(n int) []DemoEntry {
	tags := [][]DemoTag{nil, {DemoTagDiet}, {DemoTagBlocked}, {DemoTagBland}, {DemoTagCancelled},
		{DemoTagLowBalance}, {DemoTagNegative}, {DemoTagDiet, DemoTagBland}}
	names := []string{"Giulia", "Marco", "Sofia", "Leonardo", "Aurora", "Francesco", "Alice", "Tommaso"}
	var es []DemoEntry
	for i := range n {
		es = append(es, DemoEntry{
			Label: fmt.Sprintf("%s %c. %dA", names[i%len(names)], 'A'+i%26, 1+i%5),
			Tags:  tags[i%len(tags)],
			Frame: []byte(fmt.Sprintf("\x021A%08X\x03", i)),
		})
	}
	return append(es, DemoUnknown([]byte("\x021F00C0FFEE\x03")), DemoGarbled([]byte("\x02ZZ\x03")))
}

func TestDemoPanel(t *testing.T) {
	test.NewTempApp(t)
	entries := demoEntries(22) // 24 entries: two pages of 12
	var got []DemoEntry
	p := NewDemoPanel(MustCatalogue("it"), entries, func(e DemoEntry) { got = append(got, e) })
	w := test.NewTempWindow(t, p.Content())
	w.Resize(fyne.NewSize(360, 800))

	if p.Pages() != 2 || p.Page() != 0 || !p.prev.Disabled() || p.next.Disabled() {
		t.Fatalf("pages %d, page %d, prev disabled %v, next disabled %v", p.Pages(), p.Page(), p.prev.Disabled(), p.next.Disabled())
	}
	if p.pageLabel.Text != "Pagina 1 di 2" {
		t.Errorf("page label %q", p.pageLabel.Text)
	}
	if txt := p.buttons[1].Text; txt != "Marco B. 2A · dieta" {
		t.Errorf("button text %q", txt)
	}
	if txt := p.buttons[7].Text; txt != "Tommaso H. 3A · dieta, in bianco" {
		t.Errorf("button text %q", txt)
	}
	test.Tap(p.buttons[2])
	test.Tap(p.next)
	if p.Page() != 1 || !p.next.Disabled() || p.prev.Disabled() {
		t.Fatalf("after next: page %d", p.Page())
	}
	// Page 2 has entries 12..23: 10 pupils, unknown, garbled.
	if p.buttons[10].Text != "badge sconosciuto" || p.buttons[11].Text != "frame disturbato" {
		t.Errorf("last buttons %q %q", p.buttons[10].Text, p.buttons[11].Text)
	}
	test.Tap(p.buttons[11])
	test.Tap(p.next) // disabled: stays
	test.Tap(p.prev)
	if p.Page() != 0 {
		t.Errorf("after prev: page %d", p.Page())
	}
	if len(got) != 2 || !bytes.Equal(got[0].Frame, entries[2].Frame) || !bytes.Equal(got[1].Frame, []byte("\x02ZZ\x03")) {
		t.Errorf("taps delivered %v", got)
	}

	// A short last page hides the buttons it does not need.
	p.SetPerPage(10)
	p.SetPage(99)
	if p.Page() != 2 || !p.buttons[3].Visible() || p.buttons[4].Visible() {
		t.Errorf("short page: page %d, visible %v %v", p.Page(), p.buttons[3].Visible(), p.buttons[4].Visible())
	}
	p.SetPage(0)
	assertMarkup(t, "demo_panel", w)
}

func TestDemoPanelEnglish(t *testing.T) {
	test.NewTempApp(t)
	p := NewDemoPanel(MustCatalogue("en"), []DemoEntry{{Label: "Amira C. 1A", Tags: []DemoTag{DemoTagBlocked}}}, nil)
	if got := p.buttons[0].Text; got != "Amira C. 1A · blocked" {
		t.Errorf("button text %q", got)
	}
	test.Tap(p.buttons[0]) // nil onTap: no panic
	if p.Pages() != 1 || !p.next.Disabled() {
		t.Error("one page expected")
	}
}

func TestDemoReaderPlugEntries(t *testing.T) {
	tr := MustCatalogue("it")
	var got []DemoEntry
	p := NewDemoPanel(tr, []DemoEntry{DemoUnplug(), DemoReplug()}, func(e DemoEntry) { got = append(got, e) })
	if txt := p.EntryText(DemoUnplug()); txt != "scollega il lettore" {
		t.Errorf("unplug entry says %q", txt)
	}
	test.Tap(p.buttons[0])
	test.Tap(p.buttons[1])
	if len(got) != 2 || !got[0].Is(DemoTagUnplug) || got[0].Is(DemoTagReplug) || !got[1].Is(DemoTagReplug) || got[1].Frame != nil {
		t.Fatalf("taps delivered %+v", got)
	}
}

func TestDemoNetEntries(t *testing.T) {
	test.NewTempApp(t)
	var got []DemoEntry
	entries := []DemoEntry{DemoUnplug(), DemoReplug(), DemoNetCut(), DemoNetRestore()}
	p := NewDemoPanel(MustCatalogue("it"), entries, func(e DemoEntry) { got = append(got, e) })
	if txt := p.buttons[2].Text; txt != "taglia la rete" {
		t.Errorf("net cut entry says %q", txt)
	}
	if txt := p.buttons[3].Text; txt != "ripristina la rete" {
		t.Errorf("net restore entry says %q", txt)
	}
	test.Tap(p.buttons[2])
	test.Tap(p.buttons[3])
	if len(got) != 2 || !got[0].Is(DemoTagNetCut) || got[0].Is(DemoTagNetRestore) || got[0].Is(DemoTagUnplug) ||
		!got[1].Is(DemoTagNetRestore) || got[1].Is(DemoTagNetCut) || got[0].Frame != nil || got[1].Frame != nil {
		t.Fatalf("taps delivered %+v", got)
	}
	en := NewDemoPanel(MustCatalogue("en"), nil, nil)
	if a, b := en.EntryText(DemoNetCut()), en.EntryText(DemoNetRestore()); a != "cut the network" || b != "restore the network" {
		t.Errorf("en entries say %q, %q", a, b)
	}
}
