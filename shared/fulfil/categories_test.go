package fulfil_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/connector"
	"github.com/productionflow/privacy-desk/shared/fulfil"
	"github.com/productionflow/privacy-desk/shared/request"
	"github.com/productionflow/privacy-desk/shared/system"
)

// recordValue is in every record the systems return: a copy of the data
// carries it, an answer of categories never does.
const recordValue = "rec-9f31-value-only-in-a-copy"

// categoriesEnv is an env whose systems hold Jane in their first two
// categories (one record each), except payments, which holds nothing.
func categoriesEnv(t *testing.T, lang string, kinds ...request.Kind) *env {
	t.Helper()
	e := newEnv(t, kinds...)
	r := e.store.requests["PR-1"]
	r.Language = lang
	e.store.requests["PR-1"] = r
	e.systems.do = func(sys *system.System, a system.Action) (*connector.Result, error) {
		res := &connector.Result{System: sys.Name, Action: a, Status: 200, At: t0, Found: sys.Name != "payments"}
		if a == system.Find && sys.Supports(system.Erase) {
			res.Found = false // gone after an erase
		}
		if a == system.Export && res.Found {
			res.Data = map[string][]json.RawMessage{}
			for _, c := range sys.Categories[:min(2, len(sys.Categories))] {
				res.Data[c] = []json.RawMessage{json.RawMessage(`{"value":"` + recordValue + `","email":"` + janeEmail + `"}`)}
			}
		}
		return res, nil
	}
	return e
}

