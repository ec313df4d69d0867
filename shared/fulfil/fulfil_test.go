package fulfil_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
	"github.com/productionflow/privacy-desk/shared/token"
)

func refs(steps []fulfil.StepRef) []string {
	var out []string
	for _, s := range steps {
		x := s.System + " " + string(s.Action)
		if s.Manual {
			x += " (manual)"
		}
		out = append(out, x)
	}
	return out
}

func TestPlanPerKind(t *testing.T) {
	tests := []struct {
		name          string
		kinds         []request.Kind
		steps         []string
		notApplicable []string
	}{
		{
			name:  "deletion erases everywhere and withholds the held",
			kinds: []request.Kind{request.Deletion},
			steps: []string{"customer-accounts erase", "payments erase", "google-analytics erase", "support-desk erase",
				"marketing-list erase", "credit-factoring erase"},
			notApplicable: []string{},
		},
		{
			name:          "access exports from every system that exports",
			kinds:         []request.Kind{request.AccessCategories},
			steps:         []string{"customer-accounts export", "payments export", "support-desk export", "marketing-list export", "credit-factoring export"},
			notApplicable: []string{"google-analytics"},
		},
		{
			name:          "portability and access together plan each export once",
			kinds:         []request.Kind{request.Portability, request.AccessSpecific},
			steps:         []string{"customer-accounts export", "payments export", "support-desk export", "marketing-list export", "credit-factoring export"},
			notApplicable: []string{"google-analytics"},
		},
		{
			name:          "marketing opt-out unsubscribes from the marketing list only, never the account-wide suppression list",
			kinds:         []request.Kind{request.OptOutMarketing},
			steps:         []string{"marketing-list suppress"},
			notApplicable: []string{"customer-accounts", "payments", "google-analytics", "support-desk", "credit-factoring"},
		},
		{
			// Google Analytics has no per-user opt-out, only a deletion,
			// which an unverified opt-out must never reach.
			name:          "opt-out of sale reaches every system that can stop selling or sharing, and erases nothing",
			kinds:         []request.Kind{request.OptOutSale},
			steps:         []string{"credit-factoring optOut"},
			notApplicable: []string{"customer-accounts", "payments", "google-analytics", "support-desk", "marketing-list"},
		},
		{
			name:          "correction goes to the accounts API with the requester's items",
			kinds:         []request.Kind{request.Correction},
			steps:         []string{"customer-accounts correct"},
			notApplicable: []string{"payments", "google-analytics", "support-desk", "marketing-list", "credit-factoring"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.kinds...)
			out, err := e.svc.Plan(context.Background(), fulfil.PlanInput{RequestID: "PR-1"})
			require.NoError(t, err)
			assert.Equal(t, tt.steps, refs(out.Steps))
			assert.Empty(t, out.Manual, "the built-in registry has no owner's task")
			assert.Equal(t, tt.notApplicable, out.NotApplicable)
			for _, s := range out.Steps {
				assert.Equal(t, "PR-1", s.RequestID)
			}
			assert.Equal(t, request.InProgress, e.store.status("PR-1"))

			// The plan is the workflow's state: no personal data in it.
			b, err := json.Marshal(out)
			require.NoError(t, err)
			assert.NotContains(t, string(b), janeEmail)
			assert.NotContains(t, string(b), "Jane")
		})
	}
}

func TestPlanIsIdempotentAndRefusesOtherStates(t *testing.T) {
	e := newEnv(t, request.Deletion)
	ctx := context.Background()
	first, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	again, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	assert.Equal(t, first, again)
	assert.Equal(t, []string{"status:in-progress"}, e.store.actions("PR-1"))

	for _, st := range []request.Status{request.Verifying, request.Completed, request.Withdrawn} {
		t.Run(string(st), func(t *testing.T) {
			r := e.store.requests["PR-1"]
			r.Status = st
			e.store.requests["PR-1"] = r
			_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
			var se *fulfil.RequestStateError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, st, se.Status)
		})
	}
	t.Run("unknown request", func(t *testing.T) {
		_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-nope"})
		var se *fulfil.RequestStateError
		require.ErrorAs(t, err, &se)
	})
	t.Run("store down is transient", func(t *testing.T) {
		e.store.failGet = errors.New("ProvisionedThroughputExceededException")
		defer func() { e.store.failGet = nil }()
		_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
		var te *fulfil.TransientError
		require.ErrorAs(t, err, &te)
		assert.NotContains(t, err.Error(), "Throughput", "the message names the operation only")
	})
}

