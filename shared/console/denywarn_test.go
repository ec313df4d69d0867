package console_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/console"
	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestTheDenyPageWarnsOfDataErasedAlready: a deletion some systems have
// already carried out can still be denied (a system failed, the team
// decides), but the deny page says first which systems the trail shows
// erased, that a denial does not bring their data back and that its notice
// would no longer be true of them. Erase steps that found nothing, kept
// everything under a hold or were skipped, and owners' tasks not done,
// raise no warning.
func TestTheDenyPageWarnsOfDataErasedAlready(t *testing.T) {
	d := newDesk(t)
	h, auth, _ := newConsole(t, d)
	b := newBrowser(t, h, "desk.example")
	b.signIn(auth, aliceToken, "/console/")
	step := func(sys, action, outcome string) request.Event {
		return request.Event{Actor: "system:" + sys, Action: request.ActionStepDone,
			Data: map[string]string{"system": sys, "action": action, "outcome": outcome}}
	}
	owner := func(sys, action, answer string) request.Event {
		return request.Event{Actor: "owner:" + sys, Action: request.ActionTaskConfirmed,
			Data: map[string]string{"system": sys, "action": action, "answer": answer}}
	}
	tests := []struct {
		id     string
		events []request.Event
		erased []string
	}{
		{"PR-DNER-AAAA-AAAA-AAA1", []request.Event{
			step("customer-accounts", "erase", mail.OutcomeErased),
			step("payments", "erase", mail.OutcomeErasedKept),
			step("support-desk", "erase", mail.OutcomeNotFound),
			step("credit-factoring", "erase", mail.OutcomeWithheld),
			step("marketing-list", "export", mail.OutcomeExported),
		}, []string{"customer-accounts", "payments"}},
		{"PR-DNER-AAAA-AAAA-AAA2", []request.Event{
			owner("paper-archive", "erase", "done"),
			owner("crm", "erase", "nothing-held"),
			step("google-analytics", "erase", mail.OutcomeErasedAsk),
		}, []string{"paper-archive", "google-analytics"}},
		{"PR-DNER-AAAA-AAAA-AAA3", []request.Event{
			step("customer-accounts", "erase", request.OutcomeByHand),
		}, []string{"customer-accounts"}},
		{"PR-DNER-AAAA-AAAA-AAA4", []request.Event{
			step("customer-accounts", "erase", mail.OutcomeNotFound),
			owner("paper-archive", "erase", "cannot"),
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			ctx := context.Background()
			r := d.add(tt.id, 10, request.InProgress, request.Deletion)
			for _, ev := range tt.events {
				ev.RequestID, ev.At = r.ID, d.now
				require.NoError(t, d.store.AppendEvent(ctx, ev))
			}
			w := b.do("GET", "/console/requests/"+r.ID+"/"+console.ActionDeny, nil)
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			body := w.Body.String()
			if tt.erased == nil {
				assert.NotContains(t, body, "Data was already erased")
				return
			}
			assert.Contains(t, body, "Data was already erased")
			assert.Contains(t, body, "A denial does not bring it back")
			for _, sys := range tt.erased {
				assert.Contains(t, body, "<strong>"+sys+"</strong>")
			}
			for _, ev := range tt.events {
				if sys := ev.Data["system"]; !contains(tt.erased, sys) {
					assert.NotContains(t, body, "<strong>"+sys+"</strong>", "%s erased nothing", sys)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
