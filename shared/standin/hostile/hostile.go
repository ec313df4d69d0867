// Package hostile is test support for the desk's templates: a Filler
// fills a view, through reflect, with a hostile value in every exported
// string field, each carrying a marker that names its field, and a
// Coverage checks, over many renders, that the HTML a template wrote
// carries every value escaped and that most fields were written at all.
// The mail, page and console tests use it; no function links it.
package hostile

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Filler fills views: every exported string field (nested structs,
// slices, pointers and maps included) gets a hostile value — markup,
// quotes, an ampersand, CR/LF, NUL and a right-to-left override — with its
// own marker number. Strings that select a branch (typed enums, and the
// plain string fields named in Named) get real values instead, so the
// templates render their normal text; booleans, numbers and times vary
// with Seed, and in one seed of four some strings are left empty, for the
// branches that write an optional value's alternative (never the first
// string, which keeps a marker in every render).
type Filler struct {
	Seed int
	// Enums are the real values of typed strings (request.Kind...).
	Enums map[reflect.Type][]string
	// Named are the real values of plain string fields that select a
	// branch, by "Type.Field" or "*.Field", and the keys of a map field
	// that select one (a form's field names) by "Type.Field[key]". Choice
	// among them stands for a hostile value.
	Named map[string][]string
	// OneLine names the fields, by "Type.Field", that are the desk's or
	// the registry's own words and that a template may write as they are:
	// their hostile value still tests the HTML escaping, but carries no
	// line break or control character.
	OneLine map[string]bool

	count  int // draws so far: varies the picks within one view
	next   int // the last marker number handed out
	fields map[int]string
}

// Choice, among a field's real values in Filler.Named, stands for a
// hostile one: for a value a requester sends back that the template writes
// in a default branch.
const Choice = "\x00hostile"

// RequestEnums are the real values of the request's typed strings (its
// kinds, statuses, channels and priorities), for Filler.Enums; a fresh map
// each call, for the caller to add its own.
func RequestEnums() map[reflect.Type][]string {
	strs := func(vals ...string) []string { return vals }
	return map[reflect.Type][]string{
		reflect.TypeOf(request.Kind("")): strs(string(request.AccessCategories), string(request.AccessSpecific),
			string(request.Deletion), string(request.Correction), string(request.Portability), string(request.OptOutSale),
			string(request.OptOutMarketing), string(request.ChildData), string(request.Unclear)),
		reflect.TypeOf(request.Status("")): strs(string(request.Received), string(request.Acknowledged), string(request.Verifying),
			string(request.Verified), string(request.InProgress), string(request.Extended), string(request.Completed),
			string(request.Denied), string(request.Unverified), string(request.Withdrawn), string(request.NotARequest)),
		reflect.TypeOf(request.Channel("")):  strs(string(request.Web), string(request.Email)),
		reflect.TypeOf(request.Priority("")): strs(string(request.Normal), string(request.Expedited)),
	}
}

var (
	timeType     = reflect.TypeOf(time.Time{})
	locationType = reflect.TypeOf((*time.Location)(nil))
	newYork      = func() *time.Location {
		loc, err := time.LoadLocation("America/New_York")
		if err != nil {
			return time.UTC
		}
		return loc
	}()
)

// Fill fills the view that ptr points to.
func (f *Filler) Fill(ptr any) {
	if f.fields == nil {
		f.fields = map[int]string{}
	}
	v := reflect.ValueOf(ptr).Elem()
	f.value(v, v.Type().Name(), "")
}

// Field is the path of the field marker n was given to, e.g.
// "Answer.Systems.Title"; "" for no marker handed out.
func (f *Filler) Field(n int) string { return f.fields[n] }

// draw is a number that varies with the seed and with each draw.
func (f *Filler) draw() int {
	f.count++
	return f.Seed + f.count
}

// flip is a boolean: bit 1+count%4 of the seed, so that seeds 0 to 31
// give every boolean of a view both values, in every combination of four,
// and each with both parities of the seed (which the enums' draws follow).
func (f *Filler) flip() bool {
	f.count++
	return f.Seed>>(1+f.count%4)&1 == 1
}

func (f *Filler) hostile(path string, oneLine bool) string {
	f.next++
	n := f.next
	f.fields[n] = path
	if oneLine {
		return fmt.Sprintf(`<b id="F%d">x</b>&"' INJ%d`, n, n)
	}
	return fmt.Sprintf(`<b id="F%d">x</b>&"'`+"\r\nINJ%d\x00\u202e\r\nINJ%d", n, n, n)
}

func (f *Filler) value(v reflect.Value, path, owner string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.text(v.Type(), path, owner))
	case reflect.Bool:
		v.SetBool(f.flip())
	case reflect.Int, reflect.Int64, reflect.Int32:
		// On seed/3, not the seed: a number does not follow the string
		// drawn before it (a form error's row and its field, say).
		f.count++
		v.SetInt(int64([]int{-3, -1, 0, 1, 2, 9}[(f.Seed/3+f.count)%6]))
	case reflect.Struct:
		if v.Type() == timeType {
			if f.draw()%5 == 4 {
				v.Set(reflect.ValueOf(time.Time{}))
			} else {
				v.Set(reflect.ValueOf(time.Date(2026, 12, 24, 14, 5, 0, 0, time.UTC).AddDate(0, 0, f.Seed)))
			}
			return
		}
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			f.value(v.Field(i), path+"."+sf.Name, t.Name()+"."+sf.Name)
		}
	case reflect.Pointer:
		if v.Type() == locationType {
			v.Set(reflect.ValueOf(newYork))
			return
		}
		p := reflect.New(v.Type().Elem())
		f.value(p.Elem(), path, owner)
		v.Set(p)
	case reflect.Slice:
		if vals, ok := f.Enums[v.Type().Elem()]; ok {
			// A few real values, a different few for each seed.
			n := 1 + f.draw()%len(vals)
			s := reflect.MakeSlice(v.Type(), n, n)
			for i := range n {
				s.Index(i).SetString(vals[(f.Seed+i)%len(vals)])
			}
			v.Set(s)
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			f.value(s.Index(i), path, owner)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		if keys, ok := f.Named[owner+"[key]"]; ok && v.Type().Key().Kind() == reflect.String {
			// Keys that select a branch (a form's field names): each of them.
			for _, k := range keys {
				e := reflect.New(v.Type().Elem()).Elem()
				f.value(e, path+"["+k+"]", owner)
				m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
			}
			v.Set(m)
			return
		}
		for range 2 {
			k := reflect.New(v.Type().Key()).Elem()
			f.value(k, path+"[key]", owner+"[key]")
			e := reflect.New(v.Type().Elem()).Elem()
			f.value(e, path+"[]", owner)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	}
}