func TestStep(t *testing.T) {
	ctx := context.Background()
	t.Run("erase is proven and recorded", func(t *testing.T) {
		e := newEnv(t, request.Deletion)
		out, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "customer-accounts", Action: system.Erase})
		require.NoError(t, err)
		assert.Equal(t, mail.OutcomeErased, out.Outcome)
		assert.Equal(t, []string{"customer-accounts erase", "customer-accounts find"}, e.systems.calls)
		assert.Equal(t, []string{connector.ActionErasureProof, fulfil.ActionStepDone}, e.store.actions("PR-1"))
	})
	t.Run("a system that cannot be asked: the trail does not say it held the person", func(t *testing.T) {
		e := newEnv(t, request.Deletion)
		out, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "google-analytics", Action: system.Erase})
		require.NoError(t, err)
		assert.Equal(t, mail.OutcomeErasedAsk, out.Outcome)
		var step request.Event
		for _, ev := range e.store.events {
			if ev.Action == fulfil.ActionStepDone {
				step = ev
			}
		}
		assert.Equal(t, "unknown", step.Data["found"], "its deletion was accepted; whether it held them is not known")
	})
	t.Run("a system under legal hold is asked only whether it holds the person, and its holds are recorded", func(t *testing.T) {
		e := newEnv(t, request.Deletion)
		out, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "credit-factoring", Action: system.Erase})
		require.NoError(t, err)
		assert.Equal(t, mail.OutcomeWithheld, out.Outcome)
		assert.Equal(t, []string{"credit-history", "invoices", "debtor-record"}, out.Withheld)
		assert.Equal(t, []string{"credit-factoring find"}, e.systems.calls)
		assert.Equal(t, []string{connector.ActionErasureWithheld, connector.ActionErasureWithheld, connector.ActionErasureWithheld, fulfil.ActionStepDone}, e.store.actions("PR-1"))
	})
	t.Run("a retried erase that finds nobody keeps what the holds kept", func(t *testing.T) {
		// The first attempt erased, then failed on its proof: this one finds
		// nobody, but the held charges were kept all along.
		e := newEnv(t, request.Deletion)
		e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
			return &connector.Result{System: sys.Name, Action: a, Status: 404, At: t0}, nil
		}
		out, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "payments", Action: system.Erase, Retried: true})
		require.NoError(t, err)
		assert.Equal(t, mail.OutcomeErasedKept, out.Outcome)
		assert.Equal(t, []string{"charges"}, out.Withheld)
		assert.Contains(t, e.store.actions("PR-1"), connector.ActionErasureWithheld)
	})
	t.Run("where the person is not, nothing is kept", func(t *testing.T) {
		for _, sys := range []string{"credit-factoring", "payments"} {
			e := newEnv(t, request.Deletion)
			e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
				return &connector.Result{System: sys.Name, Action: a, Status: 404, At: t0}, nil
			}
			out, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: sys, Action: system.Erase})
			require.NoError(t, err, sys)
			assert.Equal(t, mail.OutcomeNotFound, out.Outcome, sys)
			assert.Empty(t, out.Withheld, sys)
			assert.NotContains(t, e.store.actions("PR-1"), connector.ActionErasureWithheld, sys)
		}
	})
	t.Run("a system still finding the person fails unwrapped", func(t *testing.T) {
		e := newEnv(t, request.Deletion)
		e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
			return &connector.Result{System: sys.Name, Action: a, Found: true, Status: 200, At: t0}, nil
		}
		_, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "payments", Action: system.Erase})
		_, ok := err.(*connector.ErasureNotProvenError)
		require.True(t, ok, "got %T", err)
	})
	t.Run("connector errors come back unwrapped", func(t *testing.T) {
		for _, want := range []error{
			&connector.RetryableError{System: "payments", Action: system.Export, Status: 503},
			&connector.PermanentError{System: "payments", Action: system.Export, Status: 403},
		} {
			e := newEnv(t, request.AccessCategories)
			e.systems.do = func(*system.System, system.Action) (*connector.Result, error) { return nil, want }
			_, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "payments", Action: system.Export})
			assert.Same(t, want, err)
			assert.Empty(t, e.store.actions("PR-1"), "a failed attempt leaves nothing to duplicate on retry")
		}
	})
	t.Run("export goes to the part store, not the workflow", func(t *testing.T) {
		e := newEnv(t, request.AccessSpecific)
		in := fulfil.StepInput{RequestID: "PR-1", System: "customer-accounts", Action: system.Export}
		out, err := e.svc.Step(ctx, in)
		require.NoError(t, err)
		again, err := e.svc.Step(ctx, in)
		require.NoError(t, err, "a retried export overwrites its part")
		assert.Equal(t, out, again)
		assert.Equal(t, mail.OutcomeExported, out.Outcome)
		part, err := e.parts.part(ctx, "PR-1", "customer-accounts")
		require.NoError(t, err)
		assert.Contains(t, string(part.Data["identifiers"][0]), janeEmail)
		b, _ := json.Marshal(out)
		assert.NotContains(t, string(b), janeEmail)
	})
	t.Run("a correction carries what to correct to the system", func(t *testing.T) {
		e := newEnv(t, request.Correction)
		r := e.store.requests["PR-1"]
		r.Corrections = []request.CorrectionItem{{Item: "Postal address", Wrong: "1 Old Rd", Right: "2 New St"}}
		e.store.requests["PR-1"] = r
		out, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "customer-accounts", Action: system.Correct})
		require.NoError(t, err)
		assert.Equal(t, mail.OutcomeCorrected, out.Outcome)
		require.Len(t, e.systems.persons, 1)
		assert.Equal(t, r.Corrections, e.systems.persons[0].Corrections)
		assert.Equal(t, janeEmail, e.systems.persons[0].Email)
	})
	t.Run("a manual action is an owner's task, never a step", func(t *testing.T) {
		e := newEnv(t, request.Correction)
		e.svc.Registry = registryFor(t, "http://127.0.0.1:1")
		_, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "analytics", Action: system.Correct})
		_, ok := err.(*connector.PermanentError)
		require.True(t, ok, "got %T", err)
		assert.Empty(t, e.owners.sent)
	})
	t.Run("unknown system is permanent", func(t *testing.T) {
		e := newEnv(t, request.Deletion)
		_, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "nope", Action: system.Erase})
		_, ok := err.(*connector.PermanentError)
		require.True(t, ok, "got %T", err)
	})
	t.Run("a closed request is skipped", func(t *testing.T) {
		e := newEnv(t, request.Deletion)
		r := e.store.requests["PR-1"]
		r.Status = request.Withdrawn
		e.store.requests["PR-1"] = r
		out, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "payments", Action: system.Erase})
		require.NoError(t, err)
		assert.Equal(t, "skipped", out.Outcome)
		assert.Empty(t, e.systems.calls)
	})
}

