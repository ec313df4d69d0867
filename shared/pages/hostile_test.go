package pages_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/pages"
	"github.com/productionflow/privacy-desk/shared/standin/hostile"
	"github.com/productionflow/privacy-desk/shared/status"
)

// formFields are the request form's field names, as its errors name them.
var formFields = []string{"kinds", "name", "email", "phone", "address", "company", "relationship", "state", "agentName",
	"agentEmail", "child", "childName", "childEmail", "childAccount", "corrections", "details", "declaration",
	"submissionId", "priority", "channel"}

// newPageFiller is a filler with the pages' enums.
func newPageFiller(seed int) *hostile.Filler {
	relationships := []string{"customer", "former-customer", "supplier", "job-applicant", "website-visitor", "employee", "other"}
	states := []string{"CA", "NY", "TX", "outside-us"}
	return &hostile.Filler{
		Seed:  seed,
		Enums: hostile.RequestEnums(),
		Named: map[string][]string{
			"View.Lang":               pages.Languages,
			"*.Language":              pages.Languages,
			"Form.Relationships":      relationships,
			"FormValues.Relationship": append(slices.Clone(relationships), hostile.Choice),
			"Form.States":             states,
			"FormValues.State":        append(slices.Clone(states), hostile.Choice),
			"Form.Errors[key]":        formFields,
			"FieldError.Field":        append(slices.Clone(formFields), hostile.Choice),
			"FieldError.Part":         {"item", "wrong", "right"},
			"Field.Type":              {"text", "email", "tel"},
			"Task.Action":             {"find", "erase", "export", "correct", "suppress", "optOut", hostile.Choice},
			"Task.Problem":            {"too-long", "needs-file", "file-and-nothing", "needs-reason", "file-type", "choose", ""},
			"Task.State":              {"done", "nothing-held", "cannot"},
		},
	}
}

// pageData fills the data each page shows; a page not named here shows
// nothing of its own, and gets nil.
var pageData = map[string]func(f *hostile.Filler) any{
	"form":                 func(f *hostile.Filler) any { var d pages.Form; f.Fill(&d); return d },
	"receipt":              func(f *hostile.Filler) any { var d pages.Submitted; f.Fill(&d); return d },
	"request-capped":       func(f *hostile.Filler) any { var d pages.Submitted; f.Fill(&d); return d },
	"request-already-open": func(f *hostile.Filler) any { var d pages.Submitted; f.Fill(&d); return d },
	"verify":               func(f *hostile.Filler) any { var d pages.Verify; f.Fill(&d); return d },
	"withdraw-confirm":     func(f *hostile.Filler) any { var d pages.Withdraw; f.Fill(&d); return d },
	"withdrawn":            func(f *hostile.Filler) any { var d pages.Withdraw; f.Fill(&d); return d },
	"withdraw-refused":     func(f *hostile.Filler) any { var d pages.Withdraw; f.Fill(&d); return d },
	"verified":             func(f *hostile.Filler) any { var d pages.Verified; f.Fill(&d); return d },
	"download":             func(f *hostile.Filler) any { var d pages.Download; f.Fill(&d); return d },
	"link-expired":         func(f *hostile.Filler) any { var d pages.Link; f.Fill(&d); return d },
	"request-closed":       func(f *hostile.Filler) any { var d pages.Link; f.Fill(&d); return d },
	"download-used":        func(f *hostile.Filler) any { var d pages.Link; f.Fill(&d); return d },
	"download-expired":     func(f *hostile.Filler) any { var d pages.Link; f.Fill(&d); return d },
	"status":               func(f *hostile.Filler) any { var d status.View; f.Fill(&d); return d },
	"task":                 func(f *hostile.Filler) any { var d pages.Task; f.Fill(&d); return d },
	"task-answered":        func(f *hostile.Filler) any { var d pages.Task; f.Fill(&d); return d },
	"task-too-large":       func(f *hostile.Filler) any { var d pages.Task; f.Fill(&d); return d },
}

// seeds is how many variations of each page are rendered in each
// language: 32 give every boolean both values in each combination of four,
// and walk the enums.
const seeds = 32

// TestEveryPageFieldIsEscaped renders every page (pages.Names) in 32
// variations, with every string of its View (the layout's: Root, Other,
// Team) and of its Data (the page's struct, nested structs, slices,
// pointers and maps included: a receipt's whole request.Request) set to
// markup with quotes and an ampersand, each with its own marker; enums
// (kinds, statuses, languages, relationships, states, field names,
// problems, answers) walk their real values and booleans take both. It
// proves that no value reaches a page as markup, that every render writes
// some value escaped, and that most fields are written at all; it logs the
// fields no render wrote.
func TestEveryPageFieldIsEscaped(t *testing.T) {
	var cov hostile.Coverage
	for _, name := range pages.Names() {
		for seed := range len(pages.Languages) * seeds {
			lang := pages.Languages[seed/seeds]
			t.Run(fmt.Sprintf("%s/%s/%d", name, lang, seed%seeds), func(t *testing.T) {
				f := newPageFiller(seed % seeds)
				var v pages.View
				f.Fill(&v)
				v.Lang = lang
				v.Data = nil
				if data, ok := pageData[name]; ok {
					v.Data = data(f)
				}
				var buf bytes.Buffer
				require.NoError(t, pages.Execute(&buf, name, v))
				cov.CheckHTML(t, f, buf.String())
			})
		}
	}
	written, filled := cov.Report(t)
	assert.Greater(t, written, filled/2, "most fields are written")
}
