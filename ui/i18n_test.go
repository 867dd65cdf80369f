package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// keyPattern is the shape of a catalogue key: dotted lower-case words.
// The last word may be an upper-case enum value (notice.state.PAID).
var keyPattern = regexp.MustCompile(`^[a-z]+(\.[a-z0-9_]+)*\.[a-zA-Z0-9_]+$`)

// literals parses the package's non-test Go files and returns the catalogue
// keys they use and their other string literals. A literal passed as the
// first argument of TN stands for its ".one" and ".other" keys; any other
// literal shaped like a key (T's arguments, tables of keys, DemoTag
// constants) is a key.
func literals(t *testing.T) (keys map[string][]string, others map[string][]string) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keys, others = map[string][]string{}, map[string][]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		plural := map[*ast.BasicLit]bool{}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ImportSpec:
				return false
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || len(n.Args) == 0 {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && (x.Name == "fmt" && sel.Sel.Name == "Errorf" || x.Name == "errors" && sel.Sel.Name == "New") {
					// Errors are for the log and for staff details, in English.
					return false
				}
				if lit, ok := n.Args[0].(*ast.BasicLit); ok && sel.Sel.Name == "TN" {
					plural[lit] = true
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(n.Value)
				if err != nil {
					t.Fatal(err)
				}
				where := fset.Position(n.Pos()).String()
				switch {
				case plural[n]:
					keys[s+".one"] = append(keys[s+".one"], where)
					keys[s+".other"] = append(keys[s+".other"], where)
				case keyPattern.MatchString(s):
					keys[s] = append(keys[s], where)
				default:
					others[s] = append(others[s], where)
				}
			}
			return true
		})
	}
	return keys, others
}

// TestCatalogueComplete checks that every key the code uses is in every
// language, and that the languages have the same keys with the same
// format verbs as Italian.
func TestCatalogueComplete(t *testing.T) {
	all, err := loadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 || all["it"] == nil || all["en"] == nil {
		t.Fatalf("want at least it and en catalogues, have %v", Languages())
	}
	keys, _ := literals(t)
	if len(keys) < 50 {
		t.Fatalf("found only %d keys in the code: is the parser looking at the right files?", len(keys))
	}
	for lang, texts := range all {
		for k, where := range keys {
			if _, ok := texts[k]; !ok {
				t.Errorf("%s.json: missing key %q (used at %s)", lang, k, where[0])
			}
		}
	}
	verbs := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)
	for lang, texts := range all {
		if lang == DefaultLanguage {
			continue
		}
		for k, it := range all[DefaultLanguage] {
			tr, ok := texts[k]
			if !ok {
				t.Errorf("%s.json: missing key %q (it has it)", lang, k)
				continue
			}
			a, b := verbs.FindAllString(it, -1), verbs.FindAllString(tr, -1)
			sort.Strings(a)
			sort.Strings(b)
			if strings.Join(a, " ") != strings.Join(b, " ") {
				t.Errorf("%s.json: key %q has verbs %v, it.json has %v", lang, k, b, a)
			}
			if strings.TrimSpace(tr) == "" {
				t.Errorf("%s.json: key %q is empty", lang, k)
			}
		}
		for k := range texts {
			if _, ok := all[DefaultLanguage][k]; !ok {
				t.Errorf("%s.json: key %q is not in it.json", lang, k)
			}
		}
	}
	for k := range all[DefaultLanguage] {
		if _, ok := keys[k]; !ok {
			t.Logf("it.json: key %q is not used in ui/", k)
		}
	}
}

// literalAllowed lists the string literals of ui/ that are not catalogue
// keys and contain letters, with why they never reach the screen as text.
var literalAllowed = map[string]string{
	"it":               "DefaultLanguage, a language code",
	"i18n/*.json":      "embedded file pattern",
	".json":            "file extension",
	"-_.":              "separators of a locale name",
	"service.":         "prefix of the service keys",
	".one":             "plural key suffix",
	".other":           "plural key suffix",
	"02/01/2006":       "date layout",
	"15:04":            "time layout",
	"02/01/2006 15:04": "date and time layout",
}

// TestNoLiteralText checks that the screens show no text that bypasses the
// catalogue: every string literal in ui/ is a key, has no letters (numbers,
// punctuation, layouts), names a theme size, or is allowed above.
func TestNoLiteralText(t *testing.T) {
	_, others := literals(t)
	t.Logf("%d literals that are not keys", len(others))
	for s, where := range others {
		if _, ok := literalAllowed[s]; ok {
			continue
		}
		if strings.HasPrefix(s, "mensakiosk-") {
			continue
		}
		if strings.ContainsFunc(s, unicode.IsLetter) {
			t.Errorf("string literal %q at %s: user-visible text must come from the catalogue", s, where[0])
		}
	}
}

func TestNewCatalogue(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{"", "it", false},
		{"it", "it", false},
		{"it_IT.UTF-8", "it", false},
		{"EN", "en", false},
		{"en-GB", "en", false},
		{"xx", "it", true},
	} {
		c, err := NewCatalogue(tc.in)
		if (err != nil) != tc.err || c.Lang() != tc.want {
			t.Errorf("NewCatalogue(%q) = %q, %v; want %q, error %v", tc.in, c.Lang(), err, tc.want, tc.err)
		}
	}
	en := MustCatalogue("en")
	if got := en.T("idle.prompt"); got != "Hold your badge to the reader" {
		t.Errorf("en idle.prompt = %q", got)
	}
	if got := en.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q, want the key", got)
	}
	// A key missing in a language falls back to Italian.
	partial := &Catalogue{lang: "xx", texts: map[string]string{}, fallback: MustCatalogue("it").texts}
	if got := partial.T("idle.prompt"); got != "Avvicina il badge al lettore" {
		t.Errorf("fallback = %q", got)
	}
	it := MustCatalogue("it")
	if got := it.TN("sync.waiting", 1); got != "1 evento da inviare" {
		t.Errorf("TN one = %q", got)
	}
	if got := it.TN("sync.waiting", 3); got != "3 eventi da inviare" {
		t.Errorf("TN other = %q", got)
	}
	if got := it.T("idle.served_today", 42); got != "Pasti serviti oggi: 42" {
		t.Errorf("T with args = %q", got)
	}
}
