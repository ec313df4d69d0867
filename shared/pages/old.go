package pages

// The html/template rendering the compiled pages replace, kept until their
// output is shown to be the same (compare_internal_test.go).

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"reflect"
	"strings"
	"sync"
)

//go:embed templates/*.html
var files embed.FS

// set is every page's template, parsed when a page is first rendered (not
// at a function's cold start: most functions render none). The sync.Once
// sits in a variable of its own, not in a sync.OnceValue made when the
// package starts: that would reach the templates from the package's
// initialisation, linking them (and the embedded files) into every
// function that links the package without rendering a page.
func set() *template.Template {
	parsed.Do(func() { parsed.t = parse() })
	return parsed.t
}

var parsed struct {
	sync.Once
	t *template.Template
}

func parse() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"title": func(v oldView, title string) oldView { v.Title = title; return v },
		"field": func(id, label, value, auto string, errs map[string]string, required bool) Field {
			typ := "text"
			switch {
			case strings.HasSuffix(auto, "email"):
				typ = "email"
			case strings.HasSuffix(auto, "tel"):
				typ = "tel"
			}
			return Field{ID: id, Label: label, Value: value, Type: typ, Auto: auto, Error: errs[id], Required: required}
		},
		"label":    func(f Field, label string) Field { f.Label = label; return f },
		"contains": func(list any, v any) bool { return containsString(list, v) },
	}).ParseFS(files, "templates/*.html"))
}

// Execute writes page name in v's language.
func executeOld(buf *bytes.Buffer, name string, v View) error {
	v.Lang = Language(v.Lang)
	t := set().Lookup(name + "." + v.Lang)
	if t == nil || strings.HasPrefix(name, "_") {
		return fmt.Errorf("%w: %s.%s", ErrNoPage, name, v.Lang)
	}
	return t.Execute(buf, oldView{View: v})
}

// oldView is the View the old templates took, with the title they set.
type oldView struct {
	View
	Title string
}

// containsString reports whether slice list has an element written as v
// is ("checked" boxes: a []request.Kind holding a kind).
func containsString(list, v any) bool {
	want := fmt.Sprint(v)
	l := reflect.ValueOf(list)
	if l.Kind() != reflect.Slice {
		return false
	}
	for i := range l.Len() {
		if fmt.Sprint(l.Index(i).Interface()) == want {
			return true
		}
	}
	return false
}