// runAll plans and runs every step the way the workflow does, turning
// caught errors into failed results.
func runAll(t *testing.T, e *env) []fulfil.StepResult {
	t.Helper()
	ctx := context.Background()
	plan, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	var results []fulfil.StepResult
	for _, s := range plan.Steps {
		out, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: s.RequestID, System: s.System, Action: s.Action})
		if err != nil {
			name := typeName(err)
			results = append(results, fulfil.StepResult{System: s.System, Action: s.Action, Failed: true, Error: &fulfil.StepError{Error: name, Cause: err.Error()}})
			continue
		}
		results = append(results, fulfil.StepResult{System: out.System, Action: out.Action, Outcome: out.Outcome, Withheld: out.Withheld})
	}
	return results
}

// typeName is the error's Go type name, as aws-lambda-go reports it.
func typeName(err error) string {
	name := fmt.Sprintf("%T", err)
	return name[strings.LastIndex(name, ".")+1:]
}

func TestAnswer(t *testing.T) {
	ctx := context.Background()
	t.Run("deletion done everywhere: answered with the holds, completed, once", func(t *testing.T) {
		e := newEnv(t, request.Deletion)
		results := runAll(t, e)
		out, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: results})
		require.NoError(t, err)
		assert.True(t, out.Completed)
		assert.Equal(t, request.Completed, e.store.status("PR-1"))
		require.Len(t, e.mail.sent, 1)
		m := e.mail.sent[0]
		assert.Equal(t, []string{janeEmail}, m.To)
		assert.Contains(t, m.Text, "Equal Credit Opportunity Act record retention (12 CFR 1002.12)")
		assert.Contains(t, m.Text, "Invoices and factoring records are financial records we must keep.")
		assert.Contains(t, m.Text, "Payment processor (Stripe): deleted, but for what the law makes us keep (below); we checked afterwards and it holds nothing else about you")
		assert.Contains(t, m.HTML, "What we kept, and why")

		again, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: results})
		require.NoError(t, err)
		assert.True(t, again.Completed)
		assert.Len(t, e.mail.sent, 1, "a retried answer sends nothing again")
	})
	t.Run("a failed system: the team is told, the request stays in progress", func(t *testing.T) {
		e := newEnv(t, request.Deletion)
		e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
			return &connector.Result{System: sys.Name, Action: a, Found: sys.Name == "support-desk", Status: 200, At: t0}, nil
		}
		results := runAll(t, e)
		out, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: results})
		require.NoError(t, err)
		assert.True(t, out.NeedsAttention)
		assert.False(t, out.Completed)
		assert.Equal(t, []string{"support-desk/erase"}, out.Failed)
		assert.Equal(t, request.InProgress, e.store.status("PR-1"))
		require.Len(t, e.mail.sent, 1)
		m := e.mail.sent[0]
		assert.Equal(t, []string{team}, m.To)
		assert.Contains(t, m.Text, "support-desk (erase): ErasureNotProvenError")
		assert.NotContains(t, m.Text, janeEmail)
		assert.Contains(t, e.store.actions("PR-1"), fulfil.ActionNeedsAttention)
		assert.NotContains(t, e.store.actions("PR-1"), fulfil.ActionAnswered)
		events, err := e.store.Events(ctx, "PR-1")
		require.NoError(t, err)
		for _, ev := range events {
			if ev.Action == fulfil.ActionNeedsAttention {
				assert.NotEmpty(t, ev.Data["messageId"], "the team's mail is named, so its bounce finds it")
			}
		}
	})
	t.Run("access: the mail carries a link, never the data", func(t *testing.T) {
		e := newEnv(t, request.AccessSpecific)
		r := e.store.requests["PR-1"]
		r.Language = "es"
		e.store.requests["PR-1"] = r
		results := runAll(t, e)
		_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: results})
		require.NoError(t, err)
		require.Len(t, e.packages.packages, 1)
		assert.Len(t, e.packages.packages[0].Systems, 5)
		require.Len(t, e.mail.sent, 1)
		m := e.mail.sent[0]
		link := regexp.MustCompile(regexp.QuoteMeta(downloadPage) + `\?t=([A-Za-z0-9_-]{43})\b`).FindStringSubmatch(m.Text)
		require.NotNil(t, link, "the mail carries the desk's download page:\n%s", m.Text)
		assert.NotContains(t, m.Text, "X-Amz-", "no presigned S3 link in the mail")
		assert.NotContains(t, link[0], "PR-1", "the link names nothing but the token")
		hash, err := token.Hash(link[1])
		require.NoError(t, err)
		rec, err := e.tokens.Get(ctx, hash)
		require.NoError(t, err, "the mailed token is stored (by its hash)")
		assert.Equal(t, token.Download, rec.Purpose)
		assert.Equal(t, "PR-1", rec.RequestID)
		assert.Equal(t, t0.Add(7*24*time.Hour), rec.ExpiresAt, "the link works 7 days")
		assert.False(t, rec.Used)
		assert.Equal(t, map[string]string{"key": "exports/PR-1/access.zip"}, rec.Data)
		assert.Contains(t, m.Subject, "Su solicitud de privacidad")
		assert.Contains(t, m.Text, "Google Analytics")
		assert.NotContains(t, m.Text, `"email"`)
		for _, ev := range e.store.events {
			for _, v := range ev.Data {
				assert.NotContains(t, v, link[1], "the bearer link is not kept on the trail")
			}
		}
	})
	t.Run("mail down is transient and retried without a second package", func(t *testing.T) {
		e := newEnv(t, request.AccessSpecific)
		results := runAll(t, e)
		e.mail.fail = 1
		_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: results})
		var te *fulfil.TransientError
		require.ErrorAs(t, err, &te)
		_, err = e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: results})
		require.NoError(t, err)
		assert.Len(t, e.packages.packages, 1)
		require.Len(t, e.mail.sent, 1)
		assert.Contains(t, e.mail.sent[0].Text, downloadPage+"?t=", "the second attempt mails a link to the same package")
		assert.NotContains(t, e.logs.String(), "?t=", "no token in the logs")
	})
}

