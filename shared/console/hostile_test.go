package console

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/valyala/quicktemplate"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/standin/hostile"
)

// teamActions are the actions of a request's page.
var teamActions = []string{ActionSendHeldBack, ActionSetKinds, ActionExtend, ActionDeny, ActionWithdraw, ActionResendLink, ActionRerun,
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
func newConsoleFiller(seed int) *hostile.Filler {
	return &hostile.Filler{
		Seed:  seed,
		Enums: hostile.RequestEnums(),
		Named: map[string][]string{
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
				request.ActionVerified, request.ActionTaskMailed, request.ActionNote, request.ActionAnswered, hostile.Choice},
			"Event.Data[key]": {"mail", "to", "bounceType", "bounceSubType", "complaintType", "system", "subject", "failed",
				"messageId"},
		},
	}
}

// consolePages fill each page's view and write it, the layout included,
// for a layout's view the filler filled too.
var consolePages = map[string]func(f *hostile.Filler) string{
	"action":    func(f *hostile.Filler) string { var p actionView; f.Fill(&p); return renderHostile(f, &p) },
	"message":   func(f *hostile.Filler) string { var p messageView; f.Fill(&p); return renderHostile(f, &p) },
	"refused":   func(f *hostile.Filler) string { var p refusedView; f.Fill(&p); return renderHostile(f, &p) },
	"signed-in": func(f *hostile.Filler) string { var p signedInView; f.Fill(&p); return renderHostile(f, &p) },
	"metrics":   func(f *hostile.Filler) string { var p metricsView; f.Fill(&p); return renderHostile(f, &p) },
	"request":   func(f *hostile.Filler) string { var p RequestView; f.Fill(&p); return renderHostile(f, &p) },
	"work-list": func(f *hostile.Filler) string { var p workListView; f.Fill(&p); return renderHostile(f, &p) },
}

// renderHostile writes page body with a filled layout view.
func renderHostile(f *hostile.Filler, body pageBody) string {
	var v view
	f.Fill(&v)
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
	var cov hostile.Coverage
	names := slices.Sorted(maps.Keys(consolePages))
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
					f.Named["actionView.Action"] = []string{teamActions[seed%len(teamActions)]}
				}
				cov.CheckHTML(t, f, consolePages[name](f))
			})
		}
	}
	written, filled := cov.Report(t)
	assert.Greater(t, written, 2*filled/3, "most fields are written")
}
