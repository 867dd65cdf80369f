package app

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FoldName folds a name for search and sorting: lower case, accents
// dropped, only letters and digits kept ("D'Angelo" → "dangelo",
// "Nicolò" → "nicolo").
func FoldName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := foldAccent[r]; ok {
			r = f
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var foldAccent = func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "àáâãäåā", 'e': "èéêëē", 'i': "ìíîïī", 'o': "òóôõöøō", 'u': "ùúûüū",
		'c': "çćč", 'n': "ñń", 's': "šś", 'z': "žźż", 'y': "ýÿ", 'l': "ł", 'r': "ř", 'd': "đ", 'g': "ğ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// foldNameFast is FoldName with a shortcut for plain ASCII names (most of
// a roster): lower case, letters and digits kept; others go to FoldName.
func foldNameFast(s string) string {
	keep := true // s is already folded: return it, no copy
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return FoldName(s)
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		default:
			keep = false
		}
	}
	if keep {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b = append(b, c)
		case 'A' <= c && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}