func TestFulfilmentNeedsVerification(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		kinds  []request.Kind
		status request.Status
		trail  []string // actions already on the trail
		ok     bool
	}{
		{"verified", []request.Kind{request.Deletion}, request.Verified, nil, true},
		{"in progress after verification", []request.Kind{request.Deletion}, request.InProgress, []string{"verified"}, true},
		{"extended after verification", []request.Kind{request.AccessCategories}, request.Extended, []string{"verified"}, true},
		{"in progress by hand, never verified", []request.Kind{request.Deletion}, request.InProgress, []string{"acknowledged"}, false},
		{"extended, never verified", []request.Kind{request.AccessSpecific}, request.Extended, nil, false},
		{"acknowledged deletion", []request.Kind{request.Deletion}, request.Acknowledged, nil, false},
		{"still verifying", []request.Kind{request.Deletion}, request.Verifying, nil, false},
		{"only opt-outs need no verification", []request.Kind{request.OptOutMarketing, request.OptOutSale}, request.Acknowledged, nil, true},
		{"opt-outs, new", []request.Kind{request.OptOutSale}, request.Received, nil, true},
		{"an opt-out with a deletion is verified first", []request.Kind{request.OptOutSale, request.Deletion}, request.Acknowledged, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.kinds...)
			r := e.store.requests["PR-1"]
			r.Status = tt.status
			e.store.requests["PR-1"] = r
			for _, a := range tt.trail {
				require.NoError(t, e.store.AppendEvent(ctx, request.Event{RequestID: "PR-1", At: t0, Action: a}))
			}
			out, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
			if !tt.ok {
				var se *fulfil.RequestStateError
				require.ErrorAs(t, err, &se)
				assert.Equal(t, tt.status, e.store.status("PR-1"), "nothing changed")
				return
			}
			require.NoError(t, err)
			assert.NotEmpty(t, out.Steps)
			want := request.InProgress
			if tt.status == request.Extended {
				want = request.Extended // the team's extension stands
			}
			assert.Equal(t, want, e.store.status("PR-1"))
			again, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
			require.NoError(t, err, "a repeated plan is accepted")
			assert.Equal(t, out, again)
		})
	}
	t.Run("a step refuses a request that is not being fulfilled", func(t *testing.T) {
		e := newEnv(t, request.Deletion)
		r := e.store.requests["PR-1"]
		r.Status = request.Verifying
		e.store.requests["PR-1"] = r
		_, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "payments", Action: system.Erase})
		_, ok := err.(*fulfil.RequestStateError)
		require.True(t, ok, "got %T", err)
		assert.Empty(t, e.systems.calls, "nothing erased")
	})
}