func (f *Filler) text(t reflect.Type, path, owner string) string {
	if vals, ok := f.Enums[t]; ok {
		return vals[f.draw()%len(vals)]
	}
	_, field, _ := strings.Cut(owner, ".")
	for _, key := range []string{owner, "*." + field} {
		if vals, ok := f.Named[key]; ok {
			if v := vals[f.draw()%len(vals)]; v != Choice {
				return v
			}
			return f.hostile(path, f.OneLine[owner])
		}
	}
	if f.Seed%4 == 3 && f.next > 0 && f.draw()%3 == 0 {
		return "" // an optional value left out: the branch without it
	}
	return f.hostile(path, f.OneLine[owner])
}

var (
	// rawMarkup is a hostile value's markup as given: in HTML it must
	// never appear.
	rawMarkup = regexp.MustCompile(`<b id="F(\d+)"`)
	// rawAmpersand is a value's ampersand as given, before its quote
	// (itself perhaps percent-encoded): a value written raw after a link's
	// encoding, which leaves an ampersand as it is.
	rawAmpersand = regexp.MustCompile(`&(?:%22|"|')`)
	// escapedMarker finds the marker of a value written escaped: as text
	// (&quot;), or percent-encoded in a link or a link's part.
	escapedMarker = regexp.MustCompile(`id(?:=|%3[Dd])(?:&quot;|&#34;|%22)F(\d+)(?:&quot;|&#34;|%22)`)
	// marker finds a marker as a text part writes it.
	marker = regexp.MustCompile(`(?:F|INJ)(\d+)`)
	// injectedLine is a line of text that a value started.
	injectedLine = regexp.MustCompile(`(?m)^INJ\d+`)
)

// Coverage gathers, over many renders of filled views, which fields were
// filled and which some render wrote escaped.
type Coverage struct {
	Renders int
	filled  map[string]bool
	written map[string]bool
}

// CheckHTML checks one render's HTML, of a view f filled: no value
// written raw (no markup, no ampersand as given, naming the fields), at
// least one written escaped; and counts the render.
func (c *Coverage) CheckHTML(t *testing.T, f *Filler, html string) {
	t.Helper()
	if c.filled == nil {
		c.filled, c.written = map[string]bool{}, map[string]bool{}
	}
	c.Renders++
	for _, path := range f.fields {
		c.filled[path] = true
	}
	found := escapedMarker.FindAllStringSubmatch(html, -1)
	for _, m := range found {
		n, _ := strconv.Atoi(m[1])
		require.Contains(t, f.fields, n, "marker %d names no field", n)
		c.written[f.fields[n]] = true
	}
	assert.Empty(t, f.named(rawMarkup, html), "a value is written raw")
	assert.Empty(t, rawAmpersand.FindAllString(html, -1), "an ampersand is written raw")
	assert.NotEmpty(t, found, "the HTML writes no field")
}

// CheckText checks a plain-text part of a view f filled: no value carries
// a CR, a NUL or a right-to-left override into it, nor starts a line of
// its own (requester values are cleaned to one line).
func CheckText(t *testing.T, f *Filler, text string) {
	t.Helper()
	var out []string
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		var wrong []string
		for _, c := range []struct{ s, name string }{{"\r", "CR"}, {"\x00", "NUL"}, {"\u202e", "override"}} {
			if strings.Contains(line, c.s) {
				wrong = append(wrong, c.name)
			}
		}
		if injectedLine.MatchString(line) {
			wrong = append(wrong, "starts a line")
		}
		if len(wrong) == 0 {
			continue
		}
		// The value's marker is on this line, or else on the one before it.
		names := f.named(marker, line)
		if len(names) == 0 && i > 0 {
			names = f.named(marker, lines[i-1])
		}
		out = append(out, fmt.Sprintf("%s: %s", strings.Join(names, ", "), strings.Join(wrong, ", ")))
	}
	assert.Empty(t, slices.Compact(out), "values not cleaned to one line in the text part")
}

// named names, sorted and once each, the fields whose markers re finds in s.
func (f *Filler) named(re *regexp.Regexp, s string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, f.fields[n])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Report logs how many fields the renders wrote escaped and which never,
// and returns how many were written and how many filled, for the caller's
// check that most were.
func (c *Coverage) Report(t *testing.T) (written, filled int) {
	t.Helper()
	var never []string
	for path := range c.filled {
		if !c.written[path] {
			never = append(never, path)
		}
	}
	slices.Sort(never)
	t.Logf("%d renders; %d of %d fields written escaped; never written: %s", c.Renders, len(c.filled)-len(never), len(c.filled),
		strings.Join(never, ", "))
	return len(c.filled) - len(never), len(c.filled)
}
