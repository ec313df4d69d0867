package console_test

import (
	"context"
	"net/http"
	"strings"
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

// TestADenialAfterAnErasureSaysWhatWasErased: a deletion denied after some
// systems erased the person's data needs the team's words on it (the
// notice would otherwise only say it cannot be carried out), and the
// requester reads them.
func TestADenialAfterAnErasureSaysWhatWasErased(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t)
	r := d.add("PR-DNED-AAAA-AAAA-AAAA", 10, request.InProgress, request.Deletion)
	require.NoError(t, d.store.AppendEvent(ctx, request.Event{RequestID: r.ID, At: d.now, Actor: "system:customer-accounts", Action: request.ActionStepDone,
		Data: map[string]string{"system": "customer-accounts", "action": "erase", "outcome": mail.OutcomeErased}}))
	var fe console.FormError
	require.ErrorAs(t, d.Deny(ctx, alice, r.ID, []mail.DenialItem{{Kind: request.Deletion, Reason: mail.DenyExcessive}}), &fe)
	assert.Contains(t, fe["detail.deletion"], "Data was erased already in customer-accounts")
	assert.Empty(t, d.mail.sent)
	require.NoError(t, d.Deny(ctx, alice, r.ID, []mail.DenialItem{{Kind: request.Deletion, Reason: mail.DenyExcessive,
		Detail: "Your customer account was deleted before we stopped; the rest is refused."}}))
	require.Len(t, d.mail.sent, 1)
	assert.Contains(t, strings.Join(strings.Fields(d.mail.sent[0].Text), " "), "Your customer account was deleted before we stopped")
}