func TestAnswerAClosedRequest(t *testing.T) {
	ctx := context.Background()
	for _, st := range []request.Status{request.Withdrawn, request.Denied} {
		t.Run(string(st), func(t *testing.T) {
			e := newEnv(t, request.Deletion)
			plan, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
			require.NoError(t, err)
			require.NoError(t, e.store.SetStatus(ctx, "PR-1", request.InProgress, st, t0))
			var results []fulfil.StepResult
			for _, s := range plan.Steps {
				out, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: s.System, Action: s.Action})
				require.NoError(t, err)
				results = append(results, fulfil.StepResult{System: out.System, Action: out.Action, Outcome: out.Outcome})
			}
			out, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: results})
			require.NoError(t, err)
			assert.Equal(t, string(st), out.Skipped)
			assert.False(t, out.Completed)
			assert.Empty(t, e.mail.sent, "nobody is told it was done")
			assert.Equal(t, st, e.store.status("PR-1"), "not completed")
			assert.Empty(t, e.systems.calls)
		})
	}
	t.Run("what its exports gathered is deleted", func(t *testing.T) {
		e := newEnv(t, request.AccessSpecific)
		_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
		require.NoError(t, err)
		require.NoError(t, e.parts.Put(ctx, "PR-1", "customer-accounts", []byte(`{"System":"customer-accounts","Found":true}`)))
		require.NoError(t, e.store.SetStatus(ctx, "PR-1", request.InProgress, request.Withdrawn, t0))
		out, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: []fulfil.StepResult{
			{System: "customer-accounts", Action: system.Export, Outcome: "exported", Found: true}}})
		require.NoError(t, err)
		assert.Equal(t, string(request.Withdrawn), out.Skipped)
		kept, err := e.parts.Kept(ctx, "PR-1", "customer-accounts")
		require.NoError(t, err)
		assert.False(t, kept, "a copy sent to nobody is not kept")
	})
}

