package mail_test

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	// oneLine names the fields, by "Type.Field", that are the desk's or
	// the registry's own words and that a template may write as they are:
	// their hostile value still tests the HTML escaping, but carries no
	// line break or control character.
	oneLine map[string]bool
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

func (f *filler) hostile(path string, oneLine bool) string {
	f.next++
	n := f.next
	f.fields[n] = path
	if oneLine {
		return fmt.Sprintf(`<b id="F%d">x</b>&"' INJ%d`, n, n)
	}
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
			return f.hostile(path, f.oneLine[owner])
		}
	}
	if f.seed%4 == 3 && f.next > 0 && f.draw()%3 == 0 {
		return "" // an optional value left out: the branch without it
	}
	return f.hostile(path, f.oneLine[owner])
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
	// injectedLine is a line of text that a value started.
	injectedLine = regexp.MustCompile(`(?m)^INJ\d+`)
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

var allKinds = kindsOf(request.AccessCategories, request.AccessSpecific, request.Deletion, request.Correction,
	request.Portability, request.OptOutSale, request.OptOutMarketing, request.ChildData, request.Unclear)

// newMailFiller is a filler with the mail views' enums.
func newMailFiller(seed int) *filler {
	return &filler{
		seed:   seed,
		fields: map[int]string{},
		enums: map[reflect.Type][]string{
			reflect.TypeOf(request.Kind("")): allKinds,
			reflect.TypeOf(request.Status("")): {string(request.Received), string(request.Acknowledged), string(request.Verifying),
				string(request.Verified), string(request.InProgress), string(request.Extended), string(request.Completed),
				string(request.Denied), string(request.Unverified), string(request.Withdrawn)},
			reflect.TypeOf(request.Channel("")):  {string(request.Web), string(request.Email)},
			reflect.TypeOf(request.Priority("")): {string(request.Normal), string(request.Expedited)},
		},
		named: map[string][]string{
			"*.Language":            {"en", "es"},
			"AnswerSystem.Outcomes": mailOutcomes,
			"AnswerSystem.Outcome":  mailOutcomes,
			"DenialItem.Reason":     append(slices.Clone(mail.DenialReasons), hostileChoice),
			"ReplyNotice.MatchedBy": {"in-reply-to", "subject"},
		},
		oneLine: map[string]bool{
			// The owner mails write the registry's words (the system, the
			// action, the task's instructions, which may run over several
			// lines, and a legal hold's category and reason) and the desk's
			// own (request ID, due date, task link) as they are; only the
			// person's values are cleaned.
			"OwnerTask.System": true, "OwnerTask.Action": true, "OwnerTask.Instructions": true,
			"OwnerTask.RequestID": true, "OwnerTask.Due": true, "OwnerTask.Link": true,
			"OwnerHold.Category": true, "OwnerHold.Reason": true,
			"OwnerReminder.System": true, "OwnerReminder.Action": true, "OwnerReminder.RequestID": true,
			"OwnerReminder.Due": true, "OwnerReminder.Link": true,
			"OwnerDigest.Day": true,
		},
	}
}

var mailOutcomes = []string{mail.OutcomeErased, mail.OutcomeErasedAsk, mail.OutcomeSuppressed, mail.OutcomeOptedOut,
	mail.OutcomeExported, mail.OutcomeNotFound, mail.OutcomeConfirmed, mail.OutcomeCorrected, mail.OutcomeWithheld}

// hostileMails renders every mail from a view the filler filled.
var hostileMails = map[string]func(f *filler) (mail.Message, error){
	"acknowledgement": func(f *filler) (mail.Message, error) {
		var v mail.Acknowledgement
		f.fill(&v)
		return mail.RenderAcknowledgement("ana@example.org", v)
	},
	"opt-out": func(f *filler) (mail.Message, error) {
		var v mail.OptOutConfirmation
		f.fill(&v)
		return mail.RenderOptOutConfirmation("ana@example.org", v)
	},
	"verification": func(f *filler) (mail.Message, error) {
		var v mail.Verification
		f.fill(&v)
		return mail.RenderVerification("ana@example.org", v)
	},
	"unverified": func(f *filler) (mail.Message, error) {
		var v mail.Unverified
		f.fill(&v)
		return mail.RenderUnverified("ana@example.org", v)
	},
	"extension": func(f *filler) (mail.Message, error) {
		var v mail.ExtensionNotice
		f.fill(&v)
		return mail.RenderExtensionNotice("ana@example.org", v)
	},
	"denial": func(f *filler) (mail.Message, error) {
		var v mail.DenialNotice
		f.fill(&v)
		return mail.RenderDenialNotice("ana@example.org", v)
	},
	"answer": func(f *filler) (mail.Message, error) {
		var v mail.Answer
		f.fill(&v)
		return mail.RenderAnswer("ana@example.org", v)
	},
	"unclear": func(f *filler) (mail.Message, error) {
		var v mail.UnclearReply
		f.fill(&v)
		return mail.RenderUnclearReply("ana@example.org", v)
	},
	"unreadable": func(f *filler) (mail.Message, error) {
		var v mail.UnreadableReply
		f.fill(&v)
		return mail.RenderUnreadableReply("ana@example.org", v)
	},
	"agent": func(f *filler) (mail.Message, error) {
		var v mail.AgentAcknowledgement
		f.fill(&v)
		return mail.RenderAgentAcknowledgement("ana@example.org", v)
	},
	"attention": func(f *filler) (mail.Message, error) {
		var v mail.Attention
		f.fill(&v)
		return mail.RenderAttention("privacy@example.org", v)
	},
	"digest": func(f *filler) (mail.Message, error) {
		var v mail.Digest
		f.fill(&v)
		return mail.RenderDigest("privacy@example.org", v)
	},
	"owner-task": func(f *filler) (mail.Message, error) {
		var v mail.OwnerTask
		f.fill(&v)
		return mail.RenderOwnerTask("owner@example.org", "privacy@example.org", v)
	},
	"owner-reminder": func(f *filler) (mail.Message, error) {
		var v mail.OwnerReminder
		f.fill(&v)
		return mail.RenderOwnerReminder("owner@example.org", "privacy@example.org", v)
	},
	"owner-digest": func(f *filler) (mail.Message, error) {
		var v mail.OwnerDigest
		f.fill(&v)
		return mail.RenderOwnerDigest("owner@example.org", "privacy@example.org", v)
	},
	"deadline-reminder": func(f *filler) (mail.Message, error) {
		var v mail.DeadlineReminder
		f.fill(&v)
		return mail.RenderDeadlineReminder("privacy@example.org", v)
	},
	"reply-notice": func(f *filler) (mail.Message, error) {
		var v mail.ReplyNotice
		f.fill(&v)
		return mail.RenderReplyNotice("privacy@example.org", v)
	},
	"unusable-sender": func(f *filler) (mail.Message, error) {
		var v mail.UnusableSenderNotice
		f.fill(&v)
		return mail.RenderUnusableSenderNotice("privacy@example.org", v)
	},
	"team-notice": func(f *filler) (mail.Message, error) {
		var v mail.TeamNotice
		f.fill(&v)
		return mail.RenderTeamNotice("privacy@example.org", v)
	},
}