// TestACategoriesRequestIsAnsweredWithCategoriesNotACopy: a request to
// know the categories alone asks every system that exports (to learn
// which hold the person, and in what), but its answer lists, per system
// that holds the person, the categories held and what the registry says
// of sources, purposes and who else receives the data — with no record,
// no package and no download link. With specific pieces or portability
// among its kinds, the requester gets the copy as before.
func TestACategoriesRequestIsAnsweredWithCategoriesNotACopy(t *testing.T) {
	ctx := context.Background()
	t.Run("categories alone, English", func(t *testing.T) {
		e := categoriesEnv(t, "en", request.AccessCategories)
		results := runAll(t, e)
		require.Contains(t, e.systems.calls, "customer-accounts export", "the systems are still asked")
		part, err := e.parts.Get(ctx, "PR-1", "customer-accounts")
		require.NoError(t, err)
		assert.NotContains(t, string(part), recordValue, "no copy is kept either: only which categories held records")
		out, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: results})
		require.NoError(t, err)
		assert.True(t, out.Completed)

		assert.Empty(t, e.packages.packages, "no package is built")
		assert.NotContains(t, e.store.actions("PR-1"), fulfil.ActionPackageWritten)
		require.Len(t, e.mail.sent, 1)
		m := e.mail.sent[0]
		for _, part := range []string{m.Text, m.HTML} {
			assert.NotContains(t, part, recordValue, "no record value reaches the requester")
			assert.NotContains(t, part, downloadPage, "no download link")
			assert.NotContains(t, strings.ToLower(part), "download")
			assert.NotContains(t, part, "copy of your data is in")
		}
		assert.Contains(t, m.Text, "  - Customer accounts: we found data about you here (what kinds: below)\n")
		assert.Contains(t, m.Text, "  - Payment processor (Stripe): it held no data about you\n")
		assert.Contains(t, m.Text, "What we found about you, system by system:\n"+
			"  - Customer accounts\n"+
			"    Kinds of data: account identifiers (account number, sign-up date, status); contact details (name, email, phone, postal address)\n"+
			"    Where it comes from: you, when you create an account or place an order\n"+
			"    Why we hold it: provide the service you ordered; account security; customer support\n"+
			"    Who else receives it: nobody\n")
		assert.NotContains(t, m.Text, "orders you placed", "only the categories the person is held in")
		assert.Contains(t, m.Text, "  - Customer support (Zendesk)\n"+
			"    Kinds of data: your profile in our customer support; your messages to customer support\n"+
			"    Where it comes from: you, when you write to support\n"+
			"    Why we hold it: answer your questions\n"+
			"    Who else receives it: Zendesk, Inc. (support platform)\n")
		assert.NotContains(t, m.Text, "  - Payment processor (Stripe)\n    Kinds", "a system that holds nothing lists no categories")
		assert.Contains(t, m.Text, "This answer tells you what kinds of personal data we hold about\nyou, not the data itself: it carries no copy of any record.")
		assert.Contains(t, m.HTML, "<li><strong>Credit checks and invoice factoring</strong><br>\nKinds of data: credit checks and credit decisions; invoices and their sale to our factoring partner<br>")
		assert.Contains(t, m.HTML, "Who else receives it: credit bureaus; the factoring partner</li>")
		// Website analytics cannot be searched by person: named with its
		// categories as may holding the person, not as asked nothing.
		assert.Contains(t, m.Text, "These systems may hold data about you too, but we have no way to\nlook you up in them, so we could not check:\n"+
			"  - Website analytics (Google Analytics)\n    Kinds of data: how you used our website (pages visited, visits)\n")
		assert.NotContains(t, m.Text, "Nothing was asked of these systems", "every system is in the answer")

		answered := e.store.events[len(e.store.events)-2]
		require.Equal(t, fulfil.ActionAnswered, answered.Action)
		assert.Equal(t, "false", answered.Data["link"])
		assert.Equal(t, "0", answered.Data["exported"])
		assert.Equal(t, "true", answered.Data["categoriesOnly"])
		assert.NotContains(t, e.logs.String(), recordValue)
		assert.NotContains(t, e.logs.String(), janeEmail)
	})

	t.Run("categories alone, Spanish", func(t *testing.T) {
		e := categoriesEnv(t, "es", request.AccessCategories)
		_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: runAll(t, e)})
		require.NoError(t, err)
		assert.Empty(t, e.packages.packages)
		require.Len(t, e.mail.sent, 1)
		m := e.mail.sent[0]
		assert.NotContains(t, m.Text, recordValue)
		assert.NotContains(t, m.Text, downloadPage)
		assert.NotContains(t, strings.ToLower(m.Text), "descarga")
		assert.Contains(t, m.Text, "  - Cuentas de cliente: encontramos datos sobre usted (qué tipos: ver abajo)\n")
		assert.Contains(t, m.Text, "Lo que encontramos sobre usted, sistema por sistema:\n"+
			"  - Cuentas de cliente\n"+
			"    Tipos de datos: identificadores de la cuenta (número de cuenta, fecha de alta, estado); datos de contacto (nombre, correo electrónico, teléfono, dirección postal)\n"+
			"    De dónde vienen: usted, al crear una cuenta o hacer un pedido\n"+
			"    Para qué los guardamos: prestar el servicio que pidió; seguridad de la cuenta; atención al cliente\n"+
			"    Quién más los recibe: nadie\n")
		assert.Contains(t, m.Text, "no los datos en sí: no incluye copia de ningún registro.")
	})

	t.Run("categories and a deletion: the categories, then the deletion, no copy", func(t *testing.T) {
		e := categoriesEnv(t, "en", request.Deletion, request.AccessCategories)
		_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: runAll(t, e)})
		require.NoError(t, err)
		assert.Empty(t, e.packages.packages)
		require.Len(t, e.mail.sent, 1)
		m := e.mail.sent[0]
		assert.NotContains(t, m.Text, recordValue)
		assert.NotContains(t, m.Text, downloadPage)
		assert.Contains(t, m.Text, "  - Customer accounts: deleted; we checked afterwards and it no longer holds your data; also we found data about you here (what kinds: below)\n")
		assert.Contains(t, m.Text, "    Kinds of data: account identifiers (account number, sign-up date, status); contact details")
		assert.Contains(t, m.Text, "This answer tells you what kinds of personal data we held about\nyou before the deletion you asked for (what we kept is listed below), not the data itself")
		// Website analytics has no export: its deletion cannot prove it
		// held the person, so it is named as may holding them.
		assert.Contains(t, m.Text, "look you up in them, so we could not check:\n  - Website analytics (Google Analytics)\n    Kinds of data: how you used our website")
	})

	t.Run("categories and a deletion in systems the desk does not export from", func(t *testing.T) {
		// A system with no export step: a proven erasure found the person,
		// so the answer names what the system holds of people; one whose
		// erasure cannot be proven may hold them; one that held nothing
		// is not named among either.
		e := categoriesEnv(t, "en", request.Deletion, request.AccessCategories)
		r := e.store.requests["PR-1"]
		r.Status = request.InProgress
		e.store.requests["PR-1"] = r
		_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: []fulfil.StepResult{
			{System: "customer-accounts", Action: system.Erase, Outcome: "erased", Found: true},
			{System: "payments", Action: system.Export, Outcome: "not-found"},
			{System: "payments", Action: system.Erase, Outcome: "not-found"},
			{System: "google-analytics", Action: system.Erase, Outcome: "erased-unproven", Found: true},
			{System: "support-desk", Action: system.Erase, Outcome: "confirmed", ConfirmedAt: "2026-11-20T10:00:00Z"},
			{System: "marketing-list", Action: system.Erase, Outcome: "erased-unproven", Found: true},
			{System: "credit-factoring", Action: system.Erase, Outcome: "withheld", Found: true},
		}})
		require.NoError(t, err)
		require.Len(t, e.mail.sent, 1)
		m := e.mail.sent[0].Text
		assert.Contains(t, m, "What we found about you, system by system:\n  - Customer accounts\n    Kinds of data it holds about people (it held data about you; which of these kinds was not checked): account identifiers (account number, sign-up date, status); contact details (name, email, phone, postal address); orders you placed")
		found, may, ok := strings.Cut(m, "so we could not check:")
		require.True(t, ok, m)
		assert.Contains(t, found, "  - Credit checks and invoice factoring\n    Kinds of data it holds about people (it held data about you; which of these kinds was not checked): credit checks and credit decisions; invoices", "a hold kept what it found")
		assert.Contains(t, may, "\n  - Website analytics (Google Analytics)\n")
		assert.Contains(t, may, "  - Newsletter list\n    Kinds of data: newsletter subscription and preferences", "an erasure it cannot prove")
		assert.NotContains(t, m, "  - Payment processor (Stripe)\n    Kinds")
		assert.Contains(t, found, "  - Customer support (Zendesk)\n    Kinds of data it holds about people", "its owner deleted what they found")
	})

	for _, kinds := range [][]request.Kind{
		{request.AccessCategories, request.AccessSpecific},
		{request.AccessSpecific},
		{request.Portability},
		{request.AccessCategories, request.Portability},
	} {
		t.Run("a copy asked: "+string(kinds[len(kinds)-1])+" of "+string(kinds[0]), func(t *testing.T) {
			e := categoriesEnv(t, "en", kinds...)
			_, err := e.svc.Answer(ctx, fulfil.AnswerInput{RequestID: "PR-1", Results: runAll(t, e)})
			require.NoError(t, err)
			require.Len(t, e.packages.packages, 1, "the copy is packaged")
			var values int
			for _, sd := range e.packages.packages[0].Systems {
				for _, recs := range sd.Data {
					for _, rec := range recs {
						if strings.Contains(string(rec), recordValue) {
							values++
						}
					}
				}
			}
			assert.Positive(t, values, "the package holds the records")
			require.Len(t, e.mail.sent, 1)
			m := e.mail.sent[0]
			assert.Contains(t, m.Text, downloadPage+"?t=")
			assert.Contains(t, m.Text, "  - Customer accounts: a copy of your data is in the download below\n")
			assert.NotContains(t, m.Text, "What we found about you")
			assert.NotContains(t, m.Text, "carries no copy")
		})
	}
}

// TestOnlySpecificPiecesAndPortabilityAreACopy: which kinds ask for the
// data itself.
func TestOnlySpecificPiecesAndPortabilityAreACopy(t *testing.T) {
	tests := []struct {
		kinds []request.Kind
		copy  bool
	}{
		{[]request.Kind{request.AccessCategories}, false},
		{[]request.Kind{request.AccessCategories, request.Deletion, request.OptOutSale}, false},
		{[]request.Kind{request.AccessSpecific}, true},
		{[]request.Kind{request.Portability}, true},
		{[]request.Kind{request.AccessCategories, request.AccessSpecific}, true},
		{nil, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.copy, fulfil.CopyAsked(tt.kinds), "%v", tt.kinds)
	}
}
