package ui

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"mensakiosk/assets"
)

// The translation catalogue.
//
// Format: one file per language, assets/i18n/<lang>.json, where <lang> is a
// lower-case ISO 639-1 code ("it", "en", "uk", "ar", ...), optionally split
// into part files <lang>.<part>.json (it.counter.json, it.staff.json) that
// are merged; a key in two parts of one language is an error. Each file is a flat
// JSON object from key to text. Keys are dotted lower-case words grouped by
// screen ("idle.prompt", "result.blocked.title"). Texts use Go fmt verbs for
// their arguments (%s, %d); a language that needs another word order uses
// explicit argument indexes ("%[2]s %[1]s"), so every file should use the
// same verbs for a key (a test checks it/en agree). A key with a count has
// two forms, "<key>.one" and "<key>.other", chosen by Catalogue.TN.
//
// Adding a language: copy it.json and each it.<part>.json to <lang>.json and
// <lang>.<part>.json, translate the values, and
// the completeness test checks that no key is missing. Italian is the
// reference and the fallback: a key missing in the chosen language shows in
// Italian, and a key missing in Italian too shows as the key itself.

// DefaultLanguage is the reference and fallback language.
const DefaultLanguage = "it"

// Catalogue translates the user-visible texts of the screens into one
// language, chosen at construction from the kiosk's configuration (never
// from the system locale: Fyne has no runtime locale setter). It is safe for
// concurrent use.
type Catalogue struct {
	lang     string
	texts    map[string]string
	fallback map[string]string
}

var (
	loadOnce sync.Once
	loaded   map[string]map[string]string
	loadErr  error
)

func loadAll() (map[string]map[string]string, error) {
	loadOnce.Do(func() {
		loaded = map[string]map[string]string{}
		files, err := fs.Glob(assets.I18N, "i18n/*.json")
		if err != nil {
			loadErr = err
			return
		}
		for _, f := range files {
			raw, err := fs.ReadFile(assets.I18N, f)
			if err != nil {
				loadErr = err
				return
			}
			m := map[string]string{}
			if err := json.Unmarshal(raw, &m); err != nil {
				loadErr = fmt.Errorf("translation catalogue %s: %w", f, err)
				return
			}
			// "it.json" and "it.counter.json" are both Italian: a
			// screen's texts may live in a part file of their own.
			lang, _, _ := strings.Cut(strings.TrimSuffix(path.Base(f), ".json"), ".")
			into := loaded[lang]
			if into == nil {
				into = map[string]string{}
				loaded[lang] = into
			}
			for k, v := range m {
				if _, dup := into[k]; dup {
					loadErr = fmt.Errorf("translation catalogue %s: key %q is also in another %s file", f, k, lang)
					return
				}
				into[k] = v
			}
		}
		if _, ok := loaded[DefaultLanguage]; !ok {
			loadErr = fmt.Errorf("translation catalogue %s.json is missing", DefaultLanguage)
		}
	})
	return loaded, loadErr
}

// Languages lists the languages the catalogue has, sorted, e.g. [en it].
func Languages() []string {
	all, _ := loadAll()
	out := make([]string, 0, len(all))
	for l := range all {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// NewCatalogue returns the catalogue for lang, a language code from the
// kiosk's configuration ("it", "en", "en-GB", "it_IT" all work: only the
// language part counts; empty means Italian). An unknown language gives the
// Italian catalogue and an error saying so, so the kiosk still starts.
func NewCatalogue(lang string) (*Catalogue, error) {
	all, err := loadAll()
	if err != nil {
		return &Catalogue{lang: DefaultLanguage, texts: map[string]string{}, fallback: map[string]string{}}, err
	}
	base := strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(base, "-_."); i >= 0 {
		base = base[:i]
	}
	if base == "" {
		base = DefaultLanguage
	}
	c := &Catalogue{lang: base, texts: all[base], fallback: all[DefaultLanguage]}
	if c.texts == nil {
		c.lang, c.texts = DefaultLanguage, c.fallback
		return c, fmt.Errorf("language %q has no translation catalogue; using %q (have %s)",
			lang, DefaultLanguage, strings.Join(Languages(), ", "))
	}
	return c, nil
}

// MustCatalogue is NewCatalogue that ignores the error: the returned
// catalogue always works (Italian at worst).
func MustCatalogue(lang string) *Catalogue {
	c, _ := NewCatalogue(lang)
	return c
}

// Lang returns the catalogue's language code.
func (c *Catalogue) Lang() string { return c.lang }

// T returns the text for key in the catalogue's language, formatted with
// args as by fmt.Sprintf when there are any. A key missing in the language
// falls back to Italian, then to the key itself.
func (c *Catalogue) T(key string, args ...any) string {
	s, ok := c.texts[key]
	if !ok {
		if s, ok = c.fallback[key]; !ok {
			s = key
		}
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}

// TN is T for a text with a count: it picks "<key>.one" when n is 1 and
// "<key>.other" otherwise, and passes n as the first argument.
func (c *Catalogue) TN(key string, n int, args ...any) string {
	form := ".other"
	if n == 1 {
		form = ".one"
	}
	return c.T(key+form, append([]any{n}, args...)...)
}

var weekdayKeys = [7]string{
	"date.weekday.sunday", "date.weekday.monday", "date.weekday.tuesday", "date.weekday.wednesday",
	"date.weekday.thursday", "date.weekday.friday", "date.weekday.saturday",
}

var monthKeys = [12]string{
	"date.month.january", "date.month.february", "date.month.march", "date.month.april",
	"date.month.may", "date.month.june", "date.month.july", "date.month.august",
	"date.month.september", "date.month.october", "date.month.november", "date.month.december",
}

// Weekday returns the name of the weekday ("lunedì").
func (c *Catalogue) Weekday(d time.Weekday) string { return c.T(weekdayKeys[int(d)%7]) }

// Month returns the name of the month ("novembre").
func (c *Catalogue) Month(m time.Month) string { return c.T(monthKeys[(int(m)+11)%12]) }

// LongDate formats t's date in words, "lunedì 23 novembre 2026" in Italian
// (in t's own location: convert with t.In first).
func (c *Catalogue) LongDate(t time.Time) string {
	return c.T("date.long", c.Weekday(t.Weekday()), t.Day(), c.Month(t.Month()), t.Year())
}