// seeds is how many variations of each view are rendered in each
// language: 32 give every boolean both values in each combination of
// four, and walk the enums.
const seeds = 32

// TestEveryMailFieldIsEscapedAndOneLine fills every string field of every
// mail's view with markup, quotes, an ampersand, CR/LF, NUL and a
// right-to-left override, each with its own marker, across 32 variations
// of each view (booleans both ways, enums over their real values, both
// languages). It proves that the HTML part writes every value escaped (no
// raw markup, and the markers found escaped), and that the text part
// carries no CR, NUL or override and no line a value started: requester
// values are cleaned to one line. It also proves most fields are written
// at all, and logs the ones no render wrote.
func TestEveryMailFieldIsEscapedAndOneLine(t *testing.T) {
	written := map[string]bool{} // field paths some render wrote escaped
	filled := map[string]bool{}  // every field path filled
	names := make([]string, 0, len(hostileMails))
	for name := range hostileMails {
		names = append(names, name)
	}
	sort.Strings(names)
	renders := 0
	for _, name := range names {
		for seed := range 2 * seeds {
			lang := []string{"en", "es"}[seed/seeds]
			t.Run(fmt.Sprintf("%s/%s/%d", name, lang, seed%seeds), func(t *testing.T) {
				f := newMailFiller(seed % seeds)
				f.named["*.Language"] = []string{lang}
				m, err := hostileMails[name](f)
				require.NoError(t, err)
				renders++
				for _, path := range f.fields {
					filled[path] = true
				}

				for _, n := range markersIn(m.HTML) {
					require.Contains(t, f.fields, n, "marker %d names no field", n)
					written[f.fields[n]] = true
				}
				assert.NotContains(t, m.HTML, rawMarkup, "a value is written raw in the HTML part: %s", rawFields(m.HTML, f))
				assert.Empty(t, rawAmpersand.FindAllString(m.HTML, -1), "an ampersand is written raw")
				assert.NotEmpty(t, markersIn(m.HTML), "the HTML part writes no field")

				assert.Empty(t, uncleanFields(m.Text, f), "values not cleaned to one line in the text part")
				assert.NotContains(t, m.Subject, "\r")
				assert.NotContains(t, m.Subject, "\n")
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

// rawFields names the fields whose markup html carries raw.
func rawFields(html string, f *filler) string {
	var out []string
	for _, m := range regexp.MustCompile(`<b id="F(\d+)"`).FindAllStringSubmatch(html, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, f.fields[n])
	}
	return strings.Join(slices.Compact(out), ", ")
}

// uncleanFields names the fields, with what is wrong, whose value the
// text part carries with a CR, a NUL or a right-to-left override, or
// starting a line of its own.
func uncleanFields(text string, f *filler) []string {
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
		found := markerNumber.FindAllStringSubmatch(line, -1)
		if len(found) == 0 && i > 0 {
			found = markerNumber.FindAllStringSubmatch(lines[i-1], -1)
		}
		names := []string{}
		for _, m := range found {
			n, _ := strconv.Atoi(m[1])
			names = append(names, f.fields[n])
		}
		slices.Sort(names)
		out = append(out, fmt.Sprintf("%s: %s", strings.Join(slices.Compact(names), ", "), strings.Join(wrong, ", ")))
	}
	return slices.Compact(out)
}

// markerNumber finds a marker as the text part writes it.
var markerNumber = regexp.MustCompile(`(?:F|INJ)(\d+)`)