func TestAnswerAFailedStageTellsTheTeam(t *testing.T) {
	ctx := context.Background()
	for _, stage := range []string{"plan", "answer", "verification"} {
		t.Run(stage, func(t *testing.T) {
			e := newEnv(t, request.Deletion)
			if stage == "answer" {
				_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
				require.NoError(t, err)
			}
			workflow := "fulfil"
			if stage == "verification" {
				workflow = "request"
			}
			in := fulfil.AnswerInput{RequestID: "PR-1", Results: []fulfil.StepResult{}, Workflow: workflow, Stage: stage,
				Failure: &fulfil.StepError{Error: "TransientError", Cause: `{"errorMessage":"transient: request PR-1: send answer failed"}`}}
			for range 2 { // a retry tells the team once
				out, err := e.svc.Answer(ctx, in)
				require.NoError(t, err)
				assert.True(t, out.NeedsAttention)
				assert.False(t, out.Completed)
			}
			require.Len(t, e.mail.sent, 1)
			assert.Equal(t, []string{team}, e.mail.sent[0].To)
			assert.Contains(t, e.mail.sent[0].Text, "TransientError")
			if stage == "verification" {
				assert.Contains(t, e.mail.sent[0].Text, "the request workflow", "the team is told which workflow is stuck")
			} else {
				assert.Contains(t, e.mail.sent[0].Text, "the fulfil workflow")
			}
			assert.Contains(t, e.store.actions("PR-1"), fulfil.ActionStageFailed)
			assert.NotEqual(t, request.Completed, e.store.status("PR-1"))
		})
	}
}

func TestNoPersonalDataInLogs(t *testing.T) {
	e := newEnv(t, request.Deletion, request.AccessCategories)
	results := runAll(t, e)
	_, err := e.svc.Answer(context.Background(), fulfil.AnswerInput{RequestID: "PR-1", Results: results})
	require.NoError(t, err)
	require.NotEmpty(t, e.logs.String())
	assert.NotContains(t, e.logs.String(), janeEmail)
	assert.NotContains(t, e.logs.String(), "Jane")
}

