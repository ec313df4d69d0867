package pages

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Language is the language a page for lang is written in: Spanish for "es"
// and its regional forms ("es-MX", "es_US"), English for anything else,
// the empty string included.
func Language(lang string) string {
	if tag, ok := known(lang); ok {
		return tag
	}
	return English
}

// known maps lang to a language the pages are written in, if it is one.
func known(lang string) (string, bool) {
	l := strings.ToLower(strings.TrimSpace(lang))
	primary, _, _ := strings.Cut(strings.ReplaceAll(l, "_", "-"), "-")
	switch primary {
	case Spanish:
		return Spanish, true
	case English:
		return English, true
	}
	return "", false
}

// Choose is the language of a page answering r, in this order:
//
//  1. the lang parameter ("es" or "en"), as the language link and each
//     form's hidden field send it: what the reader chose;
//  2. stored, the language of the request the page is about (verification,
//     download), when known;
//  3. the browser's Accept-Language: the first of Spanish and English in
//     its order of preference;
//  4. English.
//
// Call it after parsing a posted form, so that its lang field counts.
func Choose(r *http.Request, stored string) string {
	if lang, ok := known(r.PostForm.Get("lang")); ok { // nil until parsed
		return lang
	}
	if lang, ok := known(r.URL.Query().Get("lang")); ok {
		return lang
	}
	if lang, ok := known(stored); ok {
		return lang
	}
	return Accepted(r.Header.Get("Accept-Language"))
}

// Accepted is the language an Accept-Language header prefers of Spanish
// and English: the first of them by quality ("q"), then by order; English
// when it names neither.
func Accepted(header string) string {
	type choice struct {
		lang string
		q    float64
	}
	var choices []choice
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(part, ";")
		lang, ok := known(tag)
		if !ok {
			continue
		}
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 {
			choices = append(choices, choice{lang, q})
		}
	}
	if len(choices) == 0 {
		return English
	}
	sort.SliceStable(choices, func(i, j int) bool { return choices[i].q > choices[j].q })
	return choices[0].lang
}
