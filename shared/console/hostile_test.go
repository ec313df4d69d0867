package console

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
	"github.com/valyala/quicktemplate"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// filler fills a view, through reflect, with a hostile value in every
// exported string field (nested structs, slices, pointers and maps
// included), each carrying its own marker number so that a failure names
// the field. Strings that select a branch (typed enums, and the plain
// string fields named in named) get real values instead, so the templates
// render their normal text; booleans, numbers and times vary with seed, and
// in one seed of four some strings are left empty, for the branches that
// write an optional value's alternative (never the first string, which
// keeps a marker in every render).
type filler struct {
	seed  int
	count int // draws so far: varies the picks within one view
	next  int // the last marker number handed out
	// fields names the field of each marker number, e.g. "Answer.Systems.Title".
	fields map[int]string
	// enums are the real values of typed strings (request.Kind...).
	enums map[reflect.Type][]string
	// named are the real values of plain string fields that select a
	// branch, by "Type.Field" or "*.Field", and the keys of a map field
	// that select one (a form's field names) by "Type.Field[key]".
	named map[string][]string
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

// draw is a number that varies with the seed and with each draw.
func (f *filler) draw() int {
	f.count++
	return f.seed + f.count
}

// flip is a boolean: bit 1+count%4 of the seed, so that seeds 0 to 31
// give every boolean of a view both values, in every combination of four,
// and each with both parities of the seed (which the enums' draws follow).
func (f *filler) flip() bool {
	f.count++
	return f.seed>>(1+f.count%4)&1 == 1
}

func (f *filler) hostile(path string) string {
	f.next++
	n := f.next
	f.fields[n] = path
	return fmt.Sprintf(`<b id="F%d">x</b>&"'`+"\r\nINJ%d\x00\u202e\r\nINJ%d", n, n, n)
}

// fill fills the view that ptr points to.
func (f *filler) fill(ptr any) {
	v := reflect.ValueOf(ptr).Elem()
	f.value(v, v.Type().Name(), "")
}

func (f *filler) value(v reflect.Value, path, owner string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.text(v.Type(), path, owner))
	case reflect.Bool:
		v.SetBool(f.flip())
	case reflect.Int, reflect.Int64, reflect.Int32:
		// On seed/3, not the seed: a number does not follow the string
		// drawn before it (a form error's row and its field, say).
		f.count++
		v.SetInt(int64([]int{-3, -1, 0, 1, 2, 9}[(f.seed/3+f.count)%6]))
	case reflect.Struct:
		if v.Type() == timeType {
			if f.draw()%5 == 4 {
				v.Set(reflect.ValueOf(time.Time{}))
			} else {
				v.Set(reflect.ValueOf(time.Date(2026, 12, 24, 14, 5, 0, 0, time.UTC).AddDate(0, 0, f.seed)))
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
		if vals, ok := f.enums[v.Type().Elem()]; ok {
			// A few real values, a different few for each seed.
			n := 1 + f.draw()%len(vals)
			s := reflect.MakeSlice(v.Type(), n, n)
			for i := range n {
				s.Index(i).SetString(vals[(f.seed+i)%len(vals)])
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
		if keys, ok := f.named[owner+"[key]"]; ok && v.Type().Key().Kind() == reflect.String {
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

// hostileChoice, among a field's real values, stands for a hostile one:
// for a value a requester sends back that the template writes in a
// default branch.
const hostileChoice = "\x00hostile"

func (f *filler) text(t reflect.Type, path, owner string) string {
	if vals, ok := f.enums[t]; ok {
		return vals[f.draw()%len(vals)]
	}
	_, field, _ := strings.Cut(owner, ".")
	for _, key := range []string{owner, "*." + field} {
		if vals, ok := f.named[key]; ok {
			if v := vals[f.draw()%len(vals)]; v != hostileChoice {
				return v
			}
			return f.hostile(path)
		}
	}
	if f.seed%4 == 3 && f.next > 0 && f.draw()%3 == 0 {
		return "" // an optional value left out: the branch without it
	}
	return f.hostile(path)
}

var (
	// rawMarkup is a hostile value's markup as given: in HTML it must
	// never appear.
	rawMarkup = `<b id="F`
	// rawAmpersand is a value's ampersand as given, before its quote
	// (itself perhaps percent-encoded): a value written raw after a link's
	// encoding, which leaves an ampersand as it is.
	rawAmpersand = regexp.MustCompile(`&(?:%22|"|')`)
	// escapedMarker finds the marker of a value written escaped: as text
	// (&quot;), or percent-encoded in a link or a link's part.
	escapedMarker = regexp.MustCompile(`id(?:=|%3[Dd])(?:&quot;|&#34;|%22)F(\d+)(?:&quot;|&#34;|%22)`)
)

// markersIn lists the marker numbers written escaped in html.
func markersIn(html string) []int {
	var out []int
	for _, m := range escapedMarker.FindAllStringSubmatch(html, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

func kindsOf(vals ...request.Kind) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}

// teamActions are the actions of a request's page.
var teamActions = []string{ActionSetKinds, ActionExtend, ActionDeny, ActionWithdraw, ActionResendLink, ActionRerun,
	ActionFinishStep, ActionComplete, ActionMarkDuplicate, ActionNote, ActionRevokeStatus}

// actionFields are the fields of the actions' forms, as their problems
// and the form sent back name them: a denial's reason and detail for each
// kind among them.
var actionFields = func() []string {
	out := []string{"action", "note", "of", "reason", "system", "kinds", "csrf", "childName", "childEmail", "childAccount"}
	for _, k := range append([]request.Kind{request.Unclear}, request.Kinds...) {
		out = append(out, "reason."+string(k), "detail."+string(k))
	}
	return out
}()

// newConsoleFiller is a filler with the console's enums.
func newConsoleFiller(seed int) *filler {
	return &filler{
		seed:   seed,
		fields: map[int]string{},
		enums: map[reflect.Type][]string{
			reflect.TypeOf(request.Kind("")): kindsOf(request.AccessCategories, request.AccessSpecific, request.Deletion,
				request.Correction, request.Portability, request.OptOutSale, request.OptOutMarketing, request.ChildData, request.Unclear),
			reflect.TypeOf(request.Status("")): {string(request.Received), string(request.Acknowledged), string(request.Verifying),
				string(request.Verified), string(request.InProgress), string(request.Extended), string(request.Completed),
				string(request.Denied), string(request.Unverified), string(request.Withdrawn)},
			reflect.TypeOf(request.Channel("")):  {string(request.Web), string(request.Email)},
			reflect.TypeOf(request.Priority("")): {string(request.Normal), string(request.Expedited)},
		},
		named: map[string][]string{
			"*.Language":                {"en", "es"},
			"actionView.Action":         teamActions,
			"actionView.Problems[key]":  actionFields,
			"actionView.Form[key]":      actionFields,
			"RequestView.Actions":       teamActions,
			"Clock.State":               {"met", "not running", "open", "overdue", "closed"},
			"KindMetrics.ByReason[key]": mail.DenialReasons,
			"Event.Action": {request.ActionCreated, request.ActionAcknowledged, request.ActionReplyReceived,
				request.ActionStepDone, request.ActionStepFailed, request.ActionNeedsAttention, request.ActionMailBounced,
				request.ActionRequesterUnreachable, request.ActionMailComplaint, request.ActionVerificationSent,
				request.ActionVerified, request.ActionTaskMailed, request.ActionNote, request.ActionAnswered, hostileChoice},
			"Event.Data[key]": {"mail", "to", "bounceType", "bounceSubType", "complaintType", "system", "subject", "failed",
				"messageId"},
		},
	}
}

// consolePages fill each page's view and write it, the layout included,
// for a layout's view the filler filled too.
var consolePages = map[string]func(f *filler) string{
	"action":    func(f *filler) string { var p actionView; f.fill(&p); return renderHostile(f, &p) },
	"message":   func(f *filler) string { var p messageView; f.fill(&p); return renderHostile(f, &p) },
	"refused":   func(f *filler) string { var p refusedView; f.fill(&p); return renderHostile(f, &p) },
	"signed-in": func(f *filler) string { var p signedInView; f.fill(&p); return renderHostile(f, &p) },
	"metrics":   func(f *filler) string { var p metricsView; f.fill(&p); return renderHostile(f, &p) },
	"request":   func(f *filler) string { var p RequestView; f.fill(&p); return renderHostile(f, &p) },
	"work-list": func(f *filler) string { var p workListView; f.fill(&p); return renderHostile(f, &p) },
}

// renderHostile writes page body with a filled layout view.
func renderHostile(f *filler, body pageBody) string {
	var v view
	f.fill(&v)
	bb := render(body, &v)
	defer quicktemplate.ReleaseByteBuffer(bb)
	return string(bb.B)
}

// TestEveryConsoleFieldIsEscaped writes every console page (the work
// list, a request's page, each action's form, the metrics, the messages
// and the sign-in pages) from views whose every string, the layout's
// (root, console, the member's name) included, is markup with quotes and an
// ampersand carrying its own marker: nested structs, slices, pointers and
// maps (a request's whole record, its events and their data, a form's
// values and problems) included. Enums (actions, statuses, kinds, clock
// states, audit actions, field names) walk their real values and booleans
// take both, over 32 variations of each page (44 of the action form, four
// of each action). It proves that no value reaches a page as markup, that
// every page writes values escaped, and that most fields are written; it
// logs the fields no page wrote.
func TestEveryConsoleFieldIsEscaped(t *testing.T) {
	written := map[string]bool{}
	filled := map[string]bool{}
	renders := 0
	names := make([]string, 0, len(consolePages))
	for name := range consolePages {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		variations := 32
		if name == "action" {
			variations = 4 * len(teamActions)
		}
		for seed := range variations {
			t.Run(fmt.Sprintf("%s/%d", name, seed), func(t *testing.T) {
				f := newConsoleFiller(seed)
				if name == "action" {
					// Each action in turn, whatever the draws.
					f.named["actionView.Action"] = []string{teamActions[seed%len(teamActions)]}
				}
				body := consolePages[name](f)
				renders++
				for _, path := range f.fields {
					filled[path] = true
				}
				for _, n := range markersIn(body) {
					require.Contains(t, f.fields, n, "marker %d names no field", n)
					written[f.fields[n]] = true
				}
				assert.NotContains(t, body, rawMarkup, "a value is written raw: %s", rawFields(body, f))
				assert.Empty(t, rawAmpersand.FindAllString(body, -1), "an ampersand is written raw")
				assert.NotEmpty(t, markersIn(body), "the page writes no field")
			})
		}
	}

	var never []string
	for path := range filled {
		if !written[path] {
			never = append(never, path)
		}
	}
	slices.Sort(never)
	t.Logf("%d renders; %d of %d fields written escaped; never written: %s", renders, len(filled)-len(never), len(filled),
		strings.Join(never, ", "))
	assert.Greater(t, len(filled)-len(never), 2*len(filled)/3, "most fields are written")
}

// rawFields names the fields whose markup body carries raw.
func rawFields(body string, f *filler) string {
	var out []string
	for _, m := range regexp.MustCompile(`<b id="F(\d+)"`).FindAllStringSubmatch(body, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, f.fields[n])
	}
	slices.Sort(out)
	return strings.Join(slices.Compact(out), ", ")
}