func TestAnswerNamesEachSystemOnceInTheRequestsLanguage(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		lang        string
		want        []string
		html        []string
		notWant     []string
		newsletter  string
		credit      string
		accessTitle string
	}{
		{
			lang: "en",
			want: []string{
				"  - Newsletter list: deleted; we checked afterwards and it no longer holds your data; also you will get no more marketing mail\n",
				"  - Credit checks and invoice factoring: kept under a legal hold (see below)\n",
				"  - Credit checks and invoice factoring, credit checks and credit decisions: Credit decisions must be kept",
				"  - Payment processor (Stripe), payments and refunds: Payment records are kept for tax and accounting. (Internal Revenue Code record-keeping (26 U.S.C. § 6001))",
			},
			html:       []string{"<li><strong>Newsletter list</strong>: deleted; we checked afterwards and it no longer holds your data; also you will get no more marketing mail</li>"},
			newsletter: "Newsletter list:", credit: "Credit checks and invoice factoring:",
		},
		{
			lang: "es",
			want: []string{
				"  - Lista del boletín: eliminados; lo comprobamos después y ya no guarda sus datos; además, no recibirá más correo de marketing\n",
				"  - Consultas de crédito y factoring de facturas: conservado por una obligación legal (ver abajo)\n",
				"  - Consultas de crédito y factoring de facturas, consultas de crédito y decisiones de crédito: Las decisiones de crédito deben conservarse",
				"  - Procesador de pagos (Stripe), pagos y reembolsos: Los registros de pagos se conservan por obligaciones fiscales y contables. (Obligación de conservar registros del Código de Rentas Internas de EE. UU. (26 U.S.C. § 6001)) Se conserva hasta: 7 años después del pago.",
				"  - Cuentas de cliente: eliminados",
			},
			html:       []string{"<li><strong>Lista del boletín</strong>: eliminados; lo comprobamos después y ya no guarda sus datos; además, no recibirá más correo de marketing</li>"},
			notWant:    []string{"Newsletter list", "Payment records are kept", "Customer accounts", "deleted", "record-keeping", "years after"},
			newsletter: "Lista del boletín:", credit: "Consultas de crédito y factoring de facturas:",
		},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			e := newEnv(t, request.Deletion, request.OptOutMarketing)
			r := e.store.requests["PR-1"]
			r.Language = tt.lang
			e.store.requests["PR-1"] = r
			results := runAll(t, e)
			steps := 0
			for _, res := range results {
				if res.System == "marketing-list" {
					steps++
				}
			}
			require.Equal(t, 2, steps, "the newsletter list is erased and suppressed: two steps")
			_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: results})
			require.NoError(t, err)
			require.Len(t, e.mail.sent, 1)
			m := e.mail.sent[0]
			assert.Equal(t, 1, strings.Count(m.Text, tt.newsletter), "each system is named once:\n%s", m.Text)
			assert.Equal(t, 1, strings.Count(m.Text, tt.credit), "each system is named once:\n%s", m.Text)
			for _, w := range tt.want {
				assert.Contains(t, m.Text, w)
			}
			for _, w := range tt.html {
				assert.Contains(t, m.HTML, w)
			}
			for _, w := range tt.notWant {
				assert.NotContains(t, m.Text, w)
			}
			for _, id := range []string{"credit-history", "charges,", "marketing-list", "credit-factoring"} {
				assert.NotContains(t, m.Text, id, "no registry IDs in the answer")
			}
		})
	}
	t.Run("the access package is written in the request's language", func(t *testing.T) {
		e := newEnv(t, request.AccessSpecific)
		r := e.store.requests["PR-1"]
		r.Language = "es"
		e.store.requests["PR-1"] = r
		_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: runAll(t, e)})
		require.NoError(t, err)
		require.Len(t, e.packages.packages, 1)
		assert.Equal(t, "es", e.packages.packages[0].Language)
		require.Len(t, e.mail.sent, 1)
		assert.Contains(t, e.mail.sent[0].Text, "  - Cuentas de cliente: una copia de sus datos está en la descarga de abajo\n")
	})
}

// TestAnswerListsOnlyWhatWasKept: the answer's "what we kept" lists a
// system's holds only where its erase kept something (the person was
// there); a system that held nothing about the person is said to have held
// nothing, with no hold beside it.
func TestAnswerListsOnlyWhatWasKept(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, request.Deletion)
	results := runAll(t, e)
	for i, res := range results {
		switch res.System {
		case "payments": // the person was not there
			results[i] = fulfil.StepResult{System: "payments", Action: system.Erase, Outcome: mail.OutcomeNotFound}
		case "credit-factoring": // one category of the person's kept
			results[i] = fulfil.StepResult{System: "credit-factoring", Action: system.Erase, Outcome: mail.OutcomeWithheld, Found: true, Withheld: []string{"invoices"}}
		}
	}
	_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: results})
	require.NoError(t, err)
	require.Len(t, e.mail.sent, 1)
	m := e.mail.sent[0]
	assert.Contains(t, m.Text, "Payment processor (Stripe): it held no data about you")
	assert.NotContains(t, m.Text, "Payment processor (Stripe), ", "no hold listed for a system that held nothing")
	assert.Contains(t, m.Text, "Invoices and factoring records are financial records we must keep.")
	assert.NotContains(t, m.Text, "Equal Credit Opportunity Act", "only the category kept")
}

// TestAnOptOutStopsOnlyForAWithdrawalOrADenial: an opt-out step runs
// whatever became of the rest (closed unverified, completed), but not for
// a request withdrawn, nor denied (a denial refuses the opt-outs not yet
// carried out, with its reasons).
func TestAnOptOutStopsOnlyForAWithdrawalOrADenial(t *testing.T) {
	ctx := context.Background()
	for st, runs := range map[request.Status]bool{request.Unverified: true, request.Completed: true, request.Withdrawn: false, request.Denied: false} {
		e := newEnv(t, request.Deletion, request.OptOutSale)
		r := e.store.requests["PR-1"]
		r.Status = st
		e.store.requests["PR-1"] = r
		out, err := e.svc.Step(ctx, fulfil.StepInput{RequestID: "PR-1", System: "credit-factoring", Action: system.OptOut})
		require.NoError(t, err, st)
		assert.Equal(t, runs, out.Outcome != fulfil.OutcomeSkipped, "%s: %s", st, out.Outcome)
		// Nor is the requester told the opt-outs were done, nor the trail.
		ans, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Scope: fulfil.ScopeOptOuts,
			Results: []fulfil.StepResult{{System: out.System, Action: out.Action, Outcome: out.Outcome}}})
		require.NoError(t, err, st)
		assert.Equal(t, runs, ans.Skipped == "", "%s: answered %+v", st, ans)
		assert.Equal(t, runs, slices.Contains(e.store.actions("PR-1"), fulfil.ActionOptOutDone), st)
	}
}

// TestTheParentsAnswerSpeaksOfTheChild: the answer to a parent's request
// about their child says what became of the child's data, which is what
// the systems acted on.
func TestTheParentsAnswerSpeaksOfTheChild(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, request.ChildData)
	r := e.store.requests["PR-1"]
	r.Subject = &request.Subject{Email: "leo@example.com", Name: "Leo"}
	e.store.requests["PR-1"] = r
	results := runAll(t, e)
	_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: results})
	require.NoError(t, err)
	require.Len(t, e.mail.sent, 1)
	m := e.mail.sent[0]
	assert.Contains(t, m.Text, "the child")
	assert.NotContains(t, m.Text, "your data")
	assert.NotContains(t, m.Text, "about you")
}

// TestAnOptOutWhereThePersonIsNotHeld: a system that holds nothing about
// the person is answered as holding nothing, not as having stopped selling
// or sharing their data. Website analytics, which has no opt-out (only a
// deletion, never run for an opt-out), is not said to have stopped either:
// it is among the systems nothing was asked of.
func TestAnOptOutWhereThePersonIsNotHeld(t *testing.T) {
	for _, found := range []bool{true, false} {
		t.Run(fmt.Sprintf("found=%v", found), func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, request.OptOutSale)
			e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
				return &connector.Result{System: sys.Name, Action: a, Status: 200, At: t0, Found: found}, nil
			}
			results := runAll(t, e)
			_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: results})
			require.NoError(t, err)
			require.Len(t, e.mail.sent, 1)
			text := e.mail.sent[0].Text
			if found {
				assert.Contains(t, text, "Credit checks and invoice factoring: it no longer sells or shares your data")
			} else {
				assert.Contains(t, text, "Credit checks and invoice factoring: it held no data about you")
				assert.NotContains(t, text, "no longer sells or shares")
			}
			assert.NotContains(t, text, "Website analytics (Google Analytics):", "analytics did nothing and is said to have done nothing")
			i := strings.Index(text, "Nothing was asked of these systems")
			require.GreaterOrEqual(t, i, 0, text)
			assert.Contains(t, text[i:], "Website analytics (Google Analytics)")
		})
	}
}

// TestARerunThatFailsAgainTellsTheTeamAgain: the team is told once per
// run which steps failed; a run it started again that fails again is told
// again, with its own failures (they were neither mailed nor recorded).
func TestARerunThatFailsAgainTellsTheTeamAgain(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, request.Deletion)
	_, err := e.svc.Plan(ctx, fulfil.PlanInput{RequestID: "PR-1"})
	require.NoError(t, err)
	failed := func(sys string) []fulfil.StepResult {
		return []fulfil.StepResult{{System: sys, Action: system.Erase, Failed: true, Error: &fulfil.StepError{Error: "PermanentError", Cause: "refused"}}}
	}
	for range 2 { // a retried call tells once
		_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: failed("payments")})
		require.NoError(t, err)
	}
	require.Len(t, e.mail.sent, 1)
	require.NoError(t, e.store.AppendEvent(ctx, request.Event{RequestID: "PR-1", At: t0, Actor: "team:alice", Action: request.ActionFulfilmentRerun,
		Data: map[string]string{"execution": "PR-1-rerun-1", "run": "1"}}))
	for range 2 {
		_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: failed("support-desk")})
		require.NoError(t, err)
	}
	require.Len(t, e.mail.sent, 2, "the rerun's failure is told, once")
	assert.Contains(t, e.mail.sent[1].Text, "support-desk")
	var runs []string
	for _, ev := range e.store.events {
		if ev.Action == fulfil.ActionNeedsAttention {
			runs = append(runs, ev.Data["run"])
		}
	}
	assert.Equal(t, []string{"", "PR-1-rerun-1"}, runs)
}
